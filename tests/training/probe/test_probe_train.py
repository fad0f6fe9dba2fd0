"""training.probe.train: presets and a training run that learns a planted signal."""

from __future__ import annotations

import numpy as np
import torch

from scoring.card import Pooling
from scoring.folds import group_folds
from scoring.metrics import auc
from training.probe.train import (
    Loss,
    TrainConfig,
    fit,
    load_candidates,
    load_preset,
    out_of_fold,
    predict_items,
    text_spans,
)

FAST = TrainConfig(name="fast", layers=(2,), hidden=16, dropout=0.0, epochs=25, batch_problems=8, lr=1e-2)


def test_paper_preset_is_the_papers_configuration():
    config = load_preset("paper")
    assert config.layers == (15,) and config.hidden == 32 and config.pooling is Pooling.MAX
    assert config.dropout == 0.2 and config.loss is Loss.BRIER and config.loss_weights == (0.33, 0.34, 0.33)
    assert (config.lr, config.epochs, config.batch_problems) == (1e-3, 30, 16)


def test_search_candidates_start_with_the_paper_probe_and_only_use_known_features():
    from scoring.probe.features import LM_FEATURES, TEXT_FEATURES

    candidates = load_candidates()
    assert candidates[0] == load_preset("paper")
    assert len({c.name for c in candidates}) == len(candidates)
    for candidate in candidates:
        assert set(candidate.extra_features) <= set(TEXT_FEATURES) | set(LM_FEATURES)


def test_text_spans_have_lines_then_one_program_span(planted_table):
    encoded, _ = planted_table
    spans = text_spans(encoded[0])
    n_lines = len(encoded[0].item.lines)
    assert spans.index.n_spans == n_lines + 1  # no token labels for these texts
    assert spans.level.tolist() == [1] * n_lines + [2]
    assert spans.labels[:-1].tolist() == list(encoded[0].item.line_labels)


def test_feature_columns_follow_the_scorers_order(planted_table, tiny_lm_supervisor):
    from scoring.probe.features import token_features

    encoded, table = planted_table
    config = FAST.override(layers=[2, 1], extra_features=["indent", "surprisal"]).probe
    (expected,) = token_features(tiny_lm_supervisor, [encoded[0].tokens], [encoded[0].item.intent], config)
    [selected] = table.select(config, [0])
    np.testing.assert_allclose(selected.numpy(), expected, atol=2e-2, rtol=2e-2)


def test_training_learns_a_planted_signal_on_held_out_programs(planted_table):
    encoded, table = planted_table
    train_items, test_items = np.arange(0, 72), np.arange(72, 96)
    probe = fit(FAST, table, encoded, train_items)
    predictions = predict_items(probe, FAST, table, encoded, test_items)
    scores = np.concatenate([p.lines for p in predictions])
    labels = np.concatenate([encoded[i].item.line_labels for i in test_items])
    assert auc(scores, labels) > 0.9


def test_an_untrained_signal_is_not_learnt_from_shuffled_labels(planted_table):
    encoded, table = planted_table
    rng = np.random.default_rng(0)
    shuffled = [e for e in encoded]
    from dataclasses import replace

    for i, e in enumerate(shuffled):
        labels = tuple(int(v) for v in rng.permutation(e.item.line_labels))
        shuffled[i] = replace(e, item=replace(e.item, line_labels=labels, failing=any(labels)))
    probe = fit(FAST, table, shuffled, np.arange(0, 72))
    predictions = predict_items(probe, FAST, table, shuffled, np.arange(72, 96))
    scores = np.concatenate([p.lines for p in predictions])
    labels = np.concatenate([shuffled[i].item.line_labels for i in range(72, 96)])
    assert auc(scores, labels) < 0.75


def test_nested_selection_predicts_every_text_out_of_fold(planted_table):
    encoded, table = planted_table
    candidates = [FAST, FAST.override(name="mean", pooling="mean", extra_features=["surprisal"])]
    folds = group_folds([e.item.group for e in encoded], 3, seed=0)
    predictions, trained = out_of_fold(candidates, table, encoded, folds)
    assert len(predictions) == len(encoded) and len(trained) == 3
    assert all(set(t.validation) == {"fast", "mean"} for t in trained)
    scores = np.concatenate([p.lines for p in predictions])
    labels = np.concatenate([e.item.line_labels for e in encoded])
    assert auc(scores, labels) > 0.85
    assert all(p.hunks.shape == (1,) and np.isfinite(p.program) for p in predictions)
    assert torch.isfinite(trained[0].probe.feature_std).all()
