"""The App learns each repository's own PR model with the weekly report and reviews with it (issue 21, item
3).

A real bare repository (tests/bot/test_learn.py's: AI commits whose short lines a person rewrites a day
later) stands for GitHub's git side through REDLINE_CLONE_URL, cloned blobless into the cache as the App
does; the fake GitHub answers the API side; the store is a real database (SQLite and Postgres).
"""

from __future__ import annotations

import datetime as dt
import functools
import subprocess
from pathlib import Path

import pytest

from bot.app.reporting import file_report
from bot.app.settings import AppSettings
from bot.app.tasks import Runtime
from bot.commands.learn import repository_learner
from bot.config import load_settings
from bot.github.auth import AppAuth
from bot.pull_review import PullSource
from bot.review import run
from bot.store import Store
from scoring.pr_model import load_pr_model
from tests.app.github_app import REPO, add_ai_pull, private_key_pem
from tests.bot.test_learn import build
from tests.fakes import FakeGitHub

TOKEN = "ghs_secret-installation-token"
UNTIL = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)  # every line of the repository is past its 90 days
SINCE = UNTIL - dt.timedelta(days=7)


def origin(tmp_path: Path, ai_commits: int) -> Path:
    work = build(tmp_path / "work", ai_commits)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(tmp_path / "origin.git")], check=True)
    # the App's clone is blobless: let the origin serve partial clones, as GitHub does
    subprocess.run(
        ["git", "-C", str(tmp_path / "origin.git"), "config", "uploadpack.allowFilter", "true"], check=True
    )
    return tmp_path / "origin.git"


@pytest.fixture(autouse=True)
def _no_operator_model(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REDLINE_PR_MODEL", "REDLINE_MODEL", "REDLINE_PROBE", "REDLINE_COMMENT_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def client(app_github: FakeGitHub):
    return AppAuth("82994", private_key_pem(), base_url=app_github.base_url, throttle=False).client(5)


def settings_for(tmp_path: Path, source: Path, database_url: str, **extra: object) -> AppSettings:
    return AppSettings(
        database_url=database_url,
        report_dir=tmp_path / "reports",
        clone_dir=tmp_path / "clones",
        clone_url=f"file://{source}",
        **extra,
    )  # type: ignore[arg-type]


def review(runtime: Runtime, client, number: int, head_sha: str):
    outcome = run(
        PullSource(client, REPO, number, head_sha),
        functools.partial(runtime.scorer_for, REPO),
        bot_login="redline-test[bot]",
        time_budget_s=60,
    )
    assert outcome is not None
    return outcome


def test_the_weekly_report_learns_the_model_and_the_next_review_uses_it(
    store: Store, database_url, client, app_github, tmp_path
):
    settings = settings_for(tmp_path, origin(tmp_path, 60), database_url)
    shipped = load_pr_model().version
    add_ai_pull(app_github, 81, "8" * 40)
    runtime = Runtime(settings)
    try:
        assert review(runtime, client, 81, "8" * 40).model_version == shipped  # nothing learnt yet

        result = file_report(
            store, client, settings, REPO, SINCE, UNTIL, token=TOKEN, learn=repository_learner()
        )
        version = result["repository_model"]
        assert version is not None and version.startswith(f"{shipped}+repo.{REPO}.")
        assert store.repository_model_version(REPO) == version
        assert (
            tmp_path / "clones" / "Codertocat__Hello-World.git" / "HEAD"
        ).is_file()  # learnt from the bare clone

        outcome = review(runtime, client, 81, "8" * 40)
        assert outcome.model_version == version  # a new (repository, version): picked up without a restart
        run = [r for r in app_github.check_runs if r["repo"] == REPO and r["head_sha"] == "8" * 40][-1]
        assert version in run["output"]["summary"]

        # The same data again: the same model, nothing new stored.
        again = file_report(
            store, client, settings, REPO, SINCE, UNTIL, token=TOKEN, learn=repository_learner()
        )
        assert again["repository_model"] is None and store.repository_model_version(REPO) == version

        # A model the repository's config names is still bounded by the allowlist, stored model or not.
        refused = load_settings("model:\n  pr_model: /srv/elsewhere/pr_model.json\n")
        with pytest.raises(Exception, match="REDLINE_ALLOWED_MODELS"):
            runtime.scorer_for(REPO, refused)
    finally:
        runtime.store.close()

    # REDLINE_LEARN=false: reviews use the shipped model even with one stored.
    off = Runtime(settings_for(tmp_path, tmp_path / "origin.git", database_url, learn=False))
    try:
        assert off.scorer_for(REPO, load_settings(None)).model_version == shipped
    finally:
        off.store.close()


def test_a_learn_that_keeps_the_shipped_model_stores_nothing(
    store: Store, database_url, client, app_github, tmp_path
):
    settings = settings_for(tmp_path, origin(tmp_path, 3), database_url)
    result = file_report(store, client, settings, REPO, SINCE, UNTIL, token=TOKEN, learn=repository_learner())
    assert result["repository_model"] is None
    assert store.repository_model(REPO) is None


def test_a_failed_learn_keeps_the_last_model_and_the_report(
    store: Store, database_url, client, app_github, tmp_path, caplog
):
    settings = settings_for(tmp_path, origin(tmp_path, 3), database_url)
    store.save_repository_model(REPO, "earlier-model", "{}", 10, 5)

    def broken(mined, repo):
        raise RuntimeError("the fit blew up")

    result = file_report(store, client, settings, REPO, SINCE, UNTIL, token=TOKEN, learn=broken)
    assert result["repository_model"] is None and result["week"]
    assert store.repository_model_version(REPO) == "earlier-model"
    assert "the fit blew up" in caplog.text and TOKEN not in caplog.text


def test_mine_stops_at_its_deadline(tmp_path):
    """The report's learn stops at REDLINE_LEARN_BUDGET_S (a failure like any other, logged above)."""
    from bot.feedback.learn_data import OutOfTime, mine

    repo = build(tmp_path / "repo", 5)
    with pytest.raises(OutOfTime, match="out of time"):
        mine(repo, load_pr_model().families, deadline=0.0)
