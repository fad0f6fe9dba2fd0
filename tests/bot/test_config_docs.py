"""examples/redline.yml and docs/configuration.md show every key of the configuration, with its default."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
KEYS = [
    f"{section}.{key}"
    for section, field in Settings.model_fields.items()
    for key in field.annotation.model_fields
]  # type: ignore[union-attr]


def test_the_example_file_sets_every_key_to_its_default():
    text = (ROOT / "examples" / "redline.yml").read_text()
    data = yaml.safe_load(text)
    for key in KEYS:
        section, name = key.split(".")
        # a key whose default is "unset" (thresholds.comment: the probe card's) is shown commented out
        shown = name in data.get(section, {}) or re.search(rf"^  # {name}: ", text, re.M)
        assert shown, f"examples/redline.yml does not show {key}"
    assert load_settings(text, env={}) == load_settings(None, env={})


def test_the_configuration_page_lists_every_key():
    page = (ROOT / "docs" / "configuration.md").read_text()
    missing = [key for key in KEYS if f"| `{key}` |" not in page]
    assert not missing, f"docs/configuration.md lacks {missing}"
