"""On-disk cache of supervisor outputs, keyed by model fingerprint + layer + window token ids.

Each entry is one .npy file written to a temporary name and renamed into place, so concurrent writers
and interrupted writes never leave a torn entry; an unreadable entry counts as a miss and is removed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np


FLOAT16_MAX_ABS = 60000.0


def _compact(array: np.ndarray) -> np.ndarray:
    """float16 halves the disk a dataset's hidden states take; keep float32 where values would overflow."""
    finite = array[np.isfinite(array)]
    if finite.size and np.abs(finite).max() > FLOAT16_MAX_ABS:
        return array.astype(np.float32)
    return array.astype(np.float16)


class HiddenStateCache:
    """Per-window arrays (hidden states of one layer, or per-token statistics) stored as .npy files."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    @staticmethod
    def key(fingerprint: str, layer: int | str, input_ids: Sequence[int]) -> str:
        digest = hashlib.sha256(np.asarray(input_ids, dtype=np.int64).tobytes()).hexdigest()
        return hashlib.sha256(f"{fingerprint}|{layer}|{digest}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        path = self._path(key)
        try:
            return np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (ValueError, OSError, EOFError):
            path.unlink(missing_ok=True)
            return None

    def put(self, key: str, array: np.ndarray) -> np.ndarray:
        """Store `array`; returns it as stored, so fresh and cached reads give identical values."""
        stored = _compact(np.asarray(array))
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
