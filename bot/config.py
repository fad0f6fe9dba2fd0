"""Settings: one typed, frozen object built from defaults <- the repo's `.github/redline.yml` <- env vars.

Read once at the edge (CLI, Action, worker) and passed down. Every field has a working default, so no
file and no env var is needed. To add a field: add it to a section model and, if it has an env var,
one row to ENV_VARS.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from scoring.attribution import DEFAULT_BRANCH_PREFIXES, DEFAULT_LABELS, DetectMode, Rules
from scoring.decisions import (
    DEFAULT_COMMENT_THRESHOLD,
    DEFAULT_GATE_THRESHOLD,
    DEFAULT_MAX_COMMENTS,
    Thresholds,
)
from scoring.errors import ConfigError

CONFIG_PATH = ".github/redline.yml"
OVERRIDE_LABEL = "redline:accept-risk"
DOCS_URL = "https://github.com/redline-review/redline/blob/main/docs/review.md"
DEFAULT_EXCLUDE: tuple[str, ...] = (
    "**/*.lock",
    "**/package-lock.json",
    "**/*.min.js",
    "**/vendor/**",
    "**/node_modules/**",
    "**/*.generated.*",
)


# Strict: YAML's `true` must not pass as the number 1 (pydantic's lax mode reads `gate: true` as 1.0);
# an integer still passes as a float.
Number = Annotated[float, Strict()]
Count = Annotated[int, Strict()]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThresholdSettings(_Section):
    comment: Number | None = Field(default=None, ge=0.0, le=1.0, description="None: the model card's default")
    gate: Number | None = Field(
        default=None, ge=0.0, le=1.0, description="None: the model card's gate threshold"
    )


class CommentSettings(_Section):
    max: Count = Field(default=DEFAULT_MAX_COMMENTS, ge=0, le=100)
    docs_url: str = DOCS_URL


class GateSettings(_Section):
    enabled: bool = True
    override_label: str = OVERRIDE_LABEL


class PathSettings(_Section):
    include: tuple[str, ...] = ("**",)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE


class AISettings(_Section):
    detect: DetectMode = DetectMode.DETECT
    patterns: tuple[str, ...] = ()
    branch_prefixes: tuple[str, ...] = DEFAULT_BRANCH_PREFIXES
    labels: tuple[str, ...] = DEFAULT_LABELS


class ModelSettings(_Section):
    supervisor: str | None = None
    probe: str | None = None
    # What scores a PR's lines: "default" (the shipped PR model, trained on people's edits of AI lines in
    # real repositories), a path to a pr_model.json, or "probe" (the supervisor probe, as `redline score`).
    pr_model: str = "default"
    # This repository's share of AI-written lines that people edit later (`redline prior` estimates it
    # from the repository's history); None: the training repositories' rate.
    repo_edit_rate: Number | None = Field(default=None, gt=0, lt=1)


class CalibrationSettings(_Section):
    # false: the App never applies this repository's own recalibration (the shipped one is used).
    recalibrate: bool = True


class LanguageSettings(_Section):
    # Languages the model's card does not list are scored only when listed here ("*": all), with a note.
    extra: tuple[str, ...] = ()
    max_added_lines_per_file: Count = Field(default=5000, ge=1)


class ReportSettings(_Section):
    enabled: bool = True  # false: no weekly calibration report issue for this repository


class Settings(_Section):
    thresholds: ThresholdSettings = ThresholdSettings()
    comments: CommentSettings = CommentSettings()
    gate: GateSettings = GateSettings()
    paths: PathSettings = PathSettings()
    ai: AISettings = AISettings()
    model: ModelSettings = ModelSettings()
    languages: LanguageSettings = LanguageSettings()
    calibration: CalibrationSettings = CalibrationSettings()
    report: ReportSettings = ReportSettings()

    def decision_thresholds(
        self, card_comment_threshold: float | None = None, card_gate_threshold: float | None = None
    ) -> Thresholds:
        """The decision knobs; an unset threshold falls back to the model card's, then to the built-in
        default."""
        comment, gate = self.thresholds.comment, self.thresholds.gate
        if comment is None:
            comment = (
                card_comment_threshold if card_comment_threshold is not None else DEFAULT_COMMENT_THRESHOLD
            )
        if gate is None:
            gate = card_gate_threshold if card_gate_threshold is not None else DEFAULT_GATE_THRESHOLD
        return Thresholds(comment=comment, gate=gate, max_comments=self.comments.max)

    def attribution_rules(self) -> Rules:
        return Rules(
            mode=self.ai.detect,
            extra_patterns=self.ai.patterns,
            branch_prefixes=self.ai.branch_prefixes,
            labels=self.ai.labels,
        )


# env var -> (section, field, kind); Action inputs map onto these names in action.yml.
ENV_VARS: dict[str, tuple[str, str, Literal["float", "int", "bool", "str", "list"]]] = {
    "REDLINE_COMMENT_THRESHOLD": ("thresholds", "comment", "float"),
    "REDLINE_GATE_THRESHOLD": ("thresholds", "gate", "float"),
    "REDLINE_MAX_COMMENTS": ("comments", "max", "int"),
    "REDLINE_GATE": ("gate", "enabled", "bool"),
    "REDLINE_AI_DETECT": ("ai", "detect", "str"),
    "REDLINE_AI_PATTERNS": ("ai", "patterns", "list"),
    "REDLINE_MODEL": ("model", "supervisor", "str"),
    "REDLINE_PROBE": ("model", "probe", "str"),
    "REDLINE_PR_MODEL": ("model", "pr_model", "str"),
    "REDLINE_REPO_EDIT_RATE": ("model", "repo_edit_rate", "float"),
    "REDLINE_LANGUAGES": ("languages", "extra", "list"),
}


def load_settings(config_text: str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the text of `.github/redline.yml` (None: no file) and env vars (None:
    os.environ)."""
    data = _parse_yaml(config_text)
    env = os.environ if env is None else env
    for name, (section, field, kind) in ENV_VARS.items():
        value = env.get(name, "").strip()
        if value:
            data.setdefault(section, {})
            if not isinstance(data[section], dict):
                raise ConfigError(f"{CONFIG_PATH}: `{section}` must be a mapping")
            data[section][field] = _convert_env(name, value, kind)
    try:
        settings = Settings.model_validate(data)
        settings.attribution_rules()  # validates the regexes
    except ValidationError as error:
        message = f"invalid redline configuration ({CONFIG_PATH} or REDLINE_* env): {_problems(error)}"
        raise ConfigError(_clip(message, MAX_ERROR_CHARS)) from None
    except ConfigError as error:  # a bad regex: its message quotes the pattern, which may be huge
        raise ConfigError(_clip(str(error), MAX_ERROR_CHARS)) from None
    return settings


