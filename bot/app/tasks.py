"""Celery workers: the review and report queues, built from AppSettings when a worker starts.

Tasks acknowledge late (a worker that dies mid-task leaves the message to be redelivered), retry
GitHub errors with exponential backoff, run under time limits, and claim (repo, PR, head SHA) in
the store first, so a redelivered or repeated task never reviews, or posts, twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.schedules import crontab

from bot.app.pipeline import load_scorer, pull_outcomes, record_of
from bot.app.routes import Job, JobKind
from bot.app.settings import ANY_MODEL, DEFAULT_BROKER_TIMEOUT_S, AppSettings
from bot.config import Settings, load_settings
from bot.feedback.learn_data import Learner
from bot.feedback.recalibration import RecalibratedScorer
from bot.github.auth import AppAuth
from bot.github.client import GitHubClient
from bot.pull_review import PullSource, post_neutral
from bot.review import run
from bot.store import Claim, ReviewKey, ReviewRecord, Store, StoreUnavailable
from scoring.errors import ConfigError, GitHubError, ModelLoadError, RedlineError
from scoring.registry import DEFAULT, PROBE, ModelChoice, ScorerProtocol

log = logging.getLogger(__name__)

REVIEW_QUEUE = "review"
REPORT_QUEUE = "report"
TASK_NAMES = {
    JobKind.REVIEW: "redline.review",
    JobKind.RERUN: "redline.rerun",
    JobKind.OUTCOMES: "redline.outcomes",
}
REPORT_TASK = "redline.report"
WEEKLY_TASK = "redline.weekly_reports"
MAX_BACKOFF_S = 3600.0
# A database outage is retried longer than a GitHub error: at the default 30 s backoff, 20 retries wait
# about 15 hours in all (doubling up to MAX_BACKOFF_S), so a store down overnight loses no review.
STORE_MAX_RETRIES = 20
# The review's own time budget, as a share of the task's limit: when it runs out the review still posts
# a neutral gate with the reason, before Celery's soft limit interrupts anything.
REVIEW_BUDGET_SHARE = 0.75
# Distinct model settings whose scorers a worker keeps loaded (repositories that name no model share one).
MAX_SCORERS = 4


def is_transient(error: GitHubError) -> bool:
    return error.transient


def backoff_s(settings: AppSettings, retries: int) -> float:
    """Exponential: retry_backoff_s, twice that, four times that ..., capped at an hour."""
    delay: float = min(settings.retry_backoff_s * 2**retries, MAX_BACKOFF_S)
    return delay


class Runtime:
    """What a worker process loads once: store connection, App credentials, the scorer (the supervisor
    model is ~0.5 GB: never per task). Lazy, so a forked pool process builds its own after the fork."""

    def __init__(self, settings: AppSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._auth: AppAuth | None = None
        # One scorer per distinct model setting (None: the operator's REDLINE_SCORER factory; (repository,
        # version): a repository's learnt model from the store), the most recently used kept: a supervisor is
        # ~0.5 GB, so a worker holds at most MAX_SCORERS of them.
        self._scorers: OrderedDict[ModelChoice | tuple[str, str] | None, ScorerProtocol] = OrderedDict()

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store.open(self.settings.database_url)
            return self._store

    @property
    def auth(self) -> AppAuth:
        with self._lock:
            if self._auth is None:
                s = self.settings
                self._auth = AppAuth(
                    s.app_id, s.private_key, base_url=s.github_api_url, throttle=s.github_throttle
                )
            return self._auth

    def _operator_model(self) -> ModelChoice | None:
        """What the operator's own REDLINE_PR_MODEL/MODEL/PROBE name: allowed without being listed."""
        try:
            return ModelChoice.of(load_settings(None).model)
        except ConfigError:
            return None

    def client(self, installation_id: int) -> GitHubClient:
        return self.auth.client(installation_id)

    def base_scorer(self, repo_settings: Settings, repo: str | None = None) -> ScorerProtocol:
        """The model the repository's `model.*` settings name (scoring.registry), or the operator's
        REDLINE_SCORER factory for every repository; built once per distinct setting. A model outside
        REDLINE_ALLOWED_MODELS is a ModelLoadError (the review's neutral gate says why), never loaded.

        Where the settings name the default PR model and the weekly report stored `repo`'s own learnt model
        (REDLINE_LEARN on), that model scores instead, as `with_repository_model` does for the CLI: it is
        derived from the shipped one, so always allowed; built once per (repository, version), so the
        next week's model is picked up by the next review."""
        choice = None if self.settings.scorer else ModelChoice.of(repo_settings.model)
        if (
            choice is not None
            and choice != self._operator_model()
            and (refused := refused_model(choice, self.settings.allowed_models)) is not None
        ):
            raise ModelLoadError(
                f"this App does not load the model {refused!r} that .github/redline.yml names: the operator "
                f"allows only {', '.join(self.settings.allowed_models)} (REDLINE_ALLOWED_MODELS, docs/app.md)"
            )
        key: ModelChoice | tuple[str, str] | None = choice
        built: ScorerProtocol | None = None
        if (
            repo is not None
            and self.settings.learn
            and choice is not None
            and not choice.uses_probe
            and choice.pr_model == DEFAULT
            and (version := self.store.repository_model_version(repo))
        ):
            key = (repo, version)
            if key not in self._scorers:  # read before taking the lock: the store's property takes it too
                key, built = self._repository_scorer(repo, choice)
        with self._lock:
            scorer = self._scorers.get(key)
            if scorer is None:
                scorer = built or load_scorer(self.settings.scorer, key)  # type: ignore[arg-type]
                self._scorers[key] = scorer
                while len(self._scorers) > MAX_SCORERS:
                    self._scorers.popitem(last=False)
            self._scorers.move_to_end(key)
            return scorer

    def _repository_scorer(
        self, repo: str, choice: ModelChoice
    ) -> tuple[ModelChoice | tuple[str, str], ScorerProtocol | None]:
        """The key and PR scorer of `repo`'s newest stored model; `choice` (nothing built) if it is gone."""
        from scoring.pr_model import pr_model_from_dict
        from scoring.pr_scorer import PRScorer

        stored = self.store.repository_model(repo)
        if stored is None:
            return choice, None
        return (repo, stored[0]), PRScorer(pr_model_from_dict(json.loads(stored[1])))

    def scorer_for(self, repo: str, repo_settings: Settings) -> ScorerProtocol:
        """The scorer for `repo`: its model, with the shipped calibration or, once one is fitted, the
        repository's own (unless the operator's REDLINE_RECALIBRATE or the repository's
        `calibration.recalibrate` is false)."""
        base = self.base_scorer(repo_settings, repo)
        if self.settings.recalibrate and repo_settings.calibration.recalibrate:
            params = self.store.latest_calibration(repo, base.model_version)
            if params is not None:
                return RecalibratedScorer(base, json.loads(params))
        return base


