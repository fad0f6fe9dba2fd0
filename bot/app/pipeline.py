"""What a worker does for one job, without Celery: review a PR head and say what to store; track outcomes.

Composes the PR review (bot.snapshot, bot.review, the GitHub reporters) with the store's records and
bot.outcomes. tasks.py adds the queueing, claiming, retries and time limits around these.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.config import load_settings
from bot.github import pulls
from bot.github.client import GitHubClient
from bot.migrations import Fate
from bot.outcomes import ReviewedHead, TrackedLine, track
from bot.reporters.check_run import CheckRunReporter
from bot.reporters.pr_review import PullRequestReviewReporter, existing_comments
from bot.review import Reporter, ReviewOutcome, review
from bot.snapshot import github_config_text, github_snapshot
from bot.store import LineRecord, ReviewRecord, StoredReview
from scoring.decisions import GateConclusion, LineVerdict
from scoring.diff import FileDiff
from scoring.scorer import ScorerProtocol
from scoring.types import CalibrationMode, Span, SpanScore

ReporterFactory = Callable[[GitHubClient, str, int, Sequence[FileDiff]], Sequence[Reporter]]


def github_reporters(client: GitHubClient, repo: str, number: int, files: Sequence[FileDiff]) -> list[Reporter]:
    """What the App posts: one batched PR review and one check run (the merge gate)."""
    return [PullRequestReviewReporter(client, repo, number, files), CheckRunReporter(client, repo)]


class LogitRecorder:
    """Passes scoring through and remembers each line's raw logit, which the store keeps for recalibration."""

    def __init__(self, inner: ScorerProtocol) -> None:
        self.inner = inner
        self.probe_version = inner.probe_version
        self.logits: dict[tuple[str, int], float] = {}  # (text, line) -> logit of the one-line span

    def score(
        self, text: str, spans: Sequence[Span], intent: str | None = None, mode: CalibrationMode = CalibrationMode.PR
    ) -> list[SpanScore]:
        scores = self.inner.score(text, spans, intent, mode)
        for span, score in zip(spans, scores, strict=True):
            if span.start == span.end:
                self.logits[(text, span.start)] = score.logit
        return scores


@dataclass(frozen=True, slots=True)
class LoadedScorer:
    """The scorer a worker uses for one repository: which calibration it applies, which model it runs."""

    scorer: ScorerProtocol
    calibration: str  # "shipped" or "repository"
    fingerprint: str


@dataclass(frozen=True, slots=True)
class ReviewResult:
    outcome: ReviewOutcome
    record: ReviewRecord


def record_of(outcome: ReviewOutcome, texts: Mapping[str, str], logits: Mapping[tuple[str, int], float],
              fingerprint: str, calibration: str) -> ReviewRecord:
    """The store's view of a review: every scored AI-written line, its logit and whether it is commented."""
    lines = tuple(
        LineRecord(ln.path, ln.line, ln.text, ln.probability, logits.get((texts.get(ln.path, ""), ln.line)),
                   ln.status == LineVerdict.COMMENT.value)
        for ln in outcome.lines
        if ln.ai and not math.isnan(ln.probability)
    )
    gate = outcome.gate
    overridden = gate.conclusion is GateConclusion.SUCCESS and bool(gate.blocking)
    return ReviewRecord(outcome.probe_version, fingerprint, gate.conclusion.value, overridden, lines, calibration)


def review_head(client: GitHubClient, repo: str, number: int, head_sha: str, load: Callable[[], LoadedScorer],
                reporters: ReporterFactory, bot_login: str, time_budget_s: float) -> ReviewResult | None:
    """Review the PR if its head is still `head_sha` (None: a newer push superseded this job).

    The scorer is loaded only when a file needs scoring; if loading fails, the review still posts
    its neutral outcome (bot.review turns the error into the gate's reason).
    """
    pull = pulls.get_pull(client, repo, number)
    if pull.head_sha != head_sha:
        return None
    settings = load_settings(github_config_text(client, repo, pull.default_branch))
    snapshot = github_snapshot(client, repo, number, max_added_lines=settings.languages.max_added_lines_per_file)
    if snapshot.head_sha != head_sha:
        return None
    existing = existing_comments(client, repo, number)
    loaded: list[tuple[LogitRecorder, LoadedScorer]] = []

    def scorer() -> ScorerProtocol:
        chosen = load()
        loaded.append((LogitRecorder(chosen.scorer), chosen))
        return loaded[-1][0]

    outcome = review(snapshot, scorer, settings, existing=existing, bot_login=bot_login,
                     reporters=reporters(client, repo, number, snapshot.files), time_budget_s=time_budget_s)
    logits, calibration, fingerprint = {}, "shipped", outcome.probe_version
    if loaded:
        recorder, chosen = loaded[0]
        logits, calibration, fingerprint = recorder.logits, chosen.calibration, chosen.fingerprint
    return ReviewResult(outcome, record_of(outcome, snapshot.texts, logits, fingerprint, calibration))


def fetch_texts(client: GitHubClient, repo: str, sha: str, paths: set[str]) -> dict[str, str | None]:
    texts: dict[str, str | None] = {}
    for path in sorted(paths):
        data = pulls.file_text(client, repo, path, sha)
        texts[path] = None if data is None else data.decode("utf-8", "replace")
    return texts


def pull_outcomes(client: GitHubClient, repo: str, final_sha: str, reviews: Sequence[StoredReview]) -> dict[int, Fate]:
    """Follow every line scored at its first review through the later reviewed heads to `final_sha`."""
    heads, paths = [], set()
    for stored in reviews:
        paths |= {ln.path for ln in stored.lines}
        lines = tuple(TrackedLine(ln.id, ln.path, ln.line) for ln in stored.lines)
        heads.append(ReviewedHead(stored.head_sha, fetch_texts(client, repo, stored.head_sha, paths), lines))
    return track(heads, fetch_texts(client, repo, final_sha, paths))
