"""Train the span probe on cached supervisor features; grouped cross-validation and model selection.

Reads top to bottom: config presets -> per-text feature columns -> batches of token/line/problem spans
-> the training loop -> predictions -> grouped folds -> nested model selection. Pure given features:
the supervisor ran before (training.probe.features); nothing here loads a model or reads raw data.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import operator
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from scoring.card import Pooling, ProbeConfig
from scoring.folds import group_folds
from scoring.metrics import auc
from scoring.probe.span_probe import SpanIndex, SpanProbe
from training.probe.features import Encoded

CONFIG_DIR = Path(__file__).parent / "configs"
N_FOLDS = 5

# Indices of encoded texts: a list, or a numpy index array (folds are numpy masks).
Items = Sequence[int] | np.ndarray


# ----------------------------------------------------------------------------- configuration
class Loss(enum.StrEnum):
    BRIER = "brier"
    BCE = "bce"


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """A probe and how to train it; the defaults are the paper's (training/probe/configs/paper.toml)."""

    name: str = "paper"
    layers: tuple[int, ...] = (15,)
    hidden: int = 32
    pooling: Pooling = Pooling.MAX
    dropout: float = 0.2
    extra_features: tuple[str, ...] = ()
    loss: Loss = Loss.BRIER
    loss_weights: tuple[float, float, float] = (0.33, 0.34, 0.33)  # token, line, problem
    lr: float = 1e-3
    epochs: int = 30
    batch_problems: int = 16
    seed: int = 0

    @property
    def probe(self) -> ProbeConfig:
        return ProbeConfig(self.layers, self.hidden, self.pooling, self.dropout, self.extra_features)

    def override(self, **values: object) -> TrainConfig:
        """A copy with fields replaced; lists become tuples and strings become enums."""
        casts = {
            "layers": tuple,
            "extra_features": tuple,
            "loss_weights": tuple,
            "pooling": Pooling,
            "loss": Loss,
        }
        return replace(self, **{k: casts.get(k, lambda v: v)(v) for k, v in values.items()})

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            **self.probe.to_dict(),
            "loss": str(self.loss),
            "loss_weights": list(self.loss_weights),
            "lr": self.lr,
            "epochs": self.epochs,
            "batch_problems": self.batch_problems,
            "seed": self.seed,
        }


def load_preset(name: str = "paper") -> TrainConfig:
    """training/probe/configs/<name>.toml (or a path) over the paper defaults."""
    path = Path(name) if name.endswith(".toml") else CONFIG_DIR / f"{name}.toml"
    with path.open("rb") as handle:
        return TrainConfig().override(name=path.stem, **tomllib.load(handle))


def load_candidates(base: TrainConfig | None = None) -> list[TrainConfig]:
    """The probe search space (configs/search.toml): each candidate overrides the paper preset."""
    base = base or load_preset("paper")
    with (CONFIG_DIR / "search.toml").open("rb") as handle:
        return [base.override(**entry) for entry in tomllib.load(handle)["candidate"]]


# ----------------------------------------------------------------------------- features per config
@dataclass(frozen=True, slots=True)
class FeatureTable:
    """Per-text token features with named columns, from one extraction with a superset probe config.

    A candidate config reads its columns in the order scoring.probe.features.token_features would produce
    them (layers in order, then extra features in order), so the trained probe fits the scorer.
    """

    arrays: list[np.ndarray]
    layers: tuple[int, ...]
    layer_width: int
    extra_features: tuple[str, ...]

    def columns(self, config: ProbeConfig) -> np.ndarray:
        blocks = [
            np.arange(
                self.layers.index(layer) * self.layer_width, (self.layers.index(layer) + 1) * self.layer_width
            )
            for layer in config.layers
        ]
        base = len(self.layers) * self.layer_width
        extras = [np.array([base + self.extra_features.index(n)]) for n in config.extra_features]
        return np.concatenate(blocks + extras)

    def select(self, config: ProbeConfig, items: Items) -> list[torch.Tensor]:
        cols = self.columns(config)
        return [torch.from_numpy(self.arrays[i][:, cols].astype(np.float32)) for i in items]


