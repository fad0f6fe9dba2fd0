"""App mode: a repository whose .github/redline.yml is invalid gets a neutral check run naming the key and
the problem (a required check must not wait forever), and the job fails with that configuration error."""

from __future__ import annotations

import pytest

from bot.github.auth import AppAuth
from bot.pull_review import PullSource
from bot.review import run as run_review
from scoring.errors import ConfigError
from tests.app.github_app import private_key_pem
from tests.fakes import FakePull


@pytest.mark.parametrize(
    ("config", "named"),
    [
        (b"comments:\n  max: 500\n", "comments.max: Input should be less than or equal to 100"),
        (b"thresholds: {gate: 0.8}\nmystery: 1\n", "unknown key mystery"),
        (b"thresholds: [1, 2\n", ".github/redline.yml"),  # not YAML at all
    ],
)
def test_invalid_config_gives_a_neutral_check_run_and_no_review(app_github, config, named):
    app_github.check_runs.clear()
    repo, number = "octo/config", 40 + len(config)
    added = [{"filename": "a.py", "status": "added", "patch": "@@ -0,0 +1 @@\n+x = 1\n"}]
    pull = app_github.add_pull(
        FakePull(
            repo,
            number,
            author="devin-ai-integration[bot]",
            files=added,
            commits=[{"sha": "h" * 40, "message": "m"}],
        ),
        contents={"a.py": "x = 1\n"},
    )
    app_github.contents[(repo, ".github/redline.yml", pull.base_ref)] = config
    client = AppAuth("82994", private_key_pem(), base_url=app_github.base_url, throttle=False).client(5)
    with pytest.raises(ConfigError, match=r"redline\.yml"):
        run_review(
            PullSource(client, repo, number, pull.head_sha),
            lambda settings: None,
            bot_login="redline[bot]",
            time_budget_s=60,
        )
    [run] = [r for r in app_github.check_runs if r["head_sha"] == pull.head_sha]
    assert run["conclusion"] == "neutral" and run["name"] == "redline"
    assert named in run["output"]["summary"]
    assert not [c for c in app_github.calls("POST", "/reviews$") if f"/{number}/" in c.path]
