"""The types a review hands its reporters: the outcome of one review, and the Reporter protocol.

Pure data, no I/O: reporters (bot.reporters), the App's store records (bot.app.pipeline) and the CLI read
these; the orchestrator that makes them is bot.review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot import gate as gate_rules
from bot.comments import Coverage, ReviewPlan
from scoring.decisions import Decision, GateDecision
from scoring.types import CalibrationSource, LineScore, LineStatus, ScoredHunk


class Reporter(Protocol):
    """Publishes an outcome somewhere (terminal, PR review, check run, SARIF file)."""

    def report(self, outcome: ReviewOutcome) -> None: ...


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """One review. lines: every added line, settled; decision.lines: the same lines with their verdicts.

    model_version, fingerprint, calibration: which model, what it read the text with (the probe's supervisor)
    and which calibration made the numbers.
    """

    source: str
    head_sha: str
    model_version: str
    fingerprint: str
    calibration: CalibrationSource
    lines: tuple[LineScore, ...]
    hunks: tuple[ScoredHunk, ...]
    decision: Decision
    coverage: Coverage
    plan: ReviewPlan
    error: str | None = None
    reporter_errors: tuple[str, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)
    reporter_retryable: bool = False  # some reporter failed in a way that posting again later can fix

    @property
    def scored(self) -> tuple[LineScore, ...]:
        return tuple(ln for ln in self.lines if ln.status is LineStatus.SCORED)

    @property
    def gate(self) -> GateDecision:
        return self.decision.gate

    @property
    def exit_code(self) -> int:
        return gate_rules.exit_code(self.gate)
