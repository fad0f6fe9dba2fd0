"""Review one GitHub pull request: fetch it once into a PullContext -> bot.review -> review + check run.

The wiring shared by `redline review --github` and the App's workers; the reviewing itself is bot.review's,
the GitHub requests bot.github's. Raises RedlineError (GitHubError, ConfigError) only before the review
exists; an invalid `.github/redline.yml` first gets a neutral check run that names the key and the problem, so
a required check never waits for a run that will not come.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.comments import ExistingComment
from bot.config import CONFIG_PATH, Settings, load_settings
from bot.github import checks, pulls
from bot.github.client import GitHubClient
from bot.history import actions_checkout
from bot.reporters.check_run import CHECK_NAME, CheckRunReporter
from bot.reporters.pr_review import PullRequestReviewReporter, existing_comments
from bot.review import DEFAULT_TIME_BUDGET_S, review
from bot.snapshot import Snapshot, github_config_text, github_snapshot
from bot.types import Reporter, ReviewOutcome
from scoring.errors import ConfigError, GitHubError, GitHubResponseError
from scoring.registry import ScorerProtocol

CONFIG_DOCS_URL = "https://github.com/redline-review/redline/blob/main/docs/configuration.md"


class RepositoryConfigError(ConfigError):
    """The repository's settings are invalid; carries the PR head the neutral check run goes on."""

    def __init__(self, message: str, head_sha: str, branch: str) -> None:
        super().__init__(message)
        self.head_sha, self.branch = head_sha, branch


@dataclass(frozen=True, slots=True)
class PullContext:
    """Everything a review of a PR reads from GitHub, fetched once: the PR, the repository's settings
    (from the default branch, so a PR cannot change how it is reviewed), the snapshot at its head and
    redline's earlier comments."""

    pull: pulls.PullRequest
    settings: Settings
    snapshot: Snapshot
    existing: tuple[ExistingComment, ...]


def fetch_pull(
    client: GitHubClient, repo: str, number: int, head_sha: str | None = None
) -> PullContext | None:
    """The PR's context; None when `head_sha` is given and the PR's head has moved on."""
    pull = pulls.get_pull(client, repo, number)
    if head_sha is not None and pull.head_sha != head_sha:
        return None
    try:
        settings = load_settings(github_config_text(client, repo, pull.default_branch))
    except ConfigError as error:
        raise RepositoryConfigError(str(error), pull.head_sha, pull.default_branch) from None
    snapshot = github_snapshot(client, pull, max_added_lines=settings.languages.max_added_lines_per_file)
    # Review time is "now" for the history features: the PR is being proposed at this moment.
    snapshot = replace(snapshot, checkout=actions_checkout(), committed_at=datetime.now(UTC))
    return PullContext(pull, settings, snapshot, tuple(existing_comments(client, repo, number)))


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


def _no_reporters(settings: Settings) -> Sequence[Reporter]:
    return ()


def review_pull(
    client: GitHubClient,
    repo: str,
    number: int,
    scorer: Callable[[Settings], ScorerProtocol],
    *,
    bot_login: str,
    head_sha: str | None = None,
    check_run: bool = True,
    more_reporters: Callable[[Settings], Sequence[Reporter]] = _no_reporters,
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
    check_run_key: str | None = None,
) -> ReviewOutcome | None:
    """Review PR `number` of `repo` and post one batched review (and a check run, the merge gate).

    `scorer` is called with the repository's settings; its RedlineError becomes the neutral gate's reason.
    With `head_sha`, None means the PR's head has moved on (a newer push supersedes this review) and
    nothing is posted. `more_reporters` (terminal, SARIF) report before the GitHub ones. `check_run_key`:
    the check run's external id, the same on every attempt of one job, so a retry reuses the run.
    """
    try:
        context = fetch_pull(client, repo, number, head_sha)
    except RepositoryConfigError as error:
        if check_run:
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
        if check_run and head_sha is not None:
            post_neutral(
                client,
                repo,
                head_sha,
                "GitHub's answer could not be read",
                f"{error}\n\nThe next push is reviewed again.",
            )
        raise
    if context is None:
        return None
    settings = context.settings
    reporters: list[Reporter] = [
        *more_reporters(settings),
        PullRequestReviewReporter(client, repo, number, context.snapshot.files),
    ]
    if check_run:
        reporters.append(CheckRunReporter(client, repo, key=check_run_key))
    return review(
        context.snapshot,
        lambda: scorer(settings),
        settings,
        existing=context.existing,
        bot_login=bot_login,
        reporters=reporters,
        time_budget_s=time_budget_s,
    )
