"""`redline learn`'s data: a local repository's own AI-added lines with the PR model's features and their
fates.

Every non-merge commit of the default branch that the review's attribution rules (the branch's
`.github/redline.yml`) call AI-written is read as the training data was mined (../shared/data/wild/README.md,
"Method"): its `-M -U3` diff against its parent, the added lines of its Python files (files past
`MAX_FILE_LINES` lines and commits adding more than `MAX_COMMIT_ADDED_LINES` lines are left out), the file
after the commit, and the change's size over the files kept. Each line gets `scoring.pr_features` rows of the
model's families and its fate from bot.feedback.fates (scoring.target's event, the same code the weekly
report reads). A line that nobody changed and whose 90 days are not over yet is pending: left out, neither
kind.

Reads git only, with few processes: one `git log` lists the commits, one more streams every AI commit's
diff, one `git cat-file --batch` reads the files, and the fates' reverse blames run a few at a time.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.config import load_settings
from bot.feedback.fates import GitHistory, HistoryError, after_merge_fates, git_text
from bot.feedback.local import default_branch
from bot.feedback.types import TrackedLine
from bot.snapshot import local_config_text, open_repo
from scoring.attribution import CommitInfo, DetectMode, Rules, classify_commit
from scoring.diff import FileDiff, LineKind, parse
from scoring.errors import RedlineError
from scoring.pr_features import ChangeSize, Family, FileHistory, feature_names, file_features
from scoring.pr_model import PRModel
from scoring.target import WINDOW_DAYS

# As the wild data was mined (data/wild/README.md): larger commits and files are left out of training.
MAX_COMMIT_ADDED_LINES = 400
MAX_FILE_LINES = 2000
EXTENSIONS = (".py",)
FATE_WORKERS = 4  # git processes reading fates at once: most of their time is git's own I/O and startup
REPOSITORY_MODEL_DIR = "redline"  # under the repository's git directory
REPOSITORY_MODEL_FILE = "pr_model.json"
_RECORD, _FIELD = "\x1e", "\x00"


@dataclass(frozen=True)
class MinedLines:
    """A repository's labelled AI lines. `features` columns are `feature_names(families)`."""

    name: str
    branch: str
    families: tuple[Family, ...]
    features: np.ndarray
    target: np.ndarray  # 0/1
    commit: np.ndarray  # sha per line
    time: np.ndarray  # commit time per line, seconds since the epoch
    commits: int  # non-merge commits of the branch
    ai_commits: int
    pending: int  # lines left out: untouched and inside their 90 days
    unread: int  # lines left out: git could not read their fate


@dataclass(frozen=True)
class RepositoryModel:
    """What a learner made of a repository's mined lines: the model to use (None: the shipped model stays,
    nothing is written or stored), and why."""

    model: PRModel | None
    reason: str
    lines: int
    positives: int


# A repository's model from its mined lines and its name: training.wild.learn behind it, built by the CLI
# layer (bot.commands.learn.repository_learner), since bot/ never imports training/.
Learner = Callable[[MinedLines, str], RepositoryModel]


@dataclass(frozen=True, slots=True)
class _Commit:
    sha: str
    parents: tuple[str, ...]
    info: CommitInfo
    time: float


def repository_model_path(path: str | Path) -> Path:
    """Where `redline learn` keeps a repository's model: <git common dir>/redline/pr_model.json.

    Inside .git it is never committed, is shared by the repository's worktrees, goes away with the clone,
    and an Action can cache the directory between runs."""
    repo = open_repo(path)
    return Path(repo.common_dir).resolve() / REPOSITORY_MODEL_DIR / REPOSITORY_MODEL_FILE


def _environ(env: Mapping[str, str] | None) -> dict[str, str] | None:
    """git's environment: ours plus `env` (a blobless clone's credentials, bot.feedback.clone.auth_env)."""
    return {**os.environ, **env, "GIT_TERMINAL_PROMPT": "0"} if env else None


def _commits(root: Path, branch: str, env: Mapping[str, str] | None = None) -> list[_Commit]:
    """The branch's non-merge commits with a parent, oldest first."""
    out = git_text(
        root,
        "log",
        "--no-merges",
        "--reverse",
        "--format=%x1e%H%x00%P%x00%an <%ae>%x00%cn <%ce>%x00%ct%x00%B",
        branch,
        "--",
        env=env,
    )
    commits = []
    for record in out.split(_RECORD)[1:]:
        sha, parents, author, committer, when, message = record.split(_FIELD, 5)
        if parents.split():
            commits.append(
                _Commit(
                    sha,
                    tuple(parents.split()),
                    CommitInfo(sha, author, committer, message.rstrip("\n")),
                    float(when),
                )
            )
    return commits


