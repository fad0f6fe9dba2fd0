"""Check runs through the GitHub client: create one completed run, sending annotations 50 per request.

The Checks API needs an App installation token (or the Actions GITHUB_TOKEN); a PAT gets a 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
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
) -> int:
    """Create a completed check run; annotations beyond the first 50 go in PATCHes of 50, each repeating
    title and summary (GitHub appends annotations). Returns the check run id."""
    batches = [
        [a.to_json() for a in annotations[i : i + MAX_ANNOTATIONS_PER_REQUEST]]
        for i in range(0, len(annotations), MAX_ANNOTATIONS_PER_REQUEST)
    ] or [[]]
    output = {"title": title[:ANNOTATION_TITLE_MAX_CHARS], "summary": trim_summary(summary)}
    extra = {"details_url": details_url} if details_url else {}

    def create() -> int:
        run = client.repo(repo).create_check_run(
            name=name,
            head_sha=head_sha,
            status="completed",
            conclusion=conclusion,
            output={**output, "annotations": batches[0]},
            **extra,
        )
        return run.id

    run_id = client.call(f"create check run on {head_sha[:7]}", create)
    for batch in batches[1:]:
        client.call(
            f"add annotations to check run {run_id}",
            lambda batch=batch: (
                client.repo(repo).get_check_run(run_id).edit(output={**output, "annotations": batch})
            ),
        )
    return run_id
