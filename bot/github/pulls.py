"""Pull requests through the GitHub client: the PR, its files, commits, file contents, reviews, review
comments, and the PRs merged in a period (the report's Action mode, which has no store).

Returns plain frozen dataclasses so nothing outside bot/github sees a PyGithub object.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from github import UnknownObjectException

from bot.github.client import GitHubClient
from scoring.errors import GitHubError

if TYPE_CHECKING:
    from github.PullRequest import ReviewComment as GithubReviewComment

# GET /pulls/{n}/files returns at most 3000 files; larger PRs are reported as truncated.
# https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files
MAX_FILES_PER_PULL = 3000
# Review, comment and issue bodies above 65,536 characters are refused with a 422.
MAX_BODY_CHARS = 65536
# Ends every review body redline posts; what follows names the attempt (bot.github.pulls.create_review).
REVIEW_MARKER_PREFIX = "<!-- redline:review="
# The closed PRs are listed newest-updated first; stop after this many pages' worth.
MAX_PULLS_SCANNED = 500
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PullRequest:
    repo: str  # "owner/name"
    number: int
    title: str
    body: str
    head_sha: str
    base_sha: str
    head_ref: str
    base_ref: str
    author_login: str
    labels: tuple[str, ...]
    default_branch: str


@dataclass(frozen=True, slots=True)
class PullFile:
    """One entry of the PR's files; patch is None for binary or very large diffs."""

    filename: str
    status: str  # added | removed | modified | renamed | copied | changed | unchanged
    patch: str | None
    previous_filename: str | None


@dataclass(frozen=True, slots=True)
class PullCommit:
    sha: str
    author: str  # "Name <email>"
    committer: str
    message: str
    login: str | None


@dataclass(frozen=True, slots=True)
class ReviewComment:
    """An existing review comment; in_reply_to is set on replies in a thread."""

    id: int
    path: str
    line: int | None
    body: str
    user_login: str
    in_reply_to: int | None


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
    merge_commit_sha: str | None = None  # the PR's commit on the base branch (merge, squash or rebase)


def merge_commit(client: GitHubClient, repo: str, number: int) -> str | None:
    """The commit a merged PR left on its base branch (GitHub's merge_commit_sha), None if it names none."""
    return client.call(f"get PR {repo}#{number}", lambda: client.repo(repo).get_pull(number).merge_commit_sha)


def get_pull(client: GitHubClient, repo: str, number: int) -> PullRequest:
    def fetch() -> PullRequest:
        pr = client.repo(repo).get_pull(number)
        return PullRequest(
            repo=repo,
            number=number,
            title=pr.title or "",
            body=pr.body or "",
            head_sha=pr.head.sha,
            base_sha=pr.base.sha,
            head_ref=pr.head.ref,
            base_ref=pr.base.ref,
            author_login=pr.user.login if pr.user else "",
            labels=tuple(label.name for label in pr.labels),
            default_branch=pr.base.repo.default_branch if pr.base.repo else pr.base.ref,
        )

    return client.call(f"get PR {repo}#{number}", fetch)


