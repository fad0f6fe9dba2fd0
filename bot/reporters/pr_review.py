"""Post the plan as one batch review on the PR, then update, resolve or delete redline's earlier comments.

Every comment is checked against the parsed patch first; if GitHub still refuses the batch (422), the
batch is split until the refused comments are isolated, and those go into a review body so none is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.github import pulls
from bot.github.client import GitHubClient
from bot.stages.comments import CommentDraft, ExistingComment
from scoring.diff import FileDiff
from scoring.errors import GitHubError

if TYPE_CHECKING:
    from bot.types import ReviewOutcome

log = logging.getLogger(__name__)


def existing_comments(client: GitHubClient, repo: str, number: int) -> list[ExistingComment]:
    return [
        ExistingComment(c.id, c.path, c.line, c.body, c.user_login, c.in_reply_to)
        for c in pulls.list_review_comments(client, repo, number)
    ]


class PullRequestReviewReporter:
    def __init__(self, client: GitHubClient, repo: str, number: int, files: Sequence[FileDiff]) -> None:
        self.client = client
        self.repo = repo
        self.number = number
        self.commentable = {f.path: f.commentable_lines() for f in files}
        self.review_ids: list[int] = []
        self.refused: list[CommentDraft] = []

    def report(self, outcome: ReviewOutcome) -> None:
        plan = outcome.plan
        placeable = [d for d in plan.new if d.line in self.commentable.get(d.path, frozenset())]
        self.refused = [d for d in plan.new if d not in placeable]
        if placeable:
            self._post(placeable, plan.summary, outcome.head_sha)
        if self.refused:
            body = "redline could not place these comments inline:\n\n" + "\n\n---\n\n".join(
                f"`{d.path}` line {d.line}:\n\n{d.body}" for d in self.refused
            )
            self.review_ids.append(
                pulls.create_review(self.client, self.repo, self.number, outcome.head_sha, body, [])
            )
        for comment_id, body in (*plan.update, *plan.resolve):
            pulls.edit_review_comment(self.client, self.repo, self.number, comment_id, body)
        for comment_id in plan.delete:
            pulls.delete_review_comment(self.client, self.repo, self.number, comment_id)

    def _post(self, drafts: list[CommentDraft], body: str, head_sha: str) -> None:
        comments = [{"path": d.path, "line": d.line, "side": "RIGHT", "body": d.body} for d in drafts]
        try:
            self.review_ids.append(
                pulls.create_review(self.client, self.repo, self.number, head_sha, body, comments)
            )
        except GitHubError as error:
            if error.status != 422:
                raise
            if len(drafts) == 1:
                log.warning("GitHub refused the comment on %s:%d: %s", drafts[0].path, drafts[0].line, error)
                self.refused.append(drafts[0])
                return
            half = len(drafts) // 2
            self._post(drafts[:half], body, head_sha)
            self._post(drafts[half:], "redline (continued)", head_sha)
