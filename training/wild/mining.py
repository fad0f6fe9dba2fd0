"""Label a repository's own history, the in-the-wild way, before any PR outcome exists.

AI-authored commits are found with scoring.attribution's rules (the PR review's); each line such a
commit added is labelled edited when `git blame --reverse -w` says it is gone by the end of a window
of later history. Rows have the format of ../shared/data/wild/aider.jsonl.gz (see its README).
Reads git only; never runs code from the repository.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scoring.attribution import CommitInfo, Rules, classify_commit
from scoring.diff import parse
from scoring.errors import DataSourceError

WINDOW_DAYS = 90
MAX_LATER_FILE_COMMITS = 200  # hot files: stop the window at the 200th later commit to the same path
MAX_ADDED_LINES_PER_COMMIT = 400
MAX_FILE_LINES = 2000
BOT_PATTERN = re.compile(r"\[bot\]|dependabot|renovate|pre-commit-ci|github-actions", re.IGNORECASE)
_SEP = "\x1f"


def git(repo: Path, *args: str) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            check=True,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
        ).stdout
    except subprocess.CalledProcessError as error:
        raise DataSourceError(f"git {' '.join(args[:3])} failed in {repo}: {error.stderr.strip()}") from error


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: str
    committer_name: str
    committer_email: str
    committer_date: str
    message: str

    @property
    def info(self) -> CommitInfo:
        return CommitInfo(
            self.sha,
            f"{self.author_name} <{self.author_email}>",
            f"{self.committer_name} <{self.committer_email}>",
            self.message,
        )

    @property
    def committed(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.committer_date)


def read_commits(repo: Path, rev: str = "HEAD") -> list[Commit]:
    """Every commit reachable from `rev`, oldest first."""
    fmt = _SEP.join(["%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"]) + "\x1e"
    out = git(repo, "log", "--reverse", f"--format={fmt}", rev)
    commits = []
    for record in out.split("\x1e"):
        fields = record.strip("\n").split(_SEP)
        if len(fields) == 9:
            sha, parents, a_name, a_email, a_date, c_name, c_email, c_date, message = fields
            commits.append(
                Commit(
                    sha,
                    tuple(parents.split()),
                    a_name,
                    a_email,
                    a_date,
                    c_name,
                    c_email,
                    c_date,
                    message.strip(),
                )
            )
    return commits


def added_lines(hunks: str) -> list[int]:
    """New-file numbers of the `+` lines of `git diff` output for one file, read as the PR review reads
    diffs."""
    return [
        line.new_line for f in parse(hunks, max_added_lines=sys.maxsize) for line in f.added if line.new_line
    ]


def window_end(repo: Path, commit: Commit, path: str, mainline: Sequence[Commit], days: int) -> Commit | None:
    """The last mainline commit within `days` of `commit` that descends from it, cut at the
    MAX_LATER_FILE_COMMITS-th later commit touching `path`.

    None when history does not yet reach `days` past the commit: a line has not had the window's
    time to be edited, and labelling it "kept" would bias the labels.
    """
    cutoff = commit.committed + dt.timedelta(days=days)
    if not mainline or mainline[-1].committed < cutoff:
        return None
    end = None
    for candidate in mainline:
        if candidate.committed > cutoff:
            break
        if candidate.committed >= commit.committed:
            end = candidate
    if (
        end is None
        or subprocess.run(
            ["git", "-C", str(repo), "merge-base", "--is-ancestor", commit.sha, end.sha]
        ).returncode
        != 0
    ):
        return None
    touching = git(
        repo, "rev-list", "--reverse", "--ancestry-path", f"{commit.sha}..{end.sha}", "--", path
    ).split()
    if len(touching) > MAX_LATER_FILE_COMMITS:
        capped = touching[MAX_LATER_FILE_COMMITS - 1]
        end = next((c for c in mainline if c.sha == capped), None) or end
    return end


def last_seen(repo: Path, commit: Commit, end: Commit, path: str, lines: Sequence[int]) -> dict[int, str]:
    """For each line (numbered as in `commit`), the last commit up to `end` in which it still exists."""
    ranges = [arg for n in lines for arg in ("-L", f"{n},{n}")]
    out = git(
        repo, "blame", "--reverse", "-w", "--porcelain", *ranges, f"{commit.sha}..{end.sha}", "--", path
    )
    seen: dict[int, str] = {}
    for text in out.splitlines():
        parts = text.split()
        if len(parts) >= 3 and re.fullmatch(r"[0-9a-f]{40}", parts[0]):
            seen[int(parts[2])] = parts[0]
    return seen


def first_editor(repo: Path, survivor: str, end: Commit) -> str | None:
    """The commit right after `survivor` on the way to `end`: the one that changed the line."""
    path = git(repo, "rev-list", "--reverse", "--ancestry-path", f"{survivor}..{end.sha}").split()
    return path[0] if path else None


def editor_kind(commit: Commit, rules: Rules) -> str:
    if classify_commit(commit.info, rules).ai:
        return "ai"
    if BOT_PATTERN.search(f"{commit.author_name} {commit.author_email}"):
        return "bot"
    return "human"


def mine(
    repo: Path,
    rules: Rules = Rules(),
    days: int = WINDOW_DAYS,
    extensions: tuple[str, ...] = (".py",),
    done: frozenset[tuple[str, str]] = frozenset(),
) -> Iterator[dict[str, object]]:
    """One row per (AI commit, file with added lines); (sha, path) pairs in `done` are skipped."""
    commits = read_commits(repo)
    by_sha = {c.sha: c for c in commits}
    head = commits[-1].sha if commits else ""
    first_parent = set(git(repo, "rev-list", "--first-parent", "HEAD").split())
    mainline = [c for c in commits if c.sha in first_parent]
    for commit in commits:
        attribution = classify_commit(commit.info, rules)
        if len(commit.parents) != 1 or not attribution.ai:
            continue
        parent = commit.parents[0]
        diffs = {}
        for status, paths in _name_status(git(repo, "diff", "--name-status", "-z", "-M", parent, commit.sha)):
            path = paths[-1]
            if path.endswith(extensions) and status[0] in "AMR" and (commit.sha, path) not in done:
                hunks = git(repo, "diff", "-M", "-U3", parent, commit.sha, "--", *paths)
                diffs[path] = (status[0], paths[0] if status[0] == "R" else None, hunks)
        if sum(len(added_lines(h)) for _, _, h in diffs.values()) > MAX_ADDED_LINES_PER_COMMIT:
            continue
        for path, (status, old_path, hunks) in diffs.items():
            if row := _row(
                repo,
                commit,
                path,
                status,
                old_path,
                hunks,
                attribution.agent or str(attribution.evidence),
                mainline,
                by_sha,
                rules,
                days,
                head,
            ):
                yield row


def _name_status(output: str) -> list[tuple[str, list[str]]]:
    """`git diff --name-status -z`: (status, paths) per file, two paths for a rename or copy.

    NUL-separated because without -z git C-quotes a name such as café.py or one with a tab, which then
    never matched its extension and the file was silently left out."""
    fields, entries = output.split("\0"), []
    while len(fields) > 1 and fields[0]:
        status = fields[0]
        count = 2 if status[0] in "RC" else 1
        entries.append((status, fields[1 : 1 + count]))
        fields = fields[1 + count :]
    return entries


def _row(
    repo: Path,
    commit: Commit,
    path: str,
    status: str,
    old_path: str | None,
    hunks: str,
    rule: str,
    mainline: Sequence[Commit],
    by_sha: dict[str, Commit],
    rules: Rules,
    days: int,
    head: str,
) -> dict[str, object] | None:
    added = added_lines(hunks)
    after = git(repo, "show", f"{commit.sha}:{path}")
    n_lines = len(after.splitlines())
    if not added or n_lines > MAX_FILE_LINES:
        return None
    end = window_end(repo, commit, path, mainline, days)
    if end is None:
        return None
    seen = {} if end.sha == commit.sha else last_seen(repo, commit, end, path, added)
    editors: list[dict[str, object]] = []
    edited, by_human, line_editor = [], [], []
    for line in added:
        survivor = seen.get(line, end.sha)
        editor_sha = None if survivor == end.sha else first_editor(repo, survivor, end)
        if editor_sha is None:
            edited.append(0)
            by_human.append(0)
            line_editor.append(-1)
            continue
        editor = by_sha[editor_sha]
        kind = editor_kind(editor, rules)
        index = next((i for i, e in enumerate(editors) if e["sha"] == editor_sha), None)
        if index is None:
            index = len(editors)
            editors.append(
                {
                    "sha": editor_sha,
                    "author_name": editor.author_name,
                    "author_email": editor.author_email,
                    "author_date": editor.author_date,
                    "committer_date": editor.committer_date,
                    "days_after": round((editor.committed - commit.committed).total_seconds() / 86400, 4),
                    "kind": kind,
                    "is_merge": len(editor.parents) > 1,
                    "found_via_merge_side": False,
                    "subject": editor.message.splitlines()[0] if editor.message else "",
                }
            )
        edited.append(1)
        by_human.append(int(kind == "human"))
        line_editor.append(index)
    return {
        "repo": str(repo),
        "snapshot_commit": head,
        "sha": commit.sha,
        "parent_sha": commit.parents[0],
        "path": path,
        "old_path": old_path,
        "file_status": status,
        "author_name": commit.author_name,
        "author_email": commit.author_email,
        "author_date": commit.author_date,
        "committer_date": commit.committer_date,
        "subject": commit.message.splitlines()[0] if commit.message else "",
        "ai_rule": rule,
        "n_lines": n_lines,
        "after_content": after,
        "added_lines": added,
        "labels_edited": edited,
        "labels_edited_by_human": by_human,
        "line_editor": line_editor,
        "editors": editors,
        "hunks": hunks,
        "window": {
            "end_sha": end.sha,
            "end_committer_date": end.committer_date,
            "days": round((end.committed - commit.committed).total_seconds() / 86400, 4),
            "cutoff_days": days,
        },
    }


def done_rows(out: Path) -> frozenset[tuple[str, str]]:
    if not out.exists():
        return frozenset()
    with gzip.open(out, "rt", encoding="utf-8") as handle:
        return frozenset((row["sha"], row["path"]) for row in map(json.loads, handle))
