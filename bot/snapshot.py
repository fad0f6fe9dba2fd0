"""Take a PR snapshot — diff, commits, blame origins, line claims, file texts at head — from a local git
repository (GitPython) or from a GitHub PR (through bot.github). Reads only (uncommitted work becomes one
unreferenced commit object, bot.worktree); never runs code from the PR.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import git
import gitdb.exc

from bot.config import CONFIG_PATH, Settings, load_settings
from bot.github import pulls
from bot.github.client import GitHubClient
from bot.types import Change
from bot.worktree import UNCOMMITTED, commit_uncommitted
from scoring.attribution import (
    CommitInfo,
    LineClaim,
    LineOrigin,
    PullInfo,
    attribute_lines,
    blame_by_content,
    claims_from_agent_trace,
    claims_from_git_ai_note,
)
from scoring.diff import MAX_ADDED_LINES_PER_FILE, ChangeKind, FileDiff, SkipReason, parse, parse_file_patch
from scoring.errors import DiffParseError, GitHubError, RedlineError

AGENT_TRACE_DIR = ".agent-trace"
GIT_AI_NOTES_REF = "ai"
log = logging.getLogger(__name__)
# Content blame over the API costs one request per commit; past this many commits we stop asking.
MAX_COMMITS_FOR_CONTENT_BLAME = 100
_RAW = {"stdout_as_string": False, "strip_newline_in_stdout": False}  # GitPython strips the last newline
# Paths come from git: never let it C-quote them (café.py would become "caf\303\251.py"); scoring.diff still
# unquotes the names git quotes regardless (a `"` or a tab). Fixed prefixes: a user's diff.noprefix or
# diff.mnemonicPrefix would otherwise change what "a/" and "b/" mean.
_GIT_OPTIONS = {"c": "core.quotePath=false"}
_DIFF_ARGS = ("-M", "--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a review reads about one PR. texts: file text at head for every file with added lines."""

    source: str
    title: str
    body: str
    base_sha: str
    head_sha: str
    files: tuple[FileDiff, ...]
    commits: tuple[CommitInfo, ...]
    origins: tuple[LineOrigin, ...]
    pull: PullInfo = PullInfo()
    claims: tuple[LineClaim, ...] = ()
    texts: Mapping[str, str] = field(default_factory=dict)
    repo: str | None = None  # "owner/name" for a GitHub PR
    number: int | None = None
    checkout: Path | None = None  # a local clone holding base_sha's history (repository-history features)
    committed_at: datetime | None = None  # head's committer time: "now" for the history features


def local_snapshot(
    path: str | Path, base: str, head: str = "HEAD", *, max_added_lines: int = MAX_ADDED_LINES_PER_FILE
) -> Snapshot:
    """Snapshot of head against its merge base with base (what GitHub shows for a PR from head into base).

    head WORKTREE or STAGED: HEAD plus the uncommitted work (bot.worktree), on the checked-out branch.
    """
    repo = open_repo(path)
    head_ref = commit_uncommitted(repo, head) if head in UNCOMMITTED else head
    head_commit, base_commit = _commit(repo, head_ref, "--head", path), _commit(repo, base, "--base", path)
    try:
        merge_bases = repo.merge_base(base_commit, head_commit)
    except git.exc.GitCommandError as error:
        raise RedlineError(f"no merge base of {base} and {head} in {path}: {error.stderr}") from error
    if not merge_bases:
        raise RedlineError(f"{base} and {head} share no history in {path}")
    base_sha, head_sha = merge_bases[0].hexsha, head_commit.hexsha
    raw = repo.git(**_GIT_OPTIONS).diff(base_sha, head_sha, *_DIFF_ARGS, **_RAW)
    files = tuple(parse(raw, max_added_lines=max_added_lines))
    commits = [_commit_info(c) for c in reversed(list(repo.iter_commits(f"{base_sha}..{head_sha}")))]
    pr_shas = {c.sha for c in commits}
    texts, origins = {}, []
    for f in files:
        if f.skip is not None or not f.added:
            continue
        try:
            texts[f.path] = repo.git.show(f"{head_sha}:{f.path}", **_RAW).decode("utf-8", "replace")
            origins.extend(_blame(repo, base_sha, head_sha, f, pr_shas))
        except git.exc.GitCommandError as error:
            # One unreadable file (a name git cannot give back) leaves it unscored with the reason
            # "no text at head" in the review, instead of ending the whole review.
            log.warning("cannot read %s at %s: %s", f.path, head_sha[:7], " ".join(str(error.stderr).split()))
    claims = [claim for c in commits for claim in _git_ai_claims(repo, c.sha)]
    claims += _agent_trace_claims(repo, head_sha)
    branch = head if head in {h.name for h in repo.heads} else None
    if head in UNCOMMITTED and not repo.head.is_detached:
        branch = repo.active_branch.name  # the agent branch prefix applies to its uncommitted work too
    # A local branch has no PR title: its first commit's subject stands in, stable as commits are added.
    first = commits[0] if commits else None
    return Snapshot(
        source=f"{Path(repo.working_tree_dir or path).name} {base}..{head}",
        title=first.message.splitlines()[0] if first and first.message else "",
        body="",
        base_sha=base_sha,
        head_sha=head_sha,
        files=files,
        commits=tuple(commits),
        origins=tuple(origins),
        pull=PullInfo(branch=branch),
        claims=tuple(claims),
        texts=texts,
        checkout=Path(repo.git_dir),
        committed_at=head_commit.committed_datetime,
    )


