"""Side-by-side evaluation on identical folds: baselines, the paper probe, the selected probe; populations,
per source/generator, leave-one-source-out, in the wild, and a replay of wild commits through the
decision core. Pure given features and predictions; rendering lives in training/probe/report.py.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from scoring.calibration import IsotonicCalibrator, PlattCalibrator, sigmoid
from scoring.decisions import Thresholds
from scoring.folds import group_folds
from scoring.metrics import Interval, MetricSummary, auc, bootstrap_interval, summarize
from scoring.types import ScoredHunk
from training.probe.features import Encoded
from training.probe.train import N_FOLDS, Prediction
from training.replay import Replay
from training.replay import replay as replay_lines

BOOTSTRAP_RESAMPLES = 300  # grouped by program / commit; enough for a 95 % interval to two decimals


class Population(enum.StrEnum):
    ALL = "all lines"
    GENERATED = "generated lines"
    FAILING = "generated lines, failing programs"
    NON_DEGENERATE = "generated lines, failing programs, non-degenerate labels"


class Scaling(enum.StrEnum):
    RAW = "raw"
    PLATT = "Platt"
    ISOTONIC = "isotonic"


@dataclass(frozen=True, slots=True)
class Lines:
    """Every scored line of a set of texts, flattened, with what each population needs."""

    labels: np.ndarray
    groups: np.ndarray
    sources: np.ndarray
    generators: np.ndarray
    generated: np.ndarray
    failing: np.ndarray
    degenerate: np.ndarray

    @classmethod
    def of(cls, encoded: Sequence[Encoded]) -> Lines:
        def per_line(value: Callable[[Encoded], object]) -> np.ndarray:
            return np.concatenate([np.full(len(e.item.lines), value(e), dtype=object) for e in encoded])

        return cls(
            labels=np.concatenate([np.asarray(e.item.line_labels, dtype=np.float64) for e in encoded]),
            groups=per_line(lambda e: e.item.group),
            sources=per_line(lambda e: e.item.source),
            generators=per_line(lambda e: e.item.generator),
            generated=np.concatenate([np.asarray(e.item.generated, dtype=bool) for e in encoded]),
            failing=per_line(lambda e: e.item.failing).astype(bool),
            degenerate=per_line(lambda e: e.item.degenerate).astype(bool),
        )

    def mask(self, population: Population) -> np.ndarray:
        if population is Population.ALL:
            return np.ones(len(self.labels), dtype=bool)
        if population is Population.GENERATED:
            return self.generated
        if population is Population.FAILING:
            return self.generated & self.failing
        return self.generated & self.failing & ~self.degenerate


def line_logits(predictions: Sequence[Prediction]) -> np.ndarray:
    return np.concatenate([p.lines for p in predictions])


def cross_fit(
    scores: np.ndarray, labels: np.ndarray, groups: np.ndarray, scaling: Scaling, n_folds: int = N_FOLDS
) -> np.ndarray:
    """Calibrated probabilities where each fold's calibrator was fitted on the other folds (grouped).

    RAW is the probe's own sigmoid (meaningful for a probe trained with a Brier/BCE loss).
    """
    if scaling is Scaling.RAW:
        return sigmoid(scores)
    folds = group_folds([str(g) for g in groups], n_folds, seed=7)
    out = np.full(len(scores), np.nan)
    for fold in range(n_folds):
        test, train = folds == fold, folds != fold
        if not test.any():
            continue
        if len(np.unique(labels[train])) < 2:
            out[test] = labels[train].mean() if train.any() else np.nan
            continue
        calibrator = (
            PlattCalibrator.fit(scores[train], labels[train])
            if scaling is Scaling.PLATT
            else IsotonicCalibrator.fit(scores[train], labels[train])
        )
        out[test] = calibrator.apply(scores[test])
    return out


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a results table."""

    method: str
    population: str
    scaling: Scaling
    summary: MetricSummary
    auc_interval: Interval


