"""A real git repository with a known after-merge story, for bot.feedback.fates and `redline report --repo
PATH`.

An aider commit (C, day 0) adds app.py; people then, on main:
  day 1  move VERSION_BANNER_TEXT to the file's end            -> moved, focused
  day 2  swap the quotes of the greeting                       -> format, focused
  day 3  rewrite `return message.upper()` (one file)           -> modified, focused: the target
  day 4  delete DEBUG_SWITCH_ENABLED while adding 49 files     -> deleted, sweeping
the other lines survive.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

DAY0 = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
APP = """\
def greet(name):
    message = "hello, " + name
    return message.upper()


VERSION_BANNER_TEXT = "inventory 1.0"
DEBUG_SWITCH_ENABLED = False
MAX_RETRIES_ALLOWED = 10
"""
# 1-based line -> (fate kind, editor, sweeping, is_target)
EXPECTED = {
    1: ("survived", None, None, False),
    2: ("format", "human", False, False),
    3: ("modified", "human", False, True),
    6: ("moved", "human", False, False),
    7: ("deleted", "human", True, False),
    8: ("survived", None, None, False),
}


@dataclass(frozen=True, slots=True)
class Story:
    path: Path
    ai_commit: str


def _git(path: Path, *args: str, day: float = 0, author: str = "Ann <ann@example.com>") -> str:
    name, email = author[:-1].split(" <")
    when = f"@{int((DAY0 + dt.timedelta(days=day)).timestamp())} +0000"
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": when,
    }
    return subprocess.run(
        ["git", "-C", str(path), *args], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def _commit(path: Path, files: dict[str, str], message: str, day: float, **identity: str) -> str:
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", message, day=day, **identity)
    return _git(path, "rev-parse", "HEAD")


def build_story(path: Path) -> Story:
    path.mkdir(parents=True)
    _git(path, "init", "-q", "-b", "main")
    _commit(path, {"README.md": "inventory\n"}, "start", day=-10)
    ai = _commit(
        path, {"app.py": APP}, "Add greeting and settings", day=0, author="Bob (aider) <bob@example.com>"
    )
    text = (
        APP.replace('VERSION_BANNER_TEXT = "inventory 1.0"\n', "") + 'VERSION_BANNER_TEXT = "inventory 1.0"\n'
    )
    _commit(path, {"app.py": text}, "Keep the banner last", day=1)
    text = text.replace('"hello, "', "'hello, '")
    _commit(path, {"app.py": text}, "Single quotes", day=2)
    text = text.replace("return message.upper()", "return message.title()")
    _commit(path, {"app.py": text}, "Title case greets better", day=3)
    text = text.replace("DEBUG_SWITCH_ENABLED = False\n", "")
    many = {f"pkg/m{i:02d}.py": f"VALUE = {i}\n" for i in range(49)}
    _commit(path, {"app.py": text, **many}, "Split into a package", day=4)
    return Story(path, ai)