def _is_ai(commit: _Commit, rules: Rules) -> bool:
    return rules.mode is DetectMode.ALL or (
        rules.mode is DetectMode.DETECT and classify_commit(commit.info, rules).ai
    )


def _diffs(
    root: Path, shas: Sequence[str], env: Mapping[str, str] | None = None
) -> dict[str, list[FileDiff]]:
    """Each commit's `-M -U3` diff against its first parent, in one git process."""
    if not shas:
        return {}
    out = git_text(
        root,
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "-p",
        "-M",
        "-U3",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--format=%x1e%H",
        stdin="\n".join(shas) + "\n",
        env=env,
    )
    diffs = {}
    for record in out.split(_RECORD)[1:]:
        sha, _, patch = record.partition("\n")
        diffs[sha.strip()] = [d for d in parse(patch) if d.hunks]
    return diffs


class _Blobs:
    """Files at commits through one `git cat-file --batch` process."""

    def __init__(self, root: Path, env: Mapping[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            ["git", "-C", str(root), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_environ(env),
        )

    def lines(self, sha: str, path: str) -> list[str] | None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{sha}:{path}\n".encode())
        self.process.stdin.flush()
        header = self.process.stdout.readline().decode().split()
        if len(header) != 3:  # "<object> missing"
            return None
        data = self.process.stdout.read(int(header[2]) + 1)[:-1]
        return data.decode("utf-8", "replace").split("\n")

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait()


class _ListedHistory(GitHistory):
    """GitHistory whose commit times and window ends come from one first-parent listing where it can: the
    same answers as git's (`rev-list -1 --first-parent --before`, `merge-base --is-ancestor`) for commits on
    the branch's first-parent chain; anything else asks git as GitHistory does."""

    def __init__(self, repo: Path, rules: Rules, branch: str, env: Mapping[str, str] | None = None) -> None:
        super().__init__(repo, rules, env)
        rows = [
            row.split()
            for row in self._run(
                "rev-list", "--first-parent", "--reverse", "--format=%ct", branch, "--"
            ).split("\n")
            if row.strip()
        ]
        # rev-list --format prints "commit <sha>" then the format line
        chain = [(rows[k][1], int(rows[k + 1][0])) for k in range(0, len(rows) - 1, 2)]
        self.position = {sha: k for k, (sha, _) in enumerate(chain)}
        self.chain, self.times = [sha for sha, _ in chain], [t for _, t in chain]
        self.monotonic = all(a <= b for a, b in zip(self.times, self.times[1:], strict=False))
        self.branch_name = branch
        self.time_of: dict[str, int] = {}
        self.texts: dict[
            tuple[str, str], list[str]
        ] = {}  # (commit, path) -> the file, as read for its features

    def text(self, commit: str, path: str) -> list[str]:
        known = self.texts.get((commit, path))
        return known if known is not None else super().text(commit, path)

    def committed_at(self, ref: str) -> dt.datetime:
        if ref in self.time_of:
            return dt.datetime.fromtimestamp(self.time_of[ref], dt.UTC)
        return super().committed_at(ref)

    def window_end(self, commit: str, branch: str, until: dt.datetime) -> str:
        if branch != self.branch_name or not self.monotonic or commit not in self.position:
            return super().window_end(commit, branch, until)
        last = bisect.bisect_right(self.times, int(until.timestamp())) - 1
        return self.chain[last] if last >= self.position[commit] else commit


@contextmanager
def learn_progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr over the AI commits whose lines are read; None when not enabled."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("reading AI commits and their lines' fates", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


class OutOfTime(RedlineError):
    """`mine` ran past its deadline (the App's REDLINE_LEARN_BUDGET_S)."""


def mine(
    path: str | Path,
    families: Sequence[Family],
    until: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    history: Callable[[str | Path, str, FileDiff, dt.datetime], FileHistory | None] | None = None,
    branch: str | None = None,
    rules: Rules | None = None,
    env: Mapping[str, str] | None = None,
    deadline: float | None = None,
) -> MinedLines:
    """The labelled AI lines of the repository at `path`'s default branch, their fates read as of `until`
    (default: now). `history` computes a file's history (bot.history.file_history) when `families` has
    HISTORY; without it such a model reads every file as one without history.

    A checkout or a bare clone: git reads files at commits, never the worktree. The App's weekly report
    passes its blobless clone's `branch`, the `rules` it read from GitHub and the credentials git needs to
    fetch blobs (`env`); an OutOfTime error once `deadline` (time.monotonic()) passes.
    """
    until = until or dt.datetime.now(dt.UTC)
    families = tuple(families)
    repo = open_repo(path)
    root = Path(repo.working_tree_dir or repo.git_dir)
    branch = branch or default_branch(repo)
    if rules is None:
        rules = load_settings(local_config_text(root, branch)).attribution_rules()

    def in_time(done: int, total: int) -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise OutOfTime(f"out of time after reading {done} of {total} AI commits")

    commits = _commits(root, branch, env)
    ai = [c for c in commits if _is_ai(c, rules)]
    diffs = _diffs(root, [c.sha for c in ai], env)
    fates_history = _ListedHistory(root, rules, branch, env)
    fates_history.time_of.update({c.sha: int(c.time) for c in ai})
    blobs = _Blobs(root, env)
    width = len(feature_names(families))
    prepared: list[tuple[_Commit, list[np.ndarray], list[TrackedLine]]] = []
    try:
        for done, commit in enumerate(ai):
            in_time(done, len(ai))
            files = []
            for diff in diffs.get(commit.sha, []):
                if not diff.path.endswith(EXTENSIONS):
                    continue
                text = blobs.lines(commit.sha, diff.path)
                if text is None or len(text) > MAX_FILE_LINES:
                    continue
                files.append((diff, text))
                fates_history.texts[(commit.sha, diff.path)] = text
            added = sum(
                line.kind is LineKind.ADDED for diff, _ in files for h in diff.hunks for line in h.lines
            )
            if not files or added > MAX_COMMIT_ADDED_LINES:
                continue
            size = ChangeSize(len(files), added)
            blocks: list[np.ndarray] = []
            tracked: list[TrackedLine] = []
            for diff, text in files:
                when = dt.datetime.fromtimestamp(commit.time, dt.UTC)
                file_history = (
                    history(root, commit.parents[0], diff, when)
                    if history is not None and Family.HISTORY in families
                    else None
                )
                lines, matrix = file_features(diff, text, size, file_history, families)
                blocks.append(matrix)
                tracked += [
                    TrackedLine(len(tracked) + k, diff.path, n, text[n - 1] if n <= len(text) else "")
                    for k, n in enumerate(lines)
                ]
            prepared.append((commit, blocks, tracked))
    finally:
        blobs.close()

    def fates(item: tuple[_Commit, list[np.ndarray], list[TrackedLine]]) -> dict[int, object]:
        commit, _, tracked = item
        if deadline is not None and time.monotonic() > deadline:
            return {}  # the loop below says so
        window = dt.datetime.fromtimestamp(commit.time, dt.UTC) + dt.timedelta(days=WINDOW_DAYS)
        return dict(after_merge_fates(fates_history, commit.sha, tracked, branch, min(window, until)))

    rows: list[np.ndarray] = []
    target: list[int] = []
    shas: list[str] = []
    times: list[float] = []
    pending = unread = 0
    with ThreadPoolExecutor(FATE_WORKERS) as pool:
        for done, (item, found) in enumerate(zip(prepared, pool.map(fates, prepared), strict=True), start=1):
            commit, blocks, tracked = item
            in_time(done, len(prepared))
            matrix = np.vstack(blocks) if blocks else np.zeros((0, width))
            complete = commit.time + WINDOW_DAYS * 86_400.0 <= until.timestamp()
            for line in tracked:
                fate = found.get(line.key)
                if fate is None or isinstance(fate, HistoryError):
                    unread += 1
                    continue
                hit = bool(fate.is_target)  # type: ignore[attr-defined]
                if not hit and not complete:
                    pending += 1
                    continue
                rows.append(matrix[line.key])
                target.append(int(hit))
                shas.append(commit.sha)
                times.append(commit.time)
            if progress:
                progress(done, len(prepared))
    return MinedLines(
        root.name,
        branch,
        families,
        np.array(rows).reshape(-1, width),
        np.array(target, dtype=int),
        np.array(shas, dtype=str),
        np.array(times, dtype=float),
        len(commits),
        len(ai),
        pending,
        unread,
    )
