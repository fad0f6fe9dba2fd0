"""Typed values the scoring engine takes and returns: span queries and their scores.

Pure data; no torch, no I/O.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass


class SpanKind(enum.StrEnum):
    LINES = "lines"
    CHARS = "chars"
    TEXT = "text"


class CalibrationMode(enum.StrEnum):
    """Which calibration turns a probe logit into a probability.

    PR: fitted on in-the-wild labels, P(a person edits this line later); what the PR bot shows.
    BENCHMARK: fitted on the MIAP dataset, P(the line is edited by the minimal passing repair).
    """

    PR = "pr"
    BENCHMARK = "benchmark"


@dataclass(frozen=True, slots=True)
class Span:
    """A part of a text to score.

    kind LINES: lines `start`..`end`, 1-based and inclusive, as an editor numbers them.
    kind CHARS: characters `start`..`end`, 0-based, end exclusive, as Python slices them.
    kind TEXT:  the whole text (start and end are ignored).
    """

    kind: SpanKind
    start: int = 0
    end: int = 0

    @classmethod
    def lines(cls, first: int, last: int | None = None) -> Span:
        return cls(SpanKind.LINES, first, first if last is None else last)

    @classmethod
    def chars(cls, start: int, end: int) -> Span:
        return cls(SpanKind.CHARS, start, end)

    @classmethod
    def whole(cls) -> Span:
        return cls(SpanKind.TEXT)

    def __str__(self) -> str:
        if self.kind is SpanKind.LINES:
            return f"lines {self.start}-{self.end}" if self.end != self.start else f"line {self.start}"
        if self.kind is SpanKind.CHARS:
            return f"chars {self.start}:{self.end}"
        return "whole text"


@dataclass(frozen=True, slots=True)
class SpanScore:
    """The probe's answer for one span.

    probability: calibrated probability that a person edits at least one token of the span
                 (meaning set by the calibration mode the scorer used).
    logit:       the probe's raw output before calibration.
    n_tokens:    supervisor tokens the span covers (0 for an empty span, which gets probability nan).
    skipped:     why the span was not read (its line is past the scorer's token cap), else None.
    reasons:     what raised the probability most, in words (scorers that can say; scoring.explain)
    """

    span: Span
    probability: float
    logit: float
    n_tokens: int
    skipped: str | None = None
    reasons: tuple[str, ...] = ()


class CalibrationSource(enum.StrEnum):
    """Which calibration made a probability a scorer returns."""

    SHIPPED = "shipped"  # the probe card's
    REPOSITORY = "repository"  # a repository's own refit on its outcomes (bot.feedback.recalibration)


@dataclass(frozen=True, slots=True)
class ScoredHunk:
    """One AI-written hunk of added lines `start`..`end` (new-file numbers) with its probability."""

    path: str
    start: int
    end: int
    probability: float


class LineStatus(enum.StrEnum):
    """Why an added line is or is not scored: the review's selection marks it, its scoring settles it."""

    TO_SCORE = "to score"  # selected; the scorer has not answered yet
    SCORED = "scored"
    NOT_AI = "not AI-written"
    FILE_SKIPPED = "file skipped"  # `reason` says why (binary, too large, excluded by paths, language ...)
    NO_TOKENS = "nothing to score"  # the scorer gave no probability (the probe: the line has no tokens)
    NOT_SCORED = "not scored"  # the scorer failed or redline ran out of time; `reason` says which


class LineVerdict(enum.StrEnum):
    """What the decision (scoring.decisions) makes of a line."""

    COMMENT = "comment"  # gets an inline comment
    OVER_CAP = "over cap"  # clears the threshold but the comment cap is reached: listed in the summary
    BELOW_THRESHOLD = "below threshold"
    UNSCORED = "unscored"  # no probability (nan): never commented, never gated


@dataclass(frozen=True, slots=True)
class LineScore:
    """One added line, from selection through scoring, decisions, the plan, the reporters and the store.

    probability / logit: the calibrated probability and the probe's raw logit (nan unless SCORED).
    why: why the line counts as AI-written or not. hunk: the scored AI hunk the line sits in.
    reasons: what raised the line's probability most, in words (empty when the scorer cannot say).
    verdict: what the decision made of it; None until decided, and where a stored row cannot say (bot.store).
    rank: its 1-based position among the lines that clear the comment threshold (None for the others).
    """

    path: str
    line: int
    probability: float = math.nan
    logit: float = math.nan
    text: str = ""
    ai: bool = True
    why: str = ""
    status: LineStatus = LineStatus.SCORED
    reason: str = ""
    hunk: ScoredHunk | None = None
    untrained_language: str | None = None
    reasons: tuple[str, ...] = ()
    verdict: LineVerdict | None = None
    rank: int | None = None

    @property
    def commented(self) -> bool:
        return self.verdict is LineVerdict.COMMENT
