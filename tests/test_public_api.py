"""The scoring API that bot/ and training/ build on is a contract: changing it is a deliberate act."""

from __future__ import annotations

import scoring

PINNED = [
    "CalibrationMode", "HiddenStateCache", "IsotonicCalibrator", "PlattCalibrator", "ProbeCard", "ProbeConfig",
    "RedlineError", "Scorer", "ScorerProtocol", "Span", "SpanIndex", "SpanProbe", "SpanScore", "Supervisor",
    "TokenizedText", "WindowConfig", "load_probe", "load_supervisor", "load_tokenizer", "save_probe",
    "token_features", "tokenize",
]


def test_scoring_exports_exactly_the_pinned_names() -> None:
    assert scoring.__all__ == sorted(PINNED)
    for name in PINNED:
        assert getattr(scoring, name) is not None
