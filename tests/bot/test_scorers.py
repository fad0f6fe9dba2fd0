"""Which scorer a review uses: the PR model unless something asks for the supervisor probe."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.scorers import uses_probe


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
    assert uses_probe(load_settings(config, env={}).model, model, probe) is expected
