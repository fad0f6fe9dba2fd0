"""The loopback HTTP plumbing under tests/fakes.py's FakeGitHub: request and response records, the recorded
GitHub bodies in ../shared/github/rest, and the request handler that turns HTTP into `dispatch` calls."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SHARED_GITHUB = Path(
    os.environ.get("REDLINE_GITHUB_FIXTURES", Path(__file__).resolve().parents[2] / "shared" / "github")
)
REST = SHARED_GITHUB / "rest"
RECORDED_API = "https://api.github.com"


@dataclass(frozen=True, slots=True)
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON or None


@dataclass(slots=True)
class FakeResponse:
    status: int
    body: Any = None  # JSON-able, bytes sent as they are (a truncated body), or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)


class NotFound(Exception):
    """Raised by a handler for a missing object; answered with GitHub's recorded 404."""


def recorded(name: str) -> Any:
    """A recorded response body, e.g. recorded("pulls.get.open")."""
    return json.loads((REST / "responses" / f"{name}.json").read_text())


def recorded_error(name: str) -> Any:
    """The `body` of a recorded error, e.g. recorded_error("create-review.422.line-not-in-diff.2024")."""
    return json.loads((REST / "errors" / f"{name}.json").read_text())["body"]


def template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(
        r"\{(\w+)\}", lambda m: f"(?P<{m.group(1)}>{'.+' if m.group(1) == 'path' else '[^/]+'})", template
    )
    return re.compile(f"^{pattern}$")


def handler_for(dispatch: Callable[[FakeRequest], FakeResponse]) -> type[BaseHTTPRequestHandler]:
    """A request handler class answering every method through `dispatch`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            body = json.loads(raw) if raw else None
            try:
                response = dispatch(FakeRequest(self.command, parts.path, query, dict(self.headers), body))
            except Exception as error:  # a bug in a handler must show up in the test, not hang it
                response = FakeResponse(500, {"message": f"FakeGitHub handler failed: {error!r}"})
            payload = (
                response.body
                if isinstance(response.body, bytes)
                else (b"" if response.body is None else json.dumps(response.body).encode())
            )
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            reset = str(int(time.time()) + 3600)
            defaults = {
                "X-RateLimit-Limit": "5000",
                "X-RateLimit-Remaining": "4999",
                "X-RateLimit-Used": "1",
                "X-RateLimit-Reset": reset,
                "X-RateLimit-Resource": "core",
            }
            for key, value in {**defaults, **response.headers}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    return Handler
