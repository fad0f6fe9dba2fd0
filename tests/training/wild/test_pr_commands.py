"""`redline eval --part pr` then `redline train-pr`, as a user runs them, on small wild repositories."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from tests.training.wild.wild_files import row, write
from training.cli import evaluate, train_pr


def _wild(directory) -> None:
    """Four repositories whose long added lines get edited far more often than their short ones."""
    rng = np.random.default_rng(0)
    for r in range(4):
        rows = []
        for c in range(12):
            lengths = rng.integers(5, 90, 6)
            lines = [f"value_{k} = {'x' * int(n)}" for k, n in enumerate(lengths)]
            edited = [int(rng.random() < (0.6 if n > 60 else 0.05)) for n in lengths]
            rows.append(row(f"o/r{r}", f"s{r}c{c}", c + 1, lines, edited))
        write(directory, f"o__r{r}", rows)


def test_train_pr_needs_the_evaluation_and_ships_it_in_the_card(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REDLINE_CACHE_DIR", str(tmp_path / "cache"))
    _wild(tmp_path / "wild")
    data = ["--wild-dir", str(tmp_path / "wild"), "--ts-dir", str(tmp_path / "no-typescript")]
    evaluation, model = tmp_path / "evaluation.json", tmp_path / "pr_model.json"
    runner = CliRunner()
    ship = [*data, "--evaluation", str(evaluation), "--out", str(model)]
    refused = runner.invoke(train_pr, ship)
    assert refused.exit_code != 0 and "redline eval --part pr" in refused.output and not model.exists()
    judged = runner.invoke(
        evaluate, ["--part", "pr", *data, "--evaluation", str(evaluation), "--docs", str(tmp_path / "docs")]
    )
    assert judged.exit_code == 0, judged.output
    assert "Reproduce: `redline eval --part pr" in (tmp_path / "docs" / "evaluation.md").read_text()
    shipped = runner.invoke(train_pr, ship)
    assert shipped.exit_code == 0, shipped.output
    card, written = json.loads(model.read_text()), json.loads(evaluation.read_text())
    assert card["evaluation"] == written["evaluation"] and card["languages"] == ["python"]
    assert card["evaluated"]["data"]["python"] == {
        "repositories": 4,
        "lines": 4 * 12 * 6,
        "positives": written["data"]["python"]["positives"],
    }
