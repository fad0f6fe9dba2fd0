"""GitHub App authentication: the App's JWT -> an installation access token, cached until shortly before
expiry.

Tokens are minted in the worker that needs them (never in the web process) through PyGithub's
GithubIntegration, and handed to GitHubClient; the private key never leaves this module.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from github import Auth, Consts, GithubException, GithubIntegration

from bot.github.client import (
    DEFAULT_BASE_URL,
    SECONDS_BETWEEN_REQUESTS,
    SECONDS_BETWEEN_WRITES,
    GitHubClient,
    RetryPolicy,
)
from scoring.errors import ConfigError, GitHubError

# Installation tokens live one hour; mint a new one when less than this is left, so a token never
# expires in the middle of a review.
TOKEN_REFRESH_MARGIN_S = 300


@dataclass(frozen=True, slots=True)
class InstallationToken:
    token: str
    expires_at: dt.datetime


class AppAuth:
    """Mints and caches installation tokens for one GitHub App (thread-safe; one per worker process)."""

    def __init__(
        self,
        app_id: str,
        private_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        throttle: bool = True,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        if not app_id or not private_key:
            raise ConfigError(
                "the GitHub App needs an app id and a private key "
                "(REDLINE_APP_ID, REDLINE_APP_PRIVATE_KEY or REDLINE_APP_PRIVATE_KEY_PATH)"
            )
        self.base_url = base_url
        self._throttle = throttle
        self._clock = clock
        try:  # fail at start-up, not at the first webhook hours later
            serialization.load_pem_private_key(private_key.encode(), password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise ConfigError(f"the GitHub App private key is not a usable PEM key: {error}") from error
        self._integration = GithubIntegration(
            auth=Auth.AppAuth(app_id, private_key),
            base_url=base_url,
            seconds_between_requests=Consts.DEFAULT_SECONDS_BETWEEN_REQUESTS if throttle else 0,
            seconds_between_writes=Consts.DEFAULT_SECONDS_BETWEEN_WRITES if throttle else 0,
        )
        self._tokens: dict[int, InstallationToken] = {}
        self._login: str | None = None
        self._lock = threading.Lock()

    def token(self, installation_id: int) -> InstallationToken:
        """A token for the installation with at least TOKEN_REFRESH_MARGIN_S left."""
        with self._lock:
            cached = self._tokens.get(installation_id)
            horizon = self._clock() + dt.timedelta(seconds=TOKEN_REFRESH_MARGIN_S)
            if cached is not None and cached.expires_at > horizon:
                return cached
            try:
                grant = self._integration.get_access_token(installation_id)
            except GithubException as error:
                message = error.data.get("message", "") if isinstance(error.data, dict) else ""
                raise GitHubError(
                    f"cannot get a token for installation {installation_id}: {message}", error.status
                ) from error
            expires = grant.expires_at if grant.expires_at.tzinfo else grant.expires_at.replace(tzinfo=dt.UTC)
            fresh = InstallationToken(grant.token, expires)
            self._tokens[installation_id] = fresh
            return fresh

    def client(self, installation_id: int, retry: RetryPolicy = RetryPolicy()) -> GitHubClient:
        """A GitHubClient acting as the installation."""
        return GitHubClient(
            self.token(installation_id).token,
            base_url=self.base_url,
            retry=retry,
            seconds_between_requests=SECONDS_BETWEEN_REQUESTS if self._throttle else 0.0,
            seconds_between_writes=SECONDS_BETWEEN_WRITES if self._throttle else 0.0,
        )

    def bot_login(self) -> str:
        """The login the App posts as, "<slug>[bot]" (GET /app), which marks redline's own comments."""
        with self._lock:
            if self._login is None:
                try:
                    self._login = f"{self._integration.get_app().slug}[bot]"
                except GithubException as error:
                    raise GitHubError("cannot read the App's own name (GET /app)", error.status) from error
            return self._login

    def installation_id(self, repo: str) -> int:
        """The installation that covers `repo` (GET /repos/{owner}/{repo}/installation)."""
        owner, _, name = repo.partition("/")
        try:
            return int(self._integration.get_repo_installation(owner, name).id)
        except GithubException as error:
            raise GitHubError(f"the App is not installed on {repo}", error.status) from error
