"""Property: whichever store call of a review fails (the store unavailable for that one call), the task
retries and the review ends posted once, its check run posted once, and its lines recorded once (issue 24).
Real SQLite, the fake GitHub, the task body driven as Celery would redeliver it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from celery.exceptions import Retry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store import ReviewKey, ReviewStatus, Store, StoreUnavailable
from tests.app.github_app import REPO, add_ai_pull
from tests.app.task_double import TaskDouble, runtime_on

INSTALLATION = 5
_numbers = itertools.count(5000)
STORE_CALLS = [
    name
    for name in dir(Store)
    if not name.startswith("_") and callable(getattr(Store, name)) and name not in ("open", "close")
]


def _failing_once(store: Store, at: int) -> list[str]:
    """Make the store's `at`-th public call raise StoreUnavailable; returns the list of the calls' names,
    which stops counting (and failing) once None is appended to it."""
    calls: list[str] = []

    def wrap(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if calls and calls[-1] is None:  # disarmed: the review is over
                return method(*args, **kwargs)
            calls.append(name)
            if len(calls) - 1 == at:
                raise StoreUnavailable(f"the store is unavailable (injected at call {at}: {name})")
            return method(*args, **kwargs)

        return call

    for name in STORE_CALLS:
        setattr(store, name, wrap(name, getattr(store, name)))
    return calls


def _review_until_done(app_github, url: str, at: int) -> tuple[list[str], int, Store]:
    number = next(_numbers)
    head = f"{number:040x}"
    add_ai_pull(app_github, number, head)
    runtime = runtime_on(app_github, url, opened=True)
    calls = _failing_once(runtime.store, at)
    task = TaskDouble(
        f"task-{number}", {"repo": REPO, "number": number, "head_sha": head, "installation_id": INSTALLATION}
    )
    for _ in range(5):
        try:
            assert task.run(runtime)["status"] == "reviewed"
            break
        except Retry:
            continue
    made = list(calls)
    calls.append(None)  # type: ignore[arg-type]
    return made, number, runtime.store


def test_every_store_call_of_a_clean_review_is_exercised(app_github, tmp_path) -> None:
    calls, _, store = _review_until_done(app_github, f"sqlite:///{tmp_path / 'r.db'}", at=10**6)
    store.close()
    assert calls[0] == "claim_review" and "finish_review" in calls
    assert len(calls) < 10, "the property below draws the failing call among the first 10"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=st.integers(min_value=0, max_value=9))
def test_a_store_unavailable_at_any_call_loses_and_duplicates_nothing(app_github, tmp_path, at: int) -> None:
    url = f"sqlite:///{tmp_path / 'redline.db'}"
    calls, number, store = _review_until_done(app_github, url, at)
    head = f"{number:040x}"
    try:
        reviews = [r for r in app_github.reviews if r["number"] == number]
        checks = [c for c in app_github.check_runs if c["head_sha"] == head]
        assert len(reviews) == 1 and len(checks) == 1, (at, calls)
        assert store.review_status(ReviewKey(REPO, number, head)) is ReviewStatus.DONE
        (stored,) = store.finished_reviews(REPO, number)
        assert len(stored.lines) == 6
    finally:
        store.close()