@dataclass(frozen=True, slots=True)
class LocalBranch:
    """`head` of the git repository at `path` against its merge base with `base` (local_snapshot), reviewed
    with `settings`, else with `.github/redline.yml` as it is on `base` (`redline review`). The local report
    (bot.feedback.local) reviews each AI commit C as C^..C with its default branch's settings."""

    path: str | Path
    base: str
    head: str = "HEAD"
    settings: Settings | None = None

    def open(self) -> Change:
        settings = self.settings or load_settings(local_config_text(self.path, self.base))
        limit = settings.languages.max_added_lines_per_file
        return Change(settings, local_snapshot(self.path, self.base, self.head, max_added_lines=limit))


def open_repo(path: str | Path) -> git.Repo:
    """The git repository at or above `path`; RedlineError (one line) when there is none."""
    if not Path(path).exists():
        raise RedlineError(f"{path} does not exist")
    try:
        return git.Repo(path, search_parent_directories=True)
    except git.exc.InvalidGitRepositoryError as error:
        raise RedlineError(f"{path} is not in a git repository") from error
    except git.exc.GitError as error:
        raise RedlineError(f"cannot open the git repository at {path}: {error}") from error


def _commit(repo: git.Repo, ref: str, option: str, path: str | Path) -> git.Commit:
    """The commit `ref` names, resolved by git itself (GitPython's own parser raises IndexError or
    NotImplementedError on some reflog forms, and reads `HEAD@{99999999999999999999}` as HEAD).

    A ref starting with `-` is refused before git runs: `--base=--output=X` must never reach git as an
    option; `--end-of-options` guards the call as well.
    """
    if ref.startswith("-") or not ref.strip():
        raise RedlineError(f"{option} {ref!r} is not a ref (a branch, tag or commit)")
    try:
        sha = repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        return repo.commit(sha)
    except (git.exc.GitError, ValueError, gitdb.exc.ODBError) as error:
        raise RedlineError(f"{option} {ref!r} is not a commit in {path}") from error


def local_config_text(path: str | Path, ref: str) -> str | None:
    """`.github/redline.yml` at `ref` (the --base branch), or None when there is none."""
    repo = open_repo(path)
    sha = _commit(repo, ref, "--base", path).hexsha
    try:
        text: str = repo.git.show("--end-of-options", f"{sha}:{CONFIG_PATH}", strip_newline_in_stdout=False)
        return text
    except git.exc.GitCommandError:
        return None


def _commit_info(commit: git.Commit) -> CommitInfo:
    message = commit.message if isinstance(commit.message, str) else commit.message.decode("utf-8", "replace")
    return CommitInfo(
        sha=commit.hexsha,
        author=f"{commit.author.name} <{commit.author.email}>",
        committer=f"{commit.committer.name} <{commit.committer.email}>",
        message=message,
    )


