"""The webhook endpoint: verify, de-duplicate, route, enqueue, answer 202, all within milliseconds.

POST /webhook checks X-Hub-Signature-256 (HMAC-SHA256 of the raw body, constant-time compare) before
parsing anything; GET /healthz and GET /metrics (Prometheus text). A malformed delivery is a 4xx,
never a 5xx; no review work happens here. Every answer comes within GitHub's 10 s: a hung broker or
database gets a 503 (the delivery is then not remembered, so GitHub's redelivery is accepted).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from bot.app.metrics import Metrics
from bot.app.routes import QUEUED, Job, JobKind, PayloadError, route
from bot.store import Store, StoreUnavailable

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-hub-signature-256"
# GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub.
MAX_PAYLOAD_BYTES = 25 * 1024 * 1024
# A body not received whole within this long is dropped with a 408: a client that sends most of 25 MB
# and stalls must not hold that memory for as long as it likes. GitHub sends the whole payload at once.
READ_BODY_WITHIN_S = 10.0
# GitHub gives up after 10 s. Broker and database calls have their own timeouts; this bounds the whole
# answer, whatever else might block (a stopped Postgres server has no client-side read timeout).
ANSWER_WITHIN_S = 8.0
# After the broker fails, deliveries that need it get their 503 at once for this long: a burst against
# a hung Redis then pays one timeout, not one per delivery queued behind the broker's connection pool.
BROKER_COOLDOWN_S = 2.0
# Deliveries are handled on their own threads, so health checks and metrics never wait behind
# deliveries stuck on a hung dependency.
WEBHOOK_THREADS = 16
# GitHub's delivery ids are UUIDs; the store keeps up to 100 characters.
_DELIVERY_ID = re.compile(r"[\x21-\x7e]{1,100}")

Enqueue = Callable[[Job, str], None]  # (job, delivery id); raises when the broker cannot take it


def signature(secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value GitHub sends for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    # Compared as bytes: the header is whatever the sender wrote, and compare_digest raises on a
    # non-ASCII str instead of answering False.
    return header is not None and hmac.compare_digest(
        signature(secret, body).encode(), header.encode("utf-8", "surrogatepass")
    )


def parse(body: bytes) -> Any:
    """The JSON payload, or a PayloadError that says why not."""
    try:
        return json.loads(body)
    except RecursionError:
        raise PayloadError("the payload nests too deeply to parse") from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise PayloadError(f"the payload is not JSON: {error}") from None


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None once it is known to exceed `limit` (declared or streamed): never held whole."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    outcome: str
    detail: str | None = None
    job: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.status not in (401, 408, 413)

    def response(self) -> JSONResponse:
        extra = {
            key: value for key, value in (("detail", self.detail), ("job", self.job)) if value is not None
        }
        # After a 408 or 413 the rest of the body is unread: closing the connection stops the sender,
        # where keep-alive would have the server read (and drop) all of it.
        headers = {"Connection": "close"} if self.status in (408, 413) else None
        return JSONResponse({"outcome": self.outcome, **extra}, status_code=self.status, headers=headers)


class Breaker:
    """Open for a cooldown after the broker failed; deliveries that need the broker skip it meanwhile."""

    def __init__(self, cooldown_s: float) -> None:
        self._cooldown_s = cooldown_s
        self._open_until = 0.0  # one float, replaced whole: no lock needed between handler threads

    def allows(self) -> bool:
        return time.monotonic() >= self._open_until

    def trip(self) -> None:
        self._open_until = time.monotonic() + self._cooldown_s


def _bookkeeping(store: Store, job: Job) -> None:
    args = job.args
    if job.kind is JobKind.INSTALL:
        store.save_installation(args["installation_id"], args["account"], args["repos"])
    elif job.kind is JobKind.UNINSTALL:
        store.delete_installation(args["installation_id"])
    elif job.kind in (JobKind.REPOS_ADDED, JobKind.REPOS_REMOVED):
        store.set_repositories_active(args["installation_id"], args["repos"], job.kind is JobKind.REPOS_ADDED)


def create_app(
    secret: str,
    store: Store,
    enqueue: Enqueue,
    answer_within_s: float = ANSWER_WITHIN_S,
    broker_cooldown_s: float = BROKER_COOLDOWN_S,
    read_body_within_s: float = READ_BODY_WITHIN_S,
) -> FastAPI:
    """The ASGI app. `enqueue` hands a job to the workers (tasks.enqueuer in production)."""
    if not secret:
        raise ValueError("a webhook secret is required")
    app = FastAPI(title="redline", docs_url=None, redoc_url=None)
    metrics = Metrics()
    app.state.metrics = metrics
    breaker = Breaker(broker_cooldown_s)
    threads = anyio.CapacityLimiter(WEBHOOK_THREADS)

    def forget(delivery: str) -> None:
        try:
            store.forget_delivery(delivery)
        except StoreUnavailable:
            log.error("could not forget delivery %s: its redelivery will be answered duplicate", delivery)

    def handle(event: str, delivery: str, body: bytes, signature_header: str | None) -> Answer:
        if not verify(secret, body, signature_header):
            return Answer(
                401,
                "bad signature",
                "X-Hub-Signature-256 is not the body's HMAC-SHA256 with the webhook secret",
            )
        if not event or not delivery:
            return Answer(400, "missing headers", "X-GitHub-Event and X-GitHub-Delivery are required")
        if not _DELIVERY_ID.fullmatch(delivery):
            return Answer(400, "malformed", "X-GitHub-Delivery must be 1 to 100 printable ASCII characters")
        try:
            payload = parse(body)
            job = route(event, payload)
        except PayloadError as error:
            return Answer(400, "malformed", str(error))
        if job is None:
            return Answer(200, "pong" if event == "ping" else "ignored")
        if job.kind in QUEUED and not breaker.allows():
            return Answer(503, "not queued", "the broker failed moments ago; redeliver later")
        # A delivery is remembered only while it stands accepted: every failure below forgets it again,
        # so GitHub's redelivery is handled rather than answered "duplicate".
        try:
            if not store.record_delivery(delivery, event, payload.get("action")):
                return Answer(200, "duplicate")
        except StoreUnavailable as error:
            return Answer(503, "store unavailable", str(error))
        if job.kind not in QUEUED:
            try:
                _bookkeeping(store, job)
            except StoreUnavailable as error:
                forget(delivery)
                return Answer(503, "store unavailable", str(error))
            except Exception as error:  # e.g. two deliveries racing to insert one repository: retry later
                log.exception("bookkeeping of delivery %s failed", delivery)
                forget(delivery)
                return Answer(503, "not recorded", type(error).__name__)
            return Answer(200, "recorded")
        try:
            enqueue(job, delivery)
        except Exception as error:  # broker down or hung: let GitHub redeliver, and accept that redelivery
            breaker.trip()
            log.error("could not queue delivery %s: %s: %s", delivery, type(error).__name__, error)
            forget(delivery)
            return Answer(503, "not queued", type(error).__name__)
        return Answer(202, "queued", job=str(job.kind))

    @app.post("/webhook")
    async def webhook(request: Request) -> Response:
        started = time.perf_counter()
        headers = request.headers
        event = headers.get("x-github-event", "")
        body: bytes | None = b""
        with anyio.move_on_after(read_body_within_s) as reading:
            body = await read_limited(request, MAX_PAYLOAD_BYTES)
        if reading.cancelled_caught:
            answer = Answer(
                408, "body too slow", f"the body was not received within {read_body_within_s:.0f} s"
            )
        elif body is None:
            answer = Answer(413, "too large", f"payloads are limited to {MAX_PAYLOAD_BYTES} bytes")
        else:
            try:
                with anyio.fail_after(answer_within_s):
                    # The store and the broker block: keep them off the event loop. A handler still
                    # running at the deadline finishes on its own: it either queues the job (then a
                    # redelivery is a duplicate) or forgets the delivery (then it is accepted).
                    answer = await anyio.to_thread.run_sync(
                        handle,
                        event,
                        headers.get("x-github-delivery", ""),
                        body,
                        headers.get(SIGNATURE_HEADER),
                        abandon_on_cancel=True,
                        limiter=threads,
                    )
            except TimeoutError:
                log.error("no answer for a %s delivery within %s s", event[:40], answer_within_s)
                answer = Answer(503, "timed out", "redline could not answer in time; redeliver later")
        metrics.count(event if answer.authenticated else None, answer.outcome, time.perf_counter() - started)
        return answer.response()

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        try:
            with anyio.fail_after(answer_within_s):
                await anyio.to_thread.run_sync(store.ping, abandon_on_cancel=True)
        except Exception as error:  # the probe must answer, not crash: a load balancer reads the status
            return JSONResponse(
                {"status": "store unavailable", "detail": type(error).__name__}, status_code=503
            )
        return JSONResponse({"status": "ok"})

    @app.get("/metrics")
    async def prometheus() -> Response:
        # On the event loop: counting never blocks, so metrics answer even when every thread is busy.
        return Response(metrics.render(), media_type=CONTENT_TYPE_PLAIN_0_0_4)

    return app
