from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import scoring.probe.scorer
from bot.cli import cli
from scoring.probe.testing import save_tiny_install


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny supervisor saved as a local model directory and a probe trained for exactly that directory."""
    return save_tiny_install(tmp_path_factory.mktemp("installed"))


def test_score_prints_json_with_one_probability_per_line_and_each_span(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    model, probe = installed
    source = tmp_path / "example.py"
    source.write_text("items = [1]  # bug\nreturn items\n\nprint(items, total)\n")
    result = CliRunner().invoke(
        cli, ["score", str(source), "--model", str(model), "--probe", str(probe), "--json", "--lines", "1-2"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [line["line"] for line in report["lines"]] == [1, 2, 3, 4]
    assert report["lines"][0]["probability"] > report["lines"][1]["probability"]
    assert [s["span"] for s in report["spans"]] == ["lines 1-2", "whole text"]
    assert "person edits" in report["probability_means"]


def test_score_draws_a_gutter_by_default(installed: tuple[Path, Path], tmp_path: Path) -> None:
    model, probe = installed
    source = tmp_path / "example.py"
    source.write_text("total = 1\n")
    result = CliRunner().invoke(cli, ["score", str(source), "--model", str(model), "--probe", str(probe)])
    assert result.exit_code == 0, result.output
    assert "   1 │ total = 1" in result.stdout


def test_score_without_an_installed_probe_says_how_to_train_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scoring.probe.scorer, "DEFAULT_PROBE_DIR", tmp_path / "none")
    source = tmp_path / "example.py"
    source.write_text("x = 1\n")
    result = CliRunner().invoke(cli, ["score", str(source)])
    assert result.exit_code == 2
    assert "no probe is installed" in result.output and "redline train" in result.output


def test_score_rejects_bad_line_ranges_and_binary_files(installed: tuple[Path, Path], tmp_path: Path) -> None:
    model, probe = installed
    source = tmp_path / "example.py"
    source.write_text("x = 1\n")
    bad = CliRunner().invoke(cli, ["score", str(source), "--lines", "two"])
    assert bad.exit_code == 2 and "not a line range" in bad.output
    outside = CliRunner().invoke(
        cli, ["score", str(source), "--model", str(model), "--probe", str(probe), "--lines", "5-9"]
    )
    assert outside.exit_code == 2 and "outside" in outside.output
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\x01\x02")
    assert "binary" in CliRunner().invoke(cli, ["score", str(binary)]).output


def test_a_line_past_the_token_cap_is_skipped_with_the_reason_and_cut_in_the_gutter(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    model, probe = installed
    source = tmp_path / "table.py"
    huge = "table = [" + ", ".join(str(k) for k in range(3000)) + "]"
    source.write_text(f"total = 1\n{huge}\nreturn total\n")
    options = ["--model", str(model), "--probe", str(probe)]
    report = json.loads(CliRunner().invoke(cli, ["score", str(source), *options, "--json"]).stdout)
    long_line = report["lines"][1]
    assert long_line["probability"] is None and "over the cap of 512 per line" in long_line["skipped"]
    assert report["lines"][0]["probability"] is not None and report["lines"][0]["skipped"] is None
    gutter = CliRunner().invoke(cli, ["score", str(source), *options])
    assert gutter.exit_code == 0, gutter.output
    assert "skipped: line 2 has" in gutter.stdout and "more characters)" in gutter.stdout
    assert huge not in gutter.stdout and len(gutter.stdout.splitlines()) < 12
