"""The webhook route table: (event, action) + payload -> the job to queue, or the bookkeeping to do now.

Pure: a parsed payload in, a frozen Job out. The only code that reads webhook payload fields; a
payload without the fields its route needs raises PayloadError (the web layer answers 400).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoring.errors import RedlineError


class PayloadError(RedlineError):
    """A webhook payload lacks a field its event needs (answered with 400, never 5xx)."""


class JobKind(enum.StrEnum):
    REVIEW = "review"  # review a PR head (queue: review)
    RERUN = "rerun"  # a check run's "Re-run" button: review again whatever PRs sit at that head (queue: review)
    OUTCOMES = "outcomes"  # a PR closed: record what became of its scored lines (queue: review)
    INSTALL = "install"  # installation or repository list changed: bookkeeping in the web process
    UNINSTALL = "uninstall"
    REPOS_ADDED = "repos added"
    REPOS_REMOVED = "repos removed"


# Jobs run by Celery workers; the rest are quick store writes done before answering.
QUEUED = frozenset({JobKind.REVIEW, JobKind.RERUN, JobKind.OUTCOMES})
REVIEW_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})


@dataclass(frozen=True, slots=True)
class Job:
    kind: JobKind
    args: Mapping[str, Any] = field(default_factory=dict)


def _get(payload: Mapping[str, Any], *path: str) -> Any:
    value: Any = payload
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            raise PayloadError(f"payload has no {'.'.join(path)}")
        value = value[key]
    return value


def _str(payload: Mapping[str, Any], *path: str) -> str:
    value = _get(payload, *path)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"payload field {'.'.join(path)} must be a non-empty string")
    return value


def _int(payload: Mapping[str, Any], *path: str) -> int:
    value = _get(payload, *path)
    if not isinstance(value, int) or isinstance(value, bool):
        raise PayloadError(f"payload field {'.'.join(path)} must be an integer")
    return value


def _installation(payload: Mapping[str, Any]) -> int:
    return _int(payload, "installation", "id")


def _repo_names(payload: Mapping[str, Any], key: str) -> list[str]:
    repos = _get(payload, key)
    if not isinstance(repos, list):
        raise PayloadError(f"payload field {key} must be a list")
    return [_str(repo, "full_name") for repo in repos]


def _pull_request(action: str, payload: Mapping[str, Any]) -> Job | None:
    repo = _str(payload, "repository", "full_name")
    number = _int(payload, "pull_request", "number")
    head_sha = _str(payload, "pull_request", "head", "sha")
    base = {"repo": repo, "number": number, "head_sha": head_sha, "installation_id": _installation(payload)}
    if action in REVIEW_ACTIONS:
        if _get(payload, "pull_request").get("draft") is True:
            return None  # drafts are reviewed once marked ready (ready_for_review)
        return Job(JobKind.REVIEW, base)
    if action == "closed":
        merged = _get(payload, "pull_request").get("merged") is True
        return Job(JobKind.OUTCOMES, {**base, "merged": merged})
    return None


def route(event: str, payload: Mapping[str, Any]) -> Job | None:
    """The job for a delivery, or None when redline ignores it (ping, other events and actions)."""
    if not isinstance(payload, Mapping):
        raise PayloadError("the payload must be a JSON object")
    action = payload.get("action")
    if event == "pull_request":
        return _pull_request(str(action), payload)
    if event == "check_run" and action == "rerequested":
        numbers = [_int(pr, "number") for pr in _get(payload, "check_run").get("pull_requests") or []]
        return Job(JobKind.RERUN, {
            "repo": _str(payload, "repository", "full_name"),
            "head_sha": _str(payload, "check_run", "head_sha"),
            "installation_id": _installation(payload),
            "numbers": numbers,
        })
    if event == "installation":
        installation_id, account = _installation(payload), _str(payload, "installation", "account", "login")
        if action in ("created", "new_permissions_accepted", "unsuspend"):
            repos = _repo_names(payload, "repositories") if "repositories" in payload else []
            return Job(JobKind.INSTALL, {"installation_id": installation_id, "account": account, "repos": repos})
        if action in ("deleted", "suspend"):
            return Job(JobKind.UNINSTALL, {"installation_id": installation_id})
        return None
    if event == "installation_repositories":
        installation_id = _installation(payload)
        if action == "added":
            return Job(JobKind.REPOS_ADDED, {"installation_id": installation_id,
                                             "repos": _repo_names(payload, "repositories_added")})
        if action == "removed":
            return Job(JobKind.REPOS_REMOVED, {"installation_id": installation_id,
                                               "repos": _repo_names(payload, "repositories_removed")})
    return None
