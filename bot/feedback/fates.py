"""Each scored line's fate after merge, read from a local clone's history the way the training labels were.

For a commit C where lines sit and a window end E on the default branch, `git blame --reverse -w
--porcelain -L ... C..E -- path` names for each line the last commit X in which it still exists; if X is
not E, the line's first later edit is the child of X on the ancestry path C..E (a merge child is that
merge: the branch commit behind it is not looked for). That commit's `-M -U0` diff, size, merge status
and author go through scoring.target, the one definition of what redline predicts, so the bot and the
training data name the same event (../shared/data/wild/README.md, "Method").

The parsers and the fate rule are pure; `GitHistory` is the only code that runs git. It asks git for
reads only, with options that keep a repository's own config from running a program (no external diff,
textconv, fsmonitor) or changing what is measured. A git failure is a `HistoryError` for the lines it
concerns; the other lines keep their fates.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.feedback.types import TrackedLine
from scoring import target
from scoring.attribution import CommitInfo, Rules, classify_commit
from scoring.errors import RedlineError

DAY_S = 86_400.0
# Bot accounts, as the wild data's `edited_by_human` defines them (data/wild/README.md, "Method" 5).
BOT_IDENTITY = re.compile(r"\[bot\]|dependabot|renovate|pre-commit-ci|github-actions", re.IGNORECASE)
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_GIT_TIMEOUT_S = 300
_SAFE = (
    "-c",
    "core.quotePath=false",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "diff.external=",
    "-c",
    "log.showSignature=false",
    "-c",
    "log.follow=false",
    "--literal-pathspecs",
)


class HistoryError(RedlineError):
    """git could not read the history a line's fate needs (not a repository, unknown commit, shallow
    clone)."""


@dataclass(frozen=True, slots=True)
class EditorCommit:
    """What scoring.target reads of a line's first later editor."""

    sha: str
    info: CommitInfo
    parents: tuple[str, ...]
    committed_at: dt.datetime
    size: target.CommitSize
    hunks: tuple[target.CommitHunk, ...]


# -- pure: parsers of git's output and the fate rule -----------------------------------------------------


def parse_reverse_blame(porcelain: str) -> dict[int, str]:
    """Line number in C -> the last commit in which that line still exists, from `blame --reverse
    --porcelain`.

    Every line of porcelain output has a header `<sha> <line then> <line in C> [<group size>]`; the other
    header fields and the tab-led content lines are skipped.
    """
    seen: dict[int, str] = {}
    for row in porcelain.split("\n"):
        parts = row.split(" ")
        if len(parts) in (3, 4) and _SHA.fullmatch(parts[0]) and all(p.isdigit() for p in parts[1:]):
            seen[int(parts[2])] = parts[0]
    return seen


def parse_numstat(numstat: str) -> target.CommitSize:
    """`git diff --numstat -M` (without -z): one row per file, `added<TAB>deleted<TAB>path`; a binary file
    shows `-` and counts as 0 lines."""
    files = added = deleted = 0
    for row in numstat.split("\n"):
        parts = row.split("\t", 2)
        if len(parts) < 3:
            continue
        files += 1
        if parts[0].isdigit() and parts[1].isdigit():
            added, deleted = added + int(parts[0]), deleted + int(parts[1])
    return target.CommitSize(files, added, deleted)


def editor_kind(info: CommitInfo, rules: Rules) -> target.Editor:
    """An AI commit by the bot's attribution rules; else a bot account; else a person."""
    if classify_commit(info, rules).ai:
        return target.Editor.AI
    if BOT_IDENTITY.search(info.author):
        return target.Editor.BOT
    return target.Editor.HUMAN


def fate_of(line: TrackedLine, editor: EditorCommit | None, since: dt.datetime, rules: Rules) -> target.Fate:
    """The fate of `line` given its first later editor (None: nobody touched it in the window)."""
    if editor is None:
        return target.Fate(target.EditKind.SURVIVED)
    kind, _ = target.classify_edit(line.text, line.path, editor.hunks, is_merge=len(editor.parents) > 1)
    days = round((editor.committed_at - since).total_seconds() / DAY_S, 4)
    return target.Fate(kind, editor_kind(editor.info, rules), editor.size, days, editor.sha)


def first_child(survivor: str, ancestry: str) -> str | None:
    """The child of `survivor` on the ancestry path, from `git log --format='%H %ct %P'` rows (sha, committer
    time, parents); with several children the earliest committed wins."""
    children = []
    for row in ancestry.split("\n"):
        fields = row.split()
        if len(fields) >= 3 and _SHA.fullmatch(fields[0]) and fields[1].isdigit() and survivor in fields[2:]:
            children.append((int(fields[1]), fields[0]))
    return min(children)[1] if children else None


# -- git at the edge -------------------------------------------------------------------------------------


