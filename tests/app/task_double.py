"""A stand-in for a bound Celery task, so tests can call bot.app.tasks._review directly and follow its
retries."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from celery.exceptions import Retry

from bot.app.settings import AppSettings
from bot.app.tasks import Runtime, _review
from bot.github.auth import AppAuth
from bot.store import Store
from scoring.types import SpanScore
from tests.app.github_app import private_key_pem
from tests.app.scorers import FixedScorer


class TaskDouble:
    """What `_review` uses of a bound Celery task: request.id/retries/kwargs and retry(), which raises Retry
    and, like a redelivered retry message, bumps `retries` and takes the retry's kwargs."""

    def __init__(self, task_id: str, kwargs: dict[str, Any]) -> None:
        self.request = SimpleNamespace(id=task_id, retries=0, kwargs=dict(kwargs))
        self.retries: list[dict[str, Any]] = []

    def retry(
        self,
        *,
        exc: BaseException | None = None,
        countdown: float | None = None,
        kwargs: dict[str, Any] | None = None,
        max_retries: int | None = None,
    ) -> Retry:
        self.retries.append({"countdown": countdown, "kwargs": kwargs, "max_retries": max_retries})
        if kwargs is not None:
            self.request.kwargs = dict(kwargs)
        self.request.retries += 1
        raise Retry(exc=exc, when=countdown)

    def run(self, runtime: Runtime) -> dict[str, Any]:
        return _review(self, runtime, **self.request.kwargs)


class SteadyScorer(FixedScorer):
    """Every span gets logit 3 (probability 0.95): every AI-written line is commented."""

    def score(self, text, spans, intent=None, mode=None, change=None):  # type: ignore[no-untyped-def]
        return [SpanScore(span, 0.95, 3.0, 1) for span in spans]


def steady() -> SteadyScorer:
    return SteadyScorer()


def runtime_on(fake, url: str, opened: bool) -> Runtime:  # type: ignore[no-untyped-def]
    """A worker's Runtime on the fake GitHub and the store at `url`, scoring with `steady`."""
    runtime = Runtime(
        AppSettings(
            app_id="82994",
            private_key=private_key_pem(),
            github_api_url=fake.base_url,
            github_throttle=False,
            database_url=url,
            scorer="tests.app.task_double:steady",
            task_time_limit_s=120,
            retry_backoff_s=1,
        )
    )
    runtime._auth = AppAuth("82994", private_key_pem(), base_url=fake.base_url, throttle=False)
    if opened:  # SQLite waits 30 s for a lock by default; a short wait keeps the test quick
        runtime._store = Store.open(url, timeout_s=0.5)
    return runtime
