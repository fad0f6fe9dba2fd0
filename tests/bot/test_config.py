"""Settings: defaults with no file, the YAML file, env overrides and clear errors."""

from __future__ import annotations

import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import ENV_VARS, Settings, load_settings
from scoring.attribution import DetectMode
from scoring.decisions import DEFAULT_COMMENT_THRESHOLD, DEFAULT_GATE_THRESHOLD
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


def test_the_card_s_gate_threshold_is_used_unless_configured():
    assert load_settings(None, env={}).decision_thresholds(0.1, 0.33).gate == 0.33
    assert load_settings(None, env={}).decision_thresholds(0.1).gate == DEFAULT_GATE_THRESHOLD
    configured = load_settings("thresholds:\n  gate: 0.9\n", env={})
    assert configured.decision_thresholds(0.1, 0.33).gate == 0.9


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
        ("comments: {max: " + "9" * 5000 + "}", {}, "integer of 5,000 digits is too long"),
        ("thresholds: {gate: true}", {}, "thresholds.gate: Input should be a valid number"),
        ("comments: {max: true}", {}, "comments.max: Input should be a valid integer"),
        ("comments: {max: 3}\ncomments: {max: 4}\n", {}, "duplicate key 'comments'"),
        ("comments: {max: 3, max: 4}", {}, "duplicate key 'max'"),
    ],
)
def test_invalid_configuration_is_a_clear_config_error(text, env, fragment):
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace("[", r"\[")):
        load_settings(text, env=env)


def test_a_yaml_merge_key_may_be_overridden_and_an_integer_is_a_number():
    merged = load_settings("thresholds: {<<: {gate: 0.5, comment: 0.2}, gate: 1}\n", env={})
    assert (merged.thresholds.gate, merged.thresholds.comment) == (1.0, 0.2)


def test_the_documented_example_config_is_exactly_the_defaults():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "redline.yml"
    assert load_settings(example.read_text(), env={}) == load_settings(None, env={})


def test_a_repository_can_switch_its_own_recalibration_off():
    assert load_settings(None, env={}).calibration.recalibrate
    assert not load_settings("calibration: {recalibrate: false}\n", env={}).calibration.recalibrate
    with pytest.raises(ConfigError, match=r"calibration\.recalibrate"):
        load_settings("calibration: {recalibrate: sometimes}\n", env={})


@pytest.mark.parametrize(("value", "expected"), [("on", True), ("YES", True), ("1", True), (" off ", False)])
def test_boolean_env_vars_accept_the_usual_spellings(value, expected):
    from bot.app.settings import AppSettings

    assert load_settings(None, env={"REDLINE_GATE": value}).gate.enabled is expected
    assert AppSettings.from_env({"REDLINE_RECALIBRATE": value}).recalibrate is expected


# -- error text stays readable whatever the file holds ----------------------------------------------------

MAX_MESSAGE = 2000


def test_fifty_thousand_unknown_keys_are_named_by_the_first_few_and_counted():
    text = "\n".join(f"key{i}: 1" for i in range(50_000))
    with pytest.raises(ConfigError) as raised:
        load_settings(text, env={})
    message = str(raised.value)
    assert "unknown keys key0, key1, key2, key3, key4 and 49,995 more" in message
    assert "key5," not in message and len(message) < MAX_MESSAGE


def test_unknown_keys_inside_a_section_and_other_problems_are_both_reported():
    text = "thresholds: {" + ", ".join(f"k{i}: 1" for i in range(1000)) + ", gate: 7}"
    with pytest.raises(ConfigError) as raised:
        load_settings(text, env={})
    message = str(raised.value)
    assert "thresholds.k0" in message and "995 more unknown keys" in message and "thresholds.gate" in message


def test_huge_keys_and_values_are_clipped_in_the_message():
    with pytest.raises(ConfigError) as raised:
        load_settings("k" * 1_000_000 + ": 1\n", env={})
    assert len(str(raised.value)) < MAX_MESSAGE
    with pytest.raises(ConfigError, match="REDLINE_GATE") as raised:
        load_settings(None, env={"REDLINE_GATE": "y" * 1_000_000})
    assert len(str(raised.value)) < MAX_MESSAGE
    with pytest.raises(ConfigError, match="not a valid regex") as raised:
        load_settings("ai: {patterns: ['" + "(" * 100_000 + "']}", env={})
    assert len(str(raised.value)) < MAX_MESSAGE


def test_fifty_thousand_bad_list_entries_are_counted():
    text = "paths: {include: [" + ", ".join(["[1]"] * 50_000) + "]}"
    with pytest.raises(ConfigError) as raised:
        load_settings(text, env={})
    assert "49,995 more problems" in str(raised.value) and len(str(raised.value)) < MAX_MESSAGE


# -- property-based: whatever the file and the env say, Settings or one short ConfigError ---------------

_SECTIONS = {name: field.annotation for name, field in Settings.model_fields.items()}
_FIELDS = sorted({name for model in _SECTIONS.values() for name in model.model_fields})
_KEYS = st.sampled_from(_FIELDS) | st.text(max_size=8)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["detect", "all", "none", "0.5", "(", "**"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)
_DOCUMENTS = st.dictionaries(
    st.sampled_from(sorted(_SECTIONS)) | st.text(max_size=8),
    st.dictionaries(_KEYS, _VALUES, max_size=4) | _VALUES,
    max_size=5,
)
_YAML_LIKE = st.text(alphabet=" :-[]{},'\"\n\t#&*!|>?%@`abcdefgmrt01.\\", max_size=200)
_TEXTS = (
    st.none()
    | _DOCUMENTS.map(lambda d: yaml.safe_dump(d, allow_unicode=True))
    | _YAML_LIKE
    | st.text(max_size=200)
)
_ENV = st.dictionaries(st.sampled_from(sorted(ENV_VARS)), st.text(max_size=30), max_size=3)


@settings(
    max_examples=int(os.environ.get("REDLINE_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(_TEXTS, _ENV)
def test_any_file_and_env_give_settings_or_one_short_config_error(text, env):
    try:
        loaded = load_settings(text, env=env)
    except ConfigError as error:
        assert 0 < len(str(error)) < MAX_MESSAGE
    else:
        assert isinstance(loaded, Settings)
