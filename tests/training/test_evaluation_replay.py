"""The one replay: comments and the gate decided per commit by the bot's rules, counted against labels."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.decisions import Thresholds
from scoring.types import ScoredHunk
from training.replay import pooled, replay, uncapped


def test_uncapped_it_counts_the_lines_at_the_threshold_and_their_hits() -> None:
    rng = np.random.default_rng(0)
    p, y = rng.random(500), (rng.random(500) < 0.2).astype(float)
    commits = np.repeat([f"c{k}" for k in range(50)], 10)
    result = replay(p, y, commits, uncapped(0.7))
    at = p >= 0.7
    assert result.commented == at.sum() and result.hits == y[at].sum() and result.commits == 50
    assert result.hit_rate == pytest.approx(y[at].mean()) and result.base_rate == pytest.approx(y.mean())
    assert result.lift == pytest.approx(y[at].mean() / y.mean())
    assert result.per_100_lines == pytest.approx(100 * at.mean()) and result.gate_failures == 0


def test_a_review_s_cap_and_gate_apply_per_commit() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.95, 0.1])
    y = np.array([1.0, 0.0, 1.0, 0.0, 0.0])
    commits = np.array(["a", "a", "a", "b", "b"])
    hunks = [("a", ScoredHunk("f", 1, 3, 0.85)), ("b", ScoredHunk("g", 1, 2, 0.2))]
    result = replay(p, y, commits, Thresholds(comment=0.5, gate=0.8, max_comments=2), hunks)
    # commit a: its two riskiest lines (0.9 hit, 0.8 miss); commit b: 0.95 (miss); a's hunk fails the gate
    assert (result.commented, result.hits, result.gate_failures) == (3, 1, 1)
    assert result.comments_per_commit == 1.5 and result.gate_failure_rate == 0.5
    assert result.threshold == 0.5 and result.gate_threshold == 0.8


def test_replays_pool_by_their_counts_and_lines_must_match_labels() -> None:
    commits = np.array(["a", "b"])
    one = replay(np.array([0.9, 0.1]), np.array([1.0, 0.0]), commits, uncapped(0.5))
    two = replay(np.array([0.6, 0.6]), np.array([0.0, 0.0]), commits, uncapped(0.3))
    both = pooled([one, two])
    assert (both.lines, both.positives, both.commented, both.hits, both.commits) == (4, 1, 3, 1, 4)
    assert np.isnan(both.threshold) and both.hit_rate == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="one per line"):
        replay(np.array([0.5]), np.array([1.0, 0.0]), commits, uncapped(0.5))
