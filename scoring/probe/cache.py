"""Caches of supervisor outputs, keyed by content: model fingerprint + layer + window token ids.

HiddenStateCache is on disk: each entry is one .npy file written to a temporary name and renamed into
place, so concurrent writers and interrupted writes never leave a torn entry; an unreadable entry counts
as a miss and is removed. With a size bound it is the CLI's and the Action's window cache: the least
recently read entries go first. WindowCache is in memory, bounded, exact: a long-lived process (the App's
worker, across pushes of a pull request) re-runs only the windows whose tokens changed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# The on-disk window cache of reviews: about 200 windows of 1,024 tokens at the shipped probe's width,
# a few reviews of 1,000 lines.
DISK_WINDOW_CACHE_BYTES = 1024**3

FLOAT16_MAX_ABS = 60000.0


def _compact(array: np.ndarray) -> np.ndarray:
    """float16 halves the disk a dataset's hidden states take; keep float32 where values would overflow."""
    finite = array[np.isfinite(array)]
    if finite.size and np.abs(finite).max() > FLOAT16_MAX_ABS:
        return array.astype(np.float32)
    return array.astype(np.float16)


def content_key(fingerprint: str, layer: int | str, input_ids: Sequence[int]) -> str:
    digest = hashlib.sha256(np.asarray(input_ids, dtype=np.int64).tobytes()).hexdigest()
    return hashlib.sha256(f"{fingerprint}|{layer}|{digest}".encode()).hexdigest()


class HiddenStateCache:
    """Per-window arrays (hidden states of one layer, or per-token statistics) stored as .npy files.

    exact: store float32 (what a review reads must equal a fresh pass); else float16 where it fits, which
    halves a training set's disk. max_bytes: `prune()` keeps the most recently read entries within it (a
    training set's cache has none: it is rebuilt at a cost, not a review's)."""

    def __init__(self, directory: Path, exact: bool = False, max_bytes: int | None = None) -> None:
        self.directory = Path(directory)
        self.exact = exact
        self.max_bytes = max_bytes

    key = staticmethod(content_key)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        path = self._path(key)
        try:
            array: np.ndarray = np.load(path, allow_pickle=False)
            if self.max_bytes is not None:
                os.utime(path)  # read now: the last to be pruned
            return array
        except FileNotFoundError:
            return None
        except (ValueError, OSError, EOFError):
            path.unlink(missing_ok=True)
            return None

    def put(self, key: str, array: np.ndarray) -> np.ndarray:
        """Store `array`; returns it as stored, so fresh and cached reads give identical values."""
        stored = np.asarray(array, dtype=np.float32) if self.exact else _compact(np.asarray(array))
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                np.save(stream, stored)
            os.replace(staging, path)
            return stored
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise

    def prune(self) -> int:
        """Remove the least recently read or written entries until the cache fits max_bytes; bytes freed."""
        if self.max_bytes is None or not self.directory.is_dir():
            return 0
        entries = []
        for path in self.directory.glob("*/*.npy"):
            try:
                stat = path.stat()
            except FileNotFoundError:  # another process pruned it
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total, freed = sum(size for _, size, _ in entries), 0
        for _, size, path in sorted(entries):
            if total - freed <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            freed += size
        return freed


# Default bound of a WindowCache: about 100 windows of 1,024 tokens at the shipped probe's two layers.
WINDOW_CACHE_BYTES = 512 * 1024 * 1024


class WindowCache:
    """In-memory least-recently-used cache with the HiddenStateCache interface; arrays are kept as given
    (float32), so a hit equals a fresh pass exactly. Thread-safe; `hits` and `misses` count lookups."""

    key = staticmethod(content_key)

    def __init__(self, max_bytes: int = WINDOW_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            array = self._entries.get(key)
            if array is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return array

    def put(self, key: str, array: np.ndarray) -> np.ndarray:
        stored = np.array(array, dtype=np.float32, copy=True)
        stored.setflags(write=False)
        if stored.nbytes > self.max_bytes:
            return stored
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.bytes -= previous.nbytes
            self._entries[key] = stored
            self.bytes += stored.nbytes
            while self.bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self.bytes -= evicted.nbytes
        return stored
