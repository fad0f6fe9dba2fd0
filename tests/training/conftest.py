"""Fixtures for the dataset tests: the real raw data directory and a sandbox with a private cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from training.data import sources
from training.data.sandbox import Limits, Sandbox


@pytest.fixture(scope="session")
def data_root() -> Path:
    root = sources.data_dir()
    if not sources.raw_dir(root).is_dir():
        pytest.skip(f"raw data not found under {root} (set REDLINE_DATA_DIR)")
    return root


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(
        tmp_path / "cache" / "runs.sqlite", Limits(wall_s=3.0, cpu_s=3), deny=(str(sources.data_dir()),)
    )
    yield box
    box.close()


# ---- probe training / evaluation fixtures (probe engineer): planted-signal programs on the tiny random Llama
TINY_LAYERS = (1, 2)


def planted_texts(n: int, seed: int = 0):
    """Little programs where a line is edited iff it carries the planted word; 4 programs per group."""
    from scoring.probe.testing import planted_examples
    from training.probe.features import LabelledText

    items = []
    for k, (text, labels) in enumerate(planted_examples(n, seed)):
        items.append(
            LabelledText(
                key=f"p{k}",
                group=f"g{k // 4}",
                source="alpha" if k % 2 else "beta",
                generator="tiny",
                intent="Fix the code",
                text=text,
                lines=tuple(range(1, len(labels) + 1)),
                line_labels=tuple(labels),
                generated=tuple(True for _ in labels),
                hunks=((1, len(labels)),),
                edited_intervals=None,
                insert_points=(),
                failing=any(labels),
            )
        )
    return items


@pytest.fixture(scope="session")
def tiny_lm_supervisor():
    from scoring.probe.testing import tiny_supervisor

    return tiny_supervisor(lm_head=True, layers=3)


@pytest.fixture(scope="session")
def planted_table(tiny_lm_supervisor, tmp_path_factory):
    """(encoded texts, feature table) for 96 planted programs on the tiny supervisor."""
    from scoring.card import ProbeConfig
    from scoring.probe.cache import HiddenStateCache
    from training.probe.features import ALL_EXTRAS, encode, features
    from training.probe.train import FeatureTable

    cache = HiddenStateCache(tmp_path_factory.mktemp("cache"))
    encoded = [encode(tiny_lm_supervisor.tokenizer, item) for item in planted_texts(96)]
    config = ProbeConfig(layers=TINY_LAYERS, extra_features=ALL_EXTRAS)
    arrays, _ = features(tiny_lm_supervisor, encoded, config, cache)
    return encoded, FeatureTable(arrays, TINY_LAYERS, tiny_lm_supervisor.hidden_size, ALL_EXTRAS)
