"""Reviews of uncommitted work (`--head WORKTREE`, `--staged`) on a real git repository: what each one
reads, and that the user's branch, index and files stay exactly as they were."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.worktree import WORKTREE, commit_uncommitted
from scoring.errors import RedlineError


@pytest.fixture
def work(git_repo):
    """main with a.py; on claude/tidy, a staged edit of a.py, an unstaged edit of b.py, an untracked c.py."""
    git_repo.commit({"a.py": "x = 1\n", "b.py": "y = 1\n"}, "base")
    git_repo.branch("claude/tidy")
    (git_repo.path / "a.py").write_text("x = 1\nstaged = 2\n")
    git_repo.repo.index.add(["a.py"])
    (git_repo.path / "b.py").write_text("y = 1\nunstaged = 3\n")
    (git_repo.path / "c.py").write_text("untracked = 4\n")
    return git_repo


def _state(repo):
    """What a review must leave alone: refs, HEAD, the index and the status of every file."""
    return (
        repo.git.show_ref(),
        repo.head.commit.hexsha,
        repo.git.ls_files("--stage"),
        repo.git.status("--porcelain"),
    )


def _reviewed(work, *args):
    result = CliRunner().invoke(cli, ["review", "--repo", str(work.path), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    return document, {(line["path"], line["text"]) for line in document["lines"]}


def test_worktree_review_reads_staged_unstaged_and_untracked_changes_and_changes_nothing(work):
    before = _state(work.repo)
    document, lines = _reviewed(work, "--head", "WORKTREE", "--show", "all")
    assert lines == {("a.py", "staged = 2"), ("b.py", "unstaged = 3"), ("c.py", "untracked = 4")}
    assert document["source"].endswith("main..WORKTREE")
    assert _state(work.repo) == before


def test_staged_review_reads_only_what_git_commit_would_commit(work):
    before = _state(work.repo)
    _, lines = _reviewed(work, "--staged", "--show", "all")
    assert lines == {("a.py", "staged = 2")}
    assert _state(work.repo) == before


def test_uncommitted_lines_on_an_agent_branch_carry_the_branch_evidence(work):
    # --ai detect: `review --ai all` in an earlier test leaves REDLINE_AI_DETECT in this process's env.
    document, _ = _reviewed(work, "--head", "WORKTREE", "--show", "all", "--ai", "detect")
    assert {line["why_ai"] for line in document["lines"]} == {"branch claude/tidy starts with claude/"}


def test_staged_and_head_together_are_a_usage_error(work):
    result = CliRunner().invoke(cli, ["review", "--repo", str(work.path), "--staged", "--head", "main"])
    assert result.exit_code == 2 and "--staged" in result.output


def test_a_repository_without_a_commit_is_a_clear_error(tmp_path):
    import git

    repo = git.Repo.init(tmp_path / "empty")
    with pytest.raises(RedlineError, match="needs a commit"):
        commit_uncommitted(repo, WORKTREE)


def test_without_a_git_identity_the_work_is_committed_under_a_stand_in(work, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    work.repo.git.config("user.useConfigOnly", "true")  # no guessing from the host name
    sha = commit_uncommitted(work.repo, WORKTREE)
    assert work.repo.commit(sha).author.email == "uncommitted@localhost"
    assert work.repo.commit(sha).parents[0] == work.repo.head.commit