# ----------------------------------------------------------------------------- spans and batches
LEVELS = ("token", "line", "problem")


@dataclass(frozen=True, slots=True)
class TextSpans:
    """Every training span of one text: labelled tokens, scored lines, then the whole scored program."""

    index: SpanIndex
    labels: torch.Tensor  # [spans]
    level: torch.Tensor  # [spans] 0 token, 1 line, 2 problem


def text_spans(encoded: Encoded) -> TextSpans:
    token_ids = np.nonzero(np.isfinite(encoded.token_labels))[0]
    n_tok, n_line = len(token_ids), len(encoded.item.lines)
    program_tokens = np.unique(encoded.line_tokens)
    spans = np.concatenate(
        [np.arange(n_tok), encoded.line_spans + n_tok, np.full(len(program_tokens), n_tok + n_line)]
    )
    tokens = np.concatenate([token_ids, encoded.line_tokens, program_tokens])
    labels = np.concatenate(
        [encoded.token_labels[token_ids], encoded.item.line_labels, [float(encoded.item.failing)]]
    ).astype(np.float32)
    level = np.concatenate([np.zeros(n_tok), np.ones(n_line), [2]]).astype(np.int64)
    index = SpanIndex(
        torch.from_numpy(spans.astype(np.int64)),
        torch.from_numpy(tokens.astype(np.int64)),
        n_tok + n_line + 1,
    )
    return TextSpans(index, torch.from_numpy(labels), torch.from_numpy(level))


def _span_loss(logits: torch.Tensor, labels: torch.Tensor, loss: Loss) -> torch.Tensor:
    if loss is Loss.BRIER:
        return ((torch.sigmoid(logits) - labels) ** 2).mean()
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)


# ----------------------------------------------------------------------------- training
@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """The probe's tensors are tiny: a second intra-op thread only spins (15x slower on 2 busy cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def fit_normalizer(probe: SpanProbe, features: Sequence[torch.Tensor]) -> None:
    """Per-dimension mean/std over every training token, accumulated text by text (no giant concat)."""
    total = sum(len(f) for f in features)
    s = functools.reduce(operator.add, (f.double().sum(0) for f in features))
    mean = s / total
    var = functools.reduce(operator.add, (((f.double() - mean) ** 2).sum(0) for f in features)) / max(
        total - 1, 1
    )
    probe.feature_mean.copy_(mean.float())
    probe.feature_std.copy_(var.sqrt().float().clamp_min(1e-4))


def train(config: TrainConfig, features: Sequence[torch.Tensor], spans: Sequence[TextSpans]) -> SpanProbe:
    """Train one probe: Adam, `epochs` passes over shuffled batches of `batch_problems` texts."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    probe = SpanProbe(config.probe, features[0].shape[1])
    fit_normalizer(probe, features)
    optimiser = torch.optim.Adam(probe.parameters(), lr=config.lr)
    weights = torch.tensor(config.loss_weights, dtype=torch.float32)
    probe.train()
    for _epoch in range(config.epochs):
        order = rng.permutation(len(features))
        for start in range(0, len(order), config.batch_problems):
            batch = order[start : start + config.batch_problems]
            x = torch.cat([features[i] for i in batch])
            index = SpanIndex.concat([spans[i].index for i in batch], [len(features[i]) for i in batch])
            labels = torch.cat([spans[i].labels for i in batch])
            level = torch.cat([spans[i].level for i in batch])
            logits = probe(x, index)
            loss = x.new_zeros(())
            for k in range(len(LEVELS)):
                chosen = (level == k) & torch.isfinite(logits)
                if chosen.any() and weights[k] > 0:
                    loss = loss + weights[k] * _span_loss(logits[chosen], labels[chosen], config.loss)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return probe.eval()


# ----------------------------------------------------------------------------- prediction
@dataclass(frozen=True, slots=True)
class Prediction:
    """Raw logits of one text: labelled tokens (token_labels order), scored lines, hunks, program."""

    tokens: np.ndarray
    lines: np.ndarray
    hunks: np.ndarray
    program: float


