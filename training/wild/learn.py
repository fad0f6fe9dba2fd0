"""Learn a repository: the shipped PR model moved toward a repository's own lines only as far as its later
commits say it should (issue 21, item 3).

The repository model is a logistic regression on the shipped model's standardised features (its own `mean`
and `scale`, so the weights stay comparable) whose weights are pulled toward the shipped ones by an L2
penalty, plus a free intercept (the repository's own level):

    minimise  sum_lines logloss(y, z @ b + b0)  +  shrinkage / 2 * |b - b_shipped|^2

where b_shipped are the shipped weights in calibrated log-odds (the shipped logit times its Platt slope).
Agents, files and habits drift, so the shrinkage is chosen by forward chaining over the repository's commits
in time order: the commits are cut into `FOLDS` consecutive blocks (scikit-learn's TimeSeriesSplit over the
commits), each block from the second on is judged by fits on the blocks before it only, and a later commit
never helps choose for an earlier one. The grid starts at infinity (the shipped weights) and the rule leans
toward it: the shipped weights stay unless the best shrinkage beats them by at least `MIN_GAIN` AUC *and* by
twice its bootstrap noise (commits resampled inside each judged block); then the strongest shrinkage within
that noise of the best is taken. A naive refit on a repository's earlier commits lost 0.067 AUC on its later
ones on average, so "no clear gain" has to win ties.

Calibration afterwards: Platt scaling on the forward-chained out-of-fold log-odds of the chosen shrinkage,
pulled toward the fit's own (slope 1, intercept 0), which also sets the repository's own level. Where the
rule keeps the shipped weights the shipped model is returned whole, calibration included: recalibrating the
shipped weights alone on the earlier commits raised the date split's mean ECE (0.022 -> 0.025; 0.054 ->
0.131 in microsoft/Qcodes, whose edit rate fell over time). A repository with fewer than `MIN_POSITIVES`
target lines keeps the shipped model too.

Pure numpy/scipy over arrays; `redline learn` (bot.feedback.learn_data mines the arrays) and
benchmarks/learn_date_split.py call `learn`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.stats import rankdata
from sklearn.model_selection import TimeSeriesSplit

from scoring.calibration import PlattCalibrator
from scoring.pr_model import PRModel

# A repository with fewer target lines keeps the shipped model. Spread over the judged blocks, 50 positives
# leave ~10 per block: the AUC of one block then moves by ~0.05 from noise alone, more than any gain worth
# taking, and LORO averages only repositories with >= 50 positives for the same reason.
MIN_POSITIVES = 50
# Strongest first: infinity is the shipped weights; 10 lets a weight move by ~0.3 log-odds per standard
# deviation on a few hundred positives.
SHRINKAGE_GRID: tuple[float, ...] = (math.inf, 10000.0, 3000.0, 1000.0, 300.0, 100.0, 30.0, 10.0)
FOLDS = 5  # consecutive commit blocks; blocks 2..FOLDS are judged by fits on the blocks before them
MIN_GAIN = 0.01  # validation AUC a shrinkage must add over the shipped weights before it is considered
NOISE_Z = 2.0  # ... and that many bootstrap standard errors of that gain
BOOTSTRAP = 100  # commit resamples inside each judged block for the noise of AUC differences
PLATT_PRIOR_LINES = (
    50.0  # Platt's slope and intercept are pulled toward the fit's own (1, 0) by this many lines
)


@dataclass(frozen=True)
class RepoLines:
    """A repository's labelled AI lines: raw features (columns: the model's `names`), target, commit, time."""

    features: np.ndarray
    target: np.ndarray
    commit: np.ndarray
    time: np.ndarray

    def __len__(self) -> int:
        return len(self.target)

    def subset(self, mask: np.ndarray) -> RepoLines:
        return RepoLines(self.features[mask], self.target[mask], self.commit[mask], self.time[mask])


@dataclass(frozen=True)
class Validation:
    """Forward-chained validation: the mean AUC of each shrinkage over the judged blocks (weighted by their
    positives), its gain over the shipped weights and that gain's bootstrap standard error."""

    auc: dict[float, float]
    gain: dict[float, float]
    noise: dict[float, float]
    blocks: int  # judged blocks with both kinds of line


@dataclass(frozen=True)
class Learned:
    """The outcome of `learn`: the model to use, and why."""

    model: PRModel
    shrinkage: float  # inf: the shipped weights
    kept_shipped: bool  # True: too few positives or no clear gain; `model` is the shipped model itself
    reason: str
    lines: int
    positives: int
    commits: int
    validation: Validation | None = None
    card: dict[str, Any] = field(default_factory=dict)


