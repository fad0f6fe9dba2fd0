"""Repository-history features of a changed file, computed at review time from a local git repository.

Why: history is evidence of churn. A file that many people changed in the last months, and lines that sit
next to recently rewritten code, get edited again more often; the PR model reads these as the HISTORY
feature family (`scoring.pr_features.FileHistory`). The values follow the definitions of the in-the-wild
history sidecars (`data/wild/README.md`, "History sidecars") exactly, so the bot feeds the model what it
was trained on. Everything comes from the history reachable from the change's parent (the PR's base);
from the change itself only its time T, its status and its hunks are read:

- pre_path: the file's path in the parent (the old path of a rename). Renames are not followed, except
  inside `git blame`, which follows whole-file renames by default.
- file_commits_90d / _365d: non-merge commits reachable from the parent that change pre_path, with
  committer time >= T - 90 / 365 days (`git log --full-history --no-merges --max-age=<T-365d>`).
- file_authors_365d: distinct lower-cased author emails of those commits (no mailmap).
- file_age_days: T minus the committer time of the earliest commit that added pre_path
  (`--diff-filter=A`, no --follow: a file moved earlier is aged from its move); 0.0 for a new file.
- repo_commits_90d: `git rev-list --count --max-age=<T-90d> <parent>`, merges included.
- line_age_above_days / _below_days, per added line: T minus the author time of the blame commit of the
  nearest line above / below that the change kept, mapped to its parent line; None at the file's start /
  end. neighbour_changes_365d, per added line: distinct blame commits authored within 365 days among
  parent lines p-4 .. p+5 (p: parent lines before the insertion point); None when the parent is empty.
  One `git blame --porcelain <parent> -- <pre_path>` per file, no -w/-M/-C.

Day values are (T - t) / 86400 rounded to 4 decimals. T is the head commit's committer time, or now for an
uncommitted working tree.

Where the history comes from: the CLI reads the local repository it reviews. The Action needs the full
history: `actions/checkout` with `fetch-depth: 0` (the default depth 1 leaves no history, and a shallow
clone is refused rather than measured wrong). The App has no history unless a clone is available.

History is optional: the model treats a missing one as unknown. So every git failure (not a repository,
unknown commit, shallow clone, path missing in the parent, a diff that does not match the parent) gives
None and a logged reason, never an exception. Reads only: git is asked for logs and blame, and no external
diff, textconv or signature program runs.
"""

from __future__ import annotations

import logging
import math
import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scoring.diff import ChangeKind, FileDiff, LineKind
from scoring.pr_features import FileHistory

log = logging.getLogger(__name__)

DAY_S = 86_400
NEIGHBOURS_ABOVE = 5  # the window is parent lines p-4 .. p+5: 5 above the insertion point, 5 below
NEIGHBOURS_BELOW = 5
_GIT_TIMEOUT_S = 300
# A user's or repository's config must not change what is measured: log.follow would turn a one-path log
# into --follow, and signatures would start gpg for every commit. Paths with glob characters are paths.
_GIT_CONFIG = (
    "-c",
    "core.quotePath=false",
    "-c",
    "log.follow=false",
    "-c",
    "log.showSignature=false",
    "--literal-pathspecs",
)


class _GitFailed(Exception):
    """A git command failed; the message is the reason logged when a history is given up."""


def _git(repo: Path, *args: str) -> bytes:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}  # a partial clone fetching blobs must never prompt
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *_GIT_CONFIG, *args],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env=env,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise _GitFailed(f"git {args[0]}: {error}") from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitFailed(f"git {args[0]} exited {done.returncode}: {message[-1] if message else ''}")
    return done.stdout


@dataclass(frozen=True, slots=True)
class _Blame:
    """The parent file as blame sees it: per parent line (index 0 = line 1) its commit and text."""

    commits: tuple[str, ...]
    texts: tuple[bytes, ...]
    author_time: dict[str, int]


def _blame(repo: Path, parent: str, pre_path: str) -> _Blame:
    # --ignore-revs-file= clears a configured blame.ignoreRevsFile, which would move lines to other commits.
    raw = _git(repo, "blame", "--porcelain", "--no-textconv", "--ignore-revs-file=", parent, "--", pre_path)
    commits: list[str] = []
    texts: list[bytes] = []
    author_time: dict[str, int] = {}
    current = ""
    for line in raw.split(b"\n"):
        if line.startswith(b"\t"):
            commits.append(current)
            texts.append(line[1:])
            continue
        fields = line.split(b" ")
        if len(fields) in (3, 4) and len(fields[0]) in (40, 64) and fields[1].isdigit():
            current = fields[0].decode("ascii")
        elif fields[0] == b"author-time" and len(fields) == 2:
            author_time[current] = int(fields[1])
    missing = set(commits) - set(author_time)
    if missing:
        raise _GitFailed(f"git blame gave no author time for {min(missing)}")
    return _Blame(tuple(commits), tuple(texts), author_time)


