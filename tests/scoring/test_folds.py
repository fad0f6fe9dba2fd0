"""scoring.folds: grouped folds that never split a group, seeded or size-balanced."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sklearn.model_selection import GroupKFold

from scoring.folds import group_folds


@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=200),
    st.integers(1, 8),
    st.one_of(st.none(), st.integers(0, 2**31 - 1)),
)
def test_a_group_is_never_split_and_every_fold_holds_a_group(groups, n_folds, seed):
    folds = group_folds(groups, n_folds, seed)
    assert len(folds) == len(groups)
    for group in set(groups):
        assert len({int(folds[i]) for i, g in enumerate(groups) if g == group}) == 1
    expected = min(n_folds, len(set(groups))) if len(set(groups)) >= 2 and n_folds >= 2 else 1
    assert sorted(set(folds.tolist())) == list(range(expected))


def test_a_seed_shuffles_groups_reproducibly_and_balances_them():
    groups = [f"problem/{i // 4}" for i in range(4 * 23)]
    first, again, other = (
        group_folds(groups, 5, seed=7),
        group_folds(groups, 5, seed=7),
        group_folds(groups, 5, 8),
    )
    assert (first == again).all() and not (first == other).all()
    per_fold = sorted(len({g for g, f in zip(groups, first, strict=True) if f == k}) for k in range(5))
    assert per_fold == [4, 4, 5, 5, 5]


def test_without_a_seed_the_folds_are_group_k_folds_balanced_by_items():
    groups = np.array(["big"] * 50 + ["a"] * 10 + ["b"] * 10 + ["c"] * 10 + ["d"] * 10 + ["e"] * 10)
    folds = group_folds(groups, 2)
    held = [set(groups[test]) for _, test in GroupKFold(2).split(groups, groups=groups)]
    assert [set(groups[folds == k]) for k in range(2)] == held
    assert sorted(np.bincount(folds).tolist()) == [50, 50]