# An error names at most this many keys or problems, then counts the rest: a file with 50,000 unknown
# keys must give a message a person can read (and a log line, a check-run summary can hold).
MAX_LISTED = 5
MAX_SHOWN_CHARS = 80  # of one key or one value quoted in a message
MAX_ERROR_CHARS = 2000


def _clip(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _listed(items: list[str], separator: str, noun: str) -> str:
    shown = separator.join(items[:MAX_LISTED])
    return shown if len(items) <= MAX_LISTED else f"{shown} and {len(items) - MAX_LISTED:,} more {noun}"


def _problems(error: ValidationError) -> str:
    """The validation errors, unknown keys gathered in one list: the first few of each, then the count."""
    unknown: list[str] = []
    invalid: list[str] = []
    for problem in error.errors():
        where = ".".join(_clip(str(part)) for part in problem["loc"]) or "(top level)"
        if problem["type"] == "extra_forbidden":
            unknown.append(where)
        else:
            invalid.append(f"{where}: {_clip(problem['msg'], 2 * MAX_SHOWN_CHARS)}")
    parts = []
    if unknown:
        parts.append(f"unknown key{'s' if len(unknown) > 1 else ''} {_listed(unknown, ', ', 'unknown keys')}")
    if invalid:
        parts.append(_listed(invalid, "; ", "problems"))
    return "; ".join(parts)


class _StrictLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key given twice (safe_load keeps the last one silently) and turns
    an integer too long for Python's int() (ValueError past 4,300 digits) into a YAML error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` may be overridden by design
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {_clip(repr(key))}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            digits = len(str(node.value))
            raise yaml.constructor.ConstructorError(
                None, None, f"integer of {digits:,} digits is too long", node.start_mark
            ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)


def _parse_yaml(config_text: str | None) -> dict[str, Any]:
    if config_text is None or not config_text.strip():
        return {}
    try:
        data = yaml.load(config_text, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        raise ConfigError(_clip(f"{CONFIG_PATH} is not valid YAML: {error}", MAX_ERROR_CHARS)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{CONFIG_PATH} must be a mapping of sections, got {type(data).__name__}")
    return {key: dict(value) if isinstance(value, dict) else value for key, value in data.items()}


def env_bool(name: str, value: str) -> bool:
    """An env var's true/false spelling (true/false, 1/0, yes/no, on/off); anything else is a ConfigError."""
    lowered = value.strip().lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise ConfigError(f"{name} must be true or false, got {_clip(repr(value.strip()))}")
    return lowered in ("true", "1", "yes", "on")


def _convert_env(name: str, value: str, kind: str) -> object:
    if kind == "list":
        return tuple(part.strip() for part in value.replace("\n", ",").split(",") if part.strip())
    if kind == "bool":
        return env_bool(name, value)
    try:
        return float(value) if kind == "float" else int(value) if kind == "int" else value
    except ValueError:
        raise ConfigError(
            f"{name} must be a{'n integer' if kind == 'int' else ' number'}, got {_clip(repr(value))}"
        ) from None
