"""The repository model's fit: shipped weights kept on noise, moved toward a planted signal, and a
validation that only ever fits on commits earlier than those it judges."""

from __future__ import annotations

import math

import numpy as np

from scoring.calibration import PlattCalibrator
from scoring.linear import LinearModel
from scoring.metrics import auc
from scoring.pr_features import LOG_SCALED, Family, feature_names
from scoring.pr_model import PRModel
from training.wild.learn import RepoLines, forward_folds, learn, start_weights, validate

NAMES = tuple(n for n in feature_names((Family.LINE,)) if n not in LOG_SCALED)[:6]
COMMITS, LINES_PER_COMMIT = 300, 10


def shipped() -> PRModel:
    coef = np.array([0.8, -0.4, 0.0, 0.3, 0.0, 0.2])[: len(NAMES)]
    return PRModel(
        (Family.LINE,),
        LinearModel(NAMES, np.zeros(len(NAMES)), np.ones(len(NAMES)), coef, -2.0),
        PlattCalibrator(1.0, 0.0),
        0.12,
        {"version": "shipped-test"},
    )


def lines(labels_from, seed: int = 0) -> RepoLines:
    rng = np.random.default_rng(seed)
    n = COMMITS * LINES_PER_COMMIT
    x = rng.normal(size=(n, len(NAMES)))
    commit = np.repeat([f"{k:040x}" for k in rng.permutation(COMMITS)], LINES_PER_COMMIT)
    time = np.repeat(np.arange(COMMITS, dtype=float) * 3600, LINES_PER_COMMIT)
    return RepoLines(x, labels_from(x, rng).astype(int), commit, time)


def test_noise_keeps_the_shipped_model() -> None:
    model = shipped()
    learned = learn(model, lines(lambda x, rng: rng.random(len(x)) < 0.12))
    assert learned.kept_shipped and math.isinf(learned.shrinkage)
    assert learned.model is model
    assert learned.validation is not None and learned.validation.blocks == 4


def test_a_planted_signal_moves_the_weights_toward_it() -> None:
    model = shipped()
    planted = 2  # the shipped model gives this feature no weight; here it decides
    data = lines(lambda x, rng: rng.random(len(x)) < 1 / (1 + np.exp(-(2.0 * x[:, planted] - 2.0))))
    learned = learn(model, data)
    assert not learned.kept_shipped and math.isfinite(learned.shrinkage)
    start, _ = start_weights(model)
    assert start[planted] == 0 and learned.model.linear.coef[planted] > 0.3
    assert learned.card["shrinkage"] == f"{learned.shrinkage:g}"
    fresh = lines(lambda x, rng: rng.random(len(x)) < 1 / (1 + np.exp(-(2.0 * x[:, planted] - 2.0))), seed=1)
    y = fresh.target
    assert (
        auc(learned.model.probabilities(fresh.features), y)
        > auc(model.probabilities(fresh.features), y) + 0.05
    )
    p = learned.model.probabilities(fresh.features)
    assert abs(p.mean() - y.mean()) < 0.03  # calibrated afterwards


def test_few_positives_keep_the_shipped_model() -> None:
    model = shipped()
    data = lines(lambda x, rng: np.arange(len(x)) % 200 == 0)  # 15 positives
    learned = learn(model, data)
    assert learned.kept_shipped and learned.validation is None and learned.model is model


def test_forward_folds_fit_only_on_earlier_commits() -> None:
    rng = np.random.default_rng(3)
    commit = np.array([f"c{k}" for k in rng.integers(0, 120, 2000)])
    when = {c: float(rng.integers(0, 10**6)) for c in set(commit)}
    time = np.array([when[c] for c in commit])
    folds = forward_folds(commit, time)
    assert len(folds) == 4
    for fit_mask, judge_mask in folds:
        assert time[fit_mask].max() <= time[judge_mask].min()
        assert not set(commit[fit_mask]) & set(commit[judge_mask])
    judged = [commit[judge_mask] for _, judge_mask in folds]
    assert sum(len(set(j)) for j in judged) == len(set(commit)) - len(set(commit[folds[0][0]]))
    for c in set(commit):  # a commit's lines are judged together, in one fold only
        assert sum(bool((judge_mask & (commit == c)).any()) for _, judge_mask in folds) <= 1
        assert all(
            (judge_mask[commit == c]).all() or not judge_mask[commit == c].any() for _, judge_mask in folds
        )


def test_later_labels_never_change_an_earlier_choice() -> None:
    model = shipped()
    data = lines(lambda x, rng: rng.random(len(x)) < 1 / (1 + np.exp(-(1.5 * x[:, 2] - 2.0))))
    z = data.features  # mean 0, scale 1, no log-scaled columns: the standardised features
    start, intercept = start_weights(model)
    _, before = validate(z, data, start, intercept)
    last = forward_folds(data.commit, data.time)[-1][1]  # the latest run of commits, judged last
    flipped = RepoLines(data.features, np.where(last, 1 - data.target, data.target), data.commit, data.time)
    _, after = validate(z, flipped, start, intercept)
    earlier = ~last
    for s in before:
        assert np.array_equal(before[s][earlier], after[s][earlier], equal_nan=True)
