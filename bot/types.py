"""The types around one review: the change a source opens, the outcome, and the Reporter protocol.

Pure data, no I/O: sources (bot.snapshot, bot.pull_review) open a Change, bot.review.run turns it into a
ReviewOutcome, and reporters (bot.reporters), the App's store records (bot.app.pipeline) and the CLI read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.stages import gate as gate_rules
from bot.stages.comments import Coverage, ExistingComment, ReviewPlan
from scoring.decisions import Decision, GateDecision
from scoring.types import CalibrationSource, LineScore, LineStatus, ScoredHunk

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.snapshot import Snapshot


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


@dataclass(frozen=True, slots=True)
class Change:
    """A change ready to review: the repository's settings, its snapshot, redline's earlier comments on it,
    and the reporters that publish where it lives (a PR's review and check run). A Change in hand is its own
    Source."""

    settings: Settings
    snapshot: Snapshot
    existing: tuple[ExistingComment, ...] = ()
    reporters: tuple[Reporter, ...] = ()

    def open(self) -> Change:
        return self


class Source(Protocol):
    """Where a change comes from: a local branch (bot.snapshot.LocalBranch), a GitHub pull request
    (bot.pull_review.PullSource), a merged PR's commit (bot.snapshot.MergedCommit). `open` reads it once:
    None when there is nothing to review (the PR's head moved on; a commit with no AI-written line);
    RedlineError when it cannot be read (nothing was reviewed)."""

    def open(self) -> Change | None: ...