def predict(probe: SpanProbe, features: torch.Tensor, encoded: Encoded) -> Prediction:
    spans = text_spans(encoded)
    hunk_index = SpanIndex(
        torch.from_numpy(encoded.hunk_spans), torch.from_numpy(encoded.hunk_tokens), len(encoded.item.hunks)
    )
    with torch.inference_mode():
        logits = probe(features, spans.index).double().numpy()
        hunks = probe(features, hunk_index).double().numpy() if encoded.item.hunks else np.zeros(0)
    n_tok = int((spans.level == 0).sum())
    n_line = len(encoded.item.lines)
    return Prediction(logits[:n_tok], logits[n_tok : n_tok + n_line], hunks, float(logits[-1]))


# ----------------------------------------------------------------------------- folds and selection
@dataclass(slots=True)
class Trained:
    """A probe trained on `train_items`, with what selection saw (candidate -> validation score)."""

    config: TrainConfig
    probe: SpanProbe
    validation: dict[str, float] = field(default_factory=dict)


def fit(config: TrainConfig, table: FeatureTable, encoded: Sequence[Encoded], items: Items) -> SpanProbe:
    with single_thread():
        return train(config, table.select(config.probe, items), [text_spans(encoded[i]) for i in items])


def predict_items(
    probe: SpanProbe,
    config: TrainConfig,
    table: FeatureTable,
    encoded: Sequence[Encoded],
    items: Items,
) -> list[Prediction]:
    with single_thread():
        return [
            predict(probe, f, encoded[i])
            for f, i in zip(table.select(config.probe, items), items, strict=True)
        ]


def validation_score(predictions: Sequence[Prediction], encoded: Sequence[Encoded], items: Items) -> float:
    """Model selection criterion: line AUC on generated lines (the population a PR bot sees)."""
    scores, labels = [], []
    for p, i in zip(predictions, items, strict=True):
        generated = np.asarray(encoded[i].item.generated, dtype=bool)
        scores.append(p.lines[generated])
        labels.append(np.asarray(encoded[i].item.line_labels)[generated])
    value = auc(np.concatenate(scores), np.concatenate(labels)) if scores else float("nan")
    return -1.0 if np.isnan(value) else value


def select_and_fit(
    candidates: Sequence[TrainConfig],
    table: FeatureTable,
    encoded: Sequence[Encoded],
    items: Items,
    seed: int = 0,
) -> Trained:
    """Choose among `candidates` on a grouped validation split *inside* `items`, then refit on all of them."""
    items = np.asarray(items)
    inner = group_folds([encoded[i].item.group for i in items], N_FOLDS, seed + 1)
    fit_items, val_items = items[inner != 0], items[inner == 0]
    scores = {}
    for config in candidates:
        probe = fit(config, table, encoded, fit_items)
        scores[config.name] = validation_score(
            predict_items(probe, config, table, encoded, val_items), encoded, val_items
        )
    best = max(candidates, key=lambda c: scores[c.name])
    return Trained(best, fit(best, table, encoded, items), scores)


def out_of_fold(
    candidates: Sequence[TrainConfig], table: FeatureTable, encoded: Sequence[Encoded], folds: np.ndarray
) -> tuple[list[Prediction], list[Trained]]:
    """Predictions for every text from a probe that never saw its fold (nested selection when several
    candidates are given); also the per-fold trained probes and their selection scores."""
    predictions: list[Prediction | None] = [None] * len(encoded)
    trained = []
    for fold in sorted(set(folds.tolist())):
        train_items = np.nonzero(folds != fold)[0]
        test_items = np.nonzero(folds == fold)[0]
        if len(candidates) == 1:
            result = Trained(candidates[0], fit(candidates[0], table, encoded, train_items))
        else:
            result = select_and_fit(candidates, table, encoded, train_items, seed=fold)
        trained.append(result)
        for i, p in zip(
            test_items, predict_items(result.probe, result.config, table, encoded, test_items), strict=True
        ):
            predictions[i] = p
    return [p for p in predictions if p is not None], trained