def evaluate_scores(
    method: str,
    scores: np.ndarray,
    lines: Lines,
    populations: Sequence[Population],
    scalings: Sequence[Scaling],
    seed: int = 0,
    ranks: bool = True,
) -> list[Row]:
    """Metrics of one method's line scores on each population, calibrated within that population.

    Calibration is cross-fitted inside each population (as the paper re-scales per reported set), so
    BSS and ECE say how well the scores can be calibrated for that population. The AUC interval (and
    the AUC a table shows) is of the raw scores: fold-wise calibrators would otherwise perturb the
    ranking. `ranks=False` for a constant predictor, whose AUC is undefined.
    """
    rows = []
    for population in populations:
        mask = lines.mask(population)
        if mask.sum() == 0:
            continue
        s, y, g = scores[mask], lines.labels[mask], lines.groups[mask]
        interval = (
            bootstrap_interval(auc, s, y, groups=g, n_resamples=BOOTSTRAP_RESAMPLES, seed=seed)
            if ranks
            else Interval(float("nan"), float("nan"), float("nan"))
        )
        for scaling in scalings:
            rows.append(
                Row(method, str(population), scaling, summarize(cross_fit(s, y, g, scaling), y), interval)
            )
    return rows


def constant_base_rate(lines: Lines, folds_of_lines: np.ndarray) -> np.ndarray:
    """The base-rate baseline: each fold predicts the edited rate of the other folds."""
    out = np.empty(len(lines.labels))
    for fold in np.unique(folds_of_lines):
        out[folds_of_lines == fold] = lines.labels[folds_of_lines != fold].mean()
    return out


# ----------------------------------------------------------------------------- other levels
def level_summary(
    scores: np.ndarray, labels: np.ndarray, groups: np.ndarray
) -> tuple[MetricSummary, Interval]:
    """Platt cross-fitted summary and grouped AUC interval for token / hunk / program scores."""
    probabilities = cross_fit(scores, labels, groups, Scaling.PLATT)
    interval = bootstrap_interval(auc, scores, labels, groups=groups, n_resamples=BOOTSTRAP_RESAMPLES)
    return replace(summarize(probabilities, labels), auc=interval.point), interval


def token_arrays(encoded: Sequence[Encoded], predictions: Sequence[Prediction]) -> tuple[np.ndarray, ...]:
    labels = [e.token_labels[np.isfinite(e.token_labels)] for e in encoded]
    groups = [np.full(len(lab), e.item.group, dtype=object) for e, lab in zip(encoded, labels, strict=True)]
    return (np.concatenate([p.tokens for p in predictions]), np.concatenate(labels), np.concatenate(groups))


def program_arrays(encoded: Sequence[Encoded], predictions: Sequence[Prediction]) -> tuple[np.ndarray, ...]:
    return (
        np.array([p.program for p in predictions]),
        np.array([float(e.item.failing) for e in encoded]),
        np.array([e.item.group for e in encoded], dtype=object),
    )


def hunk_arrays(encoded: Sequence[Encoded], predictions: Sequence[Prediction]) -> tuple[np.ndarray, ...]:
    labels, groups = [], []
    for e in encoded:
        by_line = dict(zip(e.item.lines, e.item.line_labels, strict=True))
        labels += [float(any(by_line.get(n, 0) for n in range(a, b + 1))) for a, b in e.item.hunks]
        groups += [e.item.group] * len(e.item.hunks)
    return np.concatenate([p.hunks for p in predictions]), np.array(labels), np.array(groups, dtype=object)


# ----------------------------------------------------------------------------- replay
def replay(
    encoded: Sequence[Encoded],
    line_probabilities: Sequence[np.ndarray],
    hunk_probabilities: Sequence[np.ndarray],
    thresholds: Thresholds = Thresholds(),
) -> Replay:
    """Later-split AI commits replayed as PRs (`training.replay`): each commit's windows are one review."""
    paths: list[str] = []
    numbers: list[int] = []
    labels: list[float] = []
    commits: list[str] = []
    probabilities: list[float] = []
    hunks: list[tuple[str, ScoredHunk]] = []
    for e, line_p, hunk_p in zip(encoded, line_probabilities, hunk_probabilities, strict=True):
        item = e.item
        for n, label, p in zip(item.lines, item.line_labels, line_p, strict=True):
            paths.append(item.key)
            numbers.append(n)
            labels.append(float(label))
            commits.append(item.group)
            probabilities.append(float(p))
        hunks += [
            (item.group, ScoredHunk(item.key, a, b, float(p)))
            for (a, b), p in zip(item.hunks, hunk_p, strict=True)
        ]
    return replay_lines(
        np.array(probabilities), np.array(labels), np.array(commits), thresholds, hunks, paths, numbers
    )


def split_by_text(
    values: np.ndarray, encoded: Sequence[Encoded], attribute: str = "lines"
) -> list[np.ndarray]:
    """Cut a flat per-line (or per-hunk) array back into one array per text."""
    sizes = [len(getattr(e.item, attribute)) for e in encoded]
    return np.split(values, np.cumsum(sizes)[:-1]) if sizes else []
