"""A GitHub pull request as a review's source: read once, published as one batched review and a check run.

The source `redline review --github` (the Action) and the App's workers give bot.review.run; the reviewing
itself is bot.review's, the GitHub requests bot.github's. Opening raises RedlineError (GitHubError,
ConfigError) only before the review exists; an invalid `.github/redline.yml` first gets a neutral check run
that names the key and the problem, so a required check never waits for a run that will not come.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.config import CONFIG_PATH, load_settings
from bot.github import checks, pulls
from bot.github.client import GitHubClient
from bot.history import actions_checkout
from bot.reporters.check_run import CHECK_NAME, CheckRunReporter
from bot.reporters.pr_review import PullRequestReviewReporter, existing_comments
from bot.snapshot import github_config_text, github_snapshot
from bot.types import Change, Reporter
from scoring.errors import ConfigError, GitHubError, GitHubResponseError

CONFIG_DOCS_URL = "https://github.com/redline-review/redline/blob/main/docs/configuration.md"


class RepositoryConfigError(ConfigError):
    """The repository's settings are invalid; carries the PR head the neutral check run goes on."""

    def __init__(self, message: str, head_sha: str, branch: str) -> None:
        super().__init__(message)
        self.head_sha, self.branch = head_sha, branch


@dataclass(frozen=True, slots=True)
class PullSource:
    """PR `number` of `repo`, opened once: the PR, the repository's settings (from the default branch, so a
    PR cannot change how it is reviewed), the snapshot at its head and redline's earlier comments; its
    reporters post one batched review and, with `check_run`, a check run (the merge gate).

    With `head_sha`, opening gives None once the PR's head has moved on (a newer push supersedes this
    review) and nothing is posted. `check_run_key`: the check run's external id, the same on every attempt
    of one job, so a retry reuses the run.
    """

    client: GitHubClient
    repo: str
    number: int
    head_sha: str | None = None
    check_run: bool = True
    check_run_key: str | None = None

    def open(self) -> Change | None:
        client, repo = self.client, self.repo
        try:
            return self._read()
        except RepositoryConfigError as error:
            if self.check_run:
                post_neutral(
                    client,
                    repo,
                    error.head_sha,
                    f"invalid {CONFIG_PATH}",
                    f"{error}\n\nFix `{CONFIG_PATH}` on `{error.branch}` (the default branch); every key "
                    f"and its default: {CONFIG_DOCS_URL}. The next push is reviewed with the fixed file.",
                )
            raise
        except GitHubResponseError as error:  # asking again gets the same answer: say so on the PR
            if self.check_run and self.head_sha is not None:
                post_neutral(
                    client,
                    repo,
                    self.head_sha,
                    "GitHub's answer could not be read",
                    f"{error}\n\nThe next push is reviewed again.",
                )
            raise

    def _read(self) -> Change | None:
        client, repo, number = self.client, self.repo, self.number
        pull = pulls.get_pull(client, repo, number)
        if self.head_sha is not None and pull.head_sha != self.head_sha:
            return None
        try:
            settings = load_settings(github_config_text(client, repo, pull.default_branch))
        except ConfigError as error:
            raise RepositoryConfigError(str(error), pull.head_sha, pull.default_branch) from None
        snapshot = github_snapshot(client, pull, max_added_lines=settings.languages.max_added_lines_per_file)
        # Review time is "now" for the history features: the PR is being proposed at this moment.
        snapshot = replace(snapshot, checkout=actions_checkout(), committed_at=datetime.now(UTC))
        existing = tuple(existing_comments(client, repo, number))
        reporters: list[Reporter] = [PullRequestReviewReporter(client, repo, number, snapshot.files)]
        if self.check_run:
            reporters.append(CheckRunReporter(client, repo, key=self.check_run_key))
        return Change(settings, snapshot, existing, tuple(reporters))


def post_neutral(client: GitHubClient, repo: str, head_sha: str, why: str, summary: str) -> None:
    """A neutral `redline` check run saying why there is no review, so a required check does not wait
    forever. Best effort: the reason given is the error to report, not a failure to post it."""
    with contextlib.suppress(GitHubError):
        checks.create_check_run(
            client,
            repo,
            name=CHECK_NAME,
            head_sha=head_sha,
            conclusion="neutral",
            title=f"redline did not review: {why}",
            summary=summary,
        )
