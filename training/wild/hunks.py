"""The hunk model behind the merge gate: P(at least one line of an AI-written hunk gets the target edit).

A hunk is a diff hunk's AI-added lines, as a review sees it. Its probability comes from its lines' calibrated
log-odds (the riskiest line's, and the mean) and its size, through a repository-balanced logistic regression
fitted on hunks of the training repositories only, from line probabilities of models that never saw those
lines' repositories (the selection's out-of-fold logits). The gate's default threshold is chosen on the same
training hunks so that it fires on a stated small share of them. Pure over a `LineTable`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from scoring.calibration import logit
from scoring.pr_model import HunkModel
from training.wild.estimator import repo_weights
from training.wild.table import LineTable

GATE_SHARE = 0.02  # the gate's default threshold fires on this share of the training repositories' hunks
# The columns that place a line in its diff hunk: a change in any of them starts a new hunk. Files of one
# commit that agree in all of them (same size, same hunk count) are rare enough to merge.
_HUNK_KEYS = ("hunk_index", "hunks", "file_lines", "file_added")
GATE_RULE = (
    f"the hunk probability at or above which {GATE_SHARE:.0%} of the training repositories' hunks "
    "fall (their out-of-fold probabilities)"
)


def hunk_ids(table: LineTable) -> np.ndarray:
    """A hunk number for every line (lines come grouped by row and sorted inside it, as `file_table`
    writes)."""
    keys = table.columns(_HUNK_KEYS)
    starts = np.r_[True, (table.commit[1:] != table.commit[:-1]) | np.any(keys[1:] != keys[:-1], axis=1)]
    return np.cumsum(starts) - 1


@dataclass(frozen=True)
class Hunks:
    """Per hunk: repository, commit, label (any line positive), the riskiest and the mean line log-odds,
    size."""

    repo: np.ndarray
    commit: np.ndarray
    label: np.ndarray
    max_log_odds: np.ndarray
    mean_log_odds: np.ndarray
    lines: np.ndarray

    def __len__(self) -> int:
        return len(self.label)


def hunks_of(table: LineTable, line_p: np.ndarray, label: str) -> Hunks:
    """Group lines into hunks with their calibrated line probabilities `line_p` (NaN lines left out)."""
    ok = np.isfinite(line_p)
    ids = hunk_ids(table)[ok]
    z = logit(np.clip(line_p[ok], 1e-6, 1 - 1e-6))
    y = table.label(label)[ok]
    order = np.argsort(ids, kind="stable")
    _, starts, counts = np.unique(ids[order], return_index=True, return_counts=True)
    first = order[starts]
    return Hunks(
        table.repo[ok][first],
        table.commit[ok][first],
        np.maximum.reduceat(y[order], starts),
        np.maximum.reduceat(z[order], starts),
        np.add.reduceat(z[order], starts) / counts,
        counts.astype(float),
    )


def fit_hunk_model(hunks: Hunks) -> HunkModel:
    """Repository-balanced logistic regression of 'any line positive' on the hunk's line log-odds and size."""
    x = HunkModel.design(hunks.max_log_odds, hunks.mean_log_odds, hunks.lines)
    if len(np.unique(hunks.label)) < 2:
        return HunkModel(np.array([1.0, 0.0, 0.0]), 0.0)
    model = LogisticRegression(C=1e4, max_iter=2000)
    model.fit(x, hunks.label, sample_weight=repo_weights(hunks.repo))
    return HunkModel(model.coef_[0].copy(), float(model.intercept_[0]))


def gate_threshold(probabilities: np.ndarray, share: float = GATE_SHARE) -> float:
    """The probability at or above which `share` of these hunks fall (`GATE_RULE`)."""
    return float(np.quantile(probabilities, 1 - share, method="higher")) if len(probabilities) else 1.0