def _blame(repo: git.Repo, base_sha: str, head_sha: str, f: FileDiff, pr_shas: set[str]) -> list[LineOrigin]:
    """Porcelain blame of head restricted to the PR's commits: each added line -> (commit, its line there)."""
    wanted = {line.new_line for line in f.added}
    porcelain = repo.git.blame("--porcelain", f"{base_sha}..{head_sha}", "--", f.path)
    found: dict[int, tuple[str, int]] = {}
    for row in porcelain.splitlines():
        parts = row.split()
        if len(parts) >= 3 and len(parts[0]) == 40 and parts[1].isdigit() and parts[2].isdigit():
            final = int(parts[2])
            if final in wanted:
                found[final] = (parts[0], int(parts[1]))
    origins = []
    for line in sorted(n for n in wanted if n is not None):
        sha, orig = found.get(line, (None, None))
        origins.append(LineOrigin(f.path, line, sha if sha in pr_shas else None, orig))
    return origins


def _git_ai_claims(repo: git.Repo, sha: str) -> list[LineClaim]:
    try:
        note = repo.git.notes(f"--ref={GIT_AI_NOTES_REF}", "show", sha)
    except git.exc.GitCommandError:
        return []
    return claims_from_git_ai_note(sha, note)


def _agent_trace_claims(repo: git.Repo, head_sha: str) -> list[LineClaim]:
    try:
        tree = repo.commit(head_sha).tree / AGENT_TRACE_DIR
    except KeyError:
        return []
    claims = []
    for blob in tree.traverse():
        if not isinstance(blob, git.Blob) or not str(blob.path).endswith((".json", ".jsonl")):
            continue
        text = blob.data_stream.read().decode("utf-8", "replace")
        for chunk in text.splitlines() if str(blob.path).endswith(".jsonl") else [text]:
            try:
                record = json.loads(chunk)
            except ValueError:
                continue
            except RecursionError:  # `[[[…` 100,000 deep: json gives up at the recursion limit, not a trace
                log.warning("skipping %s: JSON nested too deep to be an Agent Trace record", blob.path)
                continue
            for item in record if isinstance(record, list) else [record]:
                if isinstance(item, dict):
                    claims.extend(claims_from_agent_trace(item))
    return claims


def github_snapshot(
    client: GitHubClient, pr: pulls.PullRequest, *, max_added_lines: int = MAX_ADDED_LINES_PER_FILE
) -> Snapshot:
    """Snapshot of a GitHub PR through the API (no clone): files with patches, commits, texts at head.

    `pr` is the pull request as already fetched (its head is the one reviewed). Blame is approximated by
    content (the latest PR commit that added the same line text).
    """
    repo, number = pr.repo, pr.number
    files = tuple(
        _file_diff(
            f.filename,
            f.patch,
            status=f.status,
            previous_path=f.previous_filename,
            max_added_lines=max_added_lines,
        )
        for f in pulls.list_files(client, repo, number)
    )
    commits = tuple(
        CommitInfo(c.sha, c.author, c.committer, c.message, c.login)
        for c in pulls.list_commits(client, repo, number)
    )
    # Blamed, those with text or not: a line of a file whose text cannot be read says who wrote it and why
    # it was not scored.
    blamed = {f.path for f in files if f.skip is None and f.added}
    files, texts = _texts_at(client, repo, files, pr.head_sha)
    scorable = [f for f in files if f.path in blamed]
    origins = _content_origins(client, repo, scorable, commits)
    return Snapshot(
        source=f"{repo}#{number}",
        title=pr.title,
        body=pr.body,
        base_sha=pr.base_sha,
        head_sha=pr.head_sha,
        files=files,
        commits=commits,
        origins=tuple(origins),
        pull=PullInfo(author_login=pr.author_login, branch=pr.head_ref, labels=pr.labels),
        texts=texts,
        repo=repo,
        number=number,
    )


