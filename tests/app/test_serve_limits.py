"""`redline serve` as deployed (uvicorn subprocess, real redis-server, SQLite file) when what it depends on
hangs or a client sends too much: it answers every delivery within GitHub's 10 s with a status GitHub
acts on, keeps /healthz and /metrics answering, and never holds an oversized body in memory."""

from __future__ import annotations

import base64
import concurrent.futures
import json
import signal
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.app.conftest import redis_server, serve_process
from tests.app.deliveries import WEBHOOK_SECRET, pr_delivery, webhook_headers

pytestmark = pytest.mark.redis

# GitHub gives up on a delivery after 10 s: an answer later than that is no answer.
GITHUB_TIMEOUT_S = 10.0
HUNG_DELIVERIES = 20
REDELIVERY_ATTEMPTS = 10


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[tuple[str, redis.Redis, object, Path]]:
    """(serve URL, a client of its own Redis, that Redis's process, its SQLite file)."""
    database = tmp_path / "redline.db"
    with redis_server(tmp_path) as (redis_url, redis_process):
        env = {
            "REDLINE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "REDLINE_REDIS_URL": redis_url,
            "REDLINE_DATABASE_URL": f"sqlite:///{database}",
        }
        with serve_process(env, tmp_path / "serve.log") as (url, _):
            client = redis.Redis.from_url(redis_url)
            yield url, client, redis_process, database
            client.close()


def deliver(url: str, delivery: str, number: int = 1) -> httpx.Response:
    body = pr_delivery("pull_request.synchronize", number, f"{number:040x}")
    return httpx.post(
        f"{url}/webhook",
        content=body,
        headers=webhook_headers("pull_request", body, delivery),
        timeout=GITHUB_TIMEOUT_S,
    )


def queued_deliveries(queue: redis.Redis) -> list[str]:
    """The delivery id of every task in the review queue (Celery's message protocol 2 on kombu)."""
    found = []
    for raw in queue.lrange("review", 0, -1):
        _, kwargs, _ = json.loads(base64.b64decode(json.loads(raw)["body"]))
        found.append(kwargs["delivery"])
    return found


def redeliver(url: str, delivery: str, number: int) -> int:
    """The status of a redelivery, retried while redline still says 503 (as GitHub's redelivery would be)."""
    for _ in range(REDELIVERY_ATTEMPTS):
        status = deliver(url, delivery, number).status_code
        if status != 503:
            return status
        time.sleep(1)
    return status


def test_a_hung_broker_gets_503_in_time_health_and_metrics_answer_and_redeliveries_are_queued(deployment):
    url, queue, redis_process, _ = deployment
    assert deliver(url, "before").status_code == 202  # the server now holds pooled broker connections
    redis_process.send_signal(signal.SIGSTOP)  # alive and listening, never answering
    try:
        with concurrent.futures.ThreadPoolExecutor(HUNG_DELIVERIES) as pool:
            pending = [pool.submit(deliver, url, f"hung-{i}", i + 2) for i in range(HUNG_DELIVERIES)]
            health = httpx.get(f"{url}/healthz", timeout=GITHUB_TIMEOUT_S)
            metrics = httpx.get(f"{url}/metrics", timeout=GITHUB_TIMEOUT_S)
            answers = [future.result() for future in pending]
    finally:
        redis_process.send_signal(signal.SIGCONT)
    assert [a.status_code for a in answers] == [503] * HUNG_DELIVERIES
    assert health.status_code == 200 and metrics.status_code == 200
    # GitHub's redeliveries (same delivery ids) are accepted once the broker answers again: nothing lost.
    assert [redeliver(url, f"hung-{i}", i + 2) for i in range(HUNG_DELIVERIES)] == [202] * HUNG_DELIVERIES
    # Every delivery reached the queue. A publish that timed out may still have sat in the socket
    # buffer and reached Redis once it resumed: that task is then queued twice, and the review's claim
    # on (repo, PR, head) makes the second run post nothing. At least once, never lost.
    assert set(queued_deliveries(queue)) == {"before", *(f"hung-{i}" for i in range(HUNG_DELIVERIES))}


def test_a_locked_database_gets_503_in_time_and_the_redelivery_is_accepted(deployment):
    url, queue, _, database = deployment
    assert deliver(url, "warm").status_code == 202  # schema created, connections pooled
    locker = sqlite3.connect(database, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process holding the write lock (a stuck writer)
    try:
        answer = deliver(url, "locked")
        health = httpx.get(f"{url}/healthz", timeout=GITHUB_TIMEOUT_S)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert answer.status_code == 503 and answer.json()["outcome"] == "store unavailable"
    assert health.status_code in (200, 503)  # it answers; whether a locked store is "healthy" is its call
    assert deliver(url, "locked").status_code == 202
    assert sorted(queued_deliveries(queue)) == ["locked", "warm"]


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


def test_an_oversized_chunked_body_is_refused_while_streaming(tmp_path):
    from bot.app.web import MAX_PAYLOAD_BYTES

    env = {
        "REDLINE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "REDLINE_REDIS_URL": "redis://127.0.0.1:1/0",
        "REDLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'redline.db'}",
    }
    total = 8 * MAX_PAYLOAD_BYTES  # 200 MB, unauthenticated, no Content-Length (chunked)
    chunk = b"x" * (1 << 20)
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        while sent < total:
            sent += len(chunk)
            yield chunk

    with serve_process(env, tmp_path / "serve.log") as (url, process):
        before = _peak_rss_kib(process.pid)
        response = httpx.post(
            f"{url}/webhook",
            content=body(),
            timeout=60,
            headers={"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "big"},
        )
        grown_mib = (_peak_rss_kib(process.pid) - before) / 1024
    assert response.status_code == 413
    # Refused once the limit was passed, not after the whole body arrived; memory stays near the limit.
    assert sent < total / 2
    assert grown_mib < 3 * MAX_PAYLOAD_BYTES / (1 << 20)


def test_a_declared_oversized_body_is_refused_before_it_is_read(tmp_path):
    from bot.app.web import MAX_PAYLOAD_BYTES

    env = {
        "REDLINE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "REDLINE_REDIS_URL": "redis://127.0.0.1:1/0",
        "REDLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'redline.db'}",
    }
    with serve_process(env, tmp_path / "serve.log") as (url, _):
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
            # Content-Length says 200 MB; only the headers are sent, so only a server that checks the
            # declared length before reading can answer.
            connection.sendall(
                b"POST /webhook HTTP/1.1\r\nHost: localhost\r\nX-GitHub-Event: ping\r\n"
                b"Content-Length: %d\r\n\r\n" % (8 * MAX_PAYLOAD_BYTES)
            )
            status_line = connection.makefile("rb").readline()
    assert status_line.split()[1] == b"413"
