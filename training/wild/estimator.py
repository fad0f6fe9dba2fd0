"""The PR model's estimator: a repository-balanced logistic regression with scikit-learn's interface.

`BalancedLogit(names).fit(X, y, groups=repo, commits=commit)` learns `linear_` (a
`scoring.linear.LinearModel`, the weights a review applies); `decision_function` gives log-odds,
`predict_proba` their sigmoid (before the Platt calibration `pr_train` fits on held-out logits); `to_dict` /
`from_dict` are its JSON.

Pointwise, it reads at most `lines_per_repo` lines of each repository, each repository weighing the same.
With `pairwise`, it learns the ranking objective instead (`pair_differences`): only the order of lines inside
one commit, the PR a reviewer reads.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from scoring.calibration import sigmoid
from scoring.linear import LinearModel
from scoring.pr_features import scaled

LINES_PER_REPO = 1000  # fitting sample per repository; weights balance repositories anyway
PAIRS_PER_COMMIT = 40  # within-commit (positive, negative) pairs the ranking objective draws per commit
REGULARISATION = 1.0


def repo_weights(repo: np.ndarray) -> np.ndarray:
    """Each repository weighs the same in total, so the largest histories do not decide alone."""
    _, inverse, counts = np.unique(repo, return_inverse=True, return_counts=True)
    weights = 1.0 / counts[inverse]
    return weights * len(weights) / weights.sum()


def sample_mask(groups: np.ndarray, per_group: int = LINES_PER_REPO, seed: int = 0) -> np.ndarray:
    """At most `per_group` random rows of each group (groups in sorted order, so the draw is reproducible)."""
    rng = np.random.default_rng(seed)
    keep = np.zeros(len(groups), dtype=bool)
    for group in np.unique(groups):
        index = np.nonzero(groups == group)[0]
        keep[rng.choice(index, size=min(len(index), per_group), replace=False)] = True
    return keep


def pair_differences(
    z: np.ndarray,
    labels: np.ndarray,
    commit: np.ndarray,
    repo: np.ndarray,
    seed: int = 0,
    per_commit: int = PAIRS_PER_COMMIT,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ranking objective's data: for up to `per_commit` random (positive, negative) pairs of lines of one
    commit, x_pos − x_neg labelled 1 and its mirror labelled 0; each repository's pairs weigh the same.

    Only the order inside a commit (the PR a reviewer reads) is learnt; between-commit and between-repository
    levels never enter, so the calibration that follows has to set them.
    """
    rng = np.random.default_rng(seed)
    order = np.argsort(commit, kind="stable")
    _, starts = np.unique(commit[order], return_index=True)
    rows, owners = [], []
    for members in np.split(order, starts[1:]):
        positive, negative = members[labels[members] == 1], members[labels[members] == 0]
        if not len(positive) or not len(negative):
            continue
        count = min(per_commit, len(positive) * len(negative))
        rows.append(z[rng.choice(positive, count)] - z[rng.choice(negative, count)])
        owners += [repo[members[0]]] * count
    if not rows:
        return np.zeros((0, z.shape[1])), np.zeros(0), np.zeros(0)
    diffs, owner = np.vstack(rows), np.array(owners)
    weights = repo_weights(owner)
    return (
        np.vstack([diffs, -diffs]),
        np.r_[np.ones(len(diffs)), np.zeros(len(diffs))],
        np.r_[weights, weights],
    )


class BalancedLogit(ClassifierMixin, BaseEstimator):
    """names: the feature columns of X, in order (they decide which columns are log-scaled)."""

    def __init__(
        self,
        names: tuple[str, ...] = (),
        pairwise: bool = False,
        C: float = REGULARISATION,
        lines_per_repo: int = LINES_PER_REPO,
        pairs_per_commit: int = PAIRS_PER_COMMIT,
    ) -> None:
        self.names = names
        self.pairwise = pairwise
        self.C = C
        self.lines_per_repo = lines_per_repo
        self.pairs_per_commit = pairs_per_commit

    def fit(
        self, X: np.ndarray, y: np.ndarray, *, groups: np.ndarray, commits: np.ndarray | None = None
    ) -> Self:
        """groups: each row's repository; commits: each row's commit (the pairwise objective's groups).

        The log-odds are divided by their spread on the fitting sample: models fitted on different
        repositories are confident to different degrees, and on one scale their held-out logits can share one
        Platt calibration without the most confident fold deciding its slope.
        """
        names, y = tuple(self.names), np.asarray(y)
        x = scaled(np.asarray(X, dtype=float), names)
        sample = sample_mask(groups, self.lines_per_repo)
        mean, scale = x[sample].mean(0), x[sample].std(0) + 1e-9
        z = (x - mean) / scale
        if self.pairwise:
            if commits is None:
                raise ValueError("the pairwise objective needs each row's commit")
            pairs, labels, weights = pair_differences(z, y, commits, groups, per_commit=self.pairs_per_commit)
            coef, intercept = np.zeros(len(names)), 0.0  # no commit with both kinds of line: nothing to rank
            if len(np.unique(labels)) == 2:
                model = LogisticRegression(C=self.C, max_iter=2000, fit_intercept=False)
                model.fit(pairs, labels, sample_weight=weights)
                coef = model.coef_[0].copy()  # the Platt calibration sets the level afterwards
        else:
            model = LogisticRegression(C=self.C, max_iter=2000)
            model.fit(z[sample], y[sample], sample_weight=repo_weights(groups[sample]))
            coef, intercept = model.coef_[0].copy(), float(model.intercept_[0])
        spread = float(np.std(z[sample] @ coef)) or 1.0
        self.linear_ = LinearModel(names, mean, scale, coef / spread, intercept / spread)
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.linear_.logits(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = sigmoid(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def to_dict(self) -> dict[str, Any]:
        return {"params": self.get_params(), **self.linear_.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BalancedLogit:
        params = dict(data["params"])
        estimator = cls(**{**params, "names": tuple(params["names"])})
        estimator.linear_ = LinearModel.from_dict(data)
        estimator.classes_ = np.array([0, 1])
        return estimator
