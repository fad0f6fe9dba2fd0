"""End to end on real parts: signed recorded webhook -> FastAPI -> Redis -> `redline worker` subprocess ->
review on the fake GitHub -> store. Needs redis-server (skipped with the reason otherwise)."""

import datetime as dt
import math

import pytest

from bot.app.settings import AppSettings
from bot.app.tasks import REPORT_QUEUE, WEEKLY_TASK, create_celery
from bot.feedback.types import Fate
from bot.store import ReviewKey, ReviewStatus
from tests.app.conftest import wait_until
from tests.app.deliveries import pr_delivery as delivery
from tests.app.deliveries import send
from tests.app.github_app import REPO
from tests.app.github_app import add_ai_pull as add_pull

pytestmark = [pytest.mark.redis, pytest.mark.slow]

REVIEW_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def worker(workers):
    return workers.start()


def _open_and_review(app_github, web, workers, number: int, head: str) -> int:
    """Open an AI-written PR through a signed `opened` webhook and wait for the worker's review; the HTTP
    status."""
    client, store = web
    add_pull(app_github, number, head)
    status = send(client, "pull_request", delivery("pull_request.opened", number, head)).status_code
    key = ReviewKey(REPO, number, head)
    wait_until(
        lambda: store.review_status(key) is ReviewStatus.DONE,
        REVIEW_TIMEOUT_S,
        "the review",
        workers.log_text,
    )
    return status


def test_signed_webhook_is_reviewed_by_a_worker_on_the_fake_github(app_github, web, workers, worker):
    _, store = web
    head = "1" * 40
    assert _open_and_review(app_github, web, workers, 101, head) == 202
    (review,) = [r for r in app_github.reviews if r["number"] == 101]
    assert review["commit_id"] == head
    commented = {c["line"] for c in app_github.review_comments if c["number"] == 101}
    assert commented and commented <= {1, 2}  # only the planted `bug` lines clear the threshold
    assert [r["head_sha"] for r in app_github.check_runs if r["head_sha"] == head]
    (stored,) = store.finished_reviews(REPO, 101)
    lines = stored.lines.values()
    assert {ln.line for ln in lines} == {1, 2, 3, 4, 5, 6}
    assert all(not math.isnan(ln.logit) and 0.0 <= ln.probability <= 1.0 for ln in lines)
    assert {ln.line for ln in lines if ln.commented} == commented


def test_same_delivery_twice_and_a_repeated_event_give_one_review(app_github, web, workers, worker):
    client, store = web
    head = "2" * 40
    add_pull(app_github, 102, head)
    body = delivery("pull_request.opened", 102, head)
    assert send(client, "pull_request", body, "dup-102").status_code == 202
    assert send(client, "pull_request", body, "dup-102").json()["outcome"] == "duplicate"
    key = ReviewKey(REPO, 102, head)
    wait_until(
        lambda: store.review_status(key) is ReviewStatus.DONE,
        REVIEW_TIMEOUT_S,
        "the review",
        workers.log_text,
    )
    # Another event for the same head (a reopen) reaches the worker, which finds the review done.
    assert send(client, "pull_request", delivery("pull_request.reopened", 102, head)).status_code == 202
    wait_until(lambda: "already reviewed" in workers.log_text(), 60, "the repeated task", workers.log_text)
    assert len([r for r in app_github.reviews if r["number"] == 102]) == 1


def test_closed_pull_request_stores_what_became_of_each_line(app_github, web, workers, worker):
    client, store = web
    head, final = "4" * 40, "5" * 40
    _open_and_review(app_github, web, workers, 104, head)
    # Before merging, a person fixes line 2 and deletes `add` (lines 5-6); lines 1, 3 and 4 stay.
    app_github.contents[(REPO, "calc.py", final)] = b"def bug(x):\n    return x + 1\n\n\n"
    body = delivery("pull_request.closed.merged", 104, final)
    assert send(client, "pull_request", body).status_code == 202
    (stored,) = store.finished_reviews(REPO, 104)
    line_of = {ln.probability: ln.line for ln in stored.lines.values()}
    now = dt.datetime.now(dt.UTC)

    def recorded():
        return store.outcome_lines(REPO, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))

    wait_until(
        lambda: len(recorded()) == len(stored.lines), REVIEW_TIMEOUT_S, "the outcomes", workers.log_text
    )
    assert all(o.merged for o in recorded())
    fates = {line_of[o.line.probability]: o.fate for o in recorded()}
    assert fates[1] is Fate.KEPT and fates[3] is Fate.KEPT and fates[4] is Fate.KEPT
    assert fates[2] is Fate.EDITED
    assert fates[5] is Fate.DELETED and fates[6] is Fate.DELETED


def test_weekly_schedule_files_a_report_issue_per_installed_repository(
    app_github, app_env, web, workers, worker
):
    client, store = web
    head, final = "6" * 40, "7" * 40
    _open_and_review(app_github, web, workers, 106, head)
    app_github.contents[(REPO, "calc.py", final)] = b"def bug(x):\n    return x + 1\n"
    send(client, "pull_request", delivery("pull_request.closed.merged", 106, final))
    wait_until(
        lambda: store.finished_reviews(REPO, 106) and _closed(store, 106),
        REVIEW_TIMEOUT_S,
        "the outcomes",
        workers.log_text,
    )
    # What beat sends every week, through the report queue.
    create_celery(AppSettings.from_env(app_env)).send_task(WEEKLY_TASK, queue=REPORT_QUEUE)
    wait_until(
        lambda: any(i["repo"] == REPO for i in app_github.issues),
        REVIEW_TIMEOUT_S,
        "the report issue",
        workers.log_text,
    )
    (issue,) = [i for i in app_github.issues if i["repo"] == REPO]
    # The scheduled report covers the seven days ending now; its title names the week of their middle.
    until = dt.datetime.now(dt.UTC)
    since, last = until - dt.timedelta(days=7), until - dt.timedelta(seconds=1)
    year, week, _ = (until - dt.timedelta(days=3.5)).isocalendar()
    assert issue["title"] == (
        f"redline calibration report {year}-W{week:02d} ({since.day} {since:%b} to {last.day} {last:%b %Y})"
    )
    # The fake repository has no git history to clone, so no line's fate after merge can be read: the report
    # says so and why (tests/app/test_report_fates.py files one with the fates read from a real repository).
    assert f"`{REPO}`" in issue["body"] and "No line's fate after merge is known yet" in issue["body"]
    assert "not read" in issue["body"]


def _closed(store, number: int) -> bool:
    now = dt.datetime.now(dt.UTC)
    return any(
        o.number == number
        for o in store.outcome_lines(REPO, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))
    )
