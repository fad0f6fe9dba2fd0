import json

from bot.app.routes import QUEUED
from bot.app.settings import AppSettings
from bot.app.tasks import (
    REPORT_QUEUE,
    REPORT_TASK,
    TASK_NAMES,
    WEEKLY_TASK,
    Runtime,
    backoff_s,
    create_celery,
    is_transient,
)
from bot.config import load_settings
from scoring.errors import GitHubError


def test_celery_app_acknowledges_late_and_follows_the_settings():
    settings = AppSettings(
        redis_url="redis://127.0.0.1:1/0",
        task_time_limit_s=300,
        visibility_timeout_s=900,
        report_schedule="30 5 * * 0",
    )
    app = create_celery(settings)
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert (app.conf.task_time_limit, app.conf.task_soft_time_limit) == (300, 270)
    assert app.conf.broker_transport_options == {"visibility_timeout": 900}
    schedule = app.conf.beat_schedule["weekly-calibration-report"]
    assert schedule["task"] == WEEKLY_TASK
    assert schedule["schedule"].hour == {5} and schedule["schedule"].minute == {30}
    assert schedule["schedule"].day_of_week == {0}
    assert app.conf.task_routes[REPORT_TASK] == {"queue": REPORT_QUEUE}
    assert set(TASK_NAMES.values()) | {REPORT_TASK, WEEKLY_TASK} <= set(app.tasks)


def test_backoff_doubles_and_is_capped():
    settings = AppSettings(retry_backoff_s=30)
    assert [backoff_s(settings, n) for n in range(4)] == [30, 60, 120, 240]
    assert backoff_s(settings, 20) == 3600


def test_only_errors_that_can_heal_are_retried():
    assert is_transient(GitHubError("bad gateway", 502))
    assert is_transient(GitHubError("secondary rate limit", 403))
    assert is_transient(GitHubError("too many requests", 429))
    assert is_transient(GitHubError("connection reset", None))
    assert not is_transient(GitHubError("not found", 404))
    assert not is_transient(GitHubError("line not in diff", 422))


def test_every_job_the_web_queues_has_a_task():
    assert set(TASK_NAMES) == QUEUED


def test_a_repository_can_keep_the_shipped_calibration_after_a_recalibration_was_fitted(tmp_path):
    runtime = Runtime(
        AppSettings(database_url=f"sqlite:///{tmp_path / 'redline.db'}", scorer="tests.app.scorers:fixed")
    )
    params = {"kind": "platt", "slope": 1.0, "intercept": -2.0}
    runtime.store.save_calibration("octo/a", "probe-1", json.dumps(params), 300)
    try:
        assert runtime.scorer_for("octo/a", load_settings(None, env={})).calibration == "repository"
        opted_out = load_settings("calibration: {recalibrate: false}\n", env={})
        assert runtime.scorer_for("octo/a", opted_out).calibration == "shipped"
        assert (
            runtime.scorer_for("octo/b", load_settings(None, env={})).calibration == "shipped"
        )  # nothing fitted
    finally:
        runtime.store.close()
