"""Property-based: the webhook endpoint under arbitrary headers and JSON of any shape, with the real store
(SQLite file) and the real broker (redis-server) behind it.

Whatever arrives, the answer is never a 5xx, and no event is lost: a delivery answered 202 put exactly
one task on the queue, one answered "recorded" did its bookkeeping, and one rejected with a 4xx (or
ignored) was not remembered, so GitHub's redelivery gets the same answer rather than "duplicate".
REDLINE_FUZZ_EXAMPLES raises the number of generated cases (default 150 per property).
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.app.web import signature
from tests.app.deliveries import WEBHOOK_SECRET, webhook_body

pytestmark = pytest.mark.redis

EXAMPLES = int(os.environ.get("REDLINE_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
RECORDED = {  # event -> recorded deliveries of it, the shapes GitHub really sends
    "pull_request": [
        "pull_request.opened",
        "pull_request.synchronize",
        "pull_request.closed.merged",
        "pull_request.ready_for_review.with-installation",
    ],
    "check_run": ["check_run.rerequested"],
    "installation": ["installation.created", "installation.deleted"],
    "installation_repositories": ["installation_repositories.added", "installation_repositories.removed"],
    "ping": ["ping"],
}
# The fields bot.app.routes reads, and the objects that hold them.
READ_PATHS = {
    ("action",),
    ("check_run",),
    ("check_run", "pull_requests"),
    ("check_run", "head_sha"),
    ("installation",),
    ("installation", "id"),
    ("installation", "account"),
    ("installation", "account", "login"),
    ("pull_request",),
    ("pull_request", "number"),
    ("pull_request", "head"),
    ("pull_request", "head", "sha"),
    ("pull_request", "draft"),
    ("pull_request", "merged"),
    ("repository",),
    ("repository", "full_name"),
    ("repositories",),
    ("repositories_added",),
    ("repositories_removed",),
}
EVENTS = st.sampled_from(sorted(RECORDED)) | st.text(max_size=40)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
)
any_json = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated_delivery(draw: st.DrawFn) -> tuple[str, Any]:
    """A recorded delivery with a few of its fields replaced by JSON of any shape, or deleted."""
    event = draw(st.sampled_from(sorted(RECORDED)))
    payload = json.loads(webhook_body(draw(st.sampled_from(RECORDED[event]))))
    for _ in range(draw(st.integers(1, 3))):
        present = _paths(payload)
        read = [path for path in present if path in READ_PATHS]
        # Half the time a field redline reads: random paths alone rarely hit the few that matter.
        path = draw(st.sampled_from(read if read and draw(st.booleans()) else present))
        if not path:
            payload = draw(any_json)
            continue
        parent = payload
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(any_json)
        except (KeyError, IndexError, TypeError):  # an earlier mutation changed the shape under this path
            pass
    return event, payload


MOSTLY = st.sampled_from([True] * 9 + [False])  # true 9 times in 10 (integers(0, 9) leans to 0)
header_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=60
)
header_names = st.text("abcdefghijklmnopqrstuvwxyz-0123456789", min_size=1, max_size=20).filter(
    lambda name: name.strip("-") == name
)


@st.composite
def delivery_headers(draw: st.DrawFn, event: str, body: bytes) -> dict[str, bytes]:
    headers = {
        name: value.encode("latin-1")
        for name, value in draw(st.dictionaries(header_names, header_values, max_size=3)).items()
    }
    headers["x-github-event"] = event.encode("utf-8")
    # Mostly well-formed ids and signatures: only those reach the code past the signature check.
    delivery = str(uuid.uuid4()) if draw(MOSTLY) else draw(header_values)
    headers["x-github-delivery"] = delivery.encode("latin-1")
    valid = signature(WEBHOOK_SECRET, body) if draw(MOSTLY) else draw(st.text(max_size=80))
    headers["x-hub-signature-256"] = valid.encode("utf-8", "surrogatepass")
    headers["content-type"] = b"application/json"
    return headers


@pytest.fixture(scope="module")
def queue(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def check_delivery(web: Any, queue: redis.Redis, headers: dict[str, bytes], body: bytes) -> None:
    client, _ = web
    before = queue.llen("review")
    first = client.post("/webhook", content=body, headers=headers)
    assert first.status_code < 500, first.text
    outcome = first.json()["outcome"]
    event(f"{first.status_code} {outcome}")  # the spread of answers, in --hypothesis-show-statistics
    queued = queue.llen("review") - before
    assert queued == (1 if first.status_code == 202 else 0), (first.status_code, outcome)
    again = client.post("/webhook", content=body, headers=headers)
    assert again.status_code < 500, again.text
    if first.status_code == 202 or outcome == "recorded":
        assert again.json()["outcome"] == "duplicate"  # seen once, acted on once
    elif outcome != "duplicate":
        # Rejected or ignored: not remembered, so a redelivery is judged afresh, never "duplicate".
        assert (again.status_code, again.json()["outcome"]) == (first.status_code, outcome)
    assert queue.llen("review") - before == queued


@FUZZ
@given(st.data())
def test_mutated_real_deliveries_never_get_a_5xx_and_are_never_lost(web, queue, data):
    event, payload = data.draw(mutated_delivery())
    body = json.dumps(payload).encode()
    check_delivery(web, queue, data.draw(delivery_headers(event, body)), body)


@FUZZ
@given(st.data())
def test_any_json_with_any_headers_never_gets_a_5xx(web, queue, data):
    event = data.draw(EVENTS)
    body = data.draw(st.one_of(any_json.map(lambda v: json.dumps(v).encode()), st.binary(max_size=200)))
    check_delivery(web, queue, data.draw(delivery_headers(event, body)), body)