def _field(item: Mapping[str, Any], key: str, kind: type[T]) -> T:
    """item[key] if it has the documented type; KeyError or TypeError (GitHubResponseError in `call`)."""
    value = item[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TypeError(f"{key} is {type(value).__name__}, not {kind.__name__}")
    return value


def _optional(item: Mapping[str, Any], key: str, kind: type[T]) -> T | None:
    return None if item.get(key) is None else _field(item, key, kind)


def list_files(client: GitHubClient, repo: str, number: int) -> list[PullFile]:
    def fetch() -> list[PullFile]:
        files = client.pages(f"/repos/{repo}/pulls/{number}/files", max_items=MAX_FILES_PER_PULL)
        return [
            PullFile(
                _field(f, "filename", str),
                _field(f, "status", str),
                _optional(f, "patch", str),
                _optional(f, "previous_filename", str),
            )
            for f in files
        ]

    return client.call(f"list files of {repo}#{number}", fetch)


def _person(commit: Mapping[str, Any], role: str) -> str:
    person = _field(commit, role, dict)
    return f"{_field(person, 'name', str)} <{_field(person, 'email', str)}>"


def list_commits(client: GitHubClient, repo: str, number: int) -> list[PullCommit]:
    def fetch() -> list[PullCommit]:
        result = []
        for item in client.pages(f"/repos/{repo}/pulls/{number}/commits"):
            git = _field(item, "commit", dict)
            account = _optional(item, "author", dict)
            result.append(
                PullCommit(
                    sha=_field(item, "sha", str),
                    author=_person(git, "author"),
                    committer=_person(git, "committer"),
                    message=_field(git, "message", str),
                    login=_field(account, "login", str) if account else None,
                )
            )
        return result

    return client.call(f"list commits of {repo}#{number}", fetch)


def commit_patches(client: GitHubClient, repo: str, sha: str) -> list[tuple[str, str | None]]:
    """(filename, patch) of every file one commit changed; used to approximate blame without a clone."""

    def fetch() -> list[tuple[str, str | None]]:
        return [(f.filename, f.patch) for f in client.repo(repo).get_commit(sha).files]

    return client.call(f"get commit {sha[:7]} of {repo}", fetch)


class FileTooLarge(GitHubError):
    """The contents API sends no text for a file over 1 MB (`encoding: none`)."""


def file_text(client: GitHubClient, repo: str, path: str, ref: str) -> bytes | None:
    """The file's bytes at `ref`, or None when it does not exist there (or is a directory). FileTooLarge
    for a file the contents API answers without its text (over 1 MB: `encoding: none`)."""

    def fetch() -> bytes | None:
        try:
            content = client.repo(repo).get_contents(path, ref=ref)
        except UnknownObjectException:
            return None
        if isinstance(content, list) or content.type != "file":
            return None
        if content.encoding == "none" or (not content.content and content.size):
            raise FileTooLarge(
                f"{path} at {ref[:7]} is {content.size} bytes: GitHub's contents API sends no text"
            )
        return base64.b64decode(content.content) if content.content else b""

    return client.call(f"get {path}@{ref[:7]} of {repo}", fetch)


def file_texts(client: GitHubClient, repo: str, ref: str, paths: set[str]) -> dict[str, str | None]:
    """Each path's text at `ref` (undecodable bytes replaced), None where it does not exist there."""
    texts: dict[str, str | None] = {}
    for path in sorted(paths):
        data = file_text(client, repo, path, ref)
        texts[path] = None if data is None else data.decode("utf-8", "replace")
    return texts


def list_review_comments(client: GitHubClient, repo: str, number: int) -> list[ReviewComment]:
    def fetch() -> list[ReviewComment]:
        comments = []
        for c in client.pages(f"/repos/{repo}/pulls/{number}/comments"):
            user = _optional(c, "user", dict)
            comments.append(
                ReviewComment(
                    id=_field(c, "id", int),
                    path=_field(c, "path", str),
                    line=_optional(c, "line", int),
                    body=_optional(c, "body", str) or "",
                    user_login=_field(user, "login", str) if user else "",
                    in_reply_to=_optional(c, "in_reply_to_id", int),
                )
            )
        return comments

    return client.call(f"list review comments of {repo}#{number}", fetch)


def review_marker(key: str) -> str:
    """The hidden line that ends a review's body and names the attempt that posted it."""
    return f"{REVIEW_MARKER_PREFIX}{key} -->"


def create_review(
    client: GitHubClient,
    repo: str,
    number: int,
    commit_id: str,
    body: str,
    comments: list[dict[str, Any]],
    key: str | None = None,
) -> int:
    """Post one COMMENT review with all its inline comments (line/side/start_line); returns the review id.

    The body ends with a marker holding `key` (default: a new random one). A retry of a create whose answer
    was lost (502, timeout) first looks for a review with that marker and returns it: one review, never two.
    """
    marker = "\n\n" + review_marker(key or uuid.uuid4().hex)
    text = body[: MAX_BODY_CHARS - len(marker)] + marker

    def post() -> int:
        gh_repo = client.repo(repo)
        pr = gh_repo.get_pull(number)
        review = pr.create_review(
            commit=gh_repo.get_commit(commit_id),
            body=text,
            event="COMMENT",
            # GitHub's review-comment JSON as the caller built it (path, line, side, body, start_line).
            comments=cast("list[GithubReviewComment]", comments),
        )
        return review.id

    def find() -> int | None:
        for item in client.pages(f"/repos/{repo}/pulls/{number}/reviews"):
            if marker.strip() in (_optional(item, "body", str) or ""):
                return _field(item, "id", int)
        return None

    return client.create(f"create review on {repo}#{number}", post, find)


def edit_review_comment(client: GitHubClient, repo: str, number: int, comment_id: int, body: str) -> None:
    client.call(
        f"edit review comment {comment_id}",
        lambda: _comment(client, repo, number, comment_id).edit(body[:MAX_BODY_CHARS]),
    )


def delete_review_comment(client: GitHubClient, repo: str, number: int, comment_id: int) -> None:
    client.call(
        f"delete review comment {comment_id}", lambda: _comment(client, repo, number, comment_id).delete()
    )


def _comment(client: GitHubClient, repo: str, number: int, comment_id: int) -> Any:
    return client.repo(repo).get_pull(number).get_review_comment(comment_id)


def authenticated_login(client: GitHubClient, fallback: str) -> str:
    """The login this token posts as; installation and Actions tokens cannot ask (403), so use `fallback`."""
    try:
        return client.call("get the authenticated user", lambda: client.github.get_user().login)
    except GitHubError:
        return fallback


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def merged_pulls(client: GitHubClient, repo: str, since: dt.datetime, until: dt.datetime) -> list[MergedPull]:
    """PRs of `repo` merged in [since, until), oldest merge first."""

    def fetch() -> list[MergedPull]:
        found = []
        closed = client.repo(repo).get_pulls(state="closed", sort="updated", direction="desc")
        for _, pr in zip(range(MAX_PULLS_SCANNED), closed, strict=False):
            if pr.updated_at is not None and _aware(pr.updated_at) < since:
                break  # updated before the period: merged before it too
            if pr.merged_at is None or not since <= _aware(pr.merged_at) < until:
                continue
            found.append(
                MergedPull(
                    pr.number,
                    pr.title or "",
                    pr.body or "",
                    pr.head.sha,
                    pr.user.login if pr.user else "",
                    pr.head.ref,
                    tuple(label.name for label in pr.labels),
                    _aware(pr.merged_at),
                    pr.merge_commit_sha,
                )
            )
        return sorted(found, key=lambda p: p.merged_at)

    return client.call(f"list merged PRs of {repo}", fetch)
