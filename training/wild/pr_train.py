"""Fit the PR model on wild lines: repository-balanced logistic regression, nested selection, Platt scaling.

Every choice is made inside the repositories it is given: the feature families by grouped cross-validation
over those repositories (a repository is never split), the Platt calibration and the comment threshold on
their out-of-fold predictions. `loro.py` calls this once per held-out repository (`redline eval --part pr`);
`redline train-pr` calls it on all of them for the shipped model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from scoring.calibration import PlattCalibrator
from scoring.folds import group_folds
from scoring.metrics import auc
from scoring.pr_features import Family, feature_names
from scoring.pr_model import DEFAULT_PR_MODEL, PRModel
from training.wild.estimator import BalancedLogit, repo_weights, sample_mask
from training.wild.table import LineTable

# Candidate feature sets, cheapest first; the nested selection picks one per training set.
CANDIDATES: dict[str, tuple[Family, ...]] = {
    "line + diff": (Family.LINE, Family.DIFF),
    "line + diff + change": (Family.LINE, Family.DIFF, Family.CHANGE),
    "line + diff + static": (Family.LINE, Family.DIFF, Family.STATIC),
    "line + diff + history": (Family.LINE, Family.DIFF, Family.HISTORY),
    "line + diff + change + history": (Family.LINE, Family.DIFF, Family.CHANGE, Family.HISTORY),
    "line + diff + history + static": (Family.LINE, Family.DIFF, Family.HISTORY, Family.STATIC),
    "every family": tuple(Family),
}
# The model-free baseline: length, indentation, line kind, test file, hunk size and position,
# file size, new file. A fixed list, never selected, so it is the same model in every fold.
BASELINE = (
    "length",
    "indent",
    "blank",
    *(n for n in feature_names((Family.LINE,)) if n.startswith("kind_")),
    "test_file",
    "run_length",
    "run_position",
    "hunk_added",
    "file_lines",
    "new_file",
)
_HISTORY = feature_names((Family.HISTORY,))
_CHANGE = feature_names((Family.CHANGE,))
_STATIC = feature_names((Family.STATIC,))
_STRUCTURE = feature_names((Family.STRUCTURE,))
_RELATIVE = feature_names((Family.RELATIVE,))
# Every feature set the nested selection chooses among: the baseline's features with each further family,
# and whole families. Cheapest first (the first best wins a tie).
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "baseline features": BASELINE,
    "baseline + change": (*BASELINE, *_CHANGE),
    "baseline + static": (*BASELINE, *_STATIC),
    "baseline + history": (*BASELINE, *_HISTORY),
    "baseline + change + history": (*BASELINE, *_CHANGE, *_HISTORY),
    "baseline + history + static": (*BASELINE, *_HISTORY, *_STATIC),
    "baseline + relative": (*BASELINE, *_RELATIVE),
    "baseline + structure": (*BASELINE, *_STRUCTURE),
    "baseline + relative + structure": (*BASELINE, *_RELATIVE, *_STRUCTURE),
    "baseline + relative + history": (*BASELINE, *_RELATIVE, *_HISTORY),
    "baseline + relative + structure + history": (*BASELINE, *_RELATIVE, *_STRUCTURE, *_HISTORY),
    **{name: feature_names(families) for name, families in CANDIDATES.items()},
}
# The ranking objective (`pair_differences`) as a candidate beside the pointwise fit of the same features: it
# learns only the order inside a commit, what a reviewer reading one PR sees.
PAIRWISE_SUFFIX = " (pairwise)"
FEATURE_SETS.update(
    {
        f"{name}{PAIRWISE_SUFFIX}": FEATURE_SETS[name]
        for name in ("baseline features", "baseline + relative", "baseline + relative + structure")
    }
)


def is_pairwise(candidate: str) -> bool:
    return candidate.endswith(PAIRWISE_SUFFIX)


# Each candidate's measured cost at review time, written by benchmarks/pr_feature_cost.py.
COST_FILE = DEFAULT_PR_MODEL.parent / "feature_cost.json"
INNER_FOLDS = 4


def balanced_rate(labels: np.ndarray, repo: np.ndarray) -> float:
    """The mean of the repositories' own rates: the base rate the balanced fit is trained to."""
    return float(np.mean([labels[repo == r].mean() for r in np.unique(repo)]))


