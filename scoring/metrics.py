"""The one metrics module of redline: ranking, probability and calibration metrics, bootstrap intervals.

Pure numpy over 1-D arrays of scores/probabilities and 0/1 labels; no torch, no I/O. Training,
evaluation and the weekly report all call these, so every figure redline prints means the same thing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

ECE_BINS = 10  # the paper's (and the usual) 10 bins


class BinStrategy(enum.StrEnum):
    """How reliability bins cut [0, 1]: equal-width intervals or equal numbers of predictions."""

    WIDTH = "width"
    MASS = "mass"


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """One bin of a reliability diagram: predictions in [lower, upper] and what actually happened."""

    lower: float
    upper: float
    count: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate with a bootstrap percentile interval (nan where the metric is undefined)."""

    point: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """Every headline metric of one population; nan where undefined (e.g. AUC with one class)."""

    n: int
    positives: int
    base_rate: float
    auc: float
    auprc: float
    brier: float
    bss: float
    ece_width: float
    ece_mass: float


def _arrays(scores: ArrayLike, labels: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels, dtype=np.float64).ravel()
    if s.shape != y.shape:
        raise ValueError(f"scores and labels differ in length: {s.size} vs {y.size}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("labels must be 0 or 1")
    return s, y


def auc(scores: ArrayLike, labels: ArrayLike) -> float:
    """Area under the ROC curve: P(score of a random positive > a random negative), ties count half.

    Any monotone score works (logits, log-probabilities). nan when only one class is present.
    >>> auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    0.75
    """
    s, y = _arrays(scores, labels)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    # Mann-Whitney U from mid-ranks, which handles ties exactly.
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(s.size, dtype=np.float64)
    sorted_s = s[order]
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    mid = first + (counts + 1) / 2.0  # 1-based mid-rank of each run of ties
    ranks[order] = np.repeat(mid, counts)
    u = ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def auprc(scores: ArrayLike, labels: ArrayLike) -> float:
    """Average precision: mean of the precision at the rank of each positive (tied scores form one step).

    Equals sklearn's average_precision_score. nan when there is no positive.
    """
    s, y = _arrays(scores, labels)
    n_pos = y.sum()
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    # Thresholds sit at the last index of each run of equal scores.
    last = np.r_[np.nonzero(np.diff(s_sorted))[0], s.size - 1]
    tp = np.cumsum(y_sorted)[last]
    precision = tp / (last + 1)
    recall_gain = np.diff(np.r_[0.0, tp]) / n_pos
    return float(np.sum(precision * recall_gain))


def brier(probabilities: ArrayLike, labels: ArrayLike) -> float:
    """Mean squared error of probabilities against 0/1 outcomes (lower is better)."""
    p, y = _arrays(probabilities, labels)
    if p.size == 0:
        return float("nan")
    return float(np.mean((p - y) ** 2))


def brier_skill_score(probabilities: ArrayLike, labels: ArrayLike, base_rate: float | None = None) -> float:
    """BSS = 1 - Brier / (b(1-b)): skill over always predicting the base rate b (0 = no skill, 1 = perfect).

    b defaults to the rate in `labels` (the paper's convention); pass a training-set rate to score a
    constant predictor honestly out of sample. nan when b is 0 or 1.
    """
    p, y = _arrays(probabilities, labels)
    if p.size == 0:
        return float("nan")
    b = float(y.mean()) if base_rate is None else base_rate
    reference = float(np.mean((b - y) ** 2))  # the constant predictor's Brier; b(1-b) when b = mean(y)
    if reference == 0.0:
        return float("nan")
    return 1.0 - brier(p, y) / reference


def reliability_bins(
    probabilities: ArrayLike,
    labels: ArrayLike,
    n_bins: int = ECE_BINS,
    strategy: BinStrategy = BinStrategy.WIDTH,
) -> list[ReliabilityBin]:
    """Non-empty reliability bins, lowest first.

    WIDTH: [0, .1), [.1, .2), ... [.9, 1.0] (the last bin includes 1).
    MASS: the sorted predictions split into `n_bins` runs of (nearly) equal size; bounds are the
    smallest and largest prediction in each run.
    """
    p, y = _arrays(probabilities, labels)
    if p.size == 0:
        return []
    if strategy is BinStrategy.WIDTH:
        index = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
        groups = [(np.nonzero(index == b)[0], b / n_bins, (b + 1) / n_bins) for b in range(n_bins)]
    else:
        order = np.argsort(p, kind="mergesort")
        groups = [
            (part, float(p[part].min()), float(p[part].max()))
            for part in np.array_split(order, min(n_bins, p.size))
        ]
    return [
        ReliabilityBin(float(lo), float(hi), int(idx.size), float(p[idx].mean()), float(y[idx].mean()))
        for idx, lo, hi in groups
        if idx.size
    ]


def ece(
    probabilities: ArrayLike,
    labels: ArrayLike,
    n_bins: int = ECE_BINS,
    strategy: BinStrategy = BinStrategy.WIDTH,
) -> float:
    """Expected calibration error: count-weighted mean |mean prediction - observed rate| over bins."""
    bins = reliability_bins(probabilities, labels, n_bins, strategy)
    total = sum(b.count for b in bins)
    if total == 0:
        return float("nan")
    return float(sum(b.count * abs(b.mean_predicted - b.observed_rate) for b in bins) / total)


def summarize(probabilities: ArrayLike, labels: ArrayLike, base_rate: float | None = None) -> MetricSummary:
    """All headline metrics of one population of probabilities (base_rate: see brier_skill_score)."""
    p, y = _arrays(probabilities, labels)
    return MetricSummary(
        n=int(y.size),
        positives=int(y.sum()),
        base_rate=float(y.mean()) if y.size else float("nan"),
        auc=auc(p, y),
        auprc=auprc(p, y),
        brier=brier(p, y),
        bss=brier_skill_score(p, y, base_rate),
        ece_width=ece(p, y, strategy=BinStrategy.WIDTH),
        ece_mass=ece(p, y, strategy=BinStrategy.MASS),
    )


def _members(groups: NDArray[np.generic]) -> list[NDArray[np.intp]]:
    """The indexes of each group's items, groups in sorted order."""
    _, inverse = np.unique(groups, return_inverse=True)
    order = np.argsort(inverse, kind="mergesort")
    return np.split(order, np.nonzero(np.diff(inverse[order]))[0] + 1)


def bootstrap_interval(
    metric: Callable[[NDArray[np.float64], NDArray[np.float64]], float],
    scores: ArrayLike,
    labels: ArrayLike,
    groups: Sequence[object] | NDArray[np.generic] | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap interval of `metric(scores, labels)`.

    With `groups` (a program id, commit sha, ... per item) whole groups are resampled, because lines
    of one program are not independent; without, items are. Resamples where the metric is undefined
    (nan, e.g. one class only) are left out of the percentiles.
    """
    s, y = _arrays(scores, labels)
    point = metric(s, y)
    if s.size == 0:
        return Interval(point, float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    members: list[NDArray[np.intp]] | None = None
    if groups is not None:
        members = _members(np.asarray(groups))
    values = []
    for _ in range(n_resamples):
        if members is None:
            idx = rng.integers(0, s.size, size=s.size)
        else:
            idx = np.concatenate([members[g] for g in rng.integers(0, len(members), size=len(members))])
        value = metric(s[idx], y[idx])
        if not np.isnan(value):
            values.append(value)
    if not values:
        return Interval(point, float("nan"), float("nan"))
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return Interval(point, float(low), float(high))


def paired_auc_difference(
    a: ArrayLike,
    b: ArrayLike,
    labels: ArrayLike,
    strata: ArrayLike,
    groups: ArrayLike,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Mean over strata (held-out repositories) of AUC(a) − AUC(b) on the same items, with a percentile
    bootstrap interval that redraws whole groups (commits) inside each stratum, so every stratum keeps its
    place in the mean and lines of one commit move together. Strata where either AUC is undefined are left
    out of that mean.
    """
    sa, y = _arrays(a, labels)
    sb = np.asarray(b, dtype=np.float64)
    stratum, group = np.asarray(strata), np.asarray(groups)
    parts = [np.nonzero(stratum == s)[0] for s in np.unique(stratum)]
    members = [[part[m] for m in _members(group[part])] for part in parts]

    def mean_difference(indexes: list[NDArray[np.intp]]) -> float:
        diffs = [auc(sa[i], y[i]) - auc(sb[i], y[i]) for i in indexes]
        finite = [d for d in diffs if np.isfinite(d)]
        return float(np.mean(finite)) if finite else float("nan")

    point = mean_difference(parts)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_resamples):
        drawn = [np.concatenate([m[g] for g in rng.integers(0, len(m), size=len(m))]) for m in members]
        value = mean_difference(drawn)
        if np.isfinite(value):
            values.append(value)
    if not values:
        return Interval(point, float("nan"), float("nan"))
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return Interval(point, float(low), float(high))


@dataclass(frozen=True, slots=True)
class WithinGroup:
    """Ranking inside groups (a PR, a commit): what a reviewer who reads one PR at a time sees.

    auc:          mean over groups with both classes of the AUC inside the group
    groups:       how many groups had both classes
    top_k:        mean over groups with at least k lines of the share of the group's k highest-scored lines
                  that are positive
    random_k:     the same for k lines drawn at random from each of those groups (their positive share)
    """

    auc: float
    groups: int
    top_k: float
    random_k: float
    k: int

    @property
    def top_k_lift(self) -> float:
        return self.top_k / self.random_k if self.random_k > 0 else float("nan")


def within_groups(
    scores: ArrayLike, labels: ArrayLike, groups: Sequence[object] | NDArray[np.generic], k: int = 3
) -> WithinGroup:
    """AUC and top-k precision inside each group, averaged over groups (ties in a top k broken by position).

    >>> within_groups([0.9, 0.1, 0.2, 0.8], [1, 0, 0, 1], ["a", "a", "b", "b"], k=1)
    WithinGroup(auc=1.0, groups=2, top_k=1.0, random_k=0.5, k=1)
    """
    s, y = _arrays(scores, labels)
    keys = np.asarray(groups)
    order = np.argsort(keys, kind="stable")
    _, starts = np.unique(keys[order], return_index=True)
    aucs, tops, randoms = [], [], []
    for index in np.split(order, starts[1:]):
        gs, gy = s[index], y[index]
        if 0 < gy.sum() < len(gy):
            aucs.append(auc(gs, gy))
        if len(gy) >= k:
            tops.append(float(gy[np.argsort(-gs, kind="stable")[:k]].mean()))
            randoms.append(float(gy.mean()))
    return WithinGroup(_mean(aucs), len(aucs), _mean(tops), _mean(randoms), k)


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")
