from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np

from scoring.cache import HiddenStateCache


def test_round_trip_keeps_values_within_float16_precision(tmp_path: Path) -> None:
    cache = HiddenStateCache(tmp_path)
    array = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32)
    key = cache.key("model@abc", 15, [1, 2, 3])
    stored = cache.put(key, array)
    assert np.array_equal(cache.get(key), stored)
    assert np.allclose(stored, array, rtol=1e-3, atol=1e-3)


def test_keys_differ_by_model_layer_and_tokens() -> None:
    base = HiddenStateCache.key("m", 15, [1, 2])
    assert len({base, HiddenStateCache.key("n", 15, [1, 2]), HiddenStateCache.key("m", 16, [1, 2]),
                HiddenStateCache.key("m", 15, [2, 1])}) == 4


def test_huge_activations_are_kept_in_float32(tmp_path: Path) -> None:
    cache = HiddenStateCache(tmp_path)
    array = np.array([[1.0, 1e6]], dtype=np.float32)
    assert cache.put(cache.key("m", 0, [1]), array)[0, 1] == 1e6


def test_corrupt_entry_is_a_miss_and_is_removed(tmp_path: Path) -> None:
    cache = HiddenStateCache(tmp_path)
    key = cache.key("m", 1, [1])
    cache.put(key, np.ones((2, 2)))
    path = next(tmp_path.rglob("*.npy"))
    path.write_bytes(path.read_bytes()[:20])  # an interrupted copy
    assert cache.get(key) is None and not path.exists()


def _writer(directory: str, seed: int) -> None:
    cache = HiddenStateCache(Path(directory))
    for i in range(30):
        cache.put(cache.key("m", 0, [i]), np.full((64, 64), float(i)))


def test_concurrent_writers_leave_only_complete_entries(tmp_path: Path) -> None:
    processes = [multiprocessing.get_context("spawn").Process(target=_writer, args=(str(tmp_path), s)) for s in range(3)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    cache = HiddenStateCache(tmp_path)
    for i in range(30):
        assert np.all(cache.get(cache.key("m", 0, [i])) == i)
    assert not list(tmp_path.rglob("*.tmp"))
