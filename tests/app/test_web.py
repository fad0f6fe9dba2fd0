import json

import pytest
from fastapi.testclient import TestClient

from bot.app.routes import Job, JobKind
from bot.app.web import create_app, signature
from bot.store import Store
from tests.app.deliveries import WEBHOOK_SECRET, webhook_body, webhook_headers


@pytest.fixture
def queued() -> list[tuple[Job, str]]:
    return []


@pytest.fixture
def client(tmp_path, queued) -> TestClient:
    store = Store.open(f"sqlite:///{tmp_path / 'web.db'}")
    app = create_app(WEBHOOK_SECRET, store, lambda job, delivery: queued.append((job, delivery)))
    app.state.store = store
    return TestClient(app)


def post(client: TestClient, event: str, body: bytes, **headers: str):
    return client.post("/webhook", content=body, headers={**webhook_headers(event, body), **headers})


def test_signature_matches_githubs_test_vector():
    assert signature("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_signed_pull_request_is_queued_with_202(client, queued):
    response = post(
        client, "pull_request", webhook_body("pull_request.opened"), **{"X-GitHub-Delivery": "d-1"}
    )
    assert response.status_code == 202
    assert [(job.kind, delivery) for job, delivery in queued] == [(JobKind.REVIEW, "d-1")]


@pytest.mark.parametrize("bad", ["sha256=" + "0" * 64, "", "sha1=abc"])
def test_bad_signature_is_401_and_queues_nothing(client, queued, bad):
    body = webhook_body("pull_request.opened")
    assert post(client, "pull_request", body, **{"X-Hub-Signature-256": bad}).status_code == 401
    assert queued == []


def test_missing_signature_is_401(client):
    body = webhook_body("pull_request.opened")
    headers = webhook_headers("pull_request", body)
    del headers["X-Hub-Signature-256"]
    assert client.post("/webhook", content=body, headers=headers).status_code == 401


def test_body_changed_after_signing_is_401(client):
    body = webhook_body("pull_request.opened")
    headers = webhook_headers("pull_request", body)
    assert (
        client.post("/webhook", content=body.replace(b"opened", b"closed"), headers=headers).status_code
        == 401
    )


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"action": "opened"}'])
def test_malformed_signed_payload_is_400_never_5xx(client, queued, body):
    assert post(client, "pull_request", body).status_code == 400
    assert queued == []


def test_same_delivery_twice_is_queued_once(client, queued):
    body = webhook_body("pull_request.synchronize")
    first = post(client, "pull_request", body, **{"X-GitHub-Delivery": "same"})
    second = post(client, "pull_request", body, **{"X-GitHub-Delivery": "same"})
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["outcome"] == "duplicate"
    assert len(queued) == 1


def test_ping_answers_200(client, queued):
    response = post(client, "ping", webhook_body("ping"))
    assert response.status_code == 200 and response.json()["outcome"] == "pong"
    assert queued == []


def test_installation_is_recorded_without_queueing(client, queued):
    assert post(client, "installation", webhook_body("installation.created")).status_code == 200
    assert client.app.state.store.active_repositories() == [("Codertocat/Hello-World", 957387)]
    assert queued == []


def test_broker_down_is_503_and_the_redelivery_is_accepted(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'web.db'}")
    calls = []

    def broken(job, delivery):
        calls.append(delivery)
        if len(calls) == 1:
            raise ConnectionError("redis is down")

    client = TestClient(create_app(WEBHOOK_SECRET, store, broken, broker_cooldown_s=0))
    body = webhook_body("pull_request.opened")
    assert post(client, "pull_request", body, **{"X-GitHub-Delivery": "again"}).status_code == 503
    assert post(client, "pull_request", body, **{"X-GitHub-Delivery": "again"}).status_code == 202
    assert calls == ["again", "again"]


def test_after_a_broker_failure_deliveries_get_503_at_once_and_bookkeeping_goes_on(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'web.db'}")
    calls = []

    def hung(job, delivery):
        calls.append(delivery)
        raise TimeoutError("Timeout reading from socket")

    client = TestClient(create_app(WEBHOOK_SECRET, store, hung, broker_cooldown_s=3600))
    body = webhook_body("pull_request.opened")
    answers = [post(client, "pull_request", body, **{"X-GitHub-Delivery": f"d-{i}"}) for i in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert calls == ["d-0"]  # the others did not wait on the broker again
    assert post(client, "installation", webhook_body("installation.created")).json()["outcome"] == "recorded"


def test_healthz_and_metrics(client):
    post(client, "pull_request", webhook_body("pull_request.opened"))
    post(client, "pull_request", b"{", **{"X-Hub-Signature-256": "sha256=00"})
    assert client.get("/healthz").json() == {"status": "ok"}
    text = client.get("/metrics").text
    assert 'redline_webhook_deliveries_total{event="pull_request",outcome="queued"} 1.0' in text
    assert 'redline_webhook_deliveries_total{event="unauthenticated",outcome="bad signature"} 1.0' in text


# -- /metrics: only what redline chose to count, whatever the headers say --------------------------------


def metric_samples(client: TestClient) -> list:
    from prometheus_client.parser import text_string_to_metric_families

    return [
        sample
        for family in text_string_to_metric_families(client.get("/metrics").text)
        for sample in family.samples
    ]


def test_unsigned_requests_cannot_forge_or_add_metric_series(client):
    forged = 'x",outcome="queued"} 1e9 #'
    client.post(
        "/webhook", content=b"{}", headers={"X-GitHub-Event": forged, "X-Hub-Signature-256": "sha256=00"}
    )
    for i in range(200):
        client.post("/webhook", content=b"{}", headers={"X-GitHub-Event": f"made-up-{i}"})
    deliveries = [s for s in metric_samples(client) if s.name == "redline_webhook_deliveries_total"]
    assert {(s.labels["event"], s.labels["outcome"]) for s in deliveries} == {
        ("unauthenticated", "bad signature")
    }
    assert sum(s.value for s in deliveries) == 201
    assert "1e9" not in client.get("/metrics").text


def test_signed_deliveries_of_unknown_events_are_counted_as_other(client):
    body = b'{"zen": "Keep it logically awesome."}'
    post(client, 'weird"event\n', body)
    post(client, "issue_comment", body)
    counted = {
        (s.labels["event"], s.labels["outcome"]): s.value
        for s in metric_samples(client)
        if s.name == "redline_webhook_deliveries_total"
    }
    assert counted == {("other", "ignored"): 2.0}


# -- malformed input: a 4xx that says what is wrong, and the delivery stays unseen ---------------------


def test_non_ascii_signature_header_is_401(client, queued):
    body = webhook_body("pull_request.opened")
    headers = {**webhook_headers("pull_request", body), "X-Hub-Signature-256": "sha256=é".encode()}
    response = client.post("/webhook", content=body, headers=headers)
    assert response.status_code == 401 and "X-Hub-Signature-256" in response.json()["detail"]
    assert queued == []


@pytest.mark.parametrize(
    "body", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000]
)
def test_json_nested_100000_deep_is_400(client, queued, body):
    response = post(client, "pull_request", body)
    assert response.status_code == 400 and "nest" in response.json()["detail"]
    assert queued == []


