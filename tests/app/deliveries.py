"""Recorded webhook deliveries signed the way GitHub signs them, for the App tests and the load benchmark."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from bot.app.web import signature

SHARED_GITHUB = Path(__file__).resolve().parents[3] / "shared" / "github"
WEBHOOKS = Path(os.environ.get("REDLINE_GITHUB_FIXTURES", SHARED_GITHUB)) / "webhooks"
WEBHOOK_SECRET = "It's a Secret to Everybody"


def webhook_body(name: str) -> bytes:
    """The exact bytes of a recorded delivery, e.g. webhook_body("pull_request.opened")."""
    return (WEBHOOKS / f"{name}.json").read_bytes()


def webhook_headers(
    event: str, body: bytes, delivery: str | None = None, secret: str = WEBHOOK_SECRET
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "1",
        "User-Agent": "GitHub-Hookshot/test",
        "X-Hub-Signature-256": signature(secret, body),
    }


def pr_delivery(name: str, number: int, head_sha: str) -> bytes:
    """A recorded pull_request payload moved to PR `number` at `head_sha` (sign the new bytes)."""
    payload = json.loads(webhook_body(name))
    payload["number"] = payload["pull_request"]["number"] = number
    payload["pull_request"]["head"]["sha"] = head_sha
    return json.dumps(payload).encode()


def send(client: Any, event: str, body: bytes, delivery_id: str | None = None) -> Any:
    """POST a signed delivery through a TestClient."""
    return client.post("/webhook", content=body, headers=webhook_headers(event, body, delivery_id))
