"""The webhook endpoint: verify, de-duplicate, route, enqueue, answer 202, all within milliseconds.

POST /webhook checks X-Hub-Signature-256 (HMAC-SHA256 of the raw body, constant-time compare) before
parsing anything; GET /healthz and GET /metrics (Prometheus text). A malformed delivery is a 4xx,
never a 5xx; no review work happens here.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.app.routes import QUEUED, Job, JobKind, PayloadError, route
from bot.store import Store

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-hub-signature-256"
# GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub.
MAX_PAYLOAD_BYTES = 25 * 1024 * 1024

Enqueue = Callable[[Job, str], None]  # (job, delivery id); raises when the broker cannot take it


def signature(secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value GitHub sends for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(signature(secret, body), header)


class Metrics:
    """Process-local counters and a latency sum, exposed in Prometheus text format."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.deliveries: collections.Counter[tuple[str, str]] = collections.Counter()
        self.seconds_total = 0.0

    def count(self, event: str, outcome: str, seconds: float) -> None:
        with self._lock:
            self.deliveries[(event, outcome)] += 1
            self.seconds_total += seconds

    def render(self) -> str:
        with self._lock:
            lines = ["# HELP redline_webhook_deliveries_total Webhook deliveries by event and outcome.",
                     "# TYPE redline_webhook_deliveries_total counter"]
            lines += [f'redline_webhook_deliveries_total{{event="{e}",outcome="{o}"}} {n}'
                      for (e, o), n in sorted(self.deliveries.items())]
            lines += ["# HELP redline_webhook_seconds_total Time spent answering deliveries.",
                      "# TYPE redline_webhook_seconds_total counter",
                      f"redline_webhook_seconds_total {self.seconds_total:.6f}"]
            return "\n".join(lines) + "\n"


def _bookkeeping(store: Store, job: Job) -> None:
    args = job.args
    if job.kind is JobKind.INSTALL:
        store.save_installation(args["installation_id"], args["account"], args["repos"])
    elif job.kind is JobKind.UNINSTALL:
        store.delete_installation(args["installation_id"])
    elif job.kind in (JobKind.REPOS_ADDED, JobKind.REPOS_REMOVED):
        store.set_repositories_active(args["installation_id"], args["repos"], job.kind is JobKind.REPOS_ADDED)


def create_app(secret: str, store: Store, enqueue: Enqueue) -> FastAPI:
    """The ASGI app. `enqueue` hands a job to the workers (tasks.enqueuer in production)."""
    if not secret:
        raise ValueError("a webhook secret is required")
    app = FastAPI(title="redline", docs_url=None, redoc_url=None)
    metrics = Metrics()
    app.state.metrics = metrics

    def answer(event: str, outcome: str, status: int, started: float, **extra: object) -> JSONResponse:
        metrics.count(event, outcome, time.perf_counter() - started)
        return JSONResponse({"outcome": outcome, **extra}, status_code=status)

    def handle(event: str, delivery: str, body: bytes, signature_header: str | None, started: float) -> JSONResponse:
        if len(body) > MAX_PAYLOAD_BYTES:
            return answer(event, "too large", 413, started)
        if not verify(secret, body, signature_header):
            return answer(event, "bad signature", 401, started)
        if not event or not delivery:
            return answer(event, "missing headers", 400, started,
                          detail="X-GitHub-Event and X-GitHub-Delivery are required")
        try:
            payload = json.loads(body)
            job = route(event, payload)
        except (ValueError, PayloadError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            return answer(event, "malformed", 400, started, detail=str(error))
        if job is None:
            return answer(event, "pong" if event == "ping" else "ignored", 200, started)
        if not store.record_delivery(delivery, event, payload.get("action")):
            return answer(event, "duplicate", 200, started)
        if job.kind not in QUEUED:
            _bookkeeping(store, job)
            return answer(event, "recorded", 200, started)
        try:
            enqueue(job, delivery)
        except Exception as error:  # broker down: let GitHub redeliver, and accept that redelivery
            log.exception("could not queue delivery %s", delivery)
            store.forget_delivery(delivery)
            return answer(event, "not queued", 503, started, detail=type(error).__name__)
        return answer(event, "queued", 202, started, job=str(job.kind))

    @app.post("/webhook")
    async def webhook(request: Request) -> Response:
        started = time.perf_counter()
        body = await request.body()
        headers = request.headers
        # The store and the broker block: keep them off the event loop.
        return await run_in_threadpool(handle, headers.get("x-github-event", ""), headers.get("x-github-delivery", ""),
                                       body, headers.get(SIGNATURE_HEADER), started)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            store.ping()
        except Exception as error:  # the probe must answer, not crash: a load balancer reads the status
            return JSONResponse({"status": "store unavailable", "detail": type(error).__name__}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/metrics")
    def prometheus() -> PlainTextResponse:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    return app
