"""A database that is down or locked while a worker reviews: the task retries with backoff and, once the store
is back, the review is posted once and its lines recorded once (issue 24, item 1). Real SQLite (another
connection holding BEGIN EXCLUSIVE) and real PostgreSQL (the database refusing connections), the fake GitHub,
the task body called directly with a task double whose retry raises Celery's Retry as a bound task's does."""

from __future__ import annotations

import sqlite3

import pytest
from celery.exceptions import Retry

from bot.app.tasks import STORE_MAX_RETRIES
from bot.store import ReviewKey, ReviewStatus, Store
from tests.app.github_app import REPO, add_ai_pull
from tests.app.task_double import TaskDouble, runtime_on

INSTALLATION = 5


class Outage:
    """Make the store unavailable (start) and available again (stop)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock: sqlite3.Connection | None = None

    def start(self) -> None:
        if self.url.startswith("sqlite"):
            self._lock = sqlite3.connect(
                self.url.removeprefix("sqlite:///"), check_same_thread=False, isolation_level=None
            )
            self._lock.execute("BEGIN EXCLUSIVE")
        else:
            self._admin(
                "ALTER DATABASE {name} ALLOW_CONNECTIONS false",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
            )

    def stop(self) -> None:
        if self._lock is not None:
            self._lock.rollback() if self._lock.in_transaction else None
            self._lock.close()
            self._lock = None
        elif not self.url.startswith("sqlite"):
            self._admin("ALTER DATABASE {name} ALLOW_CONNECTIONS true")

    def _admin(self, *statements: str) -> None:
        import psycopg2

        server, name = self.url.rsplit("/", 1)
        connection = psycopg2.connect(server.replace("postgresql+psycopg2", "postgresql") + "/postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.format(name=name))
        connection.close()


def _posted(fake, number: int, head: str) -> tuple[int, int]:
    return (
        len([r for r in fake.reviews if r["number"] == number]),
        len([r for r in fake.check_runs if r["head_sha"] == head]),
    )


def _task(number: int, head: str) -> TaskDouble:
    return TaskDouble(
        f"task-{number}", {"repo": REPO, "number": number, "head_sha": head, "installation_id": INSTALLATION}
    )


def test_a_store_unavailable_when_the_task_starts_retries_and_reviews_once_it_is_back(
    app_github, database_url
):
    number, head = (401, "a1" * 20) if database_url.startswith("sqlite") else (402, "a2" * 20)
    add_ai_pull(app_github, number, head)
    sqlite = database_url.startswith("sqlite")
    if sqlite:
        Store.open(database_url).close()  # the file exists and is migrated; the lock is what is in the way
    outage, task = Outage(database_url), _task(number, head)
    runtime = runtime_on(app_github, database_url, opened=sqlite)
    outage.start()
    try:
        with pytest.raises(Retry):
            task.run(runtime)
        with pytest.raises(Retry):  # still down at the first retry: backoff again
            task.run(runtime)
    finally:
        outage.stop()
    assert [r["countdown"] for r in task.retries] == [1, 2]
    assert {r["max_retries"] for r in task.retries} == {STORE_MAX_RETRIES}
    assert _posted(app_github, number, head) == (0, 0)
    try:
        assert task.run(runtime)["status"] == "reviewed"
        (stored,) = runtime.store.finished_reviews(REPO, number)
    finally:
        runtime.store.close()
    assert _posted(app_github, number, head) == (1, 1) and stored.lines


def test_a_store_lost_after_the_review_was_posted_records_the_lines_once_it_is_back(app_github, database_url):
    number, head = (403, "b1" * 20) if database_url.startswith("sqlite") else (404, "b2" * 20)
    add_ai_pull(app_github, number, head)
    outage, task = Outage(database_url), _task(number, head)
    runtime = runtime_on(app_github, database_url, opened=True)

    @app_github.route("POST", "/repos/{owner}/{repo}/check-runs")
    def create_then_lose_the_store(request, **params):  # the last thing a review posts
        response = app_github._create_check_run(request, **params)
        if request.body.get("head_sha") == head:
            outage.start()
        return response

    try:
        with pytest.raises(Retry):
            task.run(runtime)
        assert _posted(app_github, number, head) == (1, 1)
        carried = task.retries[-1]["kwargs"]["finish"]["lines"]
        with pytest.raises(Retry):  # still down: the finishing step waits again, nothing is posted again
            task.run(runtime)
        outage.stop()
        assert task.run(runtime)["status"] == "reviewed"
        key = ReviewKey(REPO, number, head)
        assert runtime.store.review_status(key) is ReviewStatus.DONE
        (stored,) = runtime.store.finished_reviews(REPO, number)
        assert (
            task.run(runtime)["status"] == "reviewed"
        )  # a duplicate of the finishing message stores nothing
        (again,) = runtime.store.finished_reviews(REPO, number)
    finally:
        outage.stop()
        app_github._routes.pop(0)
        runtime.store.close()
    assert _posted(app_github, number, head) == (1, 1)
    assert len(stored.lines) == len(carried) == len(again.lines) == 6
    assert all(ln.commented for ln in stored.lines.values())


def test_a_store_lost_while_choosing_the_scorer_posts_nothing_and_retries(app_github, database_url):
    number, head = (405, "c1" * 20) if database_url.startswith("sqlite") else (406, "c2" * 20)
    add_ai_pull(app_github, number, head)
    outage, task = Outage(database_url), _task(number, head)
    runtime = runtime_on(app_github, database_url, opened=True)

    @app_github.route("GET", "/repos/{owner}/{repo}/pulls/{number}/comments")
    def list_then_lose_the_store(request, **params):  # the last read before the scorer is chosen
        response = app_github._list_review_comments(request, **params)
        if int(params["number"]) == number and task.request.retries == 0:
            outage.start()
        return response

    try:
        with pytest.raises(Retry):
            task.run(runtime)
        assert _posted(app_github, number, head) == (0, 0)  # not a neutral 'model could not be loaded'
        outage.stop()
        assert task.run(runtime)["status"] == "reviewed"
    finally:
        outage.stop()
        app_github._routes.pop(0)
        runtime.store.close()
    assert _posted(app_github, number, head) == (1, 1)
