"""Settings: defaults with no file, the YAML file, env overrides and clear errors."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from scoring.attribution import DetectMode
from scoring.decisions import DEFAULT_COMMENT_THRESHOLD
from scoring.errors import ConfigError


def test_no_file_and_no_env_gives_working_defaults():
    settings = load_settings(None, env={})
    thresholds = settings.decision_thresholds()
    assert thresholds.comment == DEFAULT_COMMENT_THRESHOLD and thresholds.max_comments == 30
    assert settings.gate.enabled and settings.gate.override_label == "redline:accept-risk"


def test_probe_card_threshold_is_used_unless_configured():
    assert load_settings(None, env={}).decision_thresholds(0.63).comment == 0.63
    configured = load_settings("thresholds:\n  comment: 0.7\n", env={})
    assert configured.decision_thresholds(0.63).comment == 0.7


def test_yaml_sections_are_read():
    text = """
thresholds: {gate: 0.9}
comments: {max: 5}
gate: {enabled: false}
paths: {include: ["src/**"], exclude: ["src/gen/**"]}
ai: {detect: all, patterns: ["^\\\\[bot\\\\]"]}
model: {supervisor: Qwen/Qwen2.5-Coder-0.5B}
languages: {extra: [javascript]}
"""
    settings = load_settings(text, env={})
    assert settings.thresholds.gate == 0.9 and settings.comments.max == 5 and not settings.gate.enabled
    assert settings.paths.include == ("src/**",) and settings.ai.detect is DetectMode.ALL
    assert settings.attribution_rules().extra_patterns == ("^\\[bot\\]",)
    assert settings.model.supervisor == "Qwen/Qwen2.5-Coder-0.5B" and settings.languages.extra == (
        "javascript",
    )


def test_env_overrides_the_file():
    settings = load_settings(
        "thresholds: {gate: 0.9}\n",
        env={"REDLINE_GATE_THRESHOLD": "0.6", "REDLINE_GATE": "off", "REDLINE_AI_PATTERNS": "a, b"},
    )
    assert (
        settings.thresholds.gate == 0.6 and not settings.gate.enabled and settings.ai.patterns == ("a", "b")
    )


@pytest.mark.parametrize(
    ("text", "env", "fragment"),
    [
        ("thresholds: {comment: 1.5}", {}, "thresholds.comment"),
        ("thresholds: {coment: 0.5}", {}, "thresholds.coment"),
        ("ai: {detect: sometimes}", {}, "ai.detect"),
        ("ai: {patterns: ['(']}", {}, "not a valid regex"),
        ("- a\n- b", {}, "must be a mapping"),
        ("thresholds: [", {}, "not valid YAML"),
        (None, {"REDLINE_MAX_COMMENTS": "many"}, "REDLINE_MAX_COMMENTS"),
        (None, {"REDLINE_GATE": "perhaps"}, "REDLINE_GATE"),
    ],
)
def test_invalid_configuration_is_a_clear_config_error(text, env, fragment):
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace("[", r"\[")):
        load_settings(text, env=env)


def test_the_documented_example_config_is_exactly_the_defaults():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "redline.yml"
    assert load_settings(example.read_text(), env={}) == load_settings(None, env={})


def test_a_repository_can_switch_its_own_recalibration_off():
    assert load_settings(None, env={}).calibration.recalibrate
    assert not load_settings("calibration: {recalibrate: false}\n", env={}).calibration.recalibrate
    with pytest.raises(ConfigError, match="calibration.recalibrate"):
        load_settings("calibration: {recalibrate: sometimes}\n", env={})


@pytest.mark.parametrize(("value", "expected"), [("on", True), ("YES", True), ("1", True), (" off ", False)])
def test_boolean_env_vars_accept_the_usual_spellings(value, expected):
    from bot.app.settings import AppSettings

    assert load_settings(None, env={"REDLINE_GATE": value}).gate.enabled is expected
    assert AppSettings.from_env({"REDLINE_RECALIBRATE": value}).recalibrate is expected
