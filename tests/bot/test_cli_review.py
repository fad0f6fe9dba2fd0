"""`redline review` through click: the bundled example, exit codes, SARIF, and --github against the fake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.stages.gate import EXIT_CODES
from tests.fakes import FakePull

MISSING_PROBE = ["--probe", "/nonexistent/redline-probe"]
DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_example_review_without_a_model_is_neutral_and_exits_zero(tmp_path):
    sarif = tmp_path / "out.sarif"
    result = CliRunner().invoke(cli, ["review", "--example", *MISSING_PROBE, "--sarif", str(sarif)])
    assert result.exit_code == 0, result.output
    assert "bundled example repository" in result.output and "gate: neutral" in result.output
    document = json.loads(sarif.read_text())
    assert document["version"] == "2.1.0" and document["runs"][0]["results"] == []


@pytest.mark.parametrize("target", ["/proc/version", "{tmp}/file/under/a/file.sarif"])
def test_a_sarif_path_that_cannot_be_written_keeps_the_review_and_says_why(tmp_path, target):
    (tmp_path / "file").write_text("")
    sarif = target.format(tmp=tmp_path)
    result = CliRunner().invoke(cli, ["review", "--example", *MISSING_PROBE, "--sarif", sarif])
    assert result.exit_code == 0 and "gate: neutral" in result.output, result.output
    assert f"reporter problem: SarifReporter: cannot write the SARIF file {sarif}" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_example_shows_its_riskiest_lines_and_a_comment_and_leaves_no_temporary_file(tmp_path):
    # It lists the top 3 and the comment on the first; the example's gate verdict does not set the exit code.
    env = {**os.environ, "TMPDIR": str(tmp_path), "COLUMNS": "200", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "review", "--example"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=DOCS.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    words = " ".join(done.stdout.split())  # rich wraps long lines at the terminal's width
    assert "the 3 riskiest scored AI-written lines" in words
    assert words.count("inventory.py:") >= 3  # three rows, then the comment's heading
    assert "why AI-written (every line below): commit" in words
    assert "a comment on inventory.py:" in words and "Why this counts as AI-written: commit" in words
    assert list(tmp_path.iterdir()) == []


def test_invalid_config_on_the_base_branch_is_a_clear_error(git_repo):
    git_repo.commit({".github/redline.yml": "thresholds: {comment: 2}\n", "a.py": "x = 1\n"}, "base")
    git_repo.branch("feature")
    git_repo.commit({"a.py": "x = 1\ny = 2\n"}, "change")
    for gate in ("--fail-on-gate", "--no-fail-on-gate"):
        result = CliRunner().invoke(
            cli, ["review", "--repo", str(git_repo.path), "--base", "main", "--head", "feature", gate]
        )
        assert result.exit_code == 2 and "thresholds.comment" in result.output
        assert _one_line_error(result)


def _github_env(fake, tmp_path, number):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "pull_request": {"number": number}}))
    return {
        "GITHUB_API_URL": fake.base_url,
        "GITHUB_TOKEN": "t",
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_ACTIONS": "true",
    }


def test_github_review_without_a_model_posts_a_neutral_check_and_exits_zero(fake_github, tmp_path):
    fake_github.add_pull(
        FakePull(
            "acme/app",
            9,
            author="copilot-swe-agent[bot]",
            files=[{"filename": "a.py", "status": "added", "patch": "@@ -0,0 +1 @@\n+x = 1\n"}],
            commits=[{"sha": "h" * 40, "message": "m"}],
        ),
        contents={"a.py": "x = 1\n"},
    )
    result = CliRunner().invoke(
        cli, ["review", "--github", *MISSING_PROBE], env=_github_env(fake_github, tmp_path, 9)
    )
    assert result.exit_code == 0, result.output
    [run] = fake_github.check_runs
    assert run["conclusion"] == "neutral" and "could not finish" in run["output"]["title"]
    assert fake_github.calls("POST", "/reviews$") == []


def test_github_failure_before_the_review_exits_two_with_the_reason(fake_github, tmp_path):
    result = CliRunner().invoke(
        cli,
        ["review", "--github", "--no-fail-on-gate", *MISSING_PROBE],
        env=_github_env(fake_github, tmp_path, 404),
    )
    assert result.exit_code == 2 and "could not review this pull request" in result.output
    assert _one_line_error(result)


def test_a_malformed_event_file_is_one_line_exit_two(fake_github, tmp_path):
    env = _github_env(fake_github, tmp_path, 9)
    Path(env["GITHUB_EVENT_PATH"]).write_text("[1, 2")
    result = CliRunner().invoke(cli, ["review", "--github", *MISSING_PROBE], env=env)
    assert result.exit_code == 2 and "cannot read the event file" in result.output
    assert _one_line_error(result)


def _one_line_error(result) -> bool:
    """No traceback, and the error is exactly one line."""
    lines = result.output.strip().splitlines()
    return result.exc_info[0] is SystemExit and len(lines) == 1 and "Traceback" not in result.output


def _ai_change(git_repo, files: dict[str, str]) -> None:
    git_repo.commit({"README": "base\n"}, "base")
    git_repo.branch("feature")
    git_repo.commit(files, "Add code\n\nCo-authored-by: Claude <noreply@anthropic.com>")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    from scoring.probe.testing import save_tiny_install

    model, probe = save_tiny_install(tmp_path_factory.mktemp("installed"))
    return ["--model", str(model), "--probe", str(probe)]


def test_exit_codes_gate_failure_is_one_and_zero_without_fail_on_gate(git_repo, installed):
    _ai_change(git_repo, {"a.py": "total = 1  # bug\n", ".github/redline.yml": "thresholds: {gate: 0.0}\n"})
    args = ["review", "--repo", str(git_repo.path), "--base", "feature~1", "--head", "feature", *installed]
    failed = CliRunner().invoke(cli, args)
    assert failed.exit_code == 1 and "gate: failure" in failed.output, failed.output
    reported = CliRunner().invoke(cli, [*args, "--no-fail-on-gate"])
    assert reported.exit_code == 0 and "gate: failure" in reported.output


@pytest.mark.parametrize(
    ("where", "args", "message"),
    [
        ("repo", ["--base", "no-such-branch"], "--base 'no-such-branch' is not a commit"),
        ("repo", ["--head", "no-such-branch"], "--head 'no-such-branch' is not a commit"),
        ("plain", [], "is not in a git repository"),
        ("absent", [], "does not exist"),
    ],
)
def test_own_errors_exit_two_in_one_line_whatever_fail_on_gate_says(git_repo, tmp_path, where, args, message):
    _ai_change(git_repo, {"a.py": "x = 1\n"})
    repo = {"repo": git_repo.path, "plain": tmp_path / "plain", "absent": tmp_path / "absent"}[where]
    (tmp_path / "plain").mkdir()
    for gate in ("--fail-on-gate", "--no-fail-on-gate"):
        result = CliRunner().invoke(cli, ["review", "--repo", str(repo), *args, gate, *MISSING_PROBE])
        assert result.exit_code == 2, result.output
        assert message in result.output and _one_line_error(result), result.output


@pytest.mark.parametrize("budget", ["nan", "-1", "0", "inf"])
def test_a_time_budget_that_is_not_a_positive_number_is_refused(budget):
    result = CliRunner().invoke(cli, ["review", "--example", "--time-budget", budget, *MISSING_PROBE])
    assert result.exit_code == 2 and "--time-budget" in result.output and "positive number" in result.output


def test_file_names_git_quotes_are_reviewed(git_repo, installed):
    names = ["café.py", 'say "hi".py', "tab\tname.py"]
    _ai_change(git_repo, {name: "value = 1  # bug\n" for name in names})
    result = CliRunner().invoke(
        cli, ["review", "--repo", str(git_repo.path), "--base", "main", "--head", "feature", *installed]
    )
    assert result.exit_code in (0, 1) and result.exc_info[0] is SystemExit, result.output
    assert "scored 3 of 3 AI-written lines in 3 files" in result.output


def test_exit_codes_are_one_table_in_help_and_docs():
    help_text = CliRunner().invoke(cli, ["review", "--help"]).output
    docs = {name: (DOCS / name).read_text() for name in ("review.md", "action.md")}
    for code, meaning in EXIT_CODES:
        assert f"{code}  {meaning}" in help_text
        for name, text in docs.items():
            assert f"| {code} | {meaning} |" in text, f"docs/{name} lacks exit code {code}"


def test_long_lines_are_cut_in_the_terminal_and_lines_past_the_token_cap_skipped_with_the_reason(
    git_repo, installed
):
    wide = "values = [" + ", ".join(f"item_{k}" for k in range(40)) + "]  # bug"  # 400+ characters
    huge = "table = [" + ", ".join(str(k) for k in range(2000)) + "]"  # past 512 tokens
    _ai_change(git_repo, {"a.py": f"{wide}\n{huge}\n", ".github/redline.yml": "thresholds: {comment: 0.0}\n"})
    args = ["review", "--repo", str(git_repo.path), "--base", "feature~1", "--head", "feature", *installed]
    result = CliRunner().invoke(cli, [*args, "--no-fail-on-gate"])
    assert result.exit_code == 0, result.output
    assert "item_0," in result.output and "item_39" not in result.output
    assert "more characters)" in result.output
    assert "supervisor tokens, over the cap of 512 per line" in " ".join(result.output.split())  # rich wraps
    assert huge[:200] not in result.output and len(result.output.splitlines()) < 60


def test_ai_on_the_command_line_does_not_outlive_the_command(monkeypatch) -> None:
    import os

    from click.testing import CliRunner

    from bot.cli import cli

    monkeypatch.delenv("REDLINE_AI_DETECT", raising=False)
    result = CliRunner().invoke(cli, ["review", "--example", "--ai", "all", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    assert "REDLINE_AI_DETECT" not in os.environ


def test_the_example_gates_the_exit_code_only_when_asked():
    default = CliRunner().invoke(cli, ["review", "--example", "--show", "top", "1"])
    asked = CliRunner().invoke(cli, ["review", "--example", "--show", "top", "1", "--fail-on-gate"])
    assert default.exit_code == 0, default.output
    failed = "gate: failure" in asked.output
    assert asked.exit_code == (1 if failed else 0), asked.output
