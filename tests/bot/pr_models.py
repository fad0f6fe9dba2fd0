"""Small real PR models for review tests: a few named weights over the line and diff families."""

from __future__ import annotations

import numpy as np

from scoring.calibration import PlattCalibrator
from scoring.linear import LinearModel
from scoring.pr_features import Family, feature_names
from scoring.pr_model import PRModel

FAMILIES = (Family.LINE, Family.DIFF)


def linear_model(
    weights: dict[str, float], card: dict[str, object], families: tuple[Family, ...] = FAMILIES
) -> PRModel:
    """Log-odds -2 plus `weights` (feature -> weight on the raw, log-scaled value), calibrated as is."""
    names = feature_names(families)
    coef = np.zeros(len(names))
    for name, weight in weights.items():
        coef[names.index(name)] = weight
    return PRModel(
        families,
        LinearModel(names, np.zeros(len(names)), np.ones(len(names)), coef, -2.0),
        PlattCalibrator(1.0, 0.0),
        0.1,
        card,
    )
