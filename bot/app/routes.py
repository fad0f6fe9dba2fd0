"""The webhook route table: (event, action) + payload -> the job to queue, or the bookkeeping to do now.

Pure: a parsed payload in, a frozen Job out. The only code that reads webhook payload fields; a
payload without the fields its route needs raises PayloadError (the web layer answers 400).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoring.errors import RedlineError


class PayloadError(RedlineError):
    """A webhook payload lacks a field its event needs (answered with 400, never 5xx)."""


class JobKind(enum.StrEnum):
    REVIEW = "review"  # review a PR head (queue: review)
    RERUN = (
        "rerun"  # a check run's "Re-run" button: review again whatever PRs sit at that head (queue: review)
    )
    OUTCOMES = "outcomes"  # a PR closed: record what became of its scored lines (queue: review)
    INSTALL = "install"  # installation or repository list changed: bookkeeping in the web process
    UNINSTALL = "uninstall"
    REPOS_ADDED = "repos added"
    REPOS_REMOVED = "repos removed"


# The events route() reads; any other event name is answered 200 and counted as "other".
EVENTS = frozenset({"pull_request", "check_run", "installation", "installation_repositories", "ping"})
# Jobs run by Celery workers; the rest are quick store writes done before answering.
QUEUED = frozenset({JobKind.REVIEW, JobKind.RERUN, JobKind.OUTCOMES})
REVIEW_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})
# A label can accept the gate's risk (gate.override_label) or mark a PR as AI-written (ai.labels): adding or
# removing one re-runs the review of the PR's head, as a re-requested check run does.
LABEL_ACTIONS = frozenset({"labeled", "unlabeled"})
# Ids and numbers are 64-bit in GitHub's API and in every column that stores them: a larger one is a
# malformed payload (400), not a database error after the delivery was accepted.
MAX_ID = 2**63 - 1
# Repository full names (owner 39 + name 100) and logins are far shorter; the store's columns hold 200.
MAX_NAME_CHARS = 200
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


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
    if not isinstance(value, str) or not value or len(value) > MAX_NAME_CHARS:
        raise PayloadError(
            f"payload field {'.'.join(path)} must be a string of 1 to {MAX_NAME_CHARS} characters"
        )
    return value


def _sha(payload: Mapping[str, Any], *path: str) -> str:
    value = _get(payload, *path)
    if not isinstance(value, str) or not _SHA.fullmatch(value):
        raise PayloadError(f"payload field {'.'.join(path)} must be a commit SHA (40 or 64 hex digits)")
    return value


def _mapping(payload: Mapping[str, Any], *path: str) -> Mapping[str, Any]:
    value = _get(payload, *path)
    if not isinstance(value, Mapping):
        raise PayloadError(f"payload field {'.'.join(path)} must be an object")
    return value


def _int(payload: Mapping[str, Any], *path: str) -> int:
    """A GitHub id or number: positive and within 64 bits, the width every store and GitHub itself use."""
    value = _get(payload, *path)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ID:
        raise PayloadError(f"payload field {'.'.join(path)} must be an integer from 1 to 2**63-1")
    return value


def _list(payload: Mapping[str, Any], *path: str) -> list[Any]:
    value = _get(payload, *path)
    if not isinstance(value, list):
        raise PayloadError(f"payload field {'.'.join(path)} must be a list")
    return value


def _installation(payload: Mapping[str, Any]) -> int:
    return _int(payload, "installation", "id")


def _repo_names(payload: Mapping[str, Any], key: str) -> list[str]:
    return [_str(repo, "full_name") for repo in _list(payload, key)]


def _pull_request(action: str | None, payload: Mapping[str, Any]) -> Job | None:
    if action not in REVIEW_ACTIONS and action not in LABEL_ACTIONS and action != "closed":
        return None  # edited, assigned, ...: nothing to do, however the rest of the payload looks
    repo = _str(payload, "repository", "full_name")
    pull = _mapping(payload, "pull_request")
    number = _int(pull, "number")
    head_sha = _sha(pull, "head", "sha")
    base = {"repo": repo, "number": number, "head_sha": head_sha, "installation_id": _installation(payload)}
    if action in REVIEW_ACTIONS or action in LABEL_ACTIONS:
        if pull.get("draft") is True:
            return None  # drafts are reviewed once marked ready (ready_for_review)
        if action in LABEL_ACTIONS:
            return Job(
                JobKind.RERUN,
                {
                    "repo": repo,
                    "head_sha": head_sha,
                    "installation_id": base["installation_id"],
                    "numbers": [number],
                },
            )
        return Job(JobKind.REVIEW, base)
    if action == "closed":
        merged = pull.get("merged") is True
        return Job(JobKind.OUTCOMES, {**base, "merged": merged})
    return None


def route(event: str, payload: Mapping[str, Any]) -> Job | None:
    """The job for a delivery, or None when redline ignores it (ping, other events and actions)."""
    if not isinstance(payload, Mapping):
        raise PayloadError("the payload must be a JSON object")
    action = payload.get("action")
    if not isinstance(action, str):
        action = None  # any other JSON value names no action redline acts on (and may not be hashable)
    if event == "pull_request":
        return _pull_request(action, payload)
    if event == "check_run" and action == "rerequested":
        check_run = _mapping(payload, "check_run")
        listed = _list(check_run, "pull_requests") if check_run.get("pull_requests") is not None else []
        return Job(
            JobKind.RERUN,
            {
                "repo": _str(payload, "repository", "full_name"),
                "head_sha": _sha(check_run, "head_sha"),
                "installation_id": _installation(payload),
                "numbers": [_int(pull, "number") for pull in listed],
            },
        )
    if event == "installation":
        installation_id, account = _installation(payload), _str(payload, "installation", "account", "login")
        if action in ("created", "new_permissions_accepted", "unsuspend"):
            repos = _repo_names(payload, "repositories") if "repositories" in payload else []
            return Job(
                JobKind.INSTALL, {"installation_id": installation_id, "account": account, "repos": repos}
            )
        if action in ("deleted", "suspend"):
            return Job(JobKind.UNINSTALL, {"installation_id": installation_id})
        return None
    if event == "installation_repositories":
        installation_id = _installation(payload)
        if action == "added":
            return Job(
                JobKind.REPOS_ADDED,
                {"installation_id": installation_id, "repos": _repo_names(payload, "repositories_added")},
            )
        if action == "removed":
            return Job(
                JobKind.REPOS_REMOVED,
                {"installation_id": installation_id, "repos": _repo_names(payload, "repositories_removed")},
            )
    return None
