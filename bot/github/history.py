"""Pull requests merged in a period, for the report's Action mode (no store: predictions are rebuilt).

Returns plain frozen dataclasses; runs its requests through GitHubClient.call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.github.client import GitHubClient

# The closed PRs are listed newest-updated first; stop after this many pages' worth.
MAX_PULLS_SCANNED = 500


@dataclass(frozen=True, slots=True)
class MergedPull:
    number: int
    title: str
    body: str
    head_sha: str
    author_login: str
    head_ref: str
    labels: tuple[str, ...]
    merged_at: dt.datetime


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def merged_pulls(client: GitHubClient, repo: str, since: dt.datetime, until: dt.datetime) -> list[MergedPull]:
    """PRs of `repo` merged in [since, until), oldest merge first."""

    def fetch() -> list[MergedPull]:
        found = []
        pulls = client.repo(repo).get_pulls(state="closed", sort="updated", direction="desc")
        for _, pr in zip(range(MAX_PULLS_SCANNED), pulls, strict=False):
            if pr.updated_at is not None and _aware(pr.updated_at) < since:
                break  # updated before the period: merged before it too
            if pr.merged_at is None or not since <= _aware(pr.merged_at) < until:
                continue
            found.append(MergedPull(pr.number, pr.title or "", pr.body or "", pr.head.sha,
                                    pr.user.login if pr.user else "", pr.head.ref,
                                    tuple(label.name for label in pr.labels), _aware(pr.merged_at)))
        return sorted(found, key=lambda p: p.merged_at)

    return client.call(f"list merged PRs of {repo}", fetch)
