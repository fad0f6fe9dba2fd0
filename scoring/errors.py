"""The exception tree every part of redline raises from.

    RedlineError                 anything redline itself reports to a user
    ├── ModelLoadError           a supervisor model cannot be found, installed or loaded
    ├── ProbeError               a probe artifact is missing, corrupt or made for another supervisor
    ├── SpanError                a span does not fit the text it is asked of
    ├── DiffParseError           a diff cannot be parsed (scoring.diff)
    ├── ConfigError              settings or .github/redline.yml are invalid (bot.config)
    ├── GitHubError              GitHub answered with an error (bot.github); has .status
    │   └── GitHubResponseError  GitHub's answer is not what the API documents (bad JSON, wrong shape,
    │                            pagination that never ends); retrying gives the same answer
    ├── DataSourceError          a raw data file is missing or altered (training.data.sources)
    └── SandboxError             the sandbox itself failed, not the program under test (training.data.sandbox)

Each boundary translates: the CLI turns a RedlineError into a message and exit code, the webhook
into a 4xx, a Celery task into a retry or a neutral check run.
"""

from __future__ import annotations


class RedlineError(Exception):
    """Base of every error redline raises on purpose; the message is meant for a user."""


class ModelLoadError(RedlineError):
    """A supervisor model could not be loaded; the message says what to install or pass."""


class ProbeError(RedlineError):
    """A probe artifact is missing, malformed, or does not match the loaded supervisor."""


class SpanError(RedlineError):
    """A span (line range or character range) does not fit the text it was asked of."""


class DiffParseError(RedlineError):
    """A unified diff could not be parsed."""


class ConfigError(RedlineError):
    """Configuration (environment or .github/redline.yml) is invalid."""


# Client errors that will not heal by waiting; everything else from GitHub (5xx, 429, rate-limit 403) is
# retried.
PERMANENT_GITHUB_STATUSES = frozenset({400, 401, 404, 410, 422})


class GitHubError(RedlineError):
    """GitHub answered with an error status."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def transient(self) -> bool:
        """Whether asking again later can succeed: no answer, 5xx, 429, a rate-limit 403; not other 4xx."""
        return self.status is None or self.status not in PERMANENT_GITHUB_STATUSES


class GitHubResponseError(GitHubError):
    """GitHub answered, but with a body redline cannot read (truncated JSON, an object where the API
    documents a list, a `Link: rel="next"` that never ends). Not transient: the same request gets the
    same answer."""

    @property
    def transient(self) -> bool:
        return False


class DataSourceError(RedlineError):
    """A raw data source file is missing or does not match its recorded checksum."""


class SandboxError(RedlineError):
    """The sandbox could not run a program (a failure of the harness, not of the program)."""