class _StoreDown(Exception):
    """The store failed while the review was choosing its scorer (the repository's calibration). Not a
    RedlineError, so bot.review does not turn it into a neutral gate: the task retries instead."""

    def __init__(self, error: StoreUnavailable) -> None:
        super().__init__(str(error))
        self.error = error


def refused_model(choice: ModelChoice, allowed: Sequence[str]) -> str | None:
    """The first name in `choice` that `allowed` (REDLINE_ALLOWED_MODELS) does not list, None if all are.
    The shipped models are "default" and "probe"; anything else must be listed as it is written."""
    if ANY_MODEL in allowed:
        return None
    if choice.uses_probe:  # the probe (shipped unless named) on a supervisor (its card's unless named)
        wanted = [choice.probe or PROBE, *([choice.supervisor] if choice.supervisor else [])]
    else:
        wanted = [choice.pr_model]
    return next((name for name in wanted if name not in allowed), None)


def _store_retry(task: Task, settings: AppSettings, error: StoreUnavailable, **options: Any) -> BaseException:
    """The retry for a database that is down or locked: backoff, the message kept, up to STORE_MAX_RETRIES."""
    log.warning(
        "the store is unavailable (%s); retrying in %.0f s", error, backoff_s(settings, task.request.retries)
    )
    retry: BaseException = task.retry(
        exc=error,
        countdown=backoff_s(settings, task.request.retries),
        max_retries=max(settings.max_retries, STORE_MAX_RETRIES),
        **options,
    )
    return retry