def fitting_sample(table: LineTable) -> LineTable:
    """The lines a pointwise fit reads: at most `LINES_PER_REPO` of each repository."""
    return table.subset(sample_mask(table.repo))


def fit(table: LineTable, names: Sequence[str], label: str, pairwise: bool = False) -> BalancedLogit:
    """The estimator fitted on `table`'s lines, its repositories as groups and its commits as the pairs'."""
    names = tuple(names)
    return BalancedLogit(names, pairwise).fit(
        table.columns(names), table.label(label), groups=table.repo, commits=table.commit
    )


def logits(estimator: BalancedLogit, table: LineTable) -> np.ndarray:
    """`estimator`'s log-odds for `table`'s lines."""
    return estimator.decision_function(table.columns(estimator.linear_.names))


def repo_folds(repo: np.ndarray, folds: int) -> list[np.ndarray]:
    """Held-out masks of scikit-learn's GroupKFold over repositories: a repository is never split, and the
    folds hold about as many lines each."""
    fold = group_folds(repo, folds)
    n_splits = int(fold.max(initial=0)) + 1
    return [fold == k for k in range(n_splits)] if n_splits > 1 else []


def out_of_fold_logits(
    table: LineTable, names: Sequence[str], label: str, folds: int = INNER_FOLDS, pairwise: bool = False
) -> np.ndarray:
    """Logits for every line from a fit that never saw its repository."""
    out = np.full(len(table), np.nan)
    for held in repo_folds(table.repo, folds):
        if len(np.unique(table.label(label)[~held])) < 2:
            continue
        out[held] = logits(fit(table.subset(~held), names, label, pairwise), table.subset(held))
    return out


def repo_aucs(scores: np.ndarray, labels: np.ndarray, repo: np.ndarray) -> dict[str, float]:
    """AUC inside each repository (NaN where a repository has one class or no scores)."""
    out = {}
    for r in np.unique(repo):
        mask = (repo == r) & np.isfinite(scores)
        out[str(r)] = auc(scores[mask], labels[mask]) if mask.any() else float("nan")
    return out


