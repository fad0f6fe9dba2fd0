"""GitHub creates the review or the check run but its answer is lost (a 502 after the work was done): the
retry finds what was created instead of posting it again; a task retried after a failure reuses its check
run; a permanent 4xx is not retried (issue 24, item 2). The fake GitHub, a real SQLite store, the task body
called directly."""

from __future__ import annotations

import pytest
from celery.exceptions import Retry

from tests.app.github_app import REPO, add_ai_pull
from tests.app.task_double import TaskDouble, runtime_on

INSTALLATION = 5


def _task(number: int, head: str) -> TaskDouble:
    return TaskDouble(
        f"task-{number}", {"repo": REPO, "number": number, "head_sha": head, "installation_id": INSTALLATION}
    )


def _posted(fake, number: int, head: str) -> tuple[int, int, int]:
    """(reviews, review comments, check runs) of the PR."""
    return (
        len([r for r in fake.reviews if r["number"] == number]),
        len([c for c in fake.review_comments if c["number"] == number]),
        len([r for r in fake.check_runs if r["head_sha"] == head]),
    )


@pytest.fixture
def runtime(app_github, tmp_path):
    runtime = runtime_on(app_github, f"sqlite:///{tmp_path / 'redline.db'}", opened=True)
    yield runtime
    runtime.store.close()


@pytest.mark.parametrize(("number", "what"), [(501, r"/pulls/501/reviews$"), (502, r"/check-runs$")])
def test_a_lost_answer_to_a_create_does_not_post_it_twice(app_github, runtime, number, what):
    head = f"{number}" * 13 + "0"
    add_ai_pull(app_github, number, head)
    app_github.lose_response("POST", what, 502)
    assert _task(number, head).run(runtime)["status"] == "reviewed"
    assert _posted(app_github, number, head) == (1, 6, 1)


def test_a_task_retried_after_a_failed_review_reuses_its_check_run(app_github, runtime):
    number, head = 503, "5" * 39 + "3"
    add_ai_pull(app_github, number, head)
    app_github.fail("POST", r"/pulls/503/reviews$", 500, times=5)  # every attempt of the client's first call
    task = _task(number, head)
    with pytest.raises(Retry):
        task.run(runtime)
    assert _posted(app_github, number, head) == (0, 0, 1)
    assert task.run(runtime)["status"] == "reviewed"
    assert _posted(app_github, number, head) == (1, 6, 1)


def test_a_permanent_refusal_is_not_retried(app_github, runtime):
    number, head = 504, "5" * 39 + "4"
    add_ai_pull(app_github, number, head)
    app_github.fail("POST", r"/pulls/504/reviews$", 422, times=100)
    task = _task(number, head)
    try:
        assert task.run(runtime)["status"] == "reviewed"
    finally:
        app_github.fail("POST", r"/pulls/504/reviews$", 422, times=0)
    assert task.retries == []
    assert _posted(app_github, number, head) == (0, 0, 1)