@dataclass(frozen=True, slots=True)
class _Alignment:
    """How the change's new file lines relate to the parent's, from the hunks alone."""

    kept: dict[int, int]  # new line kept by the change -> its parent line
    before: dict[int, int]  # added line, ascending -> parent lines before its insertion point (p)


def _align(diff: FileDiff, blame: _Blame) -> _Alignment:
    """Walk the parent and the new file side by side; the hunks' parent lines must be blame's."""
    parent_length = len(blame.texts)
    kept: dict[int, int] = {}
    before: dict[int, int] = {}
    old, new = 1, 1
    for hunk in diff.hunks:
        # `-k,0` places a pure insertion after parent line k; any other hunk starts at its old_start.
        first = hunk.old_start if hunk.old_length else hunk.old_start + 1
        if first < old or first - 1 > parent_length:
            raise _GitFailed(f"a hunk at parent line {hunk.old_start} overlaps or passes the parent's end")
        while old < first:
            kept[new], old, new = old, old + 1, new + 1
        for line in hunk.lines:
            if line.kind is LineKind.ADDED:
                before[new] = old - 1
                new += 1
                continue
            if old > parent_length or blame.texts[old - 1].rstrip(b"\r") != _encoded(line.text):
                raise _GitFailed(f"the diff's parent line {old} is not the parent's: wrong base commit?")
            if line.kind is LineKind.CONTEXT:
                kept[new], new = old, new + 1
            old += 1
    while old <= parent_length:
        kept[new], old, new = old, old + 1, new + 1
    return _Alignment(kept, before)


def _encoded(text: str) -> bytes:
    return text.rstrip("\r").encode("utf-8", "surrogateescape")


def _days(t: float, then: int) -> float:
    return round((t - then) / DAY_S, 4)


def _line_lists(
    alignment: _Alignment, blame: _Blame, t: float
) -> tuple[tuple[float | None, ...], tuple[float | None, ...], tuple[int | None, ...]]:
    def age(new_line: int) -> float | None:
        if new_line not in alignment.kept:  # past the file's start or end
            return None
        return _days(t, blame.author_time[blame.commits[alignment.kept[new_line] - 1]])

    added = list(alignment.before)
    # The nearest kept lines of an added line are those around its run of consecutive added lines.
    up = {line: line - 1 for line in added}
    for line in added:
        if line - 1 in up:
            up[line] = up[line - 1]
    down = {line: line + 1 for line in added}
    for line in reversed(added):
        if line + 1 in down:
            down[line] = down[line + 1]
    above = tuple(age(up[line]) for line in added)
    below = tuple(age(down[line]) for line in added)
    neighbours: list[int | None] = []
    parent_length = len(blame.commits)
    recent = t - 365 * DAY_S
    for line in added:
        if parent_length == 0:
            neighbours.append(None)
            continue
        p = alignment.before[line]
        window = range(max(1, p - NEIGHBOURS_ABOVE + 1), min(parent_length, p + NEIGHBOURS_BELOW) + 1)
        commits = {blame.commits[k - 1] for k in window}
        neighbours.append(sum(blame.author_time[c] >= recent for c in commits))
    return above, below, tuple(neighbours)


def _file_commits(repo: Path, parent: str, pre_path: str, t: float) -> tuple[int, int, int]:
    """(commits in 90 days, commits in 365 days, distinct author emails in 365 days) of pre_path."""
    year, quarter = t - 365 * DAY_S, t - 90 * DAY_S
    raw = _git(
        repo,
        "log",
        "-z",
        "--full-history",
        "--no-merges",
        f"--max-age={math.ceil(year)}",
        "--format=%ct%n%ae",
        parent,
        "--",
        pre_path,
    )
    times: list[int] = []
    emails: set[str] = set()
    for record in raw.split(b"\0"):
        if not record.strip():
            continue
        stamp, _, email = record.strip(b"\n").partition(b"\n")
        if int(stamp) >= year:
            times.append(int(stamp))
            emails.add(email.decode("utf-8", "replace").lower())
    return sum(s >= quarter for s in times), len(times), len(emails)


