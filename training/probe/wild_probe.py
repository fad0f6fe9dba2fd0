"""The span-query probe trained on the wild target, for the supervisor comparison.

The shipped probe learnt where the benchmark's minimal repairs land; read zero-shot on real repositories it
answers another question than the one the PR model is judged on. Here the same architecture and training
(`training.probe.train.train`, the shipped probe's configuration) learn from sampled wild windows whose lines
carry the target (`scoring.target`: a person changed the line's content in a focused commit), and a window's
own label is whether any of its lines did. Token labels do not exist in the wild, so only the line and
window levels of the loss train.

Stacking the probe's logit with the PR features needs logits on the training repositories that no probe
trained on them produced: `nested_logits` gives out-of-fold logits there (scikit-learn's GroupKFold over the
training repositories) and held-out logits from a probe trained on every training repository.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch

from scoring.probe.span_probe import SpanProbe
from training.probe.features import Encoded
from training.probe.train import TrainConfig, predict, single_thread, text_spans, train
from training.wild.pr_train import repo_folds

INNER_FOLDS = 2  # training repositories split to give the stacked regression out-of-fold probe logits


@dataclass(frozen=True)
class Window:
    """One sampled window: its encoding, the probe's input columns and the `LineTable` row of each scored
    line (in `encoded.item.lines` order)."""

    repo: str
    encoded: Encoded
    inputs: torch.Tensor
    rows: np.ndarray


def labelled(window: Window, labels: np.ndarray) -> Encoded:
    """The window's encoding with its lines labelled from `labels` (indexed by table row)."""
    lines = tuple(int(v) for v in labels[window.rows])
    item = replace(window.encoded.item, line_labels=lines, failing=any(lines))
    return replace(window.encoded, item=item)


def train_on(config: TrainConfig, windows: Sequence[Window], labels: np.ndarray) -> SpanProbe:
    """A probe of `config` trained on `windows` with the line labels `labels` (table order)."""
    with single_thread():
        return train(config, [w.inputs for w in windows], [text_spans(labelled(w, labels)) for w in windows])


def line_logits(probe: SpanProbe, windows: Sequence[Window], size: int) -> np.ndarray:
    """The probe's logit per table row of `windows`' lines; nan for rows no window scores."""
    out = np.full(size, np.nan)
    with single_thread():
        for w in windows:
            out[w.rows] = predict(probe, w.inputs, w.encoded).lines
    return out


def nested_logits(
    config: TrainConfig,
    windows: Sequence[Window],
    labels: np.ndarray,
    held_out: set[str],
    inner_folds: int = INNER_FOLDS,
    progress: Callable[[str], None] | None = None,
) -> np.ndarray:
    """Logits per table row: held-out repositories' lines from a probe trained on every other repository;
    the other repositories' lines out of fold, from probes trained on the rest of them."""
    training = [w for w in windows if w.repo not in held_out]
    test = [w for w in windows if w.repo in held_out]
    say = progress or (lambda message: None)
    say(f"wild probe on {len({w.repo for w in training})} repositories")
    out = line_logits(train_on(config, training, labels), test, len(labels))
    repos = np.array([w.repo for w in training])
    for k, mask in enumerate(repo_folds(repos, inner_folds), start=1):
        say(f"wild probe, inner fold {k}/{inner_folds}")
        inner = [w for w, m in zip(training, mask, strict=True) if not m]
        scored = [w for w, m in zip(training, mask, strict=True) if m]
        inner_logits = line_logits(train_on(config, inner, labels), scored, len(labels))
        rows = np.isfinite(inner_logits)
        out[rows] = inner_logits[rows]
    return out
