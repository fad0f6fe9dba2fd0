from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from scoring.card import Pooling, ProbeConfig
from scoring.errors import ProbeError
from scoring.probe.scorer import Scorer
from scoring.probe.span_probe import CARD_FILE, SpanIndex, SpanProbe, load_probe, save_probe
from scoring.probe.supervisor import Supervisor


def identity_probe(pooling: Pooling) -> SpanProbe:
    """A probe whose projection is the identity (after GELU) and whose output sums the pooled features."""
    probe = SpanProbe(ProbeConfig(layers=(0,), hidden=2, pooling=pooling, dropout=0.0), 2)
    with torch.no_grad():
        probe.project.weight.copy_(torch.eye(2))
        probe.project.bias.zero_()
        probe.output.weight.fill_(1.0)
        probe.output.bias.zero_()
        if probe.attention is not None:
            probe.attention.weight.zero_()
            probe.attention.bias.zero_()
    return probe.eval()


FEATURES = torch.tensor([[1.0, 0.0], [3.0, 1.0], [2.0, 5.0]])
GELU = torch.nn.functional.gelu


def test_max_pooling_takes_each_dimension_s_maximum_over_the_span() -> None:
    mask = np.array([[True, True, False], [False, True, True], [False, False, False]])
    logits = identity_probe(Pooling.MAX)(FEATURES, SpanIndex.from_mask(mask))
    expected0 = GELU(torch.tensor(3.0)) + GELU(torch.tensor(1.0))
    expected1 = GELU(torch.tensor(3.0)) + GELU(torch.tensor(5.0))
    assert logits[0].item() == pytest.approx(expected0.item(), rel=1e-5)
    assert logits[1].item() == pytest.approx(expected1.item(), rel=1e-5)
    assert torch.isnan(logits[2])


@pytest.mark.parametrize("pooling", [Pooling.MEAN, Pooling.ATTENTION])
def test_mean_and_uniform_attention_pooling_average_the_span(pooling: Pooling) -> None:
    mask = np.array([[True, False, True]])
    logits = identity_probe(pooling)(FEATURES, SpanIndex.from_mask(mask))
    expected = (GELU(FEATURES[0]) + GELU(FEATURES[2])).sum() / 2
    assert logits[0].item() == pytest.approx(expected.item(), rel=1e-5)


def test_a_column_constant_in_training_is_not_blown_up_at_scoring_time() -> None:
    probe = SpanProbe(ProbeConfig(layers=(0,), hidden=4), input_size=3)
    training = torch.tensor([[1.0, 0.0, 5.0], [3.0, 0.0, 5.0], [5.0, 0.0, 5.0]])  # columns 2 and 3 constant
    probe.fit_normalizer(training)
    assert probe.feature_std.tolist() == pytest.approx([2.0, 1.0, 1.0])
    normalised = (torch.tensor([[3.0, 1.0, 6.0]]) - probe.feature_mean) / probe.feature_std
    assert normalised[0].tolist() == pytest.approx([0.0, 1.0, 1.0])


def test_concatenated_index_scores_each_text_as_alone() -> None:
    probe = identity_probe(Pooling.MAX)
    a, b = FEATURES[:2], FEATURES[1:]
    mask_a, mask_b = np.array([[True, True]]), np.array([[False, True], [True, True]])
    alone = torch.cat([probe(a, SpanIndex.from_mask(mask_a)), probe(b, SpanIndex.from_mask(mask_b))])
    together = probe(
        torch.cat([a, b]),
        SpanIndex.concat([SpanIndex.from_mask(mask_a), SpanIndex.from_mask(mask_b)], [2, 2]),
    )
    assert torch.allclose(alone, together)


def test_saved_probe_loads_with_identical_outputs(tmp_path: Path, trained_scorer: Scorer) -> None:
    save_probe(tmp_path, trained_scorer.probe, trained_scorer.card)
    probe, card = load_probe(tmp_path)
    features = torch.randn(7, card.input_size)
    index = SpanIndex.from_mask(np.tri(7, dtype=bool))
    assert torch.allclose(probe(features, index), trained_scorer.probe(features, index))
    assert card == trained_scorer.card


def test_probe_of_another_format_version_is_refused(tmp_path: Path, trained_scorer: Scorer) -> None:
    save_probe(tmp_path, trained_scorer.probe, trained_scorer.card)
    data = json.loads((tmp_path / CARD_FILE).read_text())
    data["format_version"] = 99
    (tmp_path / CARD_FILE).write_text(json.dumps(data))
    with pytest.raises(ProbeError, match="format 99"):
        load_probe(tmp_path)


def test_probe_made_for_another_supervisor_is_refused(trained_scorer: Scorer, tiny: Supervisor) -> None:
    card = replace(trained_scorer.card, supervisor={"fingerprint": "Qwen2.5-Coder-0.5B@abc:float32"})
    with pytest.raises(ProbeError, match="trained on supervisor"):
        Scorer(tiny, trained_scorer.probe, card)


def test_missing_probe_directory_says_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match="no probe at"):
        load_probe(tmp_path)
