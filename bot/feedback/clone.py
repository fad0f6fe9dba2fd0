"""The App's clones: one bare, blobless clone per repository in a cache directory, fetched before each report.

The App reviews through the API and has no checkout, but a line's fate after merge is read from the default
branch's history (bot.feedback.fates). `--filter=blob:none` fetches commits and trees only; blame and diff
fetch the blobs they need as they go, so the cache holds the history plus the blobs of the files with
scored lines. Only the default branch is fetched, into refs/heads/<branch>.

The installation token goes to git in its environment (GIT_CONFIG_* setting http.extraHeader), never on a
command line (`ps`) or in a URL written to the clone's config, and is scrubbed from any error message.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from bot.feedback.fates import HistoryError

_FETCH_TIMEOUT_S = 600
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def auth_env(token: str | None) -> dict[str, str]:
    """git's environment for HTTPS with an installation token (GitHub takes it as basic auth's password)."""
    if not token:
        return {}
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
    }


def clone_path(cache: Path, repo: str) -> Path:
    return cache / (_UNSAFE.sub("_", repo.replace("/", "__")) + ".git")


def sync_clone(cache: Path, repo: str, url: str, branch: str, token: str | None) -> Path:
    """The clone of `repo` in `cache` with `branch` fetched up to date; cloned first when missing.

    A clone is made in a temporary directory and renamed into place, so a worker killed mid-clone leaves
    no half clone that later runs would trust. A git failure is a HistoryError saying why, without the token.
    """
    path = clone_path(cache, repo)
    env = auth_env(token)
    refspec = f"+refs/heads/{branch}:refs/heads/{branch}"
    if not (path / "HEAD").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=path.name + ".", dir=cache))
        try:
            _git(
                staging.parent,
                token,
                env,
                "clone",
                "--bare",
                "--filter=blob:none",
                "--no-tags",
                "--single-branch",
                f"--branch={branch}",
                "--",
                url,
                str(staging / "clone"),
            )
            (staging / "clone").rename(path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return path
    _git(path, token, env, "fetch", "--quiet", "--no-tags", "--filter=blob:none", "origin", refspec)
    return path


def _git(cwd: Path, token: str | None, extra: Mapping[str, str], *args: str) -> None:
    env = {**os.environ, **extra, "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(
            ["git", "-C", str(cwd), *args],
            capture_output=True,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=_FETCH_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise HistoryError(_scrub(f"git {args[0]}: {error}", token)) from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HistoryError(
            _scrub(f"git {args[0]} failed: {lines[-1] if lines else f'exit {done.returncode}'}", token)
        )


def _scrub(message: str, token: str | None) -> str:
    return message.replace(token, "***") if token else message
