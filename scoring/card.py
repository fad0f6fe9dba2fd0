"""What a model is, as data: `ModelCard`, what a review reads of whichever model scores (the PR model or
the supervisor probe), and the probe's own config and card. No torch here, so reading a card does not load
the deep-learning stack."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from scoring.errors import ProbeError

PROBE_FORMAT_VERSION = 1
# The languages of a model whose card lists none: every model before TypeScript was trained on Python only.
DEFAULT_LANGUAGES = ("python",)


@dataclass(frozen=True, slots=True)
class ModelCard:
    """What a review reads of the model that scores it, whichever model that is.

    version: stored with every scored line and named in every comment.
    languages: the languages the model scores first-class (its card's `languages`, else DEFAULT_LANGUAGES);
    a file in another language is scored only where the settings' `languages.extra` names it.
    comment_threshold, gate_threshold: the model's defaults for thresholds the settings leave unset.
    metrics: the model's evaluation as its card records it. meaning: what its probability is a probability of.
    """

    version: str
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    comment_threshold: float | None = None
    gate_threshold: float | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    meaning: str = ""

    @classmethod
    def of(cls, version: str, card: Mapping[str, Any]) -> ModelCard:
        """The card of the PR model whose JSON (less its weights) is `card`: top-level `languages`,
        `decisions`, `evaluation` and `meaning`."""
        decisions = card.get("decisions") or {}
        return cls(
            version,
            _languages(card.get("languages")),
            _threshold(decisions.get("comment_threshold")),
            _threshold(decisions.get("gate_threshold")),
            dict(card.get("evaluation") or {}),
            str(card.get("meaning") or ""),
        )


def _languages(listed: object) -> tuple[str, ...]:
    if isinstance(listed, str):
        listed = [listed]
    found = tuple(str(x).lower() for x in listed) if isinstance(listed, list | tuple) else ()
    return found or DEFAULT_LANGUAGES


def _threshold(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


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

    def model_card(self) -> ModelCard:
        """What a review reads of this probe: the languages it was trained on, its thresholds, its metrics."""
        return ModelCard(
            self.version,
            _languages(self.training_data.get("languages")),
            _threshold(self.decisions.get("comment_threshold")),
            _threshold(self.decisions.get("gate_threshold")),
            dict(self.metrics),
        )

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
