"""What a worker does for one job, without Celery: review a PR head and say what to store; track outcomes.

Composes the PR review (bot.pull_review) with the store's records and bot.feedback.outcomes. tasks.py adds the
queueing, claiming, retries and time limits around these.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.config import Settings, load_settings
from bot.feedback.outcomes import ReviewedHead, TrackedLine, track
from bot.feedback.types import Fate
from bot.github import pulls
from bot.github.client import GitHubClient
from bot.pull_review import review_pull
from bot.review import ReviewOutcome
from bot.store import LineRecord, ReviewRecord, StoredReview
from scoring.decisions import GateConclusion, LineVerdict
from scoring.scorer import ScorerProtocol


def load_scorer(factory: str | None) -> ScorerProtocol:
    """REDLINE_SCORER (`module:function` returning a scorer), or the shipped Scorer with REDLINE_MODEL/PROBE."""
    if factory:
        module, _, name = factory.partition(":")
        return getattr(importlib.import_module(module), name)()  # type: ignore[no-any-return]
    from scoring.scorer import Scorer

    model = load_settings(None).model
    return Scorer.load(model.supervisor, model.probe)


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


def record_of(outcome: ReviewOutcome, fingerprint: str, calibration: str) -> ReviewRecord:
    """The store's view of a review: every scored AI-written line, its raw logit and whether it is commented."""
    lines = tuple(
        LineRecord(ln.path, ln.line, ln.text, ln.probability, ln.logit, ln.status == LineVerdict.COMMENT.value)
        for ln in outcome.lines
        if ln.ai and not math.isnan(ln.probability)
    )
    gate = outcome.gate
    overridden = gate.conclusion is GateConclusion.SUCCESS and bool(gate.blocking)
    return ReviewRecord(outcome.probe_version, fingerprint, gate.conclusion.value, overridden, lines, calibration)


def review_head(client: GitHubClient, repo: str, number: int, head_sha: str, load: Callable[[Settings], LoadedScorer],
                bot_login: str, time_budget_s: float) -> ReviewResult | None:
    """Review the PR if its head is still `head_sha` (None: a newer push superseded this job).

    The scorer is loaded, with the repository's settings, only when a file needs scoring; if loading
    fails, the review still posts its neutral outcome (bot.review turns the error into the gate's reason).
    """
    loaded: list[LoadedScorer] = []

    def scorer(settings: Settings) -> ScorerProtocol:
        loaded.append(load(settings))
        return loaded[-1].scorer

    outcome = review_pull(client, repo, number, scorer, bot_login=bot_login, head_sha=head_sha,
                          time_budget_s=time_budget_s)
    if outcome is None:
        return None
    calibration, fingerprint = "shipped", outcome.probe_version
    if loaded:
        calibration, fingerprint = loaded[0].calibration, loaded[0].fingerprint
    return ReviewResult(outcome, record_of(outcome, fingerprint, calibration))


def pull_outcomes(client: GitHubClient, repo: str, final_sha: str, reviews: Sequence[StoredReview]) -> dict[int, Fate]:
    """Follow every line scored at its first review through the later reviewed heads to `final_sha`."""
    heads, paths = [], set()
    for stored in reviews:
        paths |= {ln.path for ln in stored.lines}
        lines = tuple(TrackedLine(ln.id, ln.path, ln.line) for ln in stored.lines)
        heads.append(ReviewedHead(stored.head_sha, pulls.file_texts(client, repo, stored.head_sha, paths), lines))
    return track(heads, pulls.file_texts(client, repo, final_sha, paths))
