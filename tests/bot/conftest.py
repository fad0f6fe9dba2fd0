"""Fixtures for bot tests: the local fake GitHub, a client pointed at it, and real git repositories."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.github.client import GitHubClient, RetryPolicy
from tests.fakes import FakeGitHub


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(fake_github: FakeGitHub, sleeps: list[float]) -> GitHubClient:
    return GitHubClient(
        "test-token",
        base_url=fake_github.base_url,
        retry=RetryPolicy(attempts=4, base_delay_s=0.5),
        seconds_between_requests=0,
        seconds_between_writes=0,
        sleep=sleeps.append,
    )


@pytest.fixture(scope="session")
def tiny():
    """A real Scorer over a tiny random Llama whose probe learnt: lines containing `bug` get edited."""
    from scoring.probe.testing import tiny_scorer

    return tiny_scorer()


class GitRepo:
    """A real git repository for a test: write files and commit them as someone."""

    def __init__(self, path):
        import git

        self.path = path
        self.repo = git.Repo.init(path, initial_branch="main")

    def commit(
        self, files: dict[str, str | bytes], message: str, author: str = "Ada <ada@example.com>"
    ) -> str:
        import git

        name, email = author.rsplit(" <", 1)
        actor = git.Actor(name, email.rstrip(">"))
        for rel, content in files.items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
        self.repo.index.add(list(files))
        return self.repo.index.commit(message, author=actor, committer=actor).hexsha

    def branch(self, name: str) -> None:
        self.repo.create_head(name).checkout()


@pytest.fixture
def git_repo(tmp_path) -> GitRepo:
    return GitRepo(tmp_path / "repo")
