"""scoring.metrics against cases computed by hand (and, where it exists, against scikit-learn)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from scoring.metrics import (
    BinStrategy,
    auc,
    auprc,
    bootstrap_interval,
    brier,
    brier_skill_score,
    ece,
    paired_auc_difference,
    reliability_bins,
    summarize,
)


def test_auc_counts_correctly_ordered_pairs():
    # pairs (pos, neg): (0.35,0.1) yes, (0.35,0.4) no, (0.8,0.1) yes, (0.8,0.4) yes -> 3/4
    assert auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75


def test_auc_counts_ties_as_half():
    # one pos at 0.5 tied with one neg at 0.5, above the other neg: (1 + 0.5) / 2
    assert auc([0.5, 0.5, 0.2], [1, 0, 0]) == 0.75


def test_auc_is_nan_with_one_class():
    assert math.isnan(auc([0.2, 0.3], [1, 1]))


def test_auc_accepts_any_monotone_score():
    assert auc([-3.0, -1.0, 2.0], [0, 1, 1]) == 1.0
    assert auc([-3.0, -1.0, 2.0], [1, 0, 0]) == 0.0


def test_auprc_by_hand():
    # ranking 0.9(1) 0.8(0) 0.7(1) 0.1(0): precision at the positives 1/1 and 2/3 -> (1 + 2/3) / 2
    assert auprc([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]) == pytest.approx(5 / 6)


def test_auprc_treats_tied_scores_as_one_threshold():
    # all tied: one threshold, precision 1/2 at recall 1
    assert auprc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == pytest.approx(0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auc_and_auprc_agree_with_sklearn_on_tied_random_data(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 7, size=300) / 7  # many ties
    labels = (rng.random(300) < 0.3 + 0.4 * scores).astype(int)
    assert auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores))
    assert auprc(scores, labels) == pytest.approx(average_precision_score(labels, scores))


def test_brier_by_hand():
    # (0.9-1)^2 + (0.2-0)^2 + (0.6-1)^2 + (0.5-0)^2 = .01 + .04 + .16 + .25 = .46 -> /4
    assert brier([0.9, 0.2, 0.6, 0.5], [1, 0, 1, 0]) == pytest.approx(0.115)


def test_bss_against_the_sample_base_rate():
    # b = 0.5, reference b(1-b) = 0.25, Brier 0.115 -> 1 - 0.46
    assert brier_skill_score([0.9, 0.2, 0.6, 0.5], [1, 0, 1, 0]) == pytest.approx(0.54)


def test_bss_of_the_base_rate_itself_is_zero_and_worse_is_negative():
    labels = [1, 0, 0, 0]
    assert brier_skill_score([0.25] * 4, labels) == pytest.approx(0.0)
    assert brier_skill_score([0.9, 0.9, 0.9, 0.9], labels) < 0


def test_bss_with_an_outside_base_rate_uses_that_constant_as_reference():
    # reference = mean((0.5 - y)^2) = 0.25 for any 0/1 labels; Brier of p=0.25 on [1,0,0,0] is .1875
    assert brier_skill_score([0.25] * 4, [1, 0, 0, 0], base_rate=0.5) == pytest.approx(1 - 0.1875 / 0.25)


def test_equal_width_ece_by_hand():
    # bins: [0.1,0.2): p .15,.15 y 0,1 -> |.15-.5| = .35 ; [0.8,0.9): p .85,.85 y 1,1 -> |.85-1| = .15
    p = [0.15, 0.15, 0.85, 0.85]
    y = [0, 1, 1, 1]
    assert ece(p, y) == pytest.approx((2 * 0.35 + 2 * 0.15) / 4)


def test_probability_one_falls_in_the_last_width_bin():
    bins = reliability_bins([1.0, 0.95], [1, 1])
    assert [(b.lower, b.upper, b.count) for b in bins] == [(0.9, 1.0, 2)]


def test_equal_mass_bins_split_sorted_predictions_evenly():
    p = [0.9, 0.1, 0.2, 0.8, 0.3, 0.7]
    y = [1, 0, 0, 1, 1, 0]
    bins = reliability_bins(p, y, n_bins=3, strategy=BinStrategy.MASS)
    assert [b.count for b in bins] == [2, 2, 2]
    assert [(b.lower, b.upper) for b in bins] == [(0.1, 0.2), (0.3, 0.7), (0.8, 0.9)]
    # bin means .15/.0, .5/.5, .85/1 -> (.15 + 0 + .15) / 3
    assert ece(p, y, n_bins=3, strategy=BinStrategy.MASS) == pytest.approx(0.1)


def test_perfectly_calibrated_bins_have_zero_ece():
    p = [0.25] * 4 + [0.75] * 4
    y = [1, 0, 0, 0, 1, 1, 1, 0]
    assert ece(p, y) == pytest.approx(0.0)
    assert ece(p, y, strategy=BinStrategy.MASS, n_bins=2) == pytest.approx(0.0)


def test_labels_other_than_zero_and_one_are_refused():
    with pytest.raises(ValueError, match="0 or 1"):
        brier([0.5], [2])


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="differ"):
        auc([0.5, 0.2], [1])


def test_summary_collects_every_metric():
    s = summarize([0.9, 0.2, 0.6, 0.5], [1, 0, 1, 0])
    assert (s.n, s.positives, s.base_rate) == (4, 2, 0.5)
    assert s.auc == 1.0
    assert s.brier == pytest.approx(0.115)
    assert s.bss == pytest.approx(0.54)


def test_bootstrap_interval_contains_the_point_and_narrows_with_more_data():
    rng = np.random.default_rng(0)

    def width(n):
        scores = rng.random(n)
        labels = (rng.random(n) < scores).astype(int)
        interval = bootstrap_interval(auc, scores, labels, n_resamples=200)
        assert interval.low <= interval.point <= interval.high
        return interval.high - interval.low

    assert width(2000) < width(100)


def test_grouped_bootstrap_is_wider_when_groups_are_internally_correlated():
    # 40 groups of 25 identical items: the effective sample size is 40, not 1000.
    rng = np.random.default_rng(1)
    group_scores = rng.random(40)
    group_labels = (rng.random(40) < group_scores).astype(int)
    scores = np.repeat(group_scores, 25)
    labels = np.repeat(group_labels, 25)
    groups = np.repeat(np.arange(40), 25)
    plain = bootstrap_interval(brier, scores, labels, n_resamples=300)
    grouped = bootstrap_interval(brier, scores, labels, groups=groups, n_resamples=300)
    assert grouped.high - grouped.low > 2 * (plain.high - plain.low)


def test_bootstrap_skips_resamples_where_the_metric_is_undefined():
    interval = bootstrap_interval(auc, [0.1, 0.9], [0, 1], n_resamples=100)
    assert interval.point == 1.0
    assert interval.low == interval.high == 1.0


def test_within_group_ranking_ignores_differences_between_groups() -> None:
    from scoring.metrics import within_groups

    # every group ranks perfectly inside, but group b's scores are all above group a's positives
    scores = [0.2, 0.1, 0.1, 0.9, 0.8, 0.7, 0.95]
    labels = [1, 0, 0, 0, 0, 0, 1]
    groups = ["a", "a", "a", "b", "b", "b", "b"]
    result = within_groups(scores, labels, groups, k=3)
    assert result.auc == 1.0 and result.groups == 2
    assert result.top_k == (1 / 3 + 1 / 3) / 2 and result.random_k == (1 / 3 + 1 / 4) / 2
    assert within_groups([0.5, 0.5], [0, 0], ["a", "a"], k=3).groups == 0


def test_paired_auc_difference_weighs_repositories_alike_and_redraws_whole_commits():
    rng = np.random.default_rng(1)
    labels = np.tile([0, 1], 300)
    noise = rng.normal(size=600)
    strong, weak = labels + 0.5 * noise, labels + 3.0 * noise
    small = np.arange(600) < 60  # one small repository: the mean over repositories must not drown it
    repo = np.where(small, "small", "big")
    commit = np.arange(600) // 6
    a = np.where(small, weak, strong)  # a gains in the big repository only
    result = paired_auc_difference(a, weak, labels, repo, commit, n_resamples=200)
    gains = [auc(a[m], labels[m]) - auc(weak[m], labels[m]) for m in (small, ~small)]
    assert result.point == pytest.approx(np.mean(gains))  # not the pooled difference
    assert result.point != pytest.approx(auc(a, labels) - auc(weak, labels), abs=1e-3)
    assert result.low < result.point < result.high and result.low > 0
    same = paired_auc_difference(weak, weak, labels, repo, commit, n_resamples=50)
    assert (same.point, same.low, same.high) == (0.0, 0.0, 0.0)
    # One commit per repository: every redraw is the same lines, so the interval is the point.
    whole = paired_auc_difference(a, weak, labels, repo, repo, n_resamples=50)
    assert whole.low == pytest.approx(whole.point) and whole.high == pytest.approx(whole.point)
