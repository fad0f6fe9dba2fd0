"""Check runs through the GitHub client: create one completed run, sending annotations 50 per request.

The Checks API needs an App installation token (or the Actions GITHUB_TOKEN); a PAT gets a 403.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from github.GithubObject import NotSet

from bot.github.client import GitHubClient

# https://docs.github.com/en/rest/checks/runs#update-a-check-run: "maximum of 50 annotations per request"
MAX_ANNOTATIONS_PER_REQUEST = 50
# output.summary and output.text are limited to 65,535 characters.
CHECK_SUMMARY_MAX_CHARS = 65535
ANNOTATION_TITLE_MAX_CHARS = 255
ANNOTATION_MESSAGE_MAX_CHARS = 64 * 1024


@dataclass(frozen=True, slots=True)
class Annotation:
    path: str
    start_line: int
    end_line: int
    level: str  # notice | warning | failure
    message: str
    title: str = ""

    def to_json(self) -> dict[str, str | int]:
        data: dict[str, str | int] = {
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "annotation_level": self.level,
            "message": self.message[:ANNOTATION_MESSAGE_MAX_CHARS],
        }
        if self.title:
            data["title"] = self.title[:ANNOTATION_TITLE_MAX_CHARS]
        return data


def trim_summary(summary: str) -> str:
    if len(summary) <= CHECK_SUMMARY_MAX_CHARS:
        return summary
    note = "\n\n… (truncated: GitHub limits a check summary to 65,535 characters)"
    return summary[: CHECK_SUMMARY_MAX_CHARS - len(note)] + note


def create_check_run(
    client: GitHubClient,
    repo: str,
    *,
    name: str,
    head_sha: str,
    conclusion: str,
    title: str,
    summary: str,
    annotations: Sequence[Annotation] = (),
    details_url: str | None = None,
    external_id: str | None = None,
    look_first: bool = False,
) -> int:
    """Create a completed check run; annotations beyond the first 50 go in PATCHes of 50, each repeating
    title and summary (GitHub appends annotations). Returns the check run id.

    The run carries `external_id` (default: a new random one). A retry of a create whose answer was lost
    finds the run by it instead of creating a second; with `look_first` (a retried task passes its task
    id) a run an earlier attempt completed is returned as it is.
    """
    external_id = external_id or uuid.uuid4().hex
    batches = [
        [a.to_json() for a in annotations[i : i + MAX_ANNOTATIONS_PER_REQUEST]]
        for i in range(0, len(annotations), MAX_ANNOTATIONS_PER_REQUEST)
    ] or [[]]
    output = {"title": title[:ANNOTATION_TITLE_MAX_CHARS], "summary": trim_summary(summary)}

    def create() -> int:
        run = client.repo(repo).create_check_run(
            name=name,
            head_sha=head_sha,
            status="completed",
            conclusion=conclusion,
            output={**output, "annotations": batches[0]},
            external_id=external_id,
            details_url=details_url or NotSet,
        )
        return run.id

    def find() -> int | None:
        return find_check_run(client, repo, head_sha, name, external_id)

    if look_first and (earlier := client.call(f"list check runs on {head_sha[:7]}", find)) is not None:
        return earlier
    run_id = client.create(f"create check run on {head_sha[:7]}", create, find)

    def annotate(batch: list[dict[str, str | int]]) -> None:
        client.repo(repo).get_check_run(run_id).edit(output={**output, "annotations": batch})

    for batch in batches[1:]:
        client.call(f"add annotations to check run {run_id}", functools.partial(annotate, batch))
    return run_id


def find_check_run(client: GitHubClient, repo: str, head_sha: str, name: str, external_id: str) -> int | None:
    """The id of the run named `name` on `head_sha` that carries `external_id`, if there is one (run it
    inside `client.call`)."""
    url = f"{client.base_url}/repos/{repo}/commits/{head_sha}/check-runs"
    _, page = client.github.requester.requestJsonAndCheck(
        "GET", url, parameters={"check_name": name, "filter": "all", "per_page": 100}
    )
    runs = page.get("check_runs") if isinstance(page, dict) else None
    if not isinstance(runs, list):
        raise TypeError(f"check runs of {head_sha[:7]} are {type(runs).__name__}, not a list")
    for run in runs:
        if isinstance(run, dict) and run.get("external_id") == external_id and isinstance(run.get("id"), int):
            return int(run["id"])
    return None
