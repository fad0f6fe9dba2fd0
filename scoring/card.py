"""What a probe is, as data: its config and its card. No torch here, so reading a card (and scoring with the
PR model, which reuses the card's shape) does not load the deep-learning stack."""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from scoring.errors import ProbeError

PROBE_FORMAT_VERSION = 1


class Pooling(enum.StrEnum):
    MAX = "max"
    MEAN = "mean"
    ATTENTION = "attention"


@dataclass(frozen=True, slots=True)
class ProbeConfig:
    """What the probe reads and how it pools.

    layers: supervisor layers whose hidden states are concatenated (0 = embeddings, k = after layer k).
    extra_features: per-token features appended to the hidden states (names in scoring.probe.features).
    """

    layers: tuple[int, ...] = (15,)
    hidden: int = 32
    pooling: Pooling = Pooling.MAX
    dropout: float = 0.2
    extra_features: tuple[str, ...] = ()

    def input_size(self, supervisor_hidden: int) -> int:
        return len(self.layers) * supervisor_hidden + len(self.extra_features)

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": list(self.layers),
            "hidden": self.hidden,
            "pooling": str(self.pooling),
            "dropout": self.dropout,
            "extra_features": list(self.extra_features),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProbeConfig:
        return cls(
            layers=tuple(data["layers"]),
            hidden=int(data["hidden"]),
            pooling=Pooling(data["pooling"]),
            dropout=float(data["dropout"]),
            extra_features=tuple(data.get("extra_features", ())),
        )


@dataclass(slots=True)
class ProbeCard:
    """Everything needed to trust a probe: what it reads, what it was trained on, how it is calibrated."""

    version: str
    supervisor: dict[str, str]
    tokenizer_hash: str
    config: dict[str, Any]
    input_size: int
    window: dict[str, int]
    calibration: dict[str, dict[str, Any]]
    training_data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    decisions: dict[str, Any] = field(default_factory=dict)
    format_version: int = PROBE_FORMAT_VERSION

    @property
    def probe_config(self) -> ProbeConfig:
        return ProbeConfig.from_dict(self.config)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, source: str) -> ProbeCard:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ProbeError(f"{source} is not valid JSON: {error}") from error
        found = data.get("format_version")
        if found != PROBE_FORMAT_VERSION:
            raise ProbeError(
                f"{source} has probe format {found!r}; this redline reads format {PROBE_FORMAT_VERSION}. "
                "Retrain it with `redline train` or install the redline version that wrote it."
            )
        try:
            return cls(**data)
        except TypeError as error:
            raise ProbeError(f"{source} is not a probe card: {error}") from error