def finite_mean(values: Iterable[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


@dataclass(frozen=True)
class FeatureCosts:
    """Each candidate's ms per 1,000 lines at review time, and how they were measured."""

    ms_per_1000_lines: dict[str, float]
    measured: str


def measured_costs(path: Path = COST_FILE) -> FeatureCosts:
    """What benchmarks/pr_feature_cost.py wrote; no costs if it never ran."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return FeatureCosts(
            {k: float(v) for k, v in data["ms_per_1000_lines"].items()}, str(data["measured"])
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return FeatureCosts({}, "not measured: run python benchmarks/pr_feature_cost.py")


REVIEW_BUDGET_MS = 1000.0  # per 1,000 AI lines: the review time a feature set must fit in (issue 21)


def cost_tier(name: str, names: Sequence[str], costs: dict[str, float]) -> int:
    """0: negligible (at most a tenth of the review budget), 1: within the budget, 2: over it, by the measured
    ms per 1,000 lines (unmeasured: whether the set reads git history or syntax trees, the families that cost
    ~60x the others). Inside a tier the cost does not matter to a reviewer: 8.5 against 58 ms is no reason to
    give up ranking."""
    ms = costs.get(name.removesuffix(PAIRWISE_SUFFIX))
    if ms is None:
        return int(bool({Family.HISTORY, Family.STATIC, Family.STRUCTURE} & set(families_of(names))))
    return 0 if ms <= REVIEW_BUDGET_MS / 10 else 1 if ms <= REVIEW_BUDGET_MS else 2


def within_one_standard_error(per_repo: dict[str, float], best: dict[str, float]) -> bool:
    """Whether a candidate's per-repository AUCs trail the best's by no more than one standard error of their
    mean paired difference: a gap the inner repositories cannot tell from noise."""
    gaps = np.array(
        [best[r] - per_repo[r] for r in best if np.isfinite(best[r]) and np.isfinite(per_repo[r])]
    )
    if len(gaps) < 2:
        return bool(len(gaps) == 1 and gaps[0] <= 0)
    return float(gaps.mean()) <= float(gaps.std(ddof=1) / np.sqrt(len(gaps)))


@dataclass(frozen=True)
class Selection:
    """Which candidate the nested cross-validation chose, and every candidate's inner mean AUC."""

    name: str
    inner_auc: dict[str, float]
    all_oof: dict[str, np.ndarray]  # every candidate's out-of-fold logits
    best: str = ""  # the highest inner mean AUC, which `name` may trade for a cheaper set within its noise

    @property
    def oof_logits(self) -> np.ndarray:
        """The chosen candidate's, for its calibration and comment threshold."""
        return self.all_oof[self.name]


def families_of(names: Sequence[str]) -> tuple[Family, ...]:
    """The families a review must compute to have `names`."""
    return tuple(f for f in Family if set(feature_names((f,))) & set(names))


SELECTION_RULE = (
    "among the candidates whose per-repository inner AUCs trail the best candidate's by at most one "
    "standard error of the mean paired difference, the best inner mean AUC of the cheapest cost tier "
    "(negligible, within or over the review budget of 1 s per 1,000 lines, by measured cost)"
)


def select(
    table: LineTable,
    label: str,
    candidates: dict[str, tuple[str, ...]] | None = None,
    costs: dict[str, float] | None = None,
) -> Selection:
    """Cost-aware nested selection over inner folds of `table`'s repositories (`SELECTION_RULE`): a dearer
    feature set has to beat a cheaper one by more than the inner repositories' noise to be chosen."""
    candidates = candidates or FEATURE_SETS
    labels = table.label(label)
    logits = {
        name: out_of_fold_logits(table, names, label, pairwise=is_pairwise(name))
        for name, names in candidates.items()
    }
    per_repo = {name: repo_aucs(logits[name], labels, table.repo) for name in candidates}
    scores = {name: finite_mean(per_repo[name].values()) for name in candidates}
    best = max(scores, key=lambda n: scores[n])
    near = [n for n in candidates if within_one_standard_error(per_repo[n], per_repo[best])]
    costs = measured_costs().ms_per_1000_lines if costs is None else costs
    chosen = min(near, key=lambda n: (cost_tier(n, candidates[n], costs), -scores[n]))
    return Selection(chosen, scores, logits, best)


def within_repo_platt(logits: np.ndarray, labels: np.ndarray, repo: np.ndarray) -> PlattCalibrator:
    """Platt scaling whose slope comes from the ranking inside each repository and whose intercept makes the
    repository-balanced mean probability the training mix's rate.

    A pooled fit would also read the differences *between* repositories' levels (a busy repository's lines
    score higher and may be edited less), which can flip the slope; those levels are the repo prior's job.
    A slope that still comes out negative (no ranking survives held-out repositories) is set to 0.
    """
    names, inverse = np.unique(repo, return_inverse=True)
    design = np.column_stack([logits, np.eye(len(names))[inverse]])
    model = LogisticRegression(C=1e6, max_iter=2000, fit_intercept=False)
    model.fit(design, labels, sample_weight=repo_weights(repo))
    slope = max(0.0, float(model.coef_[0, 0]))
    rate, weights = balanced_rate(labels, repo), repo_weights(repo)
    low, high = -30.0, 30.0
    for _ in range(100):  # the mean probability grows with the intercept: bisection finds it
        mid = (low + high) / 2
        mean = float(np.average(PlattCalibrator(slope, mid).apply(logits), weights=weights))
        low, high = (mid, high) if mean < rate else (low, mid)
    return PlattCalibrator(slope, (low + high) / 2)


def calibrated_model(
    table: LineTable,
    families: tuple[Family, ...],
    names: Sequence[str],
    label: str,
    oof_logits: np.ndarray,
    card: dict[str, object] | None = None,
    pairwise: bool = False,
) -> PRModel:
    """Fit on all of `table`, calibrate on the out-of-fold logits (`within_repo_platt`)."""
    finite = np.isfinite(oof_logits)
    calibration = within_repo_platt(
        oof_logits[finite], table.label(label)[finite].astype(float), table.repo[finite]
    )
    return PRModel(
        families,
        fit(table, names, label, pairwise).linear_,
        calibration,
        balanced_rate(table.label(label), table.repo),
        dict(card or {}),
    )
