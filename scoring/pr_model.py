"""The PR model: P(a person edits this AI-written line later) from what a review can see, with a repo prior.

A logistic regression over `scoring.pr_features` (standardised), trained on human edits of AI lines in
many real repositories and calibrated (Platt) on predictions for repositories it was not fitted on. A
repository's own edit rate differs from the training mix (2-40 % of AI lines): `probabilities(...,
prior=rate)` moves the log-odds by logit(rate) - logit(training rate), the Bayes correction for a changed
base rate, so the same ranking reads as that repository's probabilities.

Pure numpy at apply time; the model is a JSON card (`scoring/probes/pr/pr_model.json`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scoring.calibration import PlattCalibrator, logit, sigmoid
from scoring.errors import ProbeError
from scoring.explain import Reason, reasons
from scoring.linear import KEYS as LINEAR_KEYS
from scoring.linear import LinearModel
from scoring.pr_features import Family, feature_names

DEFAULT_PR_MODEL = Path(__file__).parent / "probes" / "pr" / "pr_model.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class HunkModel:
    """P(at least one line of a hunk gets the target edit) from its lines' calibrated log-odds and its size.

    coef: weights of the riskiest line's log-odds, the mean line log-odds and log(lines), in that order.
    """

    coef: np.ndarray
    intercept: float

    @staticmethod
    def design(max_log_odds: np.ndarray, mean_log_odds: np.ndarray, lines: np.ndarray) -> np.ndarray:
        return np.column_stack([max_log_odds, mean_log_odds, np.log(np.maximum(lines, 1.0))])

    def probabilities(
        self, max_log_odds: np.ndarray, mean_log_odds: np.ndarray, lines: np.ndarray
    ) -> np.ndarray:
        return sigmoid(self.design(max_log_odds, mean_log_odds, lines) @ self.coef + self.intercept)

    def to_dict(self) -> dict[str, Any]:
        return {
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "inputs": ["max line log-odds", "mean line log-odds", "log(lines)"],
        }


@dataclass(frozen=True)
class PRModel:
    """Linear weights, their calibration and the training mix's edit rate (`base_rate`).

    families: what a review must compute; `linear.names`: the columns of those families the weights read.

    card: everything else the JSON holds (training data, evaluation, comment threshold and its rule).
    """

    families: tuple[Family, ...]
    linear: LinearModel
    calibration: PlattCalibrator
    base_rate: float
    card: dict[str, Any] = field(default_factory=dict)
    hunk: HunkModel | None = None  # None: a hunk's probability is its riskiest line's

    @property
    def names(self) -> tuple[str, ...]:
        return self.linear.names

    @property
    def version(self) -> str:
        return str(self.card.get("version", "unversioned"))

    @property
    def comment_threshold(self) -> float | None:
        value = self.card.get("decisions", {}).get("comment_threshold")
        return None if value is None else float(value)

    def columns(self, features: np.ndarray) -> np.ndarray:
        """This model's columns of a matrix computed for its `families` (see `file_features`)."""
        index = {name: k for k, name in enumerate(feature_names(self.families))}
        return features[:, [index[name] for name in self.names]]

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Raw model log-odds for rows of `features` (columns: `names`, unscaled)."""
        return self.linear.logits(features)

    def probabilities(self, features: np.ndarray, prior: float | None = None) -> np.ndarray:
        """Calibrated P(edited by a person); with `prior`, for a repository whose AI lines are edited at that
        rate."""
        shift = 0.0 if prior is None else float(logit(prior) - logit(self.base_rate))
        calibration = PlattCalibrator(self.calibration.slope, self.calibration.intercept + shift)
        return calibration.apply(self.logits(features))

    def hunk_probability(self, line_probabilities: Sequence[float]) -> float:
        """P(some line of a hunk gets the target edit) from its lines' calibrated probabilities."""
        p = np.clip(np.asarray(line_probabilities, dtype=float), 1e-6, 1 - 1e-6)
        if self.hunk is None or len(p) == 1:
            return float(p.max())
        z = logit(p)
        return float(
            self.hunk.probabilities(np.array([z.max()]), np.array([z.mean()]), np.array([len(p)]))[0]
        )

    def digest(self) -> str:
        """A short hash of what decides a probability (features, weights, calibration): two models with the
        same digest score every line alike, so versions can tell retrained models apart."""
        weights = {
            k: v
            for k, v in self.to_dict().items()
            if k in ("coef", "intercept", "calibration", "mean", "scale", "features")
        }
        return hashlib.sha256(json.dumps(weights, sort_keys=True).encode()).hexdigest()[:10]

    def reasons(self, row: np.ndarray) -> tuple[Reason, ...]:
        """What raised one row's (columns: `names`) probability most, in words (`scoring.explain`)."""
        return reasons(self.linear, row)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.card,
            "format_version": FORMAT_VERSION,
            "families": [str(f) for f in self.families],
            **self.linear.to_dict(),
            "calibration": self.calibration.to_dict(),
            "base_rate": self.base_rate,
            **({"hunk_model": self.hunk.to_dict()} if self.hunk is not None else {}),
        }

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n", encoding="utf-8")


def pr_model_from_dict(data: dict[str, Any]) -> PRModel:
    try:
        if data.get("format_version") != FORMAT_VERSION:
            raise ProbeError(
                f"PR model format {data.get('format_version')!r}; this redline reads {FORMAT_VERSION}"
            )
        families = tuple(Family(f) for f in data["families"])
        linear = LinearModel.from_dict(data)
        if not set(linear.names) <= set(feature_names(families)):
            raise ProbeError("the PR model reads features this redline does not compute: retrain it")
        calibration = data["calibration"]
        return PRModel(
            families,
            linear,
            PlattCalibrator(float(calibration["slope"]), float(calibration["intercept"])),
            float(data["base_rate"]),
            {k: v for k, v in data.items() if k not in _WEIGHT_KEYS},
            _hunk_model(data.get("hunk_model")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ProbeError(f"malformed PR model card: {error!r}") from error


_WEIGHT_KEYS = frozenset(
    {"format_version", "families", *LINEAR_KEYS, "calibration", "base_rate", "hunk_model"}
)


def _hunk_model(data: dict[str, Any] | None) -> HunkModel | None:
    if data is None:
        return None
    coef = np.asarray(data["coef"], float)
    if coef.shape != (3,):
        raise ValueError("the hunk model has 3 weights")
    return HunkModel(coef, float(data["intercept"]))


def load_pr_model(path: Path | None = None) -> PRModel:
    path = path or DEFAULT_PR_MODEL
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ProbeError(f"cannot read the PR model at {path}: {error}") from error
    return pr_model_from_dict(data)
