from __future__ import annotations

import numpy as np
import pytest

from scoring.calibration import IsotonicCalibrator, PlattCalibrator, calibrate, calibrator_from_dict
from scoring.errors import ProbeError


def test_platt_recovers_a_known_logistic_relation() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, 20000)
    labels = (rng.random(20000) < 1 / (1 + np.exp(-(0.5 * logits - 1.0)))).astype(float)
    platt = PlattCalibrator.fit(logits, labels)
    assert platt.slope == pytest.approx(0.5, abs=0.05)
    assert platt.intercept == pytest.approx(-1.0, abs=0.07)


def test_isotonic_is_monotone_and_within_unit_interval() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(size=500)
    labels = (rng.random(500) < 1 / (1 + np.exp(-2 * logits))).astype(float)
    iso = IsotonicCalibrator.fit(logits, labels)
    out = iso.apply(np.linspace(-5, 5, 101))
    assert np.all(np.diff(out) >= 0) and out.min() >= 0 and out.max() <= 1


@pytest.mark.parametrize(
    "calibrator", [PlattCalibrator(0.7, -0.2), IsotonicCalibrator((-1.0, 0.0, 2.0), (0.1, 0.4, 0.9))]
)
def test_calibrators_round_trip_through_dicts(calibrator: PlattCalibrator | IsotonicCalibrator) -> None:
    values = np.array([-3.0, -0.5, 0.0, 1.0, 4.0])
    assert np.allclose(calibrator_from_dict(calibrator.to_dict()).apply(values), calibrator.apply(values))


def test_calibrate_keeps_nan_for_empty_spans() -> None:
    out = calibrate(PlattCalibrator(), np.array([0.0, np.nan]))
    assert out[0] == 0.5 and np.isnan(out[1])


def test_platt_needs_both_classes_and_unknown_kinds_fail_clearly() -> None:
    with pytest.raises(ProbeError, match="both"):
        PlattCalibrator.fit(np.array([0.1, 0.2]), np.array([1.0, 1.0]))
    with pytest.raises(ProbeError, match="unknown calibration kind"):
        calibrator_from_dict({"kind": "temperature"})