@dataclass(frozen=True, slots=True)
class MergedCommit:
    """One commit of merged PR `pr` as a review of it at that head saw it (replay, bot.feedback.replay): its
    added lines, blamed on it, attributed with all the PR's `commits` and the PR's evidence; texts at the
    commit; reviewed with `settings`. Opens to None when no line of it is AI-written: nothing to replay, and
    no text is fetched."""

    client: GitHubClient
    repo: str
    pr: pulls.MergedPull
    commit: CommitInfo
    commits: tuple[CommitInfo, ...]
    settings: Settings

    def open(self) -> Change | None:
        client, repo, pr, sha = self.client, self.repo, self.pr, self.commit.sha
        limit = self.settings.languages.max_added_lines_per_file
        files = tuple(
            _file_diff(name, patch, max_added_lines=limit)
            for name, patch in pulls.commit_patches(client, repo, sha)
        )
        origins = tuple(LineOrigin(f.path, a.new_line or 0, sha, a.new_line) for f in files for a in f.added)
        pull = PullInfo(author_login=pr.author_login, branch=pr.head_ref, labels=pr.labels)
        rules = self.settings.attribution_rules()
        written = {
            path for (path, _), a in attribute_lines(origins, self.commits, pull, rules).items() if a.ai
        }
        if not written:
            return None
        files, texts = _texts_at(client, repo, files, sha, written)
        snapshot = Snapshot(
            source=f"{repo}#{pr.number}@{sha[:7]}",
            title=pr.title,
            body=pr.body,
            base_sha="",
            head_sha=sha,
            files=files,
            commits=self.commits,
            origins=origins,
            pull=pull,
            texts=texts,
            repo=repo,
            number=pr.number,
        )
        return Change(self.settings, snapshot)


def _texts_at(
    client: GitHubClient, repo: str, files: tuple[FileDiff, ...], ref: str, wanted: set[str] | None = None
) -> tuple[tuple[FileDiff, ...], dict[str, str]]:
    """The text at `ref` of every file with added lines (of those `wanted`, when given); a file whose text
    cannot be read comes back skipped with the reason (too large for the API, missing, not UTF-8)."""
    texts: dict[str, str] = {}
    for f in files:
        if f.skip is not None or not f.added or (wanted is not None and f.path not in wanted):
            continue
        try:
            data = pulls.file_text(client, repo, f.path, ref)
        except pulls.FileTooLarge:
            data, skip = None, SkipReason.TOO_LARGE_FOR_API
        else:
            skip = SkipReason.NO_TEXT  # a 404 at head: its lines are not scored, never taken for human ones
        if data is not None:
            try:
                texts[f.path] = data.decode("utf-8")
                continue
            except UnicodeDecodeError:
                skip = SkipReason.NOT_UTF8
        files = tuple(FileDiff(x.path, x.old_path, x.change, x.hunks, skip) if x is f else x for x in files)
    return files, texts


def _file_diff(filename: str, patch: str | None, **options: Any) -> FileDiff:
    """parse_file_patch, but one file whose patch does not parse (a name with a newline breaks the
    header written for it) is skipped with the reason instead of ending the whole review."""
    try:
        return parse_file_patch(filename, patch, **options)
    except DiffParseError as error:
        log.warning("skipping %r: %s", filename, error)
        return FileDiff(filename, None, ChangeKind.MODIFIED, skip=SkipReason.UNPARSABLE)


def _content_origins(
    client: GitHubClient, repo: str, files: list[FileDiff], commits: tuple[CommitInfo, ...]
) -> list[LineOrigin]:
    if len(commits) == 1 or len(commits) > MAX_COMMITS_FOR_CONTENT_BLAME:
        only = commits[0].sha if len(commits) == 1 else None
        return [
            LineOrigin(f.path, line.new_line or 0, only, line.new_line) for f in files for line in f.added
        ]
    additions: dict[str, list[tuple[str, list[str]]]] = {}
    for commit in commits:
        for filename, patch in pulls.commit_patches(client, repo, commit.sha):
            if patch:
                added = [line.text for line in _file_diff(filename, patch).added]
                additions.setdefault(filename, []).append((commit.sha, added))
    origins: list[LineOrigin] = []
    for f in files:
        lines = [(line.new_line or 0, line.text) for line in f.added]
        blamed = blame_by_content(lines, additions.get(f.path, []))
        origins.extend(LineOrigin(f.path, n, blamed.get(n), None) for n, _ in lines)
    return origins


def github_config_text(client: GitHubClient, repo: str, default_branch: str) -> str | None:
    """`.github/redline.yml` from the default branch, so a PR cannot change how it is reviewed."""
    try:
        data = pulls.file_text(client, repo, CONFIG_PATH, default_branch)
    except GitHubError:
        return None
    return data.decode("utf-8", "replace") if data is not None else None