def forward_folds(
    commit: np.ndarray, time: np.ndarray, folds: int = FOLDS
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit mask, judge mask) pairs over the lines: scikit-learn's TimeSeriesSplit over the commits ordered by
    time (then sha), so each judged run of commits is fitted on every commit before it and never on a later
    one, and a commit's lines stay together."""
    first: dict[str, float] = {}
    for sha, when in zip(commit.tolist(), time.tolist(), strict=True):
        first[sha] = min(when, first.get(sha, when))
    ordered = np.array(sorted(first, key=lambda sha: (first[sha], sha)))
    if len(ordered) < folds:
        return []
    split = TimeSeriesSplit(n_splits=folds - 1).split(ordered)
    return [(np.isin(commit, ordered[fit]), np.isin(commit, ordered[judge])) for fit, judge in split]


def start_weights(model: PRModel) -> tuple[np.ndarray, float]:
    """The shipped model's weights and intercept in calibrated log-odds on its standardised features."""
    slope, intercept = model.calibration.slope, model.calibration.intercept
    return model.linear.coef * slope, model.linear.intercept * slope + intercept


def shrunk_fit(
    z: np.ndarray, y: np.ndarray, start: np.ndarray, start_intercept: float, shrinkage: float
) -> tuple[np.ndarray, float]:
    """Weights and intercept minimising the log-loss on (z, y) plus shrinkage/2 * |b - start|^2; the
    intercept is free. Infinite shrinkage keeps `start` and fits the intercept alone."""
    y = y.astype(float)
    offset = z @ start
    if math.isinf(shrinkage):

        def loss0(b0: np.ndarray) -> tuple[float, np.ndarray]:
            eta = offset + b0[0]
            return float(np.sum(np.logaddexp(0.0, eta) - y * eta)), np.array([np.sum(_sigmoid(eta) - y)])

        done = minimize(loss0, np.array([start_intercept]), jac=True, method="L-BFGS-B")
        return start.copy(), float(done.x[0])

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b, b0 = theta[:-1], theta[-1]
        eta = z @ b + b0
        residual = _sigmoid(eta) - y
        gap = b - start
        value = float(np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * shrinkage * gap @ gap)
        return value, np.append(z.T @ residual + shrinkage * gap, residual.sum())

    done = minimize(
        loss, np.append(start, start_intercept), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    return done.x[:-1].copy(), float(done.x[-1])


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * values))


def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if not positives or not negatives:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def validate(
    z: np.ndarray,
    lines: RepoLines,
    start: np.ndarray,
    start_intercept: float,
    grid: Sequence[float] = SHRINKAGE_GRID,
    folds: int = FOLDS,
    seed: int = 0,
) -> tuple[Validation, dict[float, np.ndarray]]:
    """Forward-chained AUC of every shrinkage in `grid`, and its out-of-fold log-odds (NaN outside the judged
    blocks). Every fit reads only commits earlier than those it is judged on."""
    y = lines.target.astype(float)
    oof = {s: np.full(len(y), np.nan) for s in grid}
    judged: list[np.ndarray] = []
    for fit_mask, judge_mask in forward_folds(lines.commit, lines.time, folds):
        if len(np.unique(y[fit_mask])) < 2:
            continue
        for s in grid:
            b, b0 = shrunk_fit(z[fit_mask], y[fit_mask], start, start_intercept, s)
            oof[s][judge_mask] = z[judge_mask] @ b + b0
        if len(np.unique(y[judge_mask])) == 2:
            judged.append(np.nonzero(judge_mask)[0])
    if not judged:
        nan = {s: float("nan") for s in grid}
        return Validation(nan, nan, nan, 0), oof

    def mean_aucs(blocks: list[np.ndarray]) -> np.ndarray:
        # [grid] mean AUC over blocks, each weighted by its positives
        values = np.array([[_auc(oof[s][b], y[b]) for s in grid] for b in blocks])
        weights = np.array([y[b].sum() for b in blocks])
        ok = np.all(np.isfinite(values), axis=1) & (weights > 0)
        return np.average(values[ok], axis=0, weights=weights[ok]) if ok.any() else np.full(len(grid), np.nan)

    point = mean_aucs(judged)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(BOOTSTRAP):
        resampled = []
        for b in judged:
            shas, inverse = np.unique(lines.commit[b], return_inverse=True)
            members = [b[inverse == k] for k in range(len(shas))]
            pick = rng.integers(0, len(shas), len(shas))
            resampled.append(np.concatenate([members[k] for k in pick]))
        draws.append(mean_aucs(resampled))
    boot = np.array(draws)
    base = grid.index(math.inf) if math.inf in grid else 0
    gains = boot - boot[:, [base]]
    return Validation(
        {s: float(point[k]) for k, s in enumerate(grid)},
        {s: float(point[k] - point[base]) for k, s in enumerate(grid)},
        {s: float(np.nanstd(gains[:, k], ddof=1)) for k, s in enumerate(grid)},
        len(judged),
    ), oof


