"""The span-query probe (Gros & Devanbu 2025): one shared head over token features, any span by pooling.

token features [T, D] -> z-score -> dropout -> linear D->h -> GELU -> pool over each span -> linear h->1.
One forward pass of the supervisor answers any number of spans (tokens, lines, hunks, the whole text).
Saved as safetensors weights + a JSON card that pins the supervisor, tokenizer and calibrations.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from scoring.card import Pooling, ProbeCard, ProbeConfig
from scoring.errors import ProbeError

WEIGHTS_FILE = "probe.safetensors"
CARD_FILE = "probe.json"
DEFAULT_PROBE_DIR = Path(__file__).parents[1] / "probes" / "default"  # the shipped probe
CONSTANT_STD = 1e-4  # below this a training column counts as constant


@dataclass(frozen=True, slots=True)
class SpanIndex:
    """Sparse span membership: token `tokens[k]` belongs to span `spans[k]`; `n_spans` spans in all.

    Sparse because a batch of 16 programs has thousands of tokens and spans, and a dense [S, T, h]
    max-pool would not fit in memory.
    """

    spans: torch.Tensor
    tokens: torch.Tensor
    n_spans: int

    @classmethod
    def from_mask(cls, mask: np.ndarray | torch.Tensor) -> SpanIndex:
        mask_tensor = torch.as_tensor(mask, dtype=torch.bool)
        rows, cols = mask_tensor.nonzero(as_tuple=True)
        return cls(rows, cols, int(mask_tensor.shape[0]))

    @classmethod
    def concat(cls, indices: list[SpanIndex], token_counts: list[int]) -> SpanIndex:
        """One index over texts laid end to end (their features concatenated in the same order)."""
        token_offsets = np.concatenate([[0], np.cumsum(token_counts)[:-1]]).tolist()
        span_offsets = np.concatenate([[0], np.cumsum([i.n_spans for i in indices])[:-1]]).tolist()
        return cls(
            torch.cat([i.spans + o for i, o in zip(indices, span_offsets, strict=True)]),
            torch.cat([i.tokens + o for i, o in zip(indices, token_offsets, strict=True)]),
            sum(i.n_spans for i in indices),
        )


class SpanProbe(nn.Module):
    # Buffers (saved with the weights, not trained), declared for the type checker.
    feature_mean: torch.Tensor
    feature_std: torch.Tensor

    def __init__(self, config: ProbeConfig, input_size: int) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("feature_mean", torch.zeros(input_size))
        self.register_buffer("feature_std", torch.ones(input_size))
        self.dropout = nn.Dropout(config.dropout)
        self.project = nn.Linear(input_size, config.hidden)
        self.attention = nn.Linear(config.hidden, 1) if config.pooling is Pooling.ATTENTION else None
        self.output = nn.Linear(config.hidden, 1)

    def fit_normalizer(self, features: torch.Tensor) -> None:
        """z-score statistics from training features: SmolLM2 has a few huge activation dimensions."""
        self.feature_mean.copy_(features.mean(0))
        std = features.std(0)
        # A column constant in training (a rare static signal that never fired) is left unscaled: dividing by
        # a tiny std would blow its first non-zero value at scoring time up by orders of magnitude.
        self.feature_std.copy_(torch.where(std < CONSTANT_STD, torch.ones_like(std), std))

    def token_projection(self, features: torch.Tensor) -> torch.Tensor:
        """[T, D] token features -> [T, h] projected features."""
        normalised = (features - self.feature_mean) / self.feature_std
        return torch.nn.functional.gelu(self.project(self.dropout(normalised)))

    def forward(self, features: torch.Tensor, index: SpanIndex) -> torch.Tensor:
        """Logits [S] for the spans of `index`; nan for a span that covers no token."""
        projected = self.token_projection(features)
        pooled = self.pool(projected, index)
        logits = self.output(pooled).squeeze(-1)
        counts = torch.bincount(index.spans, minlength=index.n_spans)
        return torch.where(counts > 0, logits, torch.full_like(logits, float("nan")))

    def pool(self, projected: torch.Tensor, index: SpanIndex) -> torch.Tensor:
        hidden = projected.shape[1]
        members = projected[index.tokens]  # [nnz, h]
        target = index.spans[:, None].expand(-1, hidden)
        zeros = projected.new_zeros(index.n_spans, hidden)
        if self.config.pooling is Pooling.MAX:
            return zeros.scatter_reduce(0, target, members, reduce="amax", include_self=False)
        if self.config.pooling is Pooling.MEAN:
            return zeros.scatter_reduce(0, target, members, reduce="mean", include_self=False)
        assert self.attention is not None
        scores = self.attention(members).squeeze(-1)  # [nnz]
        span_max = scores.new_full((index.n_spans,), -torch.inf).scatter_reduce(
            0, index.spans, scores, reduce="amax", include_self=True
        )
        weights = torch.exp(scores - span_max[index.spans])
        totals = scores.new_zeros(index.n_spans).index_add(0, index.spans, weights)
        weights = weights / totals[index.spans].clamp_min(1e-12)
        return zeros.index_add(0, index.spans, members * weights[:, None])


def save_probe(directory: Path, probe: SpanProbe, card: ProbeCard) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().contiguous() for name, tensor in probe.state_dict().items()}
    save_file(state, str(directory / WEIGHTS_FILE))
    (directory / CARD_FILE).write_text(card.to_json() + "\n")


def load_probe(directory: Path) -> tuple[SpanProbe, ProbeCard]:
    card_path, weights_path = directory / CARD_FILE, directory / WEIGHTS_FILE
    if not card_path.is_file() or not weights_path.is_file():
        raise ProbeError(f"no probe at {directory} (expected {CARD_FILE} and {WEIGHTS_FILE})")
    card = ProbeCard.from_json(card_path.read_text(), str(card_path))
    probe = SpanProbe(card.probe_config, card.input_size)
    try:
        probe.load_state_dict(load_file(str(weights_path)))
    except (RuntimeError, OSError) as error:
        raise ProbeError(f"{weights_path} does not hold the weights its card describes: {error}") from error
    return probe.eval(), card
