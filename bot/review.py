"""The review orchestrator: snapshot -> attribute -> select spans -> score -> decide -> plan -> report.

Every added line ends up in the outcome with a reason (mark, don't drop). redline's own failures
(model missing, scoring error, time budget) give a neutral gate with the reason, never a failing one.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Protocol

from bot import gate as gate_rules
from bot.comments import Coverage, ExistingComment, LineFinding, ReviewPlan, plan
from bot.config import Settings
from bot.snapshot import Snapshot
from scoring.attribution import Attribution, Evidence, attribute_lines
from scoring.decisions import Decision, GateDecision, ScoredHunk, ScoredLine
from scoring.diff import FileDiff
from scoring.errors import RedlineError
from scoring.scorer import ScorerProtocol
from scoring.types import CalibrationMode, Span

log = logging.getLogger(__name__)

DEFAULT_TRAINED_LANGUAGES = ("python",)
DEFAULT_TIME_BUDGET_S = 900.0
EXTENSION_LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".kt": "kotlin",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".cs": "csharp",
    ".rb": "ruby",
    ".php": "php",
    ".swift": "swift",
    ".scala": "scala",
    ".sh": "shell",
    ".sql": "sql",
}
MAX_INTENT_CHARS = 4000
_UNKNOWN = Attribution(False, "no blame information for this line", Evidence.NONE)


class Reporter(Protocol):
    """Publishes an outcome somewhere (terminal, PR review, check run, SARIF file)."""

    def report(self, outcome: ReviewOutcome) -> None: ...


@dataclass(frozen=True, slots=True)
class LineResult:
    """Every added line: whether an AI wrote it (and why), its probability and the probe's raw logit behind it
    (both nan: unscored), and what happened. The App stores the logit to fit per-repository recalibrations."""

    path: str
    line: int
    text: str
    ai: bool
    why: str
    probability: float
    logit: float
    status: str  # a LineVerdict value, or why the line was not scored


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    source: str
    head_sha: str
    probe_version: str
    lines: tuple[LineResult, ...]
    findings: tuple[LineFinding, ...]
    hunks: tuple[ScoredHunk, ...]
    decision: Decision
    coverage: Coverage
    plan: ReviewPlan
    error: str | None = None
    reporter_errors: tuple[str, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def gate(self) -> GateDecision:
        return self.decision.gate

    @property
    def exit_code(self) -> int:
        return gate_rules.exit_code(self.gate)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a path glob with `**` (any directories), `*` and `?` into a regex over POSIX paths."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(f"^{out}$")


def language_of(path: str) -> str | None:
    return EXTENSION_LANGUAGES.get(PurePosixPath(path).suffix.lower())


def review(
    snapshot: Snapshot,
    scorer: ScorerProtocol | Callable[[], ScorerProtocol],
    settings: Settings,
    *,
    existing: Sequence[ExistingComment] = (),
    bot_login: str = "github-actions[bot]",
    reporters: Sequence[Reporter] = (),
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
    clock: Callable[[], float] = time.monotonic,
) -> ReviewOutcome:
    """Review one snapshot and hand the outcome to each reporter (a reporter's failure is logged, not raised)."""
    started = clock()
    attributions = attribute_lines(
        snapshot.origins, snapshot.commits, snapshot.pull, settings.attribution_rules(), snapshot.claims
    )
    error: str | None = None
    loaded: ScorerProtocol | None = None
    try:
        loaded = scorer if hasattr(scorer, "score") else scorer()  # type: ignore[operator,assignment]
    except RedlineError as failure:
        error = f"the model could not be loaded: {failure}"
    card_threshold, trained = card_facts(loaded)
    thresholds = settings.decision_thresholds(card_threshold)
    timings = {"load_s": clock() - started}
    tally = _Tally()
    intent = _intent(snapshot, attributions)
    for f in snapshot.files:
        reason = skip_reason(f, settings, trained)
        file_lines = [(line.new_line or 0, line.text) for line in f.added]
        ai_lines = [(n, t) for n, t in file_lines if attributions.get((f.path, n), _UNKNOWN).ai]
        if reason is None and ai_lines and error is None and clock() - started > time_budget_s:
            error = f"the time budget of {time_budget_s:.0f} s ran out before {f.path}"
        if reason is None and error is not None:
            reason = "not scored: redline failed"
        if reason is None and not ai_lines:
            reason = "no AI-written lines"
        if reason is None and loaded is not None:
            language = language_of(f.path) or "other"
            untrained = None if language in trained else language
            try:
                scored, logits, file_hunks = _score_file(
                    loaded, snapshot, f, ai_lines, attributions, intent, untrained
                )
            except RedlineError as failure:
                reason = f"scoring failed: {failure}"
            else:
                tally.add_scored(f.path, file_lines, attributions, scored, logits, file_hunks, untrained)
                continue
        tally.add_unscored(
            f.path,
            file_lines,
            attributions,
            reason or "not scored",
            counted=bool(ai_lines) or f.skip is not None,
        )
    lines, findings, hunks = tally.lines, tally.findings, tally.hunks
    timings["score_s"] = clock() - started - timings["load_s"]
    scored_lines = [ScoredLine(f.path, f.line, f.probability) for f in findings]
    decision = gate_rules.decide(scored_lines, hunks, settings, thresholds, snapshot.pull.labels, error)
    gate = decision.gate
    verdicts = {(d.line.path, d.line.line): d.verdict.value for d in decision.lines}
    lines = [
        replace(ln, status=verdicts.get((ln.path, ln.line), ln.status)) if ln.status == "scored" else ln
        for ln in lines
    ]
    coverage = Coverage(
        ai_lines=sum(1 for ln in lines if ln.ai),
        scored_lines=len(findings),
        files_scored=len({f.path for f in findings}),
        human_lines=sum(1 for ln in lines if not ln.ai),
        skipped=tuple(sorted(tally.skipped.items())),
        untrained_languages=tuple(sorted(tally.untrained)),
    )
    probe_version = loaded.probe_version if loaded is not None else "none"
    review_plan = plan(
        findings,
        decision,
        existing,
        bot_login=bot_login,
        probe_version=probe_version,
        coverage=coverage,
        head_sha=snapshot.head_sha,
        docs_url=settings.comments.docs_url,
    )
    timings["total_s"] = clock() - started
    outcome = ReviewOutcome(
        snapshot.source,
        snapshot.head_sha,
        probe_version,
        tuple(lines),
        tuple(findings),
        tuple(hunks),
        decision,
        coverage,
        review_plan,
        error,
        (),
        timings,
    )
    log.info(
        "review %s: %s; gate %s; %d comments; %.1f s",
        snapshot.source,
        coverage.line(),
        gate.conclusion.value,
        len(review_plan.new),
        timings["total_s"],
    )
    return _report(outcome, reporters)


def _report(outcome: ReviewOutcome, reporters: Sequence[Reporter]) -> ReviewOutcome:
    errors = []
    for reporter in reporters:
        try:
            reporter.report(outcome)
        except RedlineError as failure:
            log.warning("reporter %s failed: %s", type(reporter).__name__, failure)
            errors.append(f"{type(reporter).__name__}: {failure}")
    return replace(outcome, reporter_errors=tuple(errors)) if errors else outcome


def card_facts(scorer: ScorerProtocol | None) -> tuple[float | None, tuple[str, ...]]:
    """The comment threshold and training languages the shipped probe card records, when it has them."""
    card = getattr(scorer, "card", None)
    decisions = getattr(card, "decisions", None) or {}
    training = getattr(card, "training_data", None) or {}
    threshold = decisions.get("comment_threshold")
    languages = tuple(training.get("languages", DEFAULT_TRAINED_LANGUAGES))
    return (float(threshold) if threshold is not None else None), languages


def skip_reason(f: FileDiff, settings: Settings, trained: tuple[str, ...]) -> str | None:
    """Why a changed file is not scored (unscorable diff, excluded path, untrained language), or None."""
    if f.skip is not None:
        return f.skip.value
    if not any(glob_regex(p).match(f.path) for p in settings.paths.include) or any(
        glob_regex(p).match(f.path) for p in settings.paths.exclude
    ):
        return "excluded by paths"
    language = language_of(f.path) or "other"
    extra = settings.languages.extra
    if language not in trained and "*" not in extra and language not in extra:
        return f"language not scored ({language})"
    return None


def _intent(snapshot: Snapshot, attributions: dict[tuple[str, int], Attribution]) -> str:
    ai_shas = {a.sha for a in attributions.values() if a.ai and a.sha}
    messages = [c.message.strip() for c in snapshot.commits if c.sha in ai_shas or not ai_shas]
    parts = [snapshot.title.strip(), snapshot.body.strip(), *dict.fromkeys(messages)]
    return "\n\n".join(p for p in parts if p)[:MAX_INTENT_CHARS]


@dataclass
class _Tally:
    """What the per-file loop of `review` accumulates (mutable, local to one review)."""

    lines: list[LineResult] = field(default_factory=list)
    findings: list[LineFinding] = field(default_factory=list)
    hunks: list[ScoredHunk] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    untrained: set[str] = field(default_factory=set)

    def add_unscored(
        self,
        path: str,
        file_lines: list[tuple[int, str]],
        attributions: dict[tuple[str, int], Attribution],
        reason: str,
        counted: bool,
    ) -> None:
        if counted:
            self.skipped[reason] = self.skipped.get(reason, 0) + 1
        for n, text in file_lines:
            attribution = attributions.get((path, n), _UNKNOWN)
            self.lines.append(
                LineResult(path, n, text, attribution.ai, attribution.reason, math.nan, math.nan, reason)
            )

    def add_scored(
        self,
        path: str,
        file_lines: list[tuple[int, str]],
        attributions: dict[tuple[str, int], Attribution],
        findings: list[LineFinding],
        logits: dict[int, float],
        hunks: list[ScoredHunk],
        untrained: str | None,
    ) -> None:
        self.findings.extend(findings)
        self.hunks.extend(hunks)
        if untrained:
            self.untrained.add(untrained)
        by_line = {finding.line: finding for finding in findings}
        for n, text in file_lines:
            attribution = attributions.get((path, n), _UNKNOWN)
            if n in by_line:
                status, probability, logit = "scored", by_line[n].probability, logits[n]
            else:
                status = "no supervisor tokens" if attribution.ai else "not AI-written"
                probability = logit = math.nan
            self.lines.append(
                LineResult(path, n, text, attribution.ai, attribution.reason, probability, logit, status)
            )


def _score_file(
    scorer: ScorerProtocol,
    snapshot: Snapshot,
    f: FileDiff,
    ai_lines: list[tuple[int, str]],
    attributions: dict[tuple[str, int], Attribution],
    intent: str,
    untrained: str | None,
) -> tuple[list[LineFinding], dict[int, float], list[ScoredHunk]]:
    """One scorer call per file: every AI line span plus one span per diff hunk's AI-written lines.

    Returns the scored lines' findings, their raw logits by line number, and the scored hunks."""
    text = snapshot.texts.get(f.path)
    if text is None:
        raise RedlineError(f"no text of {f.path} at head")
    ai_set = {n for n, _ in ai_lines}
    hunk_ranges = []
    for hunk in f.hunks:
        numbers = [line.new_line for line in hunk.added if line.new_line in ai_set]
        if numbers:
            hunk_ranges.append((min(numbers), max(numbers)))  # type: ignore[type-var]
    spans = [Span.lines(n) for n, _ in ai_lines] + [Span.lines(a, b) for a, b in hunk_ranges]
    scores = scorer.score(text, spans, intent=intent or None, mode=CalibrationMode.PR)
    line_scores, hunk_scores = scores[: len(ai_lines)], scores[len(ai_lines) :]
    hunks = [
        ScoredHunk(f.path, a, b, s.probability) for (a, b), s in zip(hunk_ranges, hunk_scores, strict=True)
    ]
    findings, logits = [], {}
    for (n, t), s in zip(ai_lines, line_scores, strict=True):
        if math.isnan(s.probability):
            continue
        hunk = next((h for h in hunks if h.start <= n <= h.end), None)
        findings.append(
            LineFinding(f.path, n, t, s.probability, hunk, attributions[(f.path, n)].reason, untrained)
        )
        logits[n] = s.logit
    return findings, logits, hunks
