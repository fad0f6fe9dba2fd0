"""The bundled example: builds a real git repository with a human base commit and an AI-authored commit.

`redline review --example` reviews it; tests use it too. Files live next to this module (package data).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import git

EXAMPLE_DIR = Path(__file__).parent / "inventory"
# Both commits are made by the person; the second credits the agent in its trailer, as Claude Code does.
AUTHOR = git.Actor("Ada Lovelace", "ada@example.com")


@dataclass(frozen=True, slots=True)
class ExampleRepo:
    path: Path
    base: str
    head: str


def _files(directory: Path) -> list[Path]:
    """The example's files, never a stray __pycache__ or other directory left by tools."""
    return [f for f in sorted(directory.iterdir()) if f.is_file() and f.name != "COMMIT_MSG"]


def build_example(destination: Path) -> ExampleRepo:
    """Create the example repository in `destination` (which must not exist or be empty)."""
    destination.mkdir(parents=True, exist_ok=True)
    if any(destination.iterdir()):
        raise FileExistsError(f"{destination} is not empty")
    repo = git.Repo.init(destination, initial_branch="main")
    base_files = _files(EXAMPLE_DIR / "base")
    for file in base_files:
        shutil.copy(file, destination / file.name)
    repo.index.add([f.name for f in base_files])
    repo.index.commit("Inventory with add and total value", author=AUTHOR, committer=AUTHOR)
    repo.create_head("ai-feature").checkout()
    ai_files = _files(EXAMPLE_DIR / "ai")
    for file in ai_files:
        shutil.copy(file, destination / file.name)
    repo.index.add([f.name for f in ai_files])
    message = (EXAMPLE_DIR / "ai" / "COMMIT_MSG").read_text()
    repo.index.commit(message, author=AUTHOR, committer=AUTHOR)
    return ExampleRepo(destination, "main", "ai-feature")
