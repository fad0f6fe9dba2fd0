"""The scoring API that bot/ and training/ build on is a contract: changing it is a deliberate act."""

from __future__ import annotations

import importlib
import subprocess
import sys

import scoring

PINNED = [
    "CalibrationMode",
    "HiddenStateCache",
    "IsotonicCalibrator",
    "ModelChoice",
    "PRScorer",
    "PlattCalibrator",
    "ProbeCard",
    "ProbeConfig",
    "RedlineError",
    "Scorer",
    "ScorerProtocol",
    "Span",
    "SpanIndex",
    "SpanProbe",
    "SpanScore",
    "Supervisor",
    "TokenizedText",
    "WindowConfig",
    "load_probe",
    "load_supervisor",
    "load_tokenizer",
    "save_probe",
    "load_scorer",
    "token_features",
    "tokenize",
]


def test_scoring_exports_exactly_the_pinned_names() -> None:
    assert scoring.__all__ == sorted(PINNED)
    for name in PINNED:
        # Each name is the object its module defines, not a stand-in that merely exists.
        assert getattr(scoring, name) is getattr(importlib.import_module(scoring._EXPORTS[name]), name)


def test_importing_scoring_and_its_errors_does_not_import_torch() -> None:
    code = "import sys, scoring, scoring.errors; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
