"""App scale-out: reviews per minute with 1, 2 and 4 `redline worker` processes for a fixed set of PRs.

    .venv/bin/python benchmarks/worker_scale.py [--pulls 24] [--lines 100] [--workers 1 2 4]

On loopback: a real redis-server, the fake GitHub of the tests (tests/fakes.py) serving N recorded
AI-written PRs of `--lines` added lines each, the webhook app in this process (signed `pull_request.opened`
deliveries), a SQLite store, and W worker subprocesses started as the container starts them
(scripts/redline-app.sh). Workers score with what the App ships: the default PR model. For each W the
workers are started and warmed up on one PR first, then the N deliveries are sent at once and the clock
runs until every review is done. Prints reviews per minute and the load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app.settings import AppSettings  # noqa: E402
from bot.app.tasks import create_celery, enqueuer  # noqa: E402
from bot.app.web import create_app  # noqa: E402
from bot.store import ReviewKey, ReviewStatus, Store  # noqa: E402
from tests.app.conftest import Workers, redis_server  # noqa: E402
from tests.app.deliveries import WEBHOOK_SECRET, pr_delivery, send  # noqa: E402
from tests.app.github_app import APP_SLUG, REPO, add_ai_pull, private_key_pem  # noqa: E402
from tests.fakes import FakeGitHub  # noqa: E402

FUNCTION = (
    "def total_{k}(values):\n    running = 0\n    for value in values:\n        running += value * {k}\n"
    "    return running\n\n"
)


def code(lines: int, seed: int) -> str:
    rows = "".join(FUNCTION.format(k=seed * 1000 + k) for k in range(lines // 6 + 1)).splitlines(
        keepends=True
    )
    return "".join(rows[:lines])


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulls", type=int, default=24, help="PRs reviewed per worker count")
    parser.add_argument("--lines", type=int, default=100, help="AI-added lines per PR")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    with (
        tempfile.TemporaryDirectory() as tmp,
        redis_server(Path(tmp)) as (redis_url, _),
        FakeGitHub(login=f"{APP_SLUG}[bot]") as github,
    ):
        env = {
            "REDLINE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "REDLINE_APP_ID": "82994",
            "REDLINE_APP_PRIVATE_KEY": private_key_pem(),
            "REDLINE_GITHUB_API_URL": github.base_url,
            "REDLINE_GITHUB_THROTTLE": "false",
            "REDLINE_DATABASE_URL": f"sqlite:///{Path(tmp) / 'redline.db'}",
            "REDLINE_REDIS_URL": redis_url,
            "REDLINE_TASK_TIME_LIMIT_S": "300",
            "REDLINE_REPORT_DIR": str(Path(tmp) / "reports"),
        }
        settings = AppSettings.from_env(env)
        store = Store.open(settings.database_url, timeout_s=settings.database_timeout_s)
        client = TestClient(create_app(settings.webhook_secret, store, enqueuer(create_celery(settings), 5)))
        number = 1000
        print(f"{args.pulls} PRs of {args.lines} AI-added lines per round; {os.cpu_count()} CPUs; {load()}")

        def open_pulls(count: int) -> list[ReviewKey]:
            nonlocal number
            keys = []
            for _ in range(count):
                number += 1
                head = f"{number:040x}"
                add_ai_pull(github, number, head, code(args.lines, number))
                keys.append(ReviewKey(REPO, number, head))
            for key in keys:
                assert (
                    send(
                        client, "pull_request", pr_delivery("pull_request.opened", key.number, key.head_sha)
                    ).status_code
                    == 202
                )
            return keys

        def wait(keys: list[ReviewKey], timeout_s: float, pool: Workers) -> None:
            deadline = time.monotonic() + timeout_s
            while any(store.review_status(k) is not ReviewStatus.DONE for k in keys):
                if time.monotonic() > deadline:
                    raise SystemExit(f"reviews not done after {timeout_s} s\n{pool.log_text()}")
                time.sleep(0.1)

        for count in args.workers:
            pool = Workers(env, Path(tempfile.mkdtemp(dir=tmp)))
            try:
                for _ in range(count):
                    pool.start()
                wait(open_pulls(count), 300, pool)  # every worker up and warm
                started = time.monotonic()
                wait(open_pulls(args.pulls), 900, pool)
                seconds = time.monotonic() - started
            finally:
                pool.stop_all()
            print(
                f"{count} worker process(es): {args.pulls} reviews in {seconds:.1f} s = "
                f"{args.pulls / seconds * 60:.0f} reviews/min  [{load()}]",
                flush=True,
            )
        store.close()


if __name__ == "__main__":
    main()
