"""AppSettings: the deployment settings of the GitHub App service (web, workers, beat), from env vars.

Read once by `redline serve|worker|report` and passed down. Per-repository review settings stay in
bot/config.py (`.github/redline.yml`); these are the operator's. Every field but the webhook secret
and the App credentials has a default that works on one machine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from bot.config import env_bool
from bot.github.client import DEFAULT_BASE_URL
from scoring.errors import ConfigError

DEFAULT_REDIS_URL = "redis://localhost:6379/0"
DEFAULT_REPORT_SCHEDULE = "0 6 * * 1"  # cron, UTC: Mondays 06:00, covering the 7 days before
DEFAULT_TASK_TIME_LIMIT_S = 900
# Redis redelivers an unacknowledged task after this long; it must exceed the task time limit or a
# slow review would run twice at once (the store's lease still keeps it from posting twice).
DEFAULT_VISIBILITY_TIMEOUT_S = 3600
# GitHub waits 10 s for the webhook's answer. Each broker or database call on that path gives up after
# these many seconds, so a hung Redis or a locked database means a 503 in time (GitHub can redeliver)
# rather than no answer at all.
DEFAULT_BROKER_TIMEOUT_S = 3
DEFAULT_DATABASE_TIMEOUT_S = 3
# The weekly report reads lines' fates after merge from a clone before it is built: at most this many lines
# and this long per repository and run (under the task time limit); the rest wait for the next run.
DEFAULT_REPORT_MAX_LINES = 5000
DEFAULT_REPORT_HISTORY_BUDGET_S = 300
# ... then it learns the repository's own model from the same clone (REDLINE_LEARN), for at most this long.
DEFAULT_LEARN_BUDGET_S = 300
# The models a repository's `.github/redline.yml` may name (model.pr_model, model.supervisor, model.probe):
# "default" is the shipped PR model, "probe" the shipped probe on its shipped supervisor; any other entry is
# a pr_model.json path, a supervisor (Hugging Face id or path) or a probe directory, written exactly as the
# repository names it; "*" allows anything. A repository on a shared installation must not make a worker
# read any file on it or download any model.
DEFAULT_ALLOWED_MODELS = ("default", "probe")
ANY_MODEL = "*"


@dataclass(frozen=True, slots=True)
class AppSettings:
    """database_url None: a SQLite file in the user data dir. scorer: "module:function" returning a
    scoring.registry.ScorerProtocol for every repository (None: scoring.registry.load_scorer with each
    repository's model settings)."""

    webhook_secret: str = field(default="", repr=False)
    app_id: str = ""
    private_key: str = field(default="", repr=False)
    github_api_url: str = DEFAULT_BASE_URL
    database_url: str | None = None
    redis_url: str = DEFAULT_REDIS_URL
    report_schedule: str = DEFAULT_REPORT_SCHEDULE
    recalibrate: bool = True
    include_unmerged: bool = False
    task_time_limit_s: int = DEFAULT_TASK_TIME_LIMIT_S
    visibility_timeout_s: int = DEFAULT_VISIBILITY_TIMEOUT_S
    broker_timeout_s: float = DEFAULT_BROKER_TIMEOUT_S
    database_timeout_s: float = DEFAULT_DATABASE_TIMEOUT_S
    max_retries: int = 5
    retry_backoff_s: float = 30.0
    github_throttle: bool = True
    scorer: str | None = None
    report_dir: Path | None = None
    clone_dir: Path | None = None  # None: the user cache dir's redline/clones
    clone_url: str | None = None  # "{repo}" is replaced by owner/name; None: the repository's clone_url
    report_max_lines: int = DEFAULT_REPORT_MAX_LINES
    report_history_budget_s: int = DEFAULT_REPORT_HISTORY_BUDGET_S
    allowed_models: tuple[str, ...] = DEFAULT_ALLOWED_MODELS
    learn: bool = True  # the weekly report learns each repository's model, and reviews use the stored one
    learn_budget_s: int = DEFAULT_LEARN_BUDGET_S

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AppSettings:
        env = os.environ if env is None else env
        key = env.get("REDLINE_APP_PRIVATE_KEY", "")
        if not key and (key_path := env.get("REDLINE_APP_PRIVATE_KEY_PATH")):
            try:
                key = Path(key_path).read_text()
            except OSError as error:
                raise ConfigError(f"REDLINE_APP_PRIVATE_KEY_PATH {key_path}: {error.strerror}") from error
        report_dir, clone_dir = env.get("REDLINE_REPORT_DIR"), env.get("REDLINE_CLONE_DIR")
        return cls(
            webhook_secret=env.get("REDLINE_WEBHOOK_SECRET", ""),
            app_id=env.get("REDLINE_APP_ID", ""),
            private_key=key,
            github_api_url=env.get("REDLINE_GITHUB_API_URL", DEFAULT_BASE_URL),
            database_url=_database_url(env.get("REDLINE_DATABASE_URL") or None),
            redis_url=env.get("REDLINE_REDIS_URL", DEFAULT_REDIS_URL),
            report_schedule=env.get("REDLINE_REPORT_SCHEDULE", DEFAULT_REPORT_SCHEDULE),
            recalibrate=_bool(env, "REDLINE_RECALIBRATE", True),
            include_unmerged=_bool(env, "REDLINE_REPORT_INCLUDE_UNMERGED", False),
            task_time_limit_s=_int(env, "REDLINE_TASK_TIME_LIMIT_S", DEFAULT_TASK_TIME_LIMIT_S),
            visibility_timeout_s=_int(env, "REDLINE_VISIBILITY_TIMEOUT_S", DEFAULT_VISIBILITY_TIMEOUT_S),
            broker_timeout_s=_int(env, "REDLINE_BROKER_TIMEOUT_S", DEFAULT_BROKER_TIMEOUT_S),
            database_timeout_s=_int(env, "REDLINE_DATABASE_TIMEOUT_S", DEFAULT_DATABASE_TIMEOUT_S),
            max_retries=_int(env, "REDLINE_TASK_MAX_RETRIES", 5),
            retry_backoff_s=float(_int(env, "REDLINE_TASK_RETRY_BACKOFF_S", 30)),
            github_throttle=_bool(env, "REDLINE_GITHUB_THROTTLE", True),
            scorer=env.get("REDLINE_SCORER") or None,
            report_dir=Path(report_dir) if report_dir else None,
            clone_dir=Path(clone_dir) if clone_dir else None,
            clone_url=env.get("REDLINE_CLONE_URL") or None,
            report_max_lines=_int(env, "REDLINE_REPORT_MAX_LINES", DEFAULT_REPORT_MAX_LINES),
            report_history_budget_s=_int(
                env, "REDLINE_REPORT_HISTORY_BUDGET_S", DEFAULT_REPORT_HISTORY_BUDGET_S
            ),
            allowed_models=_names(env.get("REDLINE_ALLOWED_MODELS")) or DEFAULT_ALLOWED_MODELS,
            learn=_bool(env, "REDLINE_LEARN", True),
            learn_budget_s=_int(env, "REDLINE_LEARN_BUDGET_S", DEFAULT_LEARN_BUDGET_S),
        )

    def require_webhook_secret(self) -> str:
        if not self.webhook_secret:
            raise ConfigError("REDLINE_WEBHOOK_SECRET is not set: the App cannot verify GitHub's deliveries")
        return self.webhook_secret

    def cron(self) -> tuple[str, str, str, str, str]:
        """The report schedule as (minute, hour, day of month, month, day of week)."""
        parts = self.report_schedule.split()
        if len(parts) != 5:
            raise ConfigError(
                f"REDLINE_REPORT_SCHEDULE must be a 5-field cron line, got {self.report_schedule!r}"
            )
        return parts[0], parts[1], parts[2], parts[3], parts[4]


def _database_url(url: str | None) -> str | None:
    """The URL, once SQLAlchemy can parse it and its driver imports: a bad port or a missing driver is
    a configuration error at startup, not an internal error at the first query. The message never
    quotes the URL, which may hold a password."""
    if url is None:
        return None
    try:
        make_url(url).get_dialect().import_dbapi()
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError) as error:
        raise ConfigError(f"REDLINE_DATABASE_URL is not a database URL redline can use: {error}") from None
    return url


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(name.strip() for name in (value or "").split(",") if name.strip())


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip()
    return env_bool(name, value) if value else default


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{name} must be positive, got {number}")
    return number