def git_text(repo: Path, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None) -> str:
    """One git command over `repo` with redline's safe settings (no user config changes what is read, no
    prompt, a timeout); its output as text, or a HistoryError saying why not."""
    env = {**os.environ, **(env or {}), "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *_SAFE, *args],
            # no stdin at all unless there is input: git must never wait on a terminal
            stdin=subprocess.DEVNULL if stdin is None else None,
            input=None if stdin is None else stdin.encode(),
            capture_output=True,
            env=env,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise HistoryError(f"git {args[0]} in {repo}: {error}") from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HistoryError(
            f"git {args[0]} failed in {repo}: {message[-1] if message else f'exit {done.returncode}'}"
        )
    return done.stdout.decode("utf-8", "replace")


class GitHistory:
    """Reads of one local repository, each editor commit and each survivor's child read once.

    `env` is added to git's environment: a blobless clone fetches the blobs blame and diff need as it goes,
    and those fetches need the credentials the clone was made with (bot.feedback.clone.auth_env).
    """

    def __init__(self, repo: Path, rules: Rules = Rules(), env: Mapping[str, str] | None = None) -> None:
        self.repo, self.rules, self.env = repo, rules, dict(env or {})
        self.editor = cache(self._editor)
        self.child = cache(self._child)

    def _run(self, *args: str) -> str:
        return git_text(self.repo, *args, env=self.env)

    def branch(self, name: str) -> str:
        """The ref of branch `name`: the remote's copy in a checkout (origin/NAME, which a workflow's checkout
        fetches), else the local branch (a bare clone's refs/heads/NAME)."""
        for ref in (f"refs/remotes/origin/{name}", f"refs/heads/{name}"):
            try:
                self._run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
            except HistoryError:
                continue
            return ref
        raise HistoryError(f"no branch {name} in {self.repo}")

    def shallow(self) -> bool:
        return self._run("rev-parse", "--is-shallow-repository").strip() == "true"

    def committed_at(self, ref: str) -> dt.datetime:
        return dt.datetime.fromtimestamp(
            int(self._run("log", "-1", "--format=%ct", ref, "--").strip()), dt.UTC
        )

    def window_end(self, commit: str, branch: str, until: dt.datetime) -> str:
        """The last first-parent commit of `branch` committed by `until` that has `commit` in its history;
        `commit` itself when there is none yet."""
        end = self._run(
            "rev-list", "-1", "--first-parent", f"--before={until.isoformat()}", branch, "--"
        ).strip()
        if not end:
            return commit
        try:
            self._run("merge-base", "--is-ancestor", commit, end)
        except HistoryError:  # exit 1: the branch at `until` does not contain the commit yet
            return commit
        return end

    def last_seen(self, commit: str, end: str, path: str, lines: Sequence[int]) -> dict[int, str]:
        ranges = [arg for n in lines for arg in ("-L", f"{n},{n}")]
        return parse_reverse_blame(
            self._run(
                "blame",
                "--reverse",
                "-w",
                "--porcelain",
                "--no-textconv",
                "--ignore-revs-file=",
                *ranges,
                f"{commit}..{end}",
                "--",
                path,
            )
        )

    def _child(self, survivor: str, end: str) -> str | None:
        return first_child(
            survivor, self._run("log", "--ancestry-path", "--format=%H %ct %P", f"{survivor}..{end}", "--")
        )

    def text(self, commit: str, path: str) -> list[str]:
        return self._run("show", "--no-textconv", f"{commit}:{path}").split("\n")

    def _editor(self, sha: str) -> EditorCommit:
        fields = self._run("log", "-1", "--format=%H%x00%P%x00%an <%ae>%x00%cn <%ce>%x00%ct%x00%B", sha, "--")
        full, parents, author, committer, time, message = fields.split("\x00", 5)
        diff = self._run(
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "-M",
            "-U0",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            f"{sha}^",
            sha,
        )
        numstat = self._run("diff", "--numstat", "-M", "--no-ext-diff", "--no-textconv", f"{sha}^", sha)
        return EditorCommit(
            full,
            CommitInfo(full, author, committer, message),
            tuple(parents.split()),
            dt.datetime.fromtimestamp(int(time), dt.UTC),
            parse_numstat(numstat),
            tuple(target.commit_hunks(diff)),
        )


def after_merge_fates(
    history: GitHistory,
    commit: str,
    lines: Sequence[TrackedLine],
    branch: str,
    until: dt.datetime,
) -> dict[int, target.Fate | HistoryError]:
    """The first edit of each of `lines` (as they sit in `commit`) on `branch` up to `until`, by key.

    One reverse blame per path for all its lines; a line whose text is not where it is said to be, or
    whose path git cannot blame, gets its own HistoryError and the rest carry on.
    """
    results: dict[int, target.Fate | HistoryError] = {}
    try:
        since = history.committed_at(commit)
        end = history.window_end(commit, branch, until)
    except HistoryError as error:
        return {line.key: error for line in lines}
    by_path: dict[str, list[TrackedLine]] = {}
    for line in lines:
        by_path.setdefault(line.path, []).append(line)
    for path, group in by_path.items():
        results.update(_path_fates(history, commit, end, since, path, group))
    return results


def _path_fates(
    history: GitHistory, commit: str, end: str, since: dt.datetime, path: str, lines: Sequence[TrackedLine]
) -> Mapping[int, target.Fate | HistoryError]:
    results: dict[int, target.Fate | HistoryError] = {}
    try:
        texts = history.text(commit, path)
        found = [
            ln
            for ln in lines
            if 0 < ln.line <= len(texts) and texts[ln.line - 1].rstrip("\r") == ln.text.rstrip("\r")
        ]
        seen = (
            {}
            if end == commit or not found
            else history.last_seen(commit, end, path, sorted({ln.line for ln in found}))
        )
    except HistoryError as error:
        return {line.key: error for line in lines}
    for line in lines:
        if line not in found:
            results[line.key] = HistoryError(f"{path}:{line.line} in {commit[:7]} is not the scored line")
            continue
        survivor = seen.get(line.line, end)
        try:
            editor = None if survivor == end else history.child(survivor, end)
            results[line.key] = fate_of(
                line, None if editor is None else history.editor(editor), since, history.rules
            )
        except HistoryError as error:
            results[line.key] = error
    return results
