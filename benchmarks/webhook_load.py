"""Load test of the webhook endpoint: N signed deliveries on loopback -> throughput, latency, lost deliveries.

Starts a throw-away redis-server and `redline serve` (uvicorn, SQLite store in a temp dir), posts N
distinct recorded `pull_request.synchronize` deliveries from C client threads, then counts what
reached the review queue in Redis and the store. No worker runs: this measures the web path only.

    .venv/bin/python benchmarks/webhook_load.py --deliveries 1000 --concurrency 16
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
SECRET = "load-test-secret"
PAYLOAD = (
    Path(os.environ.get("REDLINE_GITHUB_FIXTURES", REPO_ROOT.parent / "shared" / "github"))
    / "webhooks"
    / "pull_request.synchronize.json"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up in {timeout_s} s")


def deliveries(n: int) -> list[tuple[str, bytes]]:
    """N distinct deliveries: the recorded synchronize payload moved to PR i with its own head SHA."""
    base = json.loads(PAYLOAD.read_bytes())
    out = []
    for i in range(n):
        base["number"] = base["pull_request"]["number"] = 1000 + i
        base["pull_request"]["head"]["sha"] = f"{i:040x}"
        out.append((str(uuid.uuid4()), json.dumps(base).encode()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=1000, help="signed webhooks to send")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    args = parser.parse_args()
    from bot.app.web import signature

    redis_bin = shutil.which("redis-server")
    if redis_bin is None:
        raise SystemExit("redis-server not found (apt-get install redis-server)")
    work = Path(tempfile.mkdtemp(prefix="redline-load-"))
    redis_port, web_port = free_port(), free_port()
    processes = [
        subprocess.Popen(
            [
                redis_bin,
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(work),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
    ]
    env = {
        **os.environ,
        "REDLINE_WEBHOOK_SECRET": SECRET,
        "REDLINE_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "REDLINE_DATABASE_URL": f"sqlite:///{work / 'redline.db'}",
    }
    processes.append(
        subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(web_port), "--log-level", "warning"],
            env=env,
            cwd=REPO_ROOT,
        )
    )
    try:
        url = f"http://127.0.0.1:{web_port}"
        wait_for(url + "/healthz")
        items = deliveries(args.deliveries)
        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=args.concurrency, pool_maxsize=args.concurrency
        )
        session.mount("http://", adapter)

        def send(item: tuple[str, bytes]) -> tuple[int, float]:
            delivery, body = item
            headers = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "pull_request",
                "X-GitHub-Delivery": delivery,
                "X-Hub-Signature-256": signature(SECRET, body),
            }
            started = time.perf_counter()
            try:
                status = session.post(url + "/webhook", data=body, headers=headers, timeout=30).status_code
            except requests.RequestException:
                status = 0
            return status, time.perf_counter() - started

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(send, items))
        elapsed = time.perf_counter() - started
        latencies_ms = sorted(seconds * 1000 for _, seconds in results)
        accepted = sum(status == 202 for status, _ in results)
        queued = redis.Redis.from_url(env["REDLINE_REDIS_URL"]).llen("review")
        q = statistics.quantiles(latencies_ms, n=100)
        print(f"deliveries sent          {len(items)} ({args.concurrency} client threads, loopback)")
        print(f"answered 202             {accepted}")
        others = collections.Counter(status for status, _ in results if status != 202)
        print(f"other answers            {dict(sorted(others.items()))}  (0: no answer)")
        print(f"tasks in the review queue {queued}")
        print(f"lost deliveries          {len(items) - queued}  (sent but not queued)")
        print(f"throughput               {len(items) / elapsed:.0f} deliveries/s ({elapsed:.2f} s)")
        print(
            f"latency ms               p50 {q[49]:.1f}  p95 {q[94]:.1f}  "
            f"p99 {q[98]:.1f}  max {latencies_ms[-1]:.1f}"
        )
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
