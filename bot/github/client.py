"""Build the PyGithub client (injectable base URL, timeouts) and run every request with retry and backoff.

The only module that constructs `github.Github`; pulls.py / checks.py / auth.py / issues.py receive a
GitHubClient and run their requests through `GitHubClient.call`, which turns failures into GitHubError.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import requests
from github import Auth, Github, GithubException, RateLimitExceededException
from github.Repository import Repository

from scoring.errors import GitHubError

T = TypeVar("T")
log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.github.com"
DEFAULT_TIMEOUT_S = 30
# GitHub asks integrations to serialise content-creating requests (80/minute, 500/hour):
# https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
SECONDS_BETWEEN_WRITES = 1.0
SECONDS_BETWEEN_REQUESTS = 0.25
# With no Retry-After and requests left, GitHub says "wait at least one minute" after a secondary limit.
SECONDARY_LIMIT_WAIT_S = 60.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """attempts: total tries per request; delays grow base_delay_s * 2**n, capped at max_delay_s."""

    attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 120.0
    secondary_wait_s: float = SECONDARY_LIMIT_WAIT_S


class GitHubClient:
    """A PyGithub `Github` plus the retry loop every request goes through.

    Tests pass base_url of the local fake, zero throttling and a recording `sleep`.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        auth: Auth.Auth | None = None,
        timeout_s: int = DEFAULT_TIMEOUT_S,
        retry: RetryPolicy = RetryPolicy(),
        seconds_between_requests: float = SECONDS_BETWEEN_REQUESTS,
        seconds_between_writes: float = SECONDS_BETWEEN_WRITES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if auth is None and token:
            auth = Auth.Token(token)
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self.sleep = sleep
        # PyGithub's own GithubRetry is off: it waits 60 s per secondary limit and cannot see 429s;
        # `call` below handles both with one policy.
        self.github = Github(
            auth=auth,
            base_url=self.base_url,
            timeout=timeout_s,
            retry=None,
            seconds_between_requests=seconds_between_requests,
            seconds_between_writes=seconds_between_writes,
            lazy=True,
        )

    def repo(self, full_name: str) -> Repository:
        """A lazy Repository: no request until a method needs one."""
        return self.github.get_repo(full_name, lazy=True)

    def call(self, what: str, request: Callable[[], T]) -> T:
        """Run `request` (which may make several HTTP calls), retrying rate limits, 5xx and network errors.

        `what` names the operation in errors and logs ("list files of PR 7").
        """
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return request()
            except (GithubException, requests.RequestException) as error:
                delay = self._retry_delay(error, attempt)
                if delay is None or attempt == self.retry.attempts:
                    raise _as_error(what, error) from error
                log.warning("GitHub %s failed (%s); retry %d in %.1f s", what, _status(error), attempt, delay)
                self.sleep(delay)
        raise AssertionError("unreachable")  # the loop always returns or raises

    def _retry_delay(self, error: Exception, attempt: int) -> float | None:
        backoff = min(self.retry.base_delay_s * 2 ** (attempt - 1), self.retry.max_delay_s)
        if isinstance(error, requests.RequestException):
            return backoff
        assert isinstance(error, GithubException)
        headers = {k.lower(): v for k, v in (error.headers or {}).items()}
        status = error.status
        limited = (
            isinstance(error, RateLimitExceededException)
            or status == 429
            or (status == 403 and _is_rate_limit_message(error))
        )
        if limited:
            if retry_after := headers.get("retry-after"):
                return min(float(retry_after), self.retry.max_delay_s)
            if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
                wait = float(headers["x-ratelimit-reset"]) - time.time()
                return min(max(wait, 1.0), self.retry.max_delay_s)
            return max(backoff, self.retry.secondary_wait_s)
        if status >= 500:
            return backoff
        return None


def _is_rate_limit_message(error: GithubException) -> bool:
    message = str((error.data or {}).get("message", "")) if isinstance(error.data, dict) else ""
    return "rate limit" in message.lower()


def _status(error: Exception) -> int | None:
    return error.status if isinstance(error, GithubException) else None


def _as_error(what: str, error: Exception) -> GitHubError:
    status = _status(error)
    detail = ""
    if isinstance(error, GithubException) and isinstance(error.data, dict):
        detail = str(error.data.get("message", ""))
        if errors := error.data.get("errors"):
            detail += f" {errors}"
    elif not isinstance(error, GithubException):
        detail = type(error).__name__
    return GitHubError(f"GitHub {what} failed ({status or 'no response'}): {detail}".rstrip(": "), status)
