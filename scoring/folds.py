"""Folds that never split a group (a problem, a commit, a repository): scikit-learn's GroupKFold.

One helper for every grouped split, so the MIAP build, the probe's cross-validation, the PR model's
leave-repositories-out folds and the weekly report's recalibration check all mean the same thing by "fold".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import GroupKFold


def group_folds(groups: Sequence[object] | np.ndarray, n_folds: int, seed: int | None = None) -> np.ndarray:
    """Fold number (0..n_folds-1) per item; every item of a group lands in the same fold.

    Without a seed the folds are GroupKFold's: balanced by items, largest groups first. With a seed the
    groups are shuffled with it first (balanced by groups), so a fold is a random set of groups. Fewer
    groups than folds: one group per fold; a single group: everything in fold 0.
    """
    labels = np.asarray(groups)
    folds = np.zeros(len(labels), dtype=np.int64)
    n_splits = min(n_folds, len(np.unique(labels)))
    if n_splits < 2:
        return folds
    splitter = GroupKFold(n_splits, shuffle=seed is not None, random_state=seed)
    for k, (_, held) in enumerate(splitter.split(labels, groups=labels)):
        folds[held] = k
    return folds
