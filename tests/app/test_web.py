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
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")


def test_signed_pull_request_is_queued_with_202(client, queued):
    response = post(client, "pull_request", webhook_body("pull_request.opened"), **{"X-GitHub-Delivery": "d-1"})
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
    assert client.post("/webhook", content=body.replace(b"opened", b"closed"), headers=headers).status_code == 401


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

    client = TestClient(create_app(WEBHOOK_SECRET, store, broken))
    body = webhook_body("pull_request.opened")
    assert post(client, "pull_request", body, **{"X-GitHub-Delivery": "again"}).status_code == 503
    assert post(client, "pull_request", body, **{"X-GitHub-Delivery": "again"}).status_code == 202
    assert calls == ["again", "again"]


def test_healthz_and_metrics(client):
    post(client, "pull_request", webhook_body("pull_request.opened"))
    post(client, "pull_request", b"{", **{"X-Hub-Signature-256": "sha256=00"})
    assert client.get("/healthz").json() == {"status": "ok"}
    text = client.get("/metrics").text
    assert 'redline_webhook_deliveries_total{event="pull_request",outcome="queued"} 1' in text
    assert 'redline_webhook_deliveries_total{event="pull_request",outcome="bad signature"} 1' in text
