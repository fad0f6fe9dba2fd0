"""A repository's own model (`redline learn`) replaces the default PR model only: a model the settings name,
or the supervisor probe, wins, and a missing file changes nothing."""

from __future__ import annotations

from pathlib import Path

from scoring.registry import ModelChoice, with_repository_model


def test_the_repository_model_replaces_only_the_default(tmp_path: Path) -> None:
    own = tmp_path / "pr_model.json"
    own.write_text("{}")
    assert with_repository_model(ModelChoice(), own) == ModelChoice(str(own))
    named = ModelChoice("elsewhere/pr_model.json")
    assert with_repository_model(named, own) is named
    probe = ModelChoice(supervisor="some/model")
    assert with_repository_model(probe, own) is probe
    assert with_repository_model(ModelChoice(), tmp_path / "missing.json") == ModelChoice()
    assert with_repository_model(ModelChoice(), None) == ModelChoice()
