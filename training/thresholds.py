"""The comment threshold a model ships with: the rule, and the choice it makes on one labelled split.

Shared by the PR model's training (training/wild) and the probe's (training/probe); numpy only, so training
the PR model needs no torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    """A comment threshold chosen on one labelled split: what it commented on there and how often it was
    right.

    met_target: the hit rate reached `lift` x the base rate; otherwise the threshold is the one with the
                best hit rate among those commenting on at least `min_share` of lines.
    """

    threshold: float
    hit_rate: float
    base_rate: float
    share_commented: float
    lift: float
    met_target: bool


TARGET_LIFT = 2.0  # comments should be right at least twice as often as a random added line
MIN_COMMENTED_SHARE = 0.02  # a threshold must comment on at least this share of lines to count
MAX_FALLBACK_SHARE = 0.10  # short of the target, comment on no more than this share: more would be noise
COMMENT_THRESHOLD_RULE = (
    f"the lowest threshold, at or above the base rate, whose comments hit {TARGET_LIFT:g}x the base rate on "
    f"at least {MIN_COMMENTED_SHARE:.0%} of lines; failing that, the best hit rate at or above the base rate "
    f"on {MIN_COMMENTED_SHARE:.0%} to {MAX_FALLBACK_SHARE:.0%} of lines"
)


def choose_comment_threshold(
    probabilities: np.ndarray,
    labels: np.ndarray,
    lift: float = TARGET_LIFT,
    min_share: float = MIN_COMMENTED_SHARE,
    max_fallback_share: float = MAX_FALLBACK_SHARE,
) -> ThresholdChoice:
    """The lowest calibrated probability, at or above the base rate, whose comments (lines at or above it) hit
    `lift` x the base rate while commenting on at least `min_share` of lines; failing that, the best hit rate
    at or above the base rate on `min_share` to `max_fallback_share` of lines (if no threshold fits, the best
    on at least `min_share`). The base-rate floor keeps a comment from landing on a line the probe itself
    scores as less likely than average to be edited; the cap keeps a probe whose ranking fails in this domain
    (a flat or reversed calibration) from commenting on most lines for a hit rate near the base rate."""
    p, y = np.asarray(probabilities, dtype=float), np.asarray(labels, dtype=float)
    if p.size == 0:
        raise ValueError("no lines to choose a comment threshold on")
    order = np.argsort(-p, kind="stable")
    ranked, hits = p[order], np.cumsum(y[order])
    last_of_tie = np.r_[ranked[1:] != ranked[:-1], True]  # a threshold comments on every tied line
    counts = np.arange(1, p.size + 1)[last_of_tie]
    hit_rates, thresholds = hits[last_of_tie] / counts, ranked[last_of_tie]
    base = float(y.mean())
    enough = counts >= min(
        p.size, max(1, int(np.ceil(min_share * p.size)))
    )  # commenting on all always counts
    target = enough & (hit_rates >= lift * base) & (thresholds >= base) if base > 0 else np.zeros_like(enough)
    modest = enough & (counts <= max(1, int(np.ceil(max_fallback_share * p.size)))) & (thresholds >= base)
    fallback = modest if modest.any() else enough
    pick = (
        int(np.nonzero(target)[0][-1])
        if target.any()
        else int(np.argmax(np.where(fallback, hit_rates, -1.0)))
    )
    return ThresholdChoice(
        threshold=float(thresholds[pick]),
        hit_rate=float(hit_rates[pick]),
        base_rate=base,
        share_commented=float(counts[pick] / p.size),
        lift=float(hit_rates[pick] / base) if base > 0 else float("nan"),
        met_target=bool(target.any()),
    )
