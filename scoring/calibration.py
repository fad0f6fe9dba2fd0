"""Turn probe logits into calibrated probabilities: Platt scaling on the log-odds (default) or isotonic.

Pure numpy at apply time; fitting uses scikit-learn. Calibrators serialise to plain dicts for the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from scoring.errors import ProbeError


class Calibrator(Protocol):
    def apply(self, logits: np.ndarray) -> np.ndarray: ...

    def to_dict(self) -> dict[str, Any]: ...


def sigmoid(values: np.ndarray) -> np.ndarray:
    """The logistic function, written with tanh so large |values| do not overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * values))


def logit(p: np.ndarray | float) -> np.ndarray:
    """The inverse of `sigmoid`, with p clipped away from 0 and 1 so the log-odds stay finite."""
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


@dataclass(frozen=True, slots=True)
class PlattCalibrator:
    """p = sigmoid(slope * logit + intercept): logistic regression on the probe's log-odds."""

    slope: float = 1.0
    intercept: float = 0.0

    @classmethod
    def fit(
        cls, logits: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None
    ) -> PlattCalibrator:
        from sklearn.linear_model import LogisticRegression

        x, y = _finite(logits, labels)
        if len(np.unique(y)) < 2:
            raise ProbeError("Platt scaling needs both edited and unedited examples")
        # A large C: Platt scaling is a 2-parameter fit on many points, regularisation only biases it.
        model = LogisticRegression(C=1e6, max_iter=1000)
        model.fit(x[:, None], y, sample_weight=None if weights is None else weights[np.isfinite(logits)])
        return cls(float(model.coef_[0, 0]), float(model.intercept_[0]))

    def apply(self, logits: np.ndarray) -> np.ndarray:
        return sigmoid(self.slope * np.asarray(logits, dtype=np.float64) + self.intercept)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "platt", "slope": self.slope, "intercept": self.intercept}


@dataclass(frozen=True, slots=True)
class IsotonicCalibrator:
    """A monotone step function from logit to probability, linearly interpolated between knots."""

    knots_logit: tuple[float, ...]
    knots_probability: tuple[float, ...]

    @classmethod
    def fit(cls, logits: np.ndarray, labels: np.ndarray) -> IsotonicCalibrator:
        from sklearn.isotonic import IsotonicRegression

        x, y = _finite(logits, labels)
        model = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(x, y)
        return cls(tuple(map(float, model.X_thresholds_)), tuple(map(float, model.y_thresholds_)))

    def apply(self, logits: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(logits, dtype=np.float64), self.knots_logit, self.knots_probability)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "isotonic",
            "knots_logit": list(self.knots_logit),
            "knots_probability": list(self.knots_probability),
        }


def calibrator_from_dict(data: dict[str, Any]) -> PlattCalibrator | IsotonicCalibrator:
    kind = data.get("kind")
    if kind == "platt":
        return PlattCalibrator(float(data["slope"]), float(data["intercept"]))
    if kind == "isotonic":
        return IsotonicCalibrator(tuple(data["knots_logit"]), tuple(data["knots_probability"]))
    raise ProbeError(f"unknown calibration kind {kind!r} (expected 'platt' or 'isotonic')")


def calibrate(calibrator: Calibrator, logits: np.ndarray) -> np.ndarray:
    """Apply a calibrator, keeping nan for spans without tokens."""
    logits = np.asarray(logits, dtype=np.float64)
    out = np.full_like(logits, np.nan)
    finite = np.isfinite(logits)
    out[finite] = calibrator.apply(logits[finite])
    return out


def _finite(logits: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    logits, labels = np.asarray(logits, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    keep = np.isfinite(logits)
    if keep.sum() == 0:
        raise ProbeError("no finite logits to calibrate on")
    return logits[keep], labels[keep]