def choose(validation: Validation, grid: Sequence[float] = SHRINKAGE_GRID) -> tuple[float, str]:
    """The shrinkage to use, by the rule in the module docstring, and why in words."""
    finite = [s for s in grid if math.isfinite(validation.gain.get(s, float("nan")))]
    if not finite:
        return math.inf, "no judged block has both kinds of line"
    best = max(finite, key=lambda s: (validation.gain[s], s))
    gain, noise = validation.gain[best], validation.noise[best]
    if math.isinf(best) or gain < MIN_GAIN or gain < NOISE_Z * noise:
        return math.inf, (
            f"no clear gain on later commits (best {_name(best)}: {gain:+.3f} AUC, noise "
            f"{noise:.3f}): the shipped weights stay"
        )
    # The strongest shrinkage whose validation AUC trails the best by no more than the best's noise.
    for s in sorted(finite, reverse=True):
        if math.isfinite(s) and validation.gain[s] > 0 and validation.auc[best] - validation.auc[s] <= noise:
            return s, (
                f"shrinkage {_name(s)}: {validation.gain[s]:+.3f} AUC on later commits over the shipped "
                f"weights (best {_name(best)}: {gain:+.3f}, noise {noise:.3f})"
            )
    return best, f"shrinkage {_name(best)}: {gain:+.3f} AUC on later commits (noise {noise:.3f})"


def _name(shrinkage: float) -> str:
    return "infinite" if math.isinf(shrinkage) else f"{shrinkage:g}"


def shrunk_platt(
    logits: np.ndarray, labels: np.ndarray, prior_lines: float = PLATT_PRIOR_LINES
) -> PlattCalibrator:
    """Platt scaling of already-probability-scaled log-odds, its (slope, intercept) pulled toward (1, 0)
    as if by `prior_lines` lines: a few dozen positives cannot swing the slope."""
    ok = np.isfinite(logits)
    x, y = logits[ok], labels[ok].astype(float)
    if len(np.unique(y)) < 2:
        return PlattCalibrator(1.0, 0.0)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = theta[0] * x + theta[1]
        residual = _sigmoid(eta) - y
        gap = theta - np.array([1.0, 0.0])
        value = float(np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * prior_lines * gap @ gap)
        return value, np.array([residual @ x, residual.sum()]) + prior_lines * gap

    done = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return PlattCalibrator(float(done.x[0]), float(done.x[1]))


def learn(
    shipped: PRModel,
    lines: RepoLines,
    grid: Sequence[float] = SHRINKAGE_GRID,
    min_positives: int = MIN_POSITIVES,
    folds: int = FOLDS,
) -> Learned:
    """The repository model for `lines` (features in `shipped.names` columns), starting from `shipped`."""
    y = lines.target.astype(float)
    positives, commits = int(y.sum()), len(set(lines.commit.tolist()))
    if positives < min_positives:
        reason = (
            f"{positives} target line(s) in {commits} AI commit(s), fewer than {min_positives}: the shipped "
            "model stays"
        )
        return Learned(shipped, math.inf, True, reason, len(y), positives, commits)
    z = shipped.linear.standardised(lines.features)
    start, start_intercept = start_weights(shipped)
    validation, oof = validate(z, lines, start, start_intercept, grid, folds)
    shrinkage, reason = choose(validation, grid)
    if math.isinf(shrinkage):  # no clear gain: the shipped model as it is, its calibration too
        return Learned(shipped, shrinkage, True, reason, len(y), positives, commits, validation)
    coef, intercept = shrunk_fit(z, y, start, start_intercept, shrinkage)
    calibration = shrunk_platt(oof[shrinkage], y)
    card = {
        "shrinkage": _name(shrinkage),
        "reason": reason,
        "lines": len(y),
        "positives": positives,
        "commits": commits,
        "judged_blocks": validation.blocks,
        "folds": folds,
        "validation_auc": {_name(s): _round(v) for s, v in validation.auc.items()},
        "validation_gain": {_name(s): _round(v) for s, v in validation.gain.items()},
        "validation_noise": {_name(s): _round(v) for s, v in validation.noise.items()},
        "rule": (
            f"forward chaining over {folds} commit-time blocks; the shipped weights unless the best "
            f"shrinkage gains >= {MIN_GAIN} AUC and >= {NOISE_Z:g} bootstrap standard errors, then the "
            "strongest shrinkage within one standard error of the best; Platt on the out-of-fold log-odds"
        ),
    }
    model = replace(
        shipped,
        linear=replace(shipped.linear, coef=coef, intercept=intercept),
        calibration=calibration,
        base_rate=float(y.mean()),
    )
    return Learned(model, shrinkage, False, reason, len(y), positives, commits, validation, card)


def _round(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None
