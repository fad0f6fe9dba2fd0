"""The pure decision core: which scored lines get an inline comment, and what the merge gate concludes.

Shared by the PR bot (bot/stages/comments.py, bot/stages/gate.py) and training's replay evaluation, so it
stays pure: literals in, frozen dataclasses out; no GitHub, no model, no I/O.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scoring.errors import ConfigError
from scoring.types import LineScore, LineVerdict, ScoredHunk

DEFAULT_COMMENT_THRESHOLD = 0.5
DEFAULT_GATE_THRESHOLD = 0.8
DEFAULT_MAX_COMMENTS = 30


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The decision knobs.

    comment:      a line gets an inline comment when its calibrated probability is >= this.
    gate:         the gate fails when an AI-written hunk's calibrated probability is >= this.
    max_comments: at most this many inline comments per run; the rest are listed in the summary.
    """

    comment: float = DEFAULT_COMMENT_THRESHOLD
    gate: float = DEFAULT_GATE_THRESHOLD
    max_comments: int = DEFAULT_MAX_COMMENTS

    def __post_init__(self) -> None:
        for name in ("comment", "gate"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
                raise ConfigError(f"{name} threshold must be a probability in [0, 1], got {value!r}")
        if not (isinstance(self.max_comments, int) and self.max_comments >= 0):
            raise ConfigError(f"max_comments must be a non-negative integer, got {self.max_comments!r}")


class GateConclusion(enum.StrEnum):
    """Values are GitHub check-run conclusions."""

    SUCCESS = "success"
    FAILURE = "failure"
    NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class GateDecision:
    """The gate's conclusion, a one-line reason a person can read, and the hunks that tripped it."""

    conclusion: GateConclusion
    reason: str
    blocking: tuple[ScoredHunk, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything decided for one review: the lines with their verdicts (input order) and the gate."""

    lines: tuple[LineScore, ...]
    gate: GateDecision

    @property
    def commented(self) -> tuple[LineScore, ...]:
        return tuple(sorted((d for d in self.lines if d.verdict is LineVerdict.COMMENT), key=_rank))

    @property
    def over_cap(self) -> tuple[LineScore, ...]:
        return tuple(sorted((d for d in self.lines if d.verdict is LineVerdict.OVER_CAP), key=_rank))


def _rank(line: LineScore) -> int:
    return line.rank or 0


def _scored(probability: float) -> bool:
    return not math.isnan(probability)


def select_lines(lines: Sequence[LineScore], thresholds: Thresholds) -> tuple[LineScore, ...]:
    """The lines with their verdicts and ranks, in input order.

    Lines at or above the comment threshold are ranked by probability (ties: path, then line, so the
    result never depends on input order); the first `max_comments` get a comment, the rest go over cap.

    >>> t = Thresholds(comment=0.5, max_comments=1)
    >>> [d.verdict.value for d in select_lines([LineScore("a", 1, 0.6), LineScore("a", 2, 0.9)], t)]
    ['over cap', 'comment']
    """
    above = [ln for ln in lines if _scored(ln.probability) and ln.probability >= thresholds.comment]
    ranked = sorted(above, key=lambda ln: (-ln.probability, ln.path, ln.line))
    rank_of = {(ln.path, ln.line): rank for rank, ln in enumerate(ranked, start=1)}
    decided = []
    for ln in lines:
        if not _scored(ln.probability):
            decided.append(replace(ln, verdict=LineVerdict.UNSCORED, rank=None))
            continue
        rank = rank_of.get((ln.path, ln.line))
        if rank is None:
            decided.append(replace(ln, verdict=LineVerdict.BELOW_THRESHOLD, rank=None))
        elif rank <= thresholds.max_comments:
            decided.append(replace(ln, verdict=LineVerdict.COMMENT, rank=rank))
        else:
            decided.append(replace(ln, verdict=LineVerdict.OVER_CAP, rank=rank))
    return tuple(decided)


def decide_gate(
    hunks: Sequence[ScoredHunk],
    thresholds: Thresholds,
    *,
    enabled: bool = True,
    override: bool = False,
    error: str | None = None,
) -> GateDecision:
    """Conclude the merge gate over the AI-written hunks.

    Failure only when the gate is enabled, no override label is set, redline itself did not fail, and
    some hunk's probability is >= the gate threshold. redline's own failure (`error`) is neutral,
    never failure: a broken bot must not block a merge.
    """
    if error is not None:
        return GateDecision(GateConclusion.NEUTRAL, f"redline could not finish: {error}")
    blocking = tuple(
        sorted(
            (h for h in hunks if _scored(h.probability) and h.probability >= thresholds.gate),
            key=lambda h: (-h.probability, h.path, h.start),
        )
    )
    if not enabled:
        return GateDecision(GateConclusion.NEUTRAL, "the gate is switched off in the configuration", blocking)
    if not blocking:
        scored = sum(1 for h in hunks if _scored(h.probability))
        return GateDecision(
            GateConclusion.SUCCESS,
            f"no AI-written hunk reaches the gate threshold {thresholds.gate:.2f} ({scored} scored)",
        )
    worst = blocking[0]
    where = f"{worst.path}:{worst.start}-{worst.end} ({worst.probability:.2f})"
    if override:
        return GateDecision(
            GateConclusion.SUCCESS,
            (
                f"risk accepted by label: {len(blocking)} hunk(s) "
                f"at or above {thresholds.gate:.2f}, worst {where}"
            ),
            blocking,
        )
    return GateDecision(
        GateConclusion.FAILURE,
        (
            f"{len(blocking)} AI-written hunk(s) at or above the "
            f"gate threshold {thresholds.gate:.2f}, worst {where}"
        ),
        blocking,
    )


def decide(
    lines: Sequence[LineScore],
    hunks: Sequence[ScoredHunk],
    thresholds: Thresholds,
    *,
    gate_enabled: bool = True,
    override: bool = False,
    error: str | None = None,
) -> Decision:
    """Both decisions at once; when redline failed (`error`), no line is commented."""
    decided = (
        tuple(replace(ln, verdict=LineVerdict.UNSCORED, rank=None) for ln in lines)
        if error is not None
        else select_lines(lines, thresholds)
    )
    gate = decide_gate(hunks, thresholds, enabled=gate_enabled, override=override, error=error)
    return Decision(decided, gate)
