"""Build the PyGithub client (injectable base URL, timeouts) and run every request with retry and backoff.

The only module that constructs `github.Github`; pulls.py / checks.py / auth.py / issues.py receive a
GitHubClient and run their requests through `GitHubClient.call`, which turns failures into GitHubError.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests
from github import Auth, BadAttributeException, Github, GithubException, RateLimitExceededException
from github.Repository import Repository

from scoring.errors import GitHubError, GitHubResponseError

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
# List endpoints return at most 100 items a page:
# https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
ITEMS_PER_PAGE = 100
# 10,000 items of one list (review comments, files: GitHub stops at 3,000) is past any real pull request;
# a `Link: rel="next"` chain longer than this is GitHub misbehaving, not more data.
MAX_PAGES = 100
# What PyGithub raises while reading a body that is not what the API documents: JSONDecodeError (a
# ValueError) for truncated JSON, TypeError/KeyError/AttributeError for an object where a list belongs
# or a missing field, BadAttributeException for a field of the wrong type.
MALFORMED_RESPONSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, BadAttributeException)
MAX_DETAIL_CHARS = 200


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

        `what` names the operation in errors and logs ("list files of PR 7"). A body that cannot be read
        as the API documents is a GitHubResponseError, not retried. `request` only reads GitHub's answer,
        so a TypeError or KeyError inside it comes from that answer.
        """
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return request()
            except MALFORMED_RESPONSE_ERRORS as error:
                detail = f"{type(error).__name__}: {error}"[:MAX_DETAIL_CHARS]
                raise GitHubResponseError(
                    f"GitHub {what}: the answer is not what the API documents ({detail})"
                ) from error
            except (GithubException, requests.RequestException) as error:
                delay = self._retry_delay(error, attempt)
                if delay is None or attempt == self.retry.attempts:
                    raise _as_error(what, error) from error
                log.warning("GitHub %s failed (%s); retry %d in %.1f s", what, _status(error), attempt, delay)
                self.sleep(delay)
        raise AssertionError("unreachable")  # the loop always returns or raises

    def create(
        self, what: str, post: Callable[[], T], find: Callable[[], T | None], *, look_first: bool = False
    ) -> T:
        """`call` for a request that creates something (a review, a check run): a retry first asks `find`
        whether the failed attempt created it anyway (GitHub did the work but the answer was a 502 or came
        after the timeout) and returns that instead of creating a second one. `look_first` asks before the
        first attempt too (a retried task whose earlier run may have created it)."""
        attempts = 0

        def request() -> T:
            nonlocal attempts
            attempts += 1
            if look_first or attempts > 1:
                found = find()
                if found is not None:
                    log.info("GitHub %s: found what an earlier attempt created", what)
                    return found
            return post()

        return self.call(what, request)

    def pages(self, path: str, max_items: int | None = None) -> list[dict[str, Any]]:
        """Every item of the list endpoint `path` ("/repos/o/r/pulls/7/files"), following `Link: rel="next"`
        (at most MAX_PAGES pages, never one URL twice), stopping once `max_items` are read.

        Run it inside `call`. Raises GitHubResponseError for a page that is not a list of objects or a
        chain of pages that loops or does not end.
        """
        url: str | None = f"{self.base_url}{path}?{urlencode({'per_page': ITEMS_PER_PAGE})}"
        seen: set[str] = set()
        items: list[dict[str, Any]] = []
        while url is not None and (max_items is None or len(items) < max_items):
            if url in seen or len(seen) == MAX_PAGES:
                why = (
                    "comes back to a page already read" if url in seen else f"goes on past {MAX_PAGES} pages"
                )
                raise GitHubResponseError(f"GitHub's pagination of {path} {why}")
            seen.add(url)
            headers, page = self.github.requester.requestJsonAndCheck("GET", url)
            if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
                shape = (
                    "a list holding a non-object" if isinstance(page, list) else f"a {type(page).__name__}"
                )
                raise GitHubResponseError(f"GitHub answered {path} with {shape}, not a list of objects")
            items.extend(page)
            url = _next_link(headers.get("link", ""))
        return items if max_items is None else items[:max_items]

    def _retry_delay(self, error: Exception, attempt: int) -> float | None:
        backoff: float = min(self.retry.base_delay_s * 2 ** (attempt - 1), self.retry.max_delay_s)
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


def _next_link(header: str) -> str | None:
    """The rel="next" URL of a Link header: `<https://…?page=2>; rel="next", <…>; rel="last"`."""
    for part in header.split(","):
        target, _, params = part.partition(";")
        if 'rel="next"' in params.replace(" ", ""):
            return target.strip().removeprefix("<").removesuffix(">")
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
