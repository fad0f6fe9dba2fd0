"""`redline review` on your own branch: --ai all, --format json (validated against the documented schema),
--show flagged|top N|all, and a progress bar only on a terminal. Real git repositories, a tiny real model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from bot.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "review-output.schema.json").read_text())
CODE = "def total(xs):\n    s = 0  # bug\n    for x in xs:\n        s += x\n    return s\n"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    from scoring.probe.testing import save_tiny_install

    model, probe = save_tiny_install(tmp_path_factory.mktemp("installed"))
    return ["--model", str(model), "--probe", str(probe)]


@pytest.fixture
def own_branch(git_repo):
    """A branch whose commit carries no AI marker at all: a person's own work."""
    git_repo.commit({"README": "base\n"}, "base")
    git_repo.branch("feature")
    git_repo.commit({"calc.py": CODE}, "Add total")
    return git_repo


def _review(repo, installed, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        [
            "review",
            "--repo",
            str(repo.path),
            "--base",
            "main",
            "--head",
            "feature",
            "--no-fail-on-gate",
            *installed,
            *args,
        ],
    )
    assert result.exc_info is None or result.exc_info[0] is SystemExit, result.output
    return result.exit_code, result.stdout


def test_ai_all_reviews_a_branch_that_carries_no_ai_marker(own_branch, installed):
    _, detected = _review(own_branch, installed, "--format", "json")
    assert json.loads(detected)["counts"]["ai_lines"] == 0
    code, everything = _review(own_branch, installed, "--format", "json", "--ai", "all")
    counts = json.loads(everything)["counts"]
    assert code == 0 and counts["ai_lines"] == counts["scored_lines"] == 5


def test_json_output_follows_the_documented_schema(own_branch, installed):
    _, out = _review(own_branch, installed, "--ai", "all", "--format", "json", "--show", "all")
    document = json.loads(out)  # stdout is the document alone
    jsonschema.validate(document, SCHEMA)
    probabilities = [line["probability"] for line in document["lines"]]
    assert len(probabilities) == 5 and probabilities == sorted(probabilities, reverse=True)
    assert document["lines"][0]["text"] == "    s = 0  # bug"  # the tiny probe learnt: `bug` gets edited
    assert document["show"] == {"kind": "all", "n": None}


@pytest.mark.parametrize("show", [["--show", "top", "2"], ["--show", "top:2"]])
def test_show_top_lists_the_riskiest_lines_below_the_threshold(own_branch, installed, show):
    own_branch.repo.git.checkout("main")
    own_branch.commit({".github/redline.yml": "thresholds: {comment: 1.0}\n"}, "config")
    own_branch.repo.git.checkout("feature")
    own_branch.repo.git.rebase("main")
    _, out = _review(own_branch, installed, "--ai", "all", "--format", "json", *show)
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    assert document["counts"]["commented"] == 0
    assert next((line["line"], line["verdict"]) for line in document["lines"]) == (2, "below threshold")
    assert len(document["lines"]) == 2 and document["show"] == {"kind": "top", "n": 2}
    _, flagged = _review(own_branch, installed, "--ai", "all", "--format", "json")
    assert json.loads(flagged)["lines"] == []
    _, text = _review(own_branch, installed, "--ai", "all")
    assert "no line reached the comment threshold" in text and "the riskiest lines anyway" in text
    assert "s = 0  # bug" in text


@pytest.mark.parametrize("args", [["--show", "bogus"], ["--show", "all", "3"], ["--show", "top:2", "3"]])
def test_show_refuses_what_it_cannot_mean(own_branch, args):
    result = CliRunner().invoke(cli, ["review", "--repo", str(own_branch.path), *args])
    assert result.exit_code == 2 and "--show" in result.output


def test_progress_bar_on_a_terminal_only(own_branch, installed):
    command = [
        sys.executable,
        "-m",
        "bot",
        "review",
        "--repo",
        str(own_branch.path),
        "--base",
        "main",
        "--head",
        "feature",
        "--ai",
        "all",
        "--no-fail-on-gate",
        *installed,
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "120", "PYTHONPATH": str(ROOT)}
    env.pop("GITHUB_ACTIONS", None)
    piped = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert piped.returncode == 0, piped.stderr
    assert "loading the model" not in piped.stderr + piped.stdout and "scored 5 of 5" in piped.stdout
    on_terminal = subprocess.run(
        ["script", "-qec", " ".join(map(_quote, command)), "/dev/null"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=ROOT,
    )
    assert on_terminal.returncode == 0, on_terminal.stdout[-2000:]
    assert "loading the model" in on_terminal.stdout or "scoring AI-written lines" in on_terminal.stdout


def _quote(part: str) -> str:
    import shlex

    return shlex.quote(part)


def test_score_reports_progress_per_file(tiny):
    from bot.stages.score import score
    from scoring.diff import parse as parse_diff
    from scoring.types import LineScore, LineStatus

    files = parse_diff(
        "diff --git a/a.py b/a.py\n--- /dev/null\n+++ b/a.py\n@@ -0,0 +1,2 @@\n+x = 1\n+y = 2  # bug\n"
        "diff --git a/b.py b/b.py\n--- /dev/null\n+++ b/b.py\n@@ -0,0 +1 @@\n+z = 3\n"
    )
    lines = [
        LineScore("a.py", 1, text="x = 1", status=LineStatus.TO_SCORE),
        LineScore("a.py", 2, text="y = 2  # bug", status=LineStatus.TO_SCORE),
        LineScore("b.py", 1, text="z = 3", status=LineStatus.TO_SCORE),
    ]
    calls: list[tuple[int, int]] = []
    score(
        lines,
        files,
        {"a.py": "x = 1\ny = 2  # bug\n", "b.py": "z = 3\n"},
        tiny,
        {},
        error=None,
        time_budget_s=60,
        elapsed=lambda: 0.0,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(0, 3), (2, 3), (3, 3)]
