"""One place picks the model: the settings name it, scoring.registry builds it, torch only for the probe."""

from __future__ import annotations

import importlib.util

import pytest

from bot.config import load_settings
from scoring.errors import ModelLoadError
from scoring.pr_scorer import PRScorer
from scoring.registry import ModelChoice, load_scorer, require_probe_extra


@pytest.mark.parametrize(
    ("config", "model", "probe", "expected"),
    [
        (None, None, None, False),
        ("model:\n  pr_model: default\n", None, None, False),
        ("model:\n  pr_model: my/pr_model.json\n", None, None, False),
        ("model:\n  pr_model: probe\n", None, None, True),
        ("model:\n  supervisor: HuggingFaceTB/SmolLM2-135M-Instruct\n", None, None, True),
        ("model:\n  probe: my/probe\n", None, None, True),
        (None, "HuggingFaceTB/SmolLM2-135M-Instruct", None, True),
        (None, None, "my/probe", True),
        (None, "", "", False),  # an Action input left empty
    ],
)
def test_uses_probe(config, model, probe, expected):
    assert ModelChoice.of(load_settings(config, env={}).model, model, probe).uses_probe is expected


def test_settings_and_their_choice_load_the_same_scorer_and_equal_choices_are_one_key():
    settings = load_settings("model:\n  pr_model: default\n", env={}).model
    assert isinstance(load_scorer(settings), PRScorer)
    assert isinstance(load_scorer(ModelChoice()), PRScorer)
    assert ModelChoice.of(settings) == ModelChoice() and len({ModelChoice.of(settings), ModelChoice()}) == 1


def test_the_probe_without_its_extra_is_one_error_naming_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    with pytest.raises(ModelLoadError, match=r"redline\[probe\]") as caught:
        require_probe_extra()
    assert "torch" in str(caught.value)
    with pytest.raises(ModelLoadError, match=r"redline\[probe\]"):
        load_scorer(ModelChoice("probe"))
