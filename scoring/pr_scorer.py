"""The scorer reviews use by default: the PR model over what the diff, the change and the history show.

It answers the same `ScorerProtocol` as the supervisor probe, so the review pipeline does not care which
one runs; it needs no language model (the language model's signals did not add to these features on
held-out repositories, docs/evaluation.md), so a review loads in milliseconds. It reads the file's diff
from the `change` argument; without one (plain text) every span line counts as a line of a new file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from scoring.card import ModelCard
from scoring.diff import ChangeKind, DiffLine, FileDiff, Hunk, LineKind
from scoring.errors import SpanError
from scoring.languages import NEUTRAL_ONLY, PARSED_LANGUAGES, line_syntax
from scoring.pr_features import ChangeSize, Family, FileChange, file_features
from scoring.pr_model import DEFAULT_PR_MODEL, PRModel, load_pr_model
from scoring.types import CalibrationMode, CalibrationSource, Span, SpanKind, SpanScore

# What the PR model reads its text with, stored where the probe stores its supervisor's fingerprint.
PR_MODEL_FINGERPRINT = "pr-model (no supervisor)"


def _as_new_file(path: str, text: str, lines: Sequence[int]) -> FileDiff:
    """A diff that adds `lines` of `text` to an empty file: what a scorer sees of text without a diff."""
    rows = text.splitlines()
    added = tuple(
        DiffLine(LineKind.ADDED, rows[n - 1], None, n) for n in sorted(set(lines)) if 1 <= n <= len(rows)
    )
    return FileDiff(path, None, ChangeKind.ADDED, (Hunk(0, 0, 1, len(rows), added),) if added else ())


def unparsed_reason(path: str, text: str) -> tuple[str, ...]:
    """The first reason of every line of a file its language's parser could not read: its line kinds are
    unknown, so it was scored on the features every language has."""
    syntax = line_syntax(path, "\n".join(text.splitlines()))  # as file_features reads it: one parse
    if syntax.parses or syntax.language not in PARSED_LANGUAGES:
        return ()
    return (f"its file did not parse ({syntax.reason}), so it was {NEUTRAL_ONLY}",)


class PRScorer:
    """`ScorerProtocol` over a `PRModel`: a line span gets the line's probability, a range its hunk's."""

    def __init__(self, model: PRModel) -> None:
        self.model = model
        self._card = ModelCard.of(model.version, model.card)

    @classmethod
    def load(cls, path: str | Path | None = None) -> PRScorer:
        return cls(load_pr_model(Path(path) if path else DEFAULT_PR_MODEL))

    @property
    def model_version(self) -> str:
        return self.model.version

    @property
    def model_card(self) -> ModelCard:
        return self._card

    @property
    def fingerprint(self) -> str:
        return PR_MODEL_FINGERPRINT

    @property
    def calibration(self) -> CalibrationSource:
        return CalibrationSource.SHIPPED

    @property
    def reads_history(self) -> bool:
        return Family.HISTORY in self.model.families

    def score(
        self,
        text: str,
        spans: Sequence[Span],
        intent: str | None = None,
        mode: CalibrationMode = CalibrationMode.PR,
        change: FileChange | None = None,
    ) -> list[SpanScore]:
        """Probabilities for line spans of `text`; `intent` is not read (the model does not read prose)."""
        for span in spans:
            if span.kind is not SpanKind.LINES:
                raise SpanError(f"the PR model scores line spans only, not {span}")
        wanted = [n for span in spans for n in range(span.start, span.end + 1)]
        if change is None:
            change = FileChange(_as_new_file("file.py", text, wanted), ChangeSize(1, len(set(wanted))))
        lines, features = file_features(
            change.diff, text.splitlines(), change.size, change.history, self.model.families
        )
        by_line: dict[int, tuple[float, float]] = {}
        reasons: dict[int, tuple[str, ...]] = {}
        if lines:
            columns = self.model.columns(features)
            logits = self.model.logits(columns)
            probabilities = self.model.probabilities(columns, prior=change.prior)
            by_line = {n: (float(p), float(z)) for n, p, z in zip(lines, probabilities, logits, strict=True)}
            single = {span.start for span in spans if span.start == span.end}
            unread = unparsed_reason(change.diff.path, text)
            reasons = {
                n: unread + tuple(r.phrase for r in self.model.reasons(row))
                for n, row in zip(lines, columns, strict=True)
                if n in single
            }
        out = []
        for span in spans:
            found = [by_line[n] for n in range(span.start, span.end + 1) if n in by_line]
            if not found:
                out.append(SpanScore(span, math.nan, math.nan, 0))
                continue
            p, z = max(found)
            if len(found) > 1:  # a hunk: P(some line of it gets the target edit)
                p = self.model.hunk_probability([q for q, _ in found])
            out.append(
                SpanScore(
                    span,
                    p,
                    z,
                    len(found),
                    reasons=reasons.get(span.start, ()) if span.start == span.end else (),
                )
            )
        return out
