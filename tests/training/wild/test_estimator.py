"""The PR model's estimator: scikit-learn's interface, JSON that round-trips, repositories weighing alike."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from scoring.metrics import auc
from training.wild.estimator import BalancedLogit

NAMES = ("length", "indent")


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 3000
    x = np.c_[rng.integers(1, 120, n).astype(float), rng.random(n)]
    y = (rng.random(n) < 1 / (1 + np.exp(-3 * (np.log1p(x[:, 0]) - 3.5)))).astype(int)
    repo = np.array(["big"] * 2500 + ["small"] * 500)
    commit = np.array([f"c{k // 10}" for k in range(n)])
    return x, y, repo, commit


def test_it_is_a_scikit_learn_classifier() -> None:
    estimator = BalancedLogit(NAMES, pairwise=True, C=0.5)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params() and copy is not estimator
    x, y, repo, commit = data()
    fitted = BalancedLogit(NAMES).fit(x, y, groups=repo, commits=commit)
    p = fitted.predict_proba(x)
    assert p.shape == (len(y), 2) and np.allclose(p.sum(1), 1.0)
    assert auc(p[:, 1], y) > 0.7  # it learnt the planted signal in log(length)
    assert list(fitted.classes_) == [0, 1]


def test_its_json_round_trips_to_the_same_log_odds() -> None:
    x, y, repo, commit = data()
    for pairwise in (False, True):
        fitted = BalancedLogit(NAMES, pairwise).fit(x, y, groups=repo, commits=commit)
        again = BalancedLogit.from_dict(json.loads(json.dumps(fitted.to_dict())))
        assert again.get_params() == fitted.get_params()
        assert np.array_equal(again.decision_function(x), fitted.decision_function(x))


def test_its_log_odds_have_unit_spread_and_the_ranking_objective_no_intercept() -> None:
    x, y, repo, commit = data()
    pointwise = BalancedLogit(NAMES).fit(x, y, groups=repo, commits=commit)
    ranked = BalancedLogit(NAMES, pairwise=True).fit(x, y, groups=repo, commits=commit)
    assert np.std(pointwise.decision_function(x)) == pytest.approx(1.0, abs=0.05)
    assert ranked.linear_.intercept == 0.0 and ranked.linear_.coef[0] > 0
    with pytest.raises(ValueError, match="commit"):
        BalancedLogit(NAMES, pairwise=True).fit(x, y, groups=repo)


def test_a_repository_s_size_does_not_buy_it_more_say() -> None:
    """The big repository's edits follow length, the small one's indentation: the balanced fit weighs both
    signals far more evenly than an unweighted fit, and copying the big one's lines keeps that balance."""
    rng = np.random.default_rng(1)
    x = np.c_[rng.integers(1, 120, 3000).astype(float), rng.random(3000)]
    repo = np.array(["big"] * 2500 + ["small"] * 500)
    signal = np.where(repo == "big", 3 * (np.log1p(x[:, 0]) - 3.5), 6 * (x[:, 1] - 0.5))
    y = (rng.random(3000) < 1 / (1 + np.exp(-signal))).astype(int)
    whole = dict(lines_per_repo=10_000)  # every line, so the repository weights do the balancing
    fitted = BalancedLogit(NAMES, **whole).fit(x, y, groups=repo)
    big = repo == "big"
    again = np.r_[x, x[big]], np.r_[y, y[big]], np.r_[repo, repo[big]]
    doubled = BalancedLogit(NAMES, **whole).fit(again[0], again[1], groups=again[2])
    # the balance between the two signals stays (the scale of the log-odds moves with the sample's spread)
    ratio = fitted.linear_.coef[1] / fitted.linear_.coef[0]
    assert doubled.linear_.coef[1] / doubled.linear_.coef[0] == pytest.approx(ratio, rel=0.02)
    z = (np.c_[np.log1p(x[:, 0]), x[:, 1]] - fitted.linear_.mean) / fitted.linear_.scale
    unweighted = LogisticRegression().fit(z, y).coef_[0]
    assert ratio > 2 * unweighted[1] / unweighted[0] > 0
