"""Review one GitHub pull request: its config, snapshot and earlier comments -> bot.review -> review + check run.

The wiring shared by `redline review --github` and the App's workers; the reviewing itself is bot.review's,
the GitHub requests bot.github's. Raises RedlineError (GitHubError, ConfigError) only before the review exists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.config import Settings, load_settings
from bot.github import pulls
from bot.github.client import GitHubClient
from bot.reporters.check_run import CheckRunReporter
from bot.reporters.pr_review import PullRequestReviewReporter, existing_comments
from bot.review import DEFAULT_TIME_BUDGET_S, Reporter, ReviewOutcome, review
from bot.snapshot import github_config_text, github_snapshot
from scoring.scorer import ScorerProtocol


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
) -> ReviewOutcome | None:
    """Review PR `number` of `repo` and post one batched review (and a check run, the merge gate).

    `scorer` is called with the repository's settings only when a file needs scoring; its RedlineError
    becomes the neutral gate's reason. With `head_sha`, None means the PR's head has moved on (a newer
    push supersedes this review) and nothing is posted. `more_reporters` (terminal, SARIF) report before
    the GitHub ones.
    """
    pull = pulls.get_pull(client, repo, number)
    if head_sha is not None and pull.head_sha != head_sha:
        return None
    settings = load_settings(github_config_text(client, repo, pull.default_branch))
    snapshot = github_snapshot(client, repo, number, max_added_lines=settings.languages.max_added_lines_per_file)
    if head_sha is not None and snapshot.head_sha != head_sha:
        return None
    existing = existing_comments(client, repo, number)
    reporters: list[Reporter] = [*more_reporters(settings), PullRequestReviewReporter(client, repo, number, snapshot.files)]
    if check_run:
        reporters.append(CheckRunReporter(client, repo))
    return review(
        snapshot,
        lambda: scorer(settings),
        settings,
        existing=existing,
        bot_login=bot_login,
        reporters=reporters,
        time_budget_s=time_budget_s,
    )
