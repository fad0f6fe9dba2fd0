"""The scoring stage of a review: one scorer call per file answers its selected lines and AI hunks.

Takes the lines `bot.stages.select` marked TO_SCORE and settles each: SCORED (probability, logit, hunk),
NO_TOKENS, or NOT_SCORED with the reason. redline's own failures (no model, time budget) are returned
as the error that makes the gate neutral, never raised.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import groupby

from scoring.diff import FileDiff
from scoring.errors import RedlineError
from scoring.pr_features import ChangeSize, FileChange, FileHistory
from scoring.registry import ScorerProtocol
from scoring.types import CalibrationMode, LineScore, LineStatus, ScoredHunk, Span

REDLINE_FAILED = "not scored: redline failed"


@dataclass(frozen=True, slots=True)
class ChangeContext:
    """What a diff-aware scorer reads beyond one file: the AI-written change's size, each file's history
    (None where no repository history is at hand) and the repository's prior edit rate (None: unknown)."""

    size: ChangeSize
    histories: Mapping[str, FileHistory | None]
    prior: float | None = None

    @classmethod
    def of(
        cls,
        lines: Sequence[LineScore],
        histories: Mapping[str, FileHistory | None] | None = None,
        prior: float | None = None,
    ) -> ChangeContext:
        chosen = [ln for ln in lines if ln.status is LineStatus.TO_SCORE]
        return cls(ChangeSize(len({ln.path for ln in chosen}), len(chosen)), histories or {}, prior)


@dataclass(frozen=True, slots=True)
class Scored:
    """What the scoring stage hands on: every line (settled), the scored hunks, and redline's own error."""

    lines: tuple[LineScore, ...]
    hunks: tuple[ScoredHunk, ...]
    error: str | None


def score(
    lines: Sequence[LineScore],
    files: Sequence[FileDiff],
    texts: Mapping[str, str],
    scorer: ScorerProtocol | None,
    intents: Mapping[str, str],
    *,
    error: str | None,
    time_budget_s: float,
    elapsed: Callable[[], float],
    progress: Callable[[int, int], None] | None = None,
    context: ChangeContext | None = None,
) -> Scored:
    """Score the TO_SCORE lines file by file until redline fails or `elapsed()` passes the time budget.
    `progress(done, total)` hears how many TO_SCORE lines are settled: before the first file, after each."""
    diffs = {f.path: f for f in files}
    context = context or ChangeContext.of(lines)
    settled: list[LineScore] = []
    hunks: list[ScoredHunk] = []
    total = sum(ln.status is LineStatus.TO_SCORE for ln in lines)
    done = 0
    if progress is not None:
        progress(done, total)
    for path, group in groupby(lines, key=lambda ln: ln.path):
        file_lines = list(group)
        to_score = sum(ln.status is LineStatus.TO_SCORE for ln in file_lines)
        if progress is not None and done:
            progress(done, total)
        done += to_score
        if not to_score:
            settled += file_lines
            continue
        if error is None and elapsed() > time_budget_s:
            error = f"the time budget of {time_budget_s:.0f} s ran out before {path}"
        if error is not None or scorer is None:
            settled += _unscored(file_lines, REDLINE_FAILED)
            continue
        try:
            change = FileChange(diffs[path], context.size, context.histories.get(path), context.prior)
            file_scored, file_hunks = _score_file(
                scorer, change, texts.get(path), file_lines, intents.get(path, "")
            )
        except RedlineError as failure:
            settled += _unscored(file_lines, f"scoring failed: {failure}")
            continue
        settled += file_scored
        hunks += file_hunks
    if progress is not None:
        progress(total, total)
    return Scored(tuple(settled), tuple(hunks), error)


def _unscored(lines: Sequence[LineScore], reason: str) -> list[LineScore]:
    return [
        replace(ln, status=LineStatus.NOT_SCORED, reason=reason) if ln.status is LineStatus.TO_SCORE else ln
        for ln in lines
    ]


def _score_file(
    scorer: ScorerProtocol, change: FileChange, text: str | None, lines: Sequence[LineScore], intent: str
) -> tuple[list[LineScore], list[ScoredHunk]]:
    """One scorer call: a span per selected line plus one per diff hunk's selected lines."""
    f = change.diff
    if text is None:
        raise RedlineError(f"no text of {f.path} at head")
    chosen = [ln.line for ln in lines if ln.status is LineStatus.TO_SCORE]
    wanted = set(chosen)
    ranges = []
    for hunk in f.hunks:
        numbers = [a.new_line for a in hunk.added if a.new_line in wanted]
        if numbers:
            ranges.append((min(numbers), max(numbers)))
    spans = [Span.lines(n) for n in chosen] + [Span.lines(a, b) for a, b in ranges]
    scores = scorer.score(text, spans, intent=intent or None, mode=CalibrationMode.PR, change=change)
    by_line = dict(zip(chosen, scores[: len(chosen)], strict=True))
    hunks = [
        ScoredHunk(f.path, a, b, s.probability)
        for (a, b), s in zip(ranges, scores[len(chosen) :], strict=True)
    ]
    out = []
    for ln in lines:
        s = by_line.get(ln.line) if ln.status is LineStatus.TO_SCORE else None
        if s is None:
            out.append(ln)
        elif s.skipped:  # the line is past the scorer's token cap (scoring.windows.MAX_LINE_TOKENS)
            out.append(replace(ln, status=LineStatus.NOT_SCORED, reason=s.skipped))
        elif math.isnan(s.probability):
            out.append(replace(ln, status=LineStatus.NO_TOKENS))
        else:
            scored_hunk = next((h for h in hunks if h.start <= ln.line <= h.end), None)
            out.append(
                replace(
                    ln,
                    status=LineStatus.SCORED,
                    probability=s.probability,
                    logit=s.logit,
                    hunk=scored_hunk,
                    reasons=s.reasons,
                )
            )
    return out, hunks
