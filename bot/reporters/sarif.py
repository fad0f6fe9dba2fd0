"""Write the flagged lines as a SARIF 2.1.0 file (for GitHub code scanning upload or any SARIF viewer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from bot.stages.comments import language_note, language_sentence, meaning
from scoring.errors import RedlineError
from scoring.languages import language_of
from scoring.types import LineScore, LineVerdict

if TYPE_CHECKING:
    from bot.types import ReviewOutcome

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_ID = "redline/likely-edited"


def _result(line: LineScore, model_version: str) -> dict[str, object]:
    """One flagged line as a SARIF result: the comment's explanation, its location, and as properties the
    probability, the reasons, the model and the line's language (with its note, where it has one)."""
    message = (
        f"Probability {line.probability:.2f} that a person changes this line: {meaning(line.probability)}"
    )
    if line.reasons:
        message += f" What raised it most: {'; '.join(line.reasons)}."
    properties: dict[str, object] = {
        "probability": round(line.probability, 4),
        "reasons": list(line.reasons),
        "modelVersion": model_version,
        "language": language_of(line.path),
    }
    note = language_note(line.untrained_language)
    if note:
        properties["languageNote"] = note
    return {
        "ruleId": RULE_ID,
        "level": "warning",
        "message": {"text": f"{message} {language_sentence(line)}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": line.path},
                    "region": {"startLine": line.line},
                }
            }
        ],
        "properties": properties,
    }


def sarif_document(outcome: ReviewOutcome, docs_url: str) -> dict[str, object]:
    results = [
        _result(d, outcome.model_version)
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
