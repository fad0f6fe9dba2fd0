"""Typed values the scoring engine takes and returns: span queries and their scores.

Pure data; no torch, no I/O.
"""

from __future__ import annotations

import enum
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
    """

    span: Span
    probability: float
    logit: float
    n_tokens: int
