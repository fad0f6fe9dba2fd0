"""training.wild.hunks: lines grouped into the hunks a review shows, a hunk model, the gate's threshold."""

from __future__ import annotations

import numpy as np

from scoring.pr_model import HunkModel
from tests.training.wild.wild_files import row, write
from training.wild.hunks import GATE_SHARE, fit_hunk_model, gate_threshold, hunk_ids, hunks_of
from training.wild.table import load_table


def test_each_file_s_added_run_is_one_hunk_and_a_hunk_is_positive_when_any_line_is(tmp_path) -> None:
    write(
        tmp_path,
        "a__one",
        [
            row("a/one", "s1", 1, ["x = 1", "y = 2"], [1, 0]),
            row("a/one", "s1", 1, ["z = 3", "w = 4", "v = 5"], [0, 0, 0], path="pkg/other.py"),
            row("a/one", "s2", 2, ["q = 1"], [0]),
        ],
    )
    table = load_table(tmp_path, progress=False)
    assert hunk_ids(table).tolist() == [0, 0, 1, 1, 1, 2]
    hunks = hunks_of(table, np.array([0.5, 0.1, 0.2, 0.2, 0.4, 0.3]), "target")
    assert hunks.label.tolist() == [1, 0, 0] and hunks.lines.tolist() == [2, 3, 1]
    assert np.allclose(hunks.max_log_odds, np.log(np.array([0.5, 0.4, 0.3]) / np.array([0.5, 0.6, 0.7])))


def test_the_hunk_model_learns_that_riskier_lines_make_riskier_hunks_and_the_gate_fires_on_its_share() -> (
    None
):
    rng = np.random.default_rng(0)
    n = 4000
    max_z = rng.normal(-2, 1, n)
    lines = rng.integers(1, 30, n).astype(float)
    y = (rng.random(n) < 1 / (1 + np.exp(-(max_z + 0.3 * np.log(lines))))).astype(np.int8)
    from training.wild.hunks import Hunks

    hunks = Hunks(np.array(["r1", "r2"] * (n // 2)), np.arange(n).astype(str), y, max_z, max_z - 1, lines)
    model = fit_hunk_model(hunks)
    assert model.coef[0] + model.coef[1] > 0.5 and model.coef[2] > 0
    p = model.probabilities(max_z, max_z - 1, lines)
    threshold = gate_threshold(p)
    assert abs((p >= threshold).mean() - GATE_SHARE) < 0.005
    assert y[p >= threshold].mean() > 2 * y.mean()
    assert isinstance(model, HunkModel)
