"""Per-repository recalibration: fit Platt scaling on a repository's own outcomes, and apply it.

`recalibrate` fits on the model's raw logits and judges the fit out of fold (folds grouped by PR) against
the probabilities that were shown; `RecalibratedScorer` wraps any ScorerProtocol with the fit. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from bot.feedback.types import OutcomeLine
from scoring import metrics
from scoring.calibration import PlattCalibrator, calibrate, calibrator_from_dict
from scoring.card import ModelCard
from scoring.folds import group_folds
from scoring.pr_features import FileChange
from scoring.registry import ScorerProtocol
from scoring.types import CalibrationMode, CalibrationSource, Span, SpanScore

# A per-repository recalibration needs this many lines with outcomes, and of each class, before it is fitted.
MIN_RECALIBRATION_LINES = 200
MIN_RECALIBRATION_CLASS = 20
RECALIBRATION_FOLDS = 5


@dataclass(frozen=True, slots=True)
class Recalibration:
    """A per-repository Platt fit on raw logits, judged out of fold against the probabilities shown.

    brier_*_cv / ece_*_cv: computed on out-of-fold predictions (folds grouped by PR), so the refit is
    never scored on the lines it was fitted on. applied: it beat the calibration in use, and is used
    for this repository from now on (unless switched off).
    """

    n_lines: int
    positives: int
    params: dict[str, object]
    brier_current_cv: float
    brier_refit_cv: float
    ece_current_cv: float
    ece_refit_cv: float
    applied: bool


def recalibrate(history: Sequence[OutcomeLine], seed: int = 0) -> Recalibration | None:
    """Fit a Platt recalibration on the raw logits of `history`, or None while too few outcomes exist.

    Fitted on the target (a person changed the line's content within 90 days of the merge), the event the
    probabilities are of: lines whose target is not known yet (pending, history not read) are left out."""
    history = [o for o in history if o.target is not None]
    logits = np.array([o.line.logit for o in history], dtype=np.float64)
    y = np.array([float(bool(o.target)) for o in history], dtype=np.float64)
    positives = int(y.sum())
    if (
        len(history) < MIN_RECALIBRATION_LINES
        or min(positives, len(history) - positives) < MIN_RECALIBRATION_CLASS
    ):
        return None
    current = np.array([o.line.probability for o in history], dtype=np.float64)
    # Out-of-fold predictions, folds grouped by PR so one PR's lines never sit on both sides.
    fold = group_folds([f"{o.repo}#{o.number}" for o in history], RECALIBRATION_FOLDS, seed)
    refit = np.full(len(history), np.nan)
    for k in range(int(fold.max()) + 1):
        train, test = fold != k, fold == k
        if len(set(y[train])) == 2:
            refit[test] = PlattCalibrator.fit(logits[train], y[train]).apply(logits[test])
    ok = ~np.isnan(refit)
    brier_current, brier_refit = metrics.brier(current[ok], y[ok]), metrics.brier(refit[ok], y[ok])
    final = PlattCalibrator.fit(logits, y)
    return Recalibration(
        n_lines=len(history),
        positives=positives,
        params=final.to_dict(),
        brier_current_cv=brier_current,
        brier_refit_cv=brier_refit,
        ece_current_cv=metrics.ece(current[ok], y[ok]),
        ece_refit_cv=metrics.ece(refit[ok], y[ok]),
        applied=brier_refit < brier_current,
    )


class RecalibratedScorer:
    """A scorer whose PR-mode probabilities come from a repository's own Platt fit on the raw logits."""

    def __init__(self, inner: ScorerProtocol, params: Mapping[str, Any]) -> None:
        self.inner = inner
        self.calibrator = calibrator_from_dict(dict(params))

    @property
    def model_version(self) -> str:
        return self.inner.model_version

    @property
    def model_card(self) -> ModelCard | None:
        # The review reads the card's comment threshold and languages; a recalibration keeps them.
        return self.inner.model_card

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    @property
    def calibration(self) -> CalibrationSource:
        return CalibrationSource.REPOSITORY

    @property
    def reads_history(self) -> bool:
        return self.inner.reads_history

    def score(
        self,
        text: str,
        spans: Sequence[Span],
        intent: str | None = None,
        mode: CalibrationMode = CalibrationMode.PR,
        change: FileChange | None = None,
    ) -> list[SpanScore]:
        scores = self.inner.score(text, spans, intent, mode, change=change)
        if mode is not CalibrationMode.PR:
            return scores
        probabilities = calibrate(self.calibrator, np.array([s.logit for s in scores], dtype=np.float64))
        return [replace(s, probability=float(p)) for s, p in zip(scores, probabilities, strict=True)]
