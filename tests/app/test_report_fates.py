"""The App's weekly report reads the fates after merge from a real clone before it is built.

A real bare repository (tests/bot/feedback/story.py: an aider commit, then people move, re-format, rewrite
and delete its lines) stands for GitHub's git side through REDLINE_CLONE_URL; the fake GitHub answers the
API side (the repository, the PR's merge commit); the store is a real database.
"""

import datetime as dt
import logging
import subprocess

import pytest

from bot.app.reporting import file_report
from bot.app.settings import AppSettings
from bot.feedback.types import Fate
from bot.github.auth import AppAuth
from bot.store import ReviewKey, ReviewRecord, Store
from scoring.types import LineScore, LineVerdict
from tests.app.github_app import private_key_pem
from tests.bot.feedback.story import APP, DAY0, EXPECTED, build_story
from tests.fakes import FakePull

TOKEN = "ghs_secret-installation-token"
SINCE, UNTIL = DAY0 - dt.timedelta(days=1), DAY0 + dt.timedelta(days=91)  # every 90-day window has ended


@pytest.fixture
def bare(tmp_path):
    story = build_story(tmp_path / "work")
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(story.path), str(tmp_path / "origin.git")], check=True
    )
    return tmp_path / "origin.git", story.ai_commit


@pytest.fixture
def client(app_github):
    return AppAuth("82994", private_key_pem(), base_url=app_github.base_url, throttle=False).client(5)


def stored_pull(store: Store, app_github, repo: str, number: int, commit: str) -> None:
    """PR `number` of `repo` reviewed at `commit` (its scored lines are the story's non-blank lines), kept
    whole and rebase-merged as that commit at day 0."""
    app_github.add_pull(FakePull(repo, number, head_sha=commit, merged_at=DAY0, merge_commit_sha=commit))
    key = ReviewKey(repo, number, commit)
    store.claim_review(key, f"task-{number}", 600)
    texts = APP.split("\n")
    records = tuple(
        LineScore(
            "app.py",
            n,
            0.9 if n == 3 else 0.1,
            0.0,
            texts[n - 1],
            verdict=LineVerdict.COMMENT if n == 3 else LineVerdict.BELOW_THRESHOLD,
        )
        for n in EXPECTED
    )
    store.finish_review(key, ReviewRecord("probe-1", "tiny", "success", False, records))
    (review,) = store.finished_reviews(repo, number)
    store.record_outcomes(repo, number, True, commit, [(key, Fate.KEPT) for key in review.lines], DAY0)


def test_report_leads_with_the_target_measured_in_a_clone(store, client, app_github, bare, tmp_path, caplog):
    origin, commit = bare
    repo = "octo/fates"
    stored_pull(store, app_github, repo, 41, commit)
    settings = AppSettings(
        report_dir=tmp_path / "reports", clone_dir=tmp_path / "clones", clone_url=str(origin)
    )
    with caplog.at_level(logging.DEBUG):
        result = file_report(store, client, settings, repo, SINCE, UNTIL, token=TOKEN)
    (issue,) = [i for i in app_github.issues if i["repo"] == repo]
    body = issue["body"]
    assert issue["number"] == result["issue"]
    assert "| lines with an outcome | 6: 6 with the target known, 0 pending, 0 not read after merge |" in body
    assert (
        "| **target**: a person changed its content within 90 days | 1.000 (1 of 1) | 0.167 (1 of 6) |"
        in body
    )
    for row in (
        "| modified | 1 | 0 |",
        "| moved | 1 | 0 |",
        "| format | 1 | 0 |",
        "| deleted | 0 | 1 |",
        "| survived (nobody touched it in 90 days) | 2 | |",
    ):
        assert row in body
    assert "not read this time" not in body
    assert (tmp_path / "clones" / "octo__fates.git" / "HEAD").is_file()
    assert TOKEN not in caplog.text
    # Every fate is final: the next run has nothing to read and fetches nothing.
    assert store.awaiting_after_merge(repo, SINCE, 100) == []


def test_pending_lines_are_read_again_by_a_later_run(store, client, app_github, bare, tmp_path):
    origin, commit = bare
    repo = "octo/pending"
    stored_pull(store, app_github, repo, 42, commit)
    settings = AppSettings(
        report_dir=tmp_path / "reports", clone_dir=tmp_path / "clones", clone_url=str(origin)
    )
    early = DAY0 + dt.timedelta(days=2.5)  # moved and re-formatted by then; the rest still pending
    body = file_report(store, client, settings, repo, SINCE, early, token=TOKEN)["body"]
    assert "| lines with an outcome | 6: 2 with the target known, 4 pending, 0 not read after merge |" in body
    assert len(store.awaiting_after_merge(repo, SINCE, 100)) == 4
    body = file_report(store, client, settings, repo, SINCE, UNTIL, token=TOKEN)["body"]  # fetches the clone
    assert "| lines with an outcome | 6: 6 with the target known, 0 pending, 0 not read after merge |" in body


def test_a_clone_that_fails_still_files_the_report_and_says_why(store, client, app_github, tmp_path, caplog):
    repo = "octo/unreachable"
    stored_pull(store, app_github, repo, 43, "c" * 40)
    settings = AppSettings(
        report_dir=tmp_path / "reports",
        clone_dir=tmp_path / "clones",
        clone_url=str(tmp_path / "missing.git"),
    )
    with caplog.at_level(logging.DEBUG):
        result = file_report(store, client, settings, repo, SINCE, UNTIL, token=TOKEN)
    (issue,) = [i for i in app_github.issues if i["repo"] == repo]
    assert issue["number"] == result["issue"]
    assert (
        "| lines with an outcome | 6: 0 with the target known, 0 pending, 6 not read after merge |"
        in issue["body"]
    )
    assert (
        "Fates after merge were not read this time: the repository's history could not be read (git clone"
        in issue["body"]
    )
    assert "fates after merge of octo/unreachable not read" in caplog.text and TOKEN not in caplog.text
    assert not list((tmp_path / "clones").iterdir())  # no half clone left behind
