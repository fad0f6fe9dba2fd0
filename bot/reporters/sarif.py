"""Write the flagged lines as a SARIF 2.1.0 file (for GitHub code scanning upload or any SARIF viewer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from bot.comments import meaning
from scoring.decisions import LineVerdict
from scoring.errors import RedlineError

if TYPE_CHECKING:
    from bot.review import ReviewOutcome

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_ID = "redline/likely-edited"


def sarif_document(outcome: ReviewOutcome, docs_url: str) -> dict[str, object]:
    results = [
        {
            "ruleId": RULE_ID,
            "level": "warning",
            "message": {
                "text": f"Probability {d.line.probability:.2f} that a person changes this line: "
                f"{meaning(d.line.probability)}"
                + (f" What raised it most: {'; '.join(d.line.reasons)}." if d.line.reasons else "")
            },
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.line.path},
                        "region": {"startLine": d.line.line},
                    }
                }
            ],
            "properties": {
                "probability": round(d.line.probability, 4),
                "reasons": list(d.line.reasons),
                "probeVersion": outcome.probe_version,
            },
        }
        for d in sorted(outcome.decision.lines, key=lambda d: d.rank or 0)
        if d.verdict in (LineVerdict.COMMENT, LineVerdict.OVER_CAP)
    ]
    rule = {
        "id": RULE_ID,
        "name": "LikelyEdited",
        "helpUri": docs_url,
        "shortDescription": {"text": "AI-written line that a person will likely have to edit"},
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "redline", "informationUri": docs_url, "rules": [rule]}},
                "results": results,
            }
        ],
    }


class SarifReporter:
    def __init__(self, path: Path, docs_url: str) -> None:
        self.path = path
        self.docs_url = docs_url

    def report(self, outcome: ReviewOutcome) -> None:
        """Write the file; a path that cannot be written is a RedlineError, so the review (already shown,
        and still to be posted) is kept and the problem reported beside it (bot.review._report)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(sarif_document(outcome, self.docs_url), indent=2))
        except OSError as error:
            raise RedlineError(
                f"cannot write the SARIF file {self.path}: {error.strerror or error}"
            ) from error
