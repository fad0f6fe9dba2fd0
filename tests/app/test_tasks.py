from bot.app.routes import QUEUED
from bot.app.settings import AppSettings
from bot.app.tasks import REPORT_QUEUE, REPORT_TASK, TASK_NAMES, WEEKLY_TASK, backoff_s, create_celery, is_transient
from scoring.errors import GitHubError


def test_celery_app_acknowledges_late_and_follows_the_settings():
    settings = AppSettings(redis_url="redis://127.0.0.1:1/0", task_time_limit_s=300, visibility_timeout_s=900,
                           report_schedule="30 5 * * 0")
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
