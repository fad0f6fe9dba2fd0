"""Uncommitted work as a commit object, so that a review reads it exactly as it reads a branch.

`git commit-tree` writes a commit that no ref, reflog or index names: the user's branch, index and
stash stay as they were, and `git gc` drops the object later. The working tree is read through a
temporary copy of the index, so untracked files .gitignore does not hide count as work too.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import git

from scoring.errors import RedlineError

WORKTREE = "WORKTREE"  # --head WORKTREE: HEAD plus every uncommitted change, staged or not
STAGED = "STAGED"  # --staged: HEAD plus what `git commit` would commit now
UNCOMMITTED = (WORKTREE, STAGED)
# Used only where git knows no identity (no user.email): commit-tree refuses to write without one.
_FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "uncommitted work",
    "GIT_AUTHOR_EMAIL": "uncommitted@localhost",
    "GIT_COMMITTER_NAME": "uncommitted work",
    "GIT_COMMITTER_EMAIL": "uncommitted@localhost",
}


def commit_uncommitted(repo: git.Repo, which: str) -> str:
    """The sha of a new, unreferenced commit on top of HEAD holding the working tree or the index.

    It is authored by the user's git identity, so attribution treats the work as the user's commit.
    """
    try:
        repo.git.rev_parse("--verify", "--quiet", "HEAD^{commit}")
    except git.exc.GitCommandError as error:
        option = "--staged" if which == STAGED else f"--head {which}"
        raise RedlineError(f"{option} needs a commit to start from; this repository has none") from error
    tree = repo.git.write_tree() if which == STAGED else _working_tree(repo)
    try:
        repo.git.var("GIT_COMMITTER_IDENT")
        identity: dict[str, str] = {}
    except git.exc.GitCommandError:
        identity = _FALLBACK_IDENTITY
    message = f"Uncommitted changes ({'staged' if which == STAGED else 'working tree'})"
    sha: str = repo.git.commit_tree(tree, "-p", "HEAD", "-m", message, env=identity)
    return sha


def _working_tree(repo: git.Repo) -> str:
    """The tree of the working tree, written through a temporary index (the user's stays untouched)."""
    with tempfile.TemporaryDirectory(prefix="redline-index-") as scratch:
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        # A copy of the real index: git add then re-reads only the files whose stat changed.
        if Path(repo.index.path).exists():
            shutil.copyfile(repo.index.path, index["GIT_INDEX_FILE"])
        else:
            repo.git.read_tree("HEAD", env=index)
        repo.git.add("--all", env=index)
        tree: str = repo.git.write_tree(env=index)
        return tree
