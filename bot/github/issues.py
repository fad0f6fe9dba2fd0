"""The weekly report issue: create it, or update the one already filed for that week (never a duplicate),
and close the earlier weeks' report issues, so that one report issue is open at a time.

Runs its requests through GitHubClient.call; returns plain values.
"""

from __future__ import annotations

from bot.github.client import GitHubClient
from bot.github.pulls import MAX_BODY_CHARS
from scoring.errors import GitHubError

REPORT_LABEL = "redline-report"


def _find_by_title(client: GitHubClient, repo: str, title: str) -> int | None:
    """The report issue whose title is `title` or starts with it (the week), open or closed."""

    def fetch() -> int | None:
        for issue in client.repo(repo).get_issues(state="all", labels=[REPORT_LABEL]):
            if (issue.title == title or issue.title.startswith(title + " ")) and issue.pull_request is None:
                return int(issue.number)
        return None

    return client.call(f"list report issues of {repo}", fetch)


def upsert_report_issue(
    client: GitHubClient, repo: str, title: str, body: str, known: int | None = None, key: str | None = None
) -> int:
    """File the report as issue `title`, or update it in place; returns the issue number.

    `known` is the number the store remembers for this week (App mode); without one (Action mode) the
    issue is found among the issues labelled REPORT_LABEL by its title, or by `key`, the start of the
    title that names the week.
    """
    number = known if known is not None else _find_by_title(client, repo, key or title)
    body = body[:MAX_BODY_CHARS]
    if number is not None:

        def update() -> int:
            client.repo(repo).get_issue(number).edit(title=title, body=body)
            return number

        try:
            return client.call(f"update report issue #{number} of {repo}", update)
        except GitHubError as error:
            if error.status not in (404, 410):  # a deleted or transferred issue: file a new one
                raise
    return client.call(
        f"create report issue in {repo}",
        lambda: int(client.repo(repo).create_issue(title=title, body=body, labels=[REPORT_LABEL]).number),
    )


def close_earlier_reports(client: GitHubClient, repo: str, keep: int) -> list[int]:
    """Close the open report issues filed before `keep` (this week's); returns the numbers closed.
    Re-running an old week updates its issue and closes nothing newer."""

    def close() -> list[int]:
        closed = []
        for issue in client.repo(repo).get_issues(state="open", labels=[REPORT_LABEL]):
            if issue.number < keep and issue.pull_request is None:
                issue.edit(state="closed")
                closed.append(int(issue.number))
        return closed

    return client.call(f"close earlier report issues of {repo}", close)
