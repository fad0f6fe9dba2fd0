"""The GitHub Action's step outputs: gate conclusion, number of inline comments, SARIF path.

Appended to the file named by $GITHUB_OUTPUT (action.yml maps them to the action's outputs). A review
that never finished reads as a neutral gate with no comments, as its check run does.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.types import ReviewOutcome
from scoring.decisions import GateConclusion


def action_outputs(outcome: ReviewOutcome | None, sarif_path: Path | None) -> dict[str, str]:
    gate = outcome.gate.conclusion if outcome is not None else GateConclusion.NEUTRAL
    comments = len(outcome.decision.commented) if outcome is not None else 0
    sarif = str(sarif_path) if sarif_path is not None and sarif_path.is_file() else ""
    return {"gate": str(gate), "comments": str(comments), "sarif": sarif}


def write_action_outputs(outcome: ReviewOutcome | None, sarif_path: Path | None) -> None:
    """Append to $GITHUB_OUTPUT; nothing outside GitHub Actions."""
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as out:
        for name, value in action_outputs(outcome, sarif_path).items():
            out.write(f"{name}={value}\n")
