"""Which lines `redline review` shows (--show flagged | top N | all) and its JSON output (--format json).

The JSON document's schema is docs/review-output.schema.json (a test validates real output against it).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from bot.stages.comments import language_note
from scoring.languages import language_of
from scoring.types import LineScore, LineVerdict

if TYPE_CHECKING:
    from bot.types import ReviewOutcome

# 2: probe_version became model_version; each line says its language (and a note when there is one).
JSON_FORMAT = "redline-review/2"
DEFAULT_TOP = 10
FLAGGED = (LineVerdict.COMMENT, LineVerdict.OVER_CAP)


@dataclass(frozen=True, slots=True)
class Show:
    """flagged: lines at or above the comment threshold; top: the `n` riskiest scored AI-written lines,
    whatever the threshold; all: every AI-written line (scored ones riskiest first, then unscored)."""

    kind: str = "flagged"
    n: int = DEFAULT_TOP

    @classmethod
    def parse(cls, text: str, count: int | None = None) -> Show:
        """`flagged`, `all`, `top` (10), `top N` / `top:N` / `topN`; `count` is a separate N after `top`."""
        match = re.fullmatch(r"(flagged|all|top)(?:[\s:=]*(\d+))?", text.strip().lower())
        if match is None:
            raise ValueError(f"--show takes flagged, top N or all, not {text!r}")
        kind, number = match.group(1), match.group(2)
        if number is not None and count is not None:
            raise ValueError(f"--show {text} is followed by another number, {count}")
        n = int(number) if number is not None else count
        if kind != "top" and n is not None:
            raise ValueError(f"only --show top takes a number, not --show {kind} {n}")
        if n is not None and n < 1:
            raise ValueError("--show top takes a number of at least 1")
        return cls(kind, n or DEFAULT_TOP)

    def describe(self) -> str:
        return {
            "flagged": "lines at or above the comment threshold",
            "all": "every AI-written line",
            "top": f"the {self.n} riskiest scored AI-written lines",
        }[self.kind]


def _riskiest_first(lines: list[LineScore]) -> list[LineScore]:
    return sorted(lines, key=lambda d: (-d.probability, d.path, d.line))


def shown_lines(outcome: ReviewOutcome, show: Show) -> list[LineScore]:
    ai = [d for d in outcome.decision.lines if d.ai]
    if show.kind == "flagged":
        return sorted((d for d in ai if d.verdict in FLAGGED), key=lambda d: d.rank or 0)
    scored = _riskiest_first([d for d in ai if not math.isnan(d.probability)])
    if show.kind == "top":
        return scored[: show.n]
    return scored + [d for d in ai if math.isnan(d.probability)]


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def review_json(outcome: ReviewOutcome, show: Show) -> dict[str, Any]:
    """The document of docs/review-output.schema.json."""
    coverage = outcome.coverage
    return {
        "format": JSON_FORMAT,
        "source": outcome.source,
        "head_sha": outcome.head_sha,
        "model_version": outcome.model_version,
        "gate": {
            "conclusion": outcome.gate.conclusion.value,
            "reason": outcome.gate.reason,
            "blocking_hunks": [
                {"path": h.path, "start": h.start, "end": h.end, "probability": _number(h.probability)}
                for h in outcome.gate.blocking
            ],
        },
        "error": outcome.error,
        "counts": {
            "ai_lines": coverage.ai_lines,
            "scored_lines": coverage.scored_lines,
            "human_lines": coverage.human_lines,
            "commented": len(outcome.decision.commented),
            "over_cap": len(outcome.decision.over_cap),
            "scored_by_language": dict(coverage.languages),
        },
        "show": {"kind": show.kind, "n": show.n if show.kind == "top" else None},
        "lines": [
            {
                "path": d.path,
                "line": d.line,
                "text": d.text,
                "probability": _number(d.probability),
                "verdict": str(d.verdict),
                "rank": d.rank,
                "why_ai": d.why,
                "reasons": list(d.reasons),
                "not_scored_because": d.reason or None,
                "language": language_of(d.path),
                "language_note": language_note(d.untrained_language),
            }
            for d in shown_lines(outcome, show)
        ],
    }


class JsonReporter:
    """Writes the review as one JSON document (stdout by default)."""

    def __init__(self, show: Show, stream: IO[str] | None = None) -> None:
        self.show = show
        self.stream = stream

    def report(self, outcome: ReviewOutcome) -> None:
        stream = self.stream or sys.stdout
        json.dump(review_json(outcome, self.show), stream, indent=2, ensure_ascii=False)
        stream.write("\n")


@contextlib.contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr while the model loads and the lines are scored; None when not enabled
    (not a terminal, JSON output). It disappears once every line is scored, before the results print."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("loading the model", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, description="scoring AI-written lines", completed=done, total=total)
            if done >= total:
                bar.stop()

        yield update
