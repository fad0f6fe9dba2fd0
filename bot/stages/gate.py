"""Pure merge gate: the conclusion over AI-written hunks, the check-run title, and the process exit code.

Failure only when an AI hunk's probability reaches the gate threshold; redline's own failure is neutral.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.config import Settings
from scoring.decisions import Decision, GateConclusion, GateDecision, Thresholds
from scoring.decisions import decide as decide_all
from scoring.types import LineScore, ScoredHunk

if TYPE_CHECKING:
    from scoring.card import ModelCard

# The exit status of `redline review` (and of every redline command: 2 is any usage or own error).
# One table, shown by `redline review --help` and in docs/review.md and docs/action.md (a test compares).
EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_ERROR = 2
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "reviewed: the gate passed, or is neutral (redline could not score; the reason is printed)"),
    (
        EXIT_GATE_FAILED,
        "the gate failed: an AI-written hunk reached the gate threshold (0 with --no-fail-on-gate)",
    ),
    (
        EXIT_ERROR,
        "nothing was reviewed: a usage error or redline's own (no repository, unknown ref, bad config)",
    ),
)


def thresholds(settings: Settings, card: ModelCard | None) -> Thresholds:
    """The repository's decision knobs; an unset comment or gate threshold falls back to the model card's."""
    if card is None:
        return settings.decision_thresholds(None, None)
    return settings.decision_thresholds(card.comment_threshold, card.gate_threshold)


def decide(
    lines: Sequence[LineScore],
    hunks: Sequence[ScoredHunk],
    settings: Settings,
    knobs: Thresholds,
    labels: Sequence[str] = (),
    error: str | None = None,
) -> Decision:
    """Line verdicts and the gate for one review; the override label (default `redline:accept-risk`)
    on the PR accepts the risk."""
    override = settings.gate.override_label.lower() in {label.lower() for label in labels}
    return decide_all(lines, hunks, knobs, gate_enabled=settings.gate.enabled, override=override, error=error)


def title(gate: GateDecision) -> str:
    """A check-run title (≤ 255 characters)."""
    headline = {
        GateConclusion.FAILURE: "High-risk AI-written code",
        GateConclusion.SUCCESS: "No AI-written hunk above the gate threshold",
        GateConclusion.NEUTRAL: "redline did not gate this change",
    }[gate.conclusion]
    return f"{headline}: {gate.reason}"[:255]


def exit_code(gate: GateDecision) -> int:
    """Non-zero only on a real gate failure, never on redline's own errors (those are neutral)."""
    return EXIT_GATE_FAILED if gate.conclusion is GateConclusion.FAILURE else EXIT_OK
