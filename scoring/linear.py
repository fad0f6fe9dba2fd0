"""Logistic-regression weights over named, raw features: what training fits and a review applies.

The features are log-scaled (`scoring.pr_features.scaled`), then z-scored with the training lines' mean and
scale; the log-odds are `z @ coef + intercept`. One definition serves the fit (training's estimator holds
one), the PR model and the reasons a comment names. Pure numpy; JSON through `to_dict` / `from_dict`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.pr_features import scaled

KEYS = ("features", "mean", "scale", "coef", "intercept")  # the JSON keys `to_dict` writes


@dataclass(frozen=True)
class LinearModel:
    """names: the feature columns read, in order; mean and scale: of the log-scaled training features."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def __post_init__(self) -> None:
        if not (self.mean.shape == self.scale.shape == self.coef.shape == (len(self.names),)):
            raise ValueError("the weights do not match the feature list")

    def standardised(self, features: np.ndarray) -> np.ndarray:
        """Rows of raw features (columns: `names`) as the weights see them."""
        z: np.ndarray = (scaled(np.atleast_2d(np.asarray(features, dtype=float)), self.names) - self.mean) / (
            self.scale
        )
        return z

    def logits(self, features: np.ndarray) -> np.ndarray:
        log_odds: np.ndarray = self.standardised(features) @ self.coef + self.intercept
        return log_odds

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.names),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinearModel:
        """Raises KeyError, TypeError or ValueError on a malformed mapping."""
        return cls(
            tuple(str(n) for n in data["features"]),
            np.asarray(data["mean"], float),
            np.asarray(data["scale"], float),
            np.asarray(data["coef"], float),
            float(data["intercept"]),
        )
