import datetime as dt

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.commands.app import parse_since
from bot.feedback.types import Fate
from bot.store import ReviewKey, ReviewRecord, Store
from scoring.errors import ConfigError
from scoring.types import LineScore, LineVerdict


@pytest.mark.parametrize(
    "text,expected",
    [("7d", dt.timedelta(days=7)), ("24h", dt.timedelta(hours=24)), ("2w", dt.timedelta(weeks=2))],
)
def test_since_takes_hours_days_and_weeks(text, expected):
    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["7", "d7", "7 days", "-1d"])
def test_since_rejects_anything_else(text):
    with pytest.raises(ConfigError):
        parse_since(text)


def test_serve_without_a_webhook_secret_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("REDLINE_WEBHOOK_SECRET", raising=False)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2 and "REDLINE_WEBHOOK_SECRET is not set" in result.output


def test_report_prints_the_week_from_the_store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = Store.open(url)
    key = ReviewKey("octo/a", 1, "a" * 40)
    store.claim_review(key, "t", 600)
    line = LineScore("a.py", 1, 0.7, 0.8, "x", verdict=LineVerdict.COMMENT, rank=1)
    store.finish_review(key, ReviewRecord("p", "f", "success", False, (line,)))
    (review,) = store.finished_reviews("octo/a", 1)
    store.record_outcomes(
        "octo/a",
        1,
        True,
        key.head_sha,
        [(next(iter(review.lines)), Fate.EDITED)],
        dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
    )
    monkeypatch.setenv("REDLINE_DATABASE_URL", url)
    monkeypatch.setenv("REDLINE_REPORT_DIR", str(tmp_path / "reports"))
    result = CliRunner().invoke(cli, ["report", "--repo", "octo/a", "--until", "2026-11-23", "--no-post"])
    assert result.exit_code == 0, result.output
    assert (
        "| lines with an outcome | 1: 0 with the target known, 0 pending, 1 not read after merge |"
        in result.output
    )
    assert "| edited inside the PR, before merge | 1.000 (1 of 1) | 1.000 (1 of 1) |" in result.output
    assert "octo/a 2026-W47: 1 lines with outcomes; issue -" in result.output


def test_report_no_post_writes_nothing_to_the_store(tmp_path, monkeypatch):
    """Enough outcomes for a recalibration that beats the shipped one: filed, it would be saved; printed,
    not."""
    import hashlib

    import numpy as np

    from tests.app.test_reporting import seed

    path = tmp_path / "r.db"
    store = Store.open(f"sqlite:///{path}")
    rng = np.random.default_rng(0)
    for number in range(60):
        seed(store, 100 + number, [(0.9, True, bool(rng.random() < 0.3)) for _ in range(5)])
    store.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setenv("REDLINE_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("REDLINE_REPORT_DIR", str(tmp_path / "reports"))
    result = CliRunner().invoke(cli, ["report", "--repo", "octo/a", "--until", "2026-11-23", "--no-post"])
    assert result.exit_code == 0, result.output
    assert "Platt scaling fitted on 300 lines" in result.output and "; recalibrated" not in result.output
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert Store.open(f"sqlite:///{path}").latest_calibration("octo/a", "probe-1") is None


def test_rescore_without_a_token_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("REDLINE_GITHUB_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["report", "--rescore", "--repo", "octo/a"])
    assert result.exit_code == 2 and "GITHUB_TOKEN" in result.output


def test_a_pool_without_time_limits_is_said_in_the_help_on_start_and_in_the_docs(monkeypatch):
    """--pool solo/threads cannot interrupt a task (issue 24, item 11): documented and warned, not refused
    (solo is what a one-process worker and the tests run)."""
    from pathlib import Path

    from click.testing import CliRunner

    from bot.commands.app import worker

    help_text = CliRunner().invoke(worker, ["--help"]).output
    assert "prefork enforces REDLINE_TASK_TIME_LIMIT_S" in " ".join(help_text.split())
    started = []
    monkeypatch.setattr("celery.Celery.worker_main", lambda self, argv: started.append(argv))
    result = CliRunner().invoke(
        worker, ["--pool", "solo"], env={"REDLINE_REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    assert result.exit_code == 0 and started and "does not enforce REDLINE_TASK_TIME_LIMIT_S" in result.output
    docs = (Path(__file__).resolve().parents[2] / "docs" / "app.md").read_text()
    assert "Only the default `--pool prefork` enforces the time limit" in docs
