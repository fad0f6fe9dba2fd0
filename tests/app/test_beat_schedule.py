"""The weekly report's scheduler (`redline worker --beat`) keeps its schedule where it can write, and a
schedule path it cannot write is an error before the worker starts, not a scheduler that dies while the
worker goes on logging "ready" (issue 23, item 4: reproduced in a read-only working directory)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.app.conftest import app_command

# A working directory nobody can write, root included (the container's /opt/redline is root's).
READ_ONLY_DIR = "/proc"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHON": sys.executable,
        "REDLINE_QUEUES": "report",
        "REDLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'redline.db'}",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        **extra,
    }


@pytest.mark.redis
def test_the_scheduler_runs_from_a_read_only_working_directory(redis_url, tmp_path):
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            app_command("worker", "--beat", "--pool", "solo"),
            cwd=READ_ONLY_DIR,
            env=_env(tmp_path, REDLINE_REDIS_URL=redis_url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            schedule = tmp_path / "state" / "redline" / "celerybeat-schedule"
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and process.poll() is None:
                text = log.read_text(errors="replace")
                if " ready." in text and list(schedule.parent.glob("celerybeat-schedule*")):
                    break
                time.sleep(0.2)
            time.sleep(1)  # the scheduler's first tick, where it used to die
            text = log.read_text(errors="replace")
            assert process.poll() is None, text
            assert " ready." in text and "beat: Starting" in text, text
            assert "ERROR/Beat" not in text and "Traceback" not in text, text
            assert list(schedule.parent.glob("celerybeat-schedule*")), (
                "the schedule is in redline's state directory"
            )
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_a_schedule_path_the_scheduler_cannot_write_stops_the_worker_before_it_starts(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    schedule = blocker / "celerybeat-schedule"  # under a file: no user can create it
    done = subprocess.run(
        app_command("worker", "--beat", "--pool", "solo"),
        cwd=READ_ONLY_DIR,
        env=_env(
            tmp_path, REDLINE_BEAT_SCHEDULE=str(schedule), REDLINE_REDIS_URL="redis://127.0.0.1:9/0"
        ),  # never reached
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"the scheduler cannot write its schedule {schedule}" in done.stderr
    assert "REDLINE_BEAT_SCHEDULE" in done.stderr and "ready" not in done.stdout + done.stderr
