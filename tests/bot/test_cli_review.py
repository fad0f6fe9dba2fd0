"""`redline review` through click: the bundled example, exit codes, SARIF, and --github against the fake."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import cli
from tests.fakes import FakePull

MISSING_PROBE = ["--probe", "/nonexistent/redline-probe"]


def test_example_review_without_a_model_is_neutral_and_exits_zero(tmp_path):
    sarif = tmp_path / "out.sarif"
    result = CliRunner().invoke(cli, ["review", "--example", *MISSING_PROBE, "--sarif", str(sarif)])
    assert result.exit_code == 0, result.output
    assert "Built the example repository" in result.output and "gate: neutral" in result.output
    document = json.loads(sarif.read_text())
    assert document["version"] == "2.1.0" and document["runs"][0]["results"] == []


def test_invalid_config_on_the_base_branch_is_a_clear_error(git_repo):
    git_repo.commit({".github/redline.yml": "thresholds: {comment: 2}\n", "a.py": "x = 1\n"}, "base")
    git_repo.branch("feature")
    git_repo.commit({"a.py": "x = 1\ny = 2\n"}, "change")
    result = CliRunner().invoke(
        cli, ["review", "--repo", str(git_repo.path), "--base", "main", "--head", "feature"]
    )
    assert result.exit_code == 1 and "thresholds.comment" in result.output


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


def test_github_failure_before_the_review_exits_zero_with_the_reason(fake_github, tmp_path):
    result = CliRunner().invoke(
        cli, ["review", "--github", *MISSING_PROBE], env=_github_env(fake_github, tmp_path, 404)
    )
    assert result.exit_code == 0 and "could not review this pull request" in result.output