@pytest.mark.parametrize("check_run", [[], ["a"], "check", 7, None])
def test_check_run_that_is_not_an_object_is_400(client, queued, check_run):
    payload = json.loads(webhook_body("check_run.rerequested"))
    payload["check_run"] = check_run
    response = post(client, "check_run", json.dumps(payload).encode())
    assert response.status_code == 400 and "check_run" in response.json()["detail"]
    assert queued == []


@pytest.mark.parametrize("pull_requests", ["12", 7, {"number": 1}, [{"number": "1"}]])
def test_check_run_pull_requests_of_the_wrong_shape_are_400(client, pull_requests):
    payload = json.loads(webhook_body("check_run.rerequested"))
    payload["check_run"]["pull_requests"] = pull_requests
    assert post(client, "check_run", json.dumps(payload).encode()).status_code == 400


@pytest.mark.parametrize(
    "event,name", [("installation", "installation.created"), ("pull_request", "pull_request.opened")]
)
def test_an_id_beyond_64_bits_is_400_and_the_corrected_redelivery_is_accepted(client, queued, event, name):
    good = webhook_body(name)
    payload = json.loads(good)
    payload["installation"]["id"] = 2**70
    first = post(client, event, json.dumps(payload).encode(), **{"X-GitHub-Delivery": "big-id"})
    assert first.status_code == 400 and "installation.id" in first.json()["detail"]
    again = post(client, event, json.dumps(payload).encode(), **{"X-GitHub-Delivery": "big-id"})
    assert again.json()["outcome"] == "malformed"  # rejected again, not "duplicate"
    assert post(client, event, good, **{"X-GitHub-Delivery": "big-id"}).status_code in (200, 202)
    assert post(client, event, good, **{"X-GitHub-Delivery": "big-id"}).json()["outcome"] == "duplicate"


def test_a_store_failure_while_recording_is_503_and_the_redelivery_is_accepted(tmp_path, queued):
    import sqlite3

    database = tmp_path / "web.db"
    store = Store.open(f"sqlite:///{database}", timeout_s=0.5)
    client = TestClient(
        create_app(WEBHOOK_SECRET, store, lambda job, delivery: queued.append((job, delivery)))
    )
    body = webhook_body("installation.created")
    locker = sqlite3.connect(database, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        response = post(client, "installation", body, **{"X-GitHub-Delivery": "locked"})
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert response.status_code == 503 and response.json()["outcome"] == "store unavailable"
    assert (
        post(client, "installation", body, **{"X-GitHub-Delivery": "locked"}).json()["outcome"] == "recorded"
    )
    assert store.active_repositories() == [("Codertocat/Hello-World", 957387)]


@pytest.mark.parametrize("delivery", ["x" * 101, "tab\there"])
def test_a_delivery_id_redline_cannot_store_is_400(client, queued, delivery):
    body = webhook_body("pull_request.opened")
    response = post(client, "pull_request", body, **{"X-GitHub-Delivery": delivery})
    assert response.status_code == 400 and "X-GitHub-Delivery" in response.json()["detail"]
    assert queued == []


def test_a_body_that_stalls_is_dropped_with_a_408_after_the_read_timeout(tmp_path, queued):
    import anyio
    import httpx

    store = Store.open(f"sqlite:///{tmp_path / 'web.db'}")
    app = create_app(
        WEBHOOK_SECRET, store, lambda job, delivery: queued.append((job, delivery)), read_body_within_s=0.5
    )

    async def stalled():
        yield b"{" * 1024
        await anyio.sleep(3600)  # a client that never sends the rest

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://redline") as client:
            with anyio.fail_after(10):
                return await client.post(
                    "/webhook", content=stalled(), headers=webhook_headers("ping", b"{}")
                )

    try:
        response = anyio.run(send)
    finally:
        store.close()
    assert response.status_code == 408 and response.headers["connection"] == "close" and queued == []