def _file_added_at(repo: Path, parent: str, pre_path: str) -> int | None:
    raw = _git(
        repo,
        "log",
        "--full-history",
        "--diff-filter=A",
        "--no-renames",
        "--format=%ct",
        parent,
        "--",
        pre_path,
    )
    stamps = [int(s) for s in raw.split()]
    return min(stamps) if stamps else None


def _repo_commits_90d(repo: Path, parent: str, t: float) -> int:
    raw = _git(repo, "rev-list", "--count", f"--max-age={math.ceil(t - 90 * DAY_S)}", parent)
    return int(raw.strip())


def _parent(repo: Path, base_sha: str) -> str | None:
    """The base as a full commit id, or None (logged) when the repository cannot give its history."""
    if base_sha.startswith("-"):
        log.warning("no repository history: %r is not a commit", base_sha)
        return None
    try:
        if _git(repo, "rev-parse", "--is-shallow-repository").strip() == b"true":
            log.warning(
                "no repository history: %s is a shallow clone (in an Action, check out with fetch-depth: 0)",
                repo,
            )
            return None
        return _git(repo, "rev-parse", "--verify", f"{base_sha}^{{commit}}").decode("ascii").strip()
    except _GitFailed as error:
        log.warning("no repository history for %s at %s: %s", repo, base_sha, error)
        return None


def _history(repo: Path, parent: str, diff: FileDiff, t: float, repo_commits: int) -> FileHistory | None:
    if diff.change is ChangeKind.DELETED or diff.skip is not None:
        log.debug("no history for %s: not scored (%s)", diff.path, diff.skip or diff.change)
        return None
    pre_path = diff.path if diff.change is ChangeKind.ADDED else diff.old_path or diff.path
    try:
        if diff.change is ChangeKind.ADDED:
            # Earlier commits to the same path (a file deleted and re-created) still count.
            c90, c365, authors = _file_commits(repo, parent, pre_path, t)
            return FileHistory(c90, c365, authors, 0.0, repo_commits)
        blame = _blame(repo, parent, pre_path)
        alignment = _align(diff, blame)
        c90, c365, authors = _file_commits(repo, parent, pre_path, t)
        added_at = _file_added_at(repo, parent, pre_path)
    except _GitFailed as error:
        log.warning("no history for %s (parent path %s): %s", diff.path, pre_path, error)
        return None
    if added_at is None:
        log.warning("no history for %s: no commit reachable from %s adds %s", diff.path, parent, pre_path)
        return None
    above, below, neighbours = _line_lists(alignment, blame, t)
    return FileHistory(c90, c365, authors, _days(t, added_at), repo_commits, above, below, neighbours)


def repository_histories(
    repo: str | Path, base_sha: str, diffs: Iterable[FileDiff], committed_at: datetime
) -> dict[str, FileHistory | None]:
    """Each file's history before the change, by path; None where it cannot be had (the reason is logged).

    `base_sha` is the change's parent (a PR's merge base), `committed_at` is T and must be aware. Deleted and
    skipped files have no lines to score and get None.
    """
    if committed_at.tzinfo is None:
        raise ValueError("committed_at must be timezone-aware: a naive time would be read as local time")
    files: Sequence[FileDiff] = list(diffs)
    out: dict[str, FileHistory | None] = {diff.path: None for diff in files}
    path = Path(repo)
    parent = _parent(path, base_sha)
    if parent is None:
        return out
    t = committed_at.timestamp()
    try:
        repo_commits = _repo_commits_90d(path, parent, t)
    except _GitFailed as error:
        log.warning("no repository history for %s at %s: %s", path, parent, error)
        return out
    for diff in files:
        out[diff.path] = _history(path, parent, diff, t, repo_commits)
    return out


def file_history(
    repo: str | Path, base_sha: str, diff: FileDiff, committed_at: datetime
) -> FileHistory | None:
    """One file's history before the change (see repository_histories)."""
    return repository_histories(repo, base_sha, [diff], committed_at)[diff.path]


def actions_checkout(env: Mapping[str, str] | None = None) -> Path | None:
    """The Action's checkout ($GITHUB_WORKSPACE) when it is a git repository: the history of a PR reviewed
    through the API (`repository_histories` says None, and logs why, when it is shallow)."""
    workspace = (os.environ if env is None else env).get("GITHUB_WORKSPACE", "")
    return Path(workspace) if workspace and (Path(workspace) / ".git").exists() else None
