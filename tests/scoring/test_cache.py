from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np

from scoring.cache import review_window_dir
from scoring.probe.cache import HiddenStateCache


def test_round_trip_keeps_values_within_float16_precision(tmp_path: Path) -> None:
    cache = HiddenStateCache(tmp_path)
    array = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32)
    key = cache.key("model@abc", 15, [1, 2, 3])
    stored = cache.put(key, array)
    assert np.array_equal(cache.get(key), stored)
    assert np.allclose(stored, array, rtol=1e-3, atol=1e-3)


def test_keys_differ_by_model_layer_and_tokens() -> None:
    base = HiddenStateCache.key("m", 15, [1, 2])
    assert (
        len(
            {
                base,
                HiddenStateCache.key("n", 15, [1, 2]),
                HiddenStateCache.key("m", 16, [1, 2]),
                HiddenStateCache.key("m", 15, [2, 1]),
            }
        )
        == 4
    )


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
    processes = [
        multiprocessing.get_context("spawn").Process(target=_writer, args=(str(tmp_path), s))
        for s in range(3)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    cache = HiddenStateCache(tmp_path)
    for i in range(30):
        assert np.all(cache.get(cache.key("m", 0, [i])) == i)
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_bounded_cache_prunes_the_least_recently_read_entries(tmp_path: Path) -> None:
    entry = np.zeros(1000, dtype=np.float32)  # 4,000 bytes and a header
    cache = HiddenStateCache(tmp_path, exact=True, max_bytes=3 * 4200)
    for k in range(5):
        cache.put(str(k), entry)
        path = cache._path(str(k))
        os.utime(path, (1_000_000 + k, 1_000_000 + k))  # written in order, a second apart
    assert cache.get("0") is not None  # read now: the newest
    freed = cache.prune()
    kept = {k for k in map(str, range(5)) if cache._path(k).is_file()}
    assert kept == {"0", "3", "4"} and freed == 2 * cache._path("0").stat().st_size
    assert cache.prune() == 0
    assert HiddenStateCache(tmp_path).prune() == 0  # unbounded (a training set's cache): never pruned


def test_reviews_keep_windows_on_disk_under_redlines_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("REDLINE_HIDDEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("REDLINE_CACHE_DIR", str(tmp_path / "cache"))
    assert review_window_dir() == tmp_path / "cache" / "windows"
    monkeypatch.setenv("REDLINE_HIDDEN_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert review_window_dir() == tmp_path / "elsewhere"


def test_a_scorer_reads_another_processs_windows_from_disk(tmp_path: Path) -> None:
    """What `redline review` run twice on a branch does: the second scorer runs no window the first ran."""
    from scoring.probe.testing import planted_examples, tiny_scorer
    from scoring.types import Span

    scorer = tiny_scorer(steps=20)
    text = "".join(example for example, _ in planted_examples(6, seed=3))
    spans = [Span.lines(n) for n in range(1, text.count("\n") + 1)]
    scorer.cache = HiddenStateCache(tmp_path, exact=True, max_bytes=10**9)
    first = scorer.score(text, spans)
    before = scorer.supervisor.tokens_forwarded
    scorer.cache = HiddenStateCache(tmp_path, exact=True, max_bytes=10**9)  # a new process, same directory
    second = scorer.score(text, spans)
    assert scorer.supervisor.tokens_forwarded == before
    assert [s.probability for s in second] == [s.probability for s in first]
