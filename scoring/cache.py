"""Where redline keeps its files: the cache directory and the review window cache's place on disk.

Torch-free, so the CLI, the Action and training can name these paths without the probe's stack; the caches
of supervisor outputs themselves are scoring.probe.cache.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir

# Where a review keeps window outputs on disk across processes (the CLI's default is under cache_root()).
WINDOW_DIR_ENV = "REDLINE_HIDDEN_CACHE_DIR"


def cache_root() -> Path:
    """redline's cache directory: $REDLINE_CACHE_DIR, else the XDG user cache dir."""
    return Path(os.environ.get("REDLINE_CACHE_DIR") or user_cache_dir("redline"))


def review_window_dir() -> Path:
    """The CLI's window cache: $REDLINE_HIDDEN_CACHE_DIR, else windows/ under cache_root()."""
    return Path(os.environ.get(WINDOW_DIR_ENV) or cache_root() / "windows")