def _review(
    task: Task,
    runtime: Runtime,
    repo: str,
    number: int,
    head_sha: str,
    installation_id: int,
    force: bool = False,
    finish: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Claim, review, post and record one PR head. A store that is unavailable before the review is posted
    retries the whole task (nothing was posted); once posted, the retry carries the record in `finish` and
    only stores it."""
    settings = runtime.settings
    key = ReviewKey(repo, number, head_sha)
    try:
        if finish is not None:
            record = ReviewRecord.from_json(finish)
            runtime.store.finish_review(key, record)
            return {"status": "reviewed", "lines": len(record.lines), "gate": record.gate_conclusion}
        return _claim_and_review(task, runtime, key, installation_id, force)
    except _StoreDown as down:
        raise _store_retry(task, settings, down.error) from down.error
    except _Posted as posted:
        kwargs = {**(getattr(task.request, "kwargs", None) or {}), "finish": posted.record.to_json()}
        raise _store_retry(task, settings, posted.error, kwargs=kwargs) from posted.error
    except StoreUnavailable as error:
        raise _store_retry(task, settings, error) from error


class _Posted(Exception):
    """The review is posted but the store failed to record it: retry storing `record`, not the review."""

    def __init__(self, record: ReviewRecord, error: StoreUnavailable) -> None:
        super().__init__(str(error))
        self.record, self.error = record, error


def _claim_and_review(
    task: Task, runtime: Runtime, key: ReviewKey, installation_id: int, force: bool
) -> dict[str, Any]:
    store, settings = runtime.store, runtime.settings
    repo, number, head_sha = key.repo, key.number, key.head_sha
    job = task.request.id or f"direct-{head_sha}"
    claim = store.claim_review(key, job, settings.task_time_limit_s, installation_id)
    if claim is Claim.DONE and not force:
        return {"status": "already reviewed"}
    if claim is Claim.BUSY:
        raise task.retry(countdown=backoff_s(settings, task.request.retries))

    def scorer(repo_settings: Settings) -> ScorerProtocol:
        try:
            return runtime.scorer_for(repo, repo_settings)
        except StoreUnavailable as error:
            raise _StoreDown(error) from error

    try:
        client = runtime.client(installation_id)
        source = PullSource(client, repo, number, head_sha, check_run_key=f"{job}:{number}")
        outcome = run(
            source,
            scorer,
            bot_login=runtime.auth.bot_login(),
            time_budget_s=REVIEW_BUDGET_SHARE * settings.task_time_limit_s,
        )
    except SoftTimeLimitExceeded:
        if claim is not Claim.DONE:
            store.fail_review(key, "the task time limit ran out")
        with contextlib.suppress(RedlineError):  # minting the token may fail too; the timeout is the news
            post_neutral(
                runtime.client(installation_id),
                repo,
                head_sha,
                "the time limit ran out",
                f"The review did not finish within the worker's limit of {settings.task_time_limit_s} s "
                "(REDLINE_TASK_TIME_LIMIT_S). The next push is reviewed again.",
            )
        return {"status": "timed out"}
    except GitHubError as error:
        if claim is not Claim.DONE:
            store.fail_review(key, str(error))
        if is_transient(error) and task.request.retries < settings.max_retries:
            raise task.retry(exc=error, countdown=backoff_s(settings, task.request.retries)) from error
        log.error("review of %s#%s at %s failed: %s", repo, number, head_sha[:7], error)
        return {"status": "failed", "error": str(error)}
    except StoreUnavailable:
        raise
    except RedlineError as error:
        if claim is not Claim.DONE:
            store.fail_review(key, str(error))
        log.error("review of %s#%s at %s failed: %s", repo, number, head_sha[:7], error)
        return {"status": "failed", "error": str(error)}
    if outcome is None:
        if claim is not Claim.DONE:
            store.fail_review(key, "superseded by a newer push")
        return {"status": "superseded"}
    if outcome.reporter_retryable and task.request.retries < settings.max_retries:
        # Posting failed part-way (a GitHub outage): posting again is safe, comments carry fingerprints and
        # the check run the task's id. A permanent 4xx would fail the same way again: not retried.
        if claim is not Claim.DONE:
            store.fail_review(key, "; ".join(outcome.reporter_errors))
        raise task.retry(countdown=backoff_s(settings, task.request.retries))
    record = record_of(outcome)
    if claim is not Claim.DONE:  # a forced re-run posts again (idempotently) but keeps the first record
        try:
            store.finish_review(key, record)
        except StoreUnavailable as error:
            raise _Posted(record, error) from error
    return {"status": "reviewed", "lines": len(record.lines), "gate": record.gate_conclusion}


def _outcomes(
    runtime: Runtime, repo: str, number: int, head_sha: str, installation_id: int, merged: bool
) -> dict[str, Any]:
    reviews = runtime.store.finished_reviews(repo, number)
    fates = pull_outcomes(runtime.client(installation_id), repo, head_sha, reviews) if reviews else {}
    runtime.store.record_outcomes(repo, number, merged, head_sha, sorted(fates.items()))
    return {"status": "recorded", "lines": len(fates), "merged": merged}


def create_celery(
    settings: AppSettings, runtime: Runtime | None = None, learn: Learner | None = None
) -> Celery:
    """The Celery app with its queues, reliability settings, beat schedule and tasks. `learn`: the weekly
    report's repository-model learner (bot.commands.learn.repository_learner, given by `redline worker`)."""
    runtime = runtime or Runtime(settings)
    app = Celery("redline", broker=settings.redis_url, set_as_current=False)
    minute, hour, day_of_month, month, day_of_week = settings.cron()
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,  # a killed pool process puts its task back instead of dropping it
        worker_prefetch_multiplier=1,  # a slow review must not hold other tasks hostage in a worker's buffer
        task_time_limit=settings.task_time_limit_s,
        task_soft_time_limit=max(1, settings.task_time_limit_s - 30),
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        task_default_queue=REVIEW_QUEUE,
        task_routes={REPORT_TASK: {"queue": REPORT_QUEUE}, WEEKLY_TASK: {"queue": REPORT_QUEUE}},
        timezone="UTC",
        beat_schedule={
            "weekly-calibration-report": {
                "task": WEEKLY_TASK,
                "schedule": crontab(
                    minute=minute,
                    hour=hour,
                    day_of_month=day_of_month,
                    month_of_year=month,
                    day_of_week=day_of_week,
                ),
            }
        },
    )
    app.conf.redline_runtime = runtime
    retry_options = {"bind": True, "acks_late": True, "max_retries": settings.max_retries}

    @app.task(name=TASK_NAMES[JobKind.REVIEW], **retry_options)
    def review_task(
        self: Task,
        repo: str,
        number: int,
        head_sha: str,
        installation_id: int,
        delivery: str | None = None,
        finish: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        log.info(
            "review %s#%s at %s (delivery %s, attempt %d)",
            repo,
            number,
            head_sha[:7],
            delivery,
            self.request.retries + 1,
        )
        return _review(self, runtime, repo, number, head_sha, installation_id, finish=finish)

    @app.task(name=TASK_NAMES[JobKind.RERUN], **retry_options)
    def rerun_task(
        self: Task,
        repo: str,
        head_sha: str,
        installation_id: int,
        numbers: Sequence[int] = (),
        delivery: str | None = None,
    ) -> list[dict[str, Any]]:
        try:
            targets = list(numbers) or runtime.store.pull_requests_at(repo, head_sha)
        except StoreUnavailable as error:
            raise _store_retry(self, settings, error) from error
        return [_review(self, runtime, repo, n, head_sha, installation_id, force=True) for n in targets]

    @app.task(name=TASK_NAMES[JobKind.OUTCOMES], **retry_options)
    def outcomes_task(
        self: Task,
        repo: str,
        number: int,
        head_sha: str,
        installation_id: int,
        merged: bool,
        delivery: str | None = None,
    ) -> dict[str, Any]:
        try:
            return _outcomes(runtime, repo, number, head_sha, installation_id, merged)
        except StoreUnavailable as error:
            raise _store_retry(self, settings, error) from error
        except GitHubError as error:
            if is_transient(error):
                raise self.retry(exc=error, countdown=backoff_s(settings, self.request.retries)) from error
            raise

    @app.task(name=REPORT_TASK, **retry_options)
    def report_task(
        self: Task, repo: str, installation_id: int | None = None, until: str | None = None, days: int = 7
    ) -> dict[str, Any]:
        from bot.app.reporting import file_report

        end = dt.datetime.fromisoformat(until) if until else dt.datetime.now(dt.UTC)
        try:
            client = runtime.client(installation_id) if installation_id is not None else None
            token = runtime.auth.token(installation_id).token if installation_id is not None else None
            result = file_report(
                runtime.store,
                client,
                settings,
                repo,
                end - dt.timedelta(days=days),
                end,
                token=token,
                learn=learn,
            )
            return {k: v for k, v in result.items() if k != "body"}
        except GitHubError as error:
            if is_transient(error):
                raise self.retry(exc=error, countdown=backoff_s(settings, self.request.retries)) from error
            raise

    @app.task(name=WEEKLY_TASK, bind=True)
    def weekly_task(self: Task) -> int:
        repos = runtime.store.active_repositories()
        for repo, installation_id in repos:
            report_task.apply_async(
                kwargs={"repo": repo, "installation_id": installation_id}, queue=REPORT_QUEUE
            )
        return len(repos)

    return app


def enqueuer(app: Celery, timeout_s: float = DEFAULT_BROKER_TIMEOUT_S) -> Callable[[Job, str], None]:
    """What the web process calls to hand a job to the review queue. Raises when the broker is down or
    does not answer within timeout_s: connecting, waiting for a pooled connection, or publishing.

    The bounds go on `app` itself, which in the web process only ever sends; workers keep the patient
    defaults (their consumer must not give up on a slow broker).
    """
    app.conf.update(
        broker_connection_timeout=timeout_s,
        broker_pool_acquire_timeout=timeout_s,
        # Without a socket timeout a publish to a Redis that accepts connections but never answers
        # (stopped, overloaded, half-open connection) waits forever.
        broker_transport_options={
            **app.conf.broker_transport_options,
            "socket_timeout": timeout_s,
            "socket_connect_timeout": timeout_s,
        },
    )

    def enqueue(job: Job, delivery: str) -> None:
        kwargs: Mapping[str, Any] = {**job.args, "delivery": delivery}
        app.send_task(TASK_NAMES[job.kind], kwargs=dict(kwargs), queue=REVIEW_QUEUE, retry=False)

    return enqueue
