"""Action mode: the report rebuilt without a store, by re-scoring the AI commits of merged PRs."""

import datetime as dt

import pytest

from bot.config import load_settings
from bot.feedback.replay import replay
from bot.feedback.types import Fate
from bot.github.client import GitHubClient
from tests.app.github_app import REPO
from tests.app.scorers import tiny_from
from tests.fakes import FakePull

pytestmark = pytest.mark.slow  # trains the tiny test probe once per session

MERGED = dt.datetime(2026, 11, 18, tzinfo=dt.UTC)
AI_SHA, HUMAN_SHA = "a" * 40, "b" * 40
AI_TEXT = "def bug(x):\n    return x - 1  # bug\n\n\ndef add(a, b):\n    return a + b\n"
FINAL_TEXT = "def bug(x):\n    return x + 1\n\n\ndef add(a, b):\n    return a + b\n"


@pytest.fixture(scope="module")
def merged_history(app_github):
    ai_patch = "@@ -0,0 +1,6 @@\n" + "".join(f"+{x}\n" for x in AI_TEXT.splitlines())
    fix_patch = "@@ -1,2 +1,2 @@\n def bug(x):\n-    return x - 1  # bug\n+    return x + 1\n"
    app_github.add_pull(
        FakePull(
            REPO,
            300,
            head_sha=HUMAN_SHA,
            merged_at=MERGED,
            commits=[
                {
                    "sha": AI_SHA,
                    "author_name": "Dev (aider)",
                    "author_email": "dev@example.com",
                    "message": "feat: calc",
                    "files": [{"filename": "calc.py", "status": "added", "patch": ai_patch}],
                },
                {
                    "sha": HUMAN_SHA,
                    "author_name": "Ann",
                    "author_email": "ann@example.com",
                    "message": "fix the bug",
                    "files": [{"filename": "calc.py", "status": "modified", "patch": fix_patch}],
                },
            ],
        )
    )
    app_github.contents[(REPO, "calc.py", AI_SHA)] = AI_TEXT.encode()
    app_github.contents[(REPO, "calc.py", HUMAN_SHA)] = FINAL_TEXT.encode()
    return app_github


def test_merged_pr_is_rescored_at_its_ai_commit_and_followed_to_the_merge(merged_history, tiny_probe_dir):
    client = GitHubClient(
        "t", base_url=merged_history.base_url, seconds_between_requests=0, seconds_between_writes=0
    )
    scorer = tiny_from(tiny_probe_dir)
    results = list(
        replay(
            client,
            REPO,
            scorer,
            load_settings(None, env={}),
            MERGED - dt.timedelta(days=7),
            MERGED + dt.timedelta(days=1),
        )
    )
    ((pr, lines),) = [(pr, lines) for pr, lines in results if pr.number == 300]
    assert len(lines) == 6 and all(o.merged and o.probe_version == scorer.model_version for o in lines)
    fates = sorted(o.fate for o in lines)
    assert fates.count(Fate.EDITED) == 1 and fates.count(Fate.KEPT) == 5
    # Re-scoring is deterministic: the same commit scores the same again.
    again = list(
        replay(
            client,
            REPO,
            scorer,
            load_settings(None, env={}),
            MERGED - dt.timedelta(days=7),
            MERGED + dt.timedelta(days=1),
        )
    )
    assert [o.line.probability for o in dict(again)[pr]] == [o.line.probability for o in lines]


def test_pull_requests_merged_outside_the_period_are_left_out(merged_history, tiny_probe_dir):
    client = GitHubClient(
        "t", base_url=merged_history.base_url, seconds_between_requests=0, seconds_between_writes=0
    )
    later = MERGED + dt.timedelta(days=30)
    assert (
        list(
            replay(
                client,
                REPO,
                tiny_from(tiny_probe_dir),
                load_settings(None, env={}),
                later,
                later + dt.timedelta(days=7),
            )
        )
        == []
    )
