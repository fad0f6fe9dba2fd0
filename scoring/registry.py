"""Which scorer scores: the settings name a model, `load_scorer` builds it; every entry point calls it.

The CLI (`review`, `report --repo`, `score`), the Action, the App's workers (per repository, from that
repository's `model.*` keys) and replay resolve their scorer here, and nowhere else. Torch-free: the PR
model (the default) needs numpy only; the supervisor probe (scoring.probe, torch and transformers) is
imported only when a `ModelChoice` names it, after checking that the `probe` extra is installed.

    ModelChoice(pr_model="default")           -> PRScorer over the shipped scoring/probes/pr/pr_model.json
    ModelChoice(pr_model="path/pr_model.json") -> PRScorer over that file (a repository's own model)
    ModelChoice(pr_model="probe") or a supervisor or probe named -> scoring.probe.scorer.Scorer
    with_repository_model(choice, path) -> the repository's own model (`redline learn`) in place of "default"
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scoring.errors import ModelLoadError
from scoring.types import CalibrationMode, CalibrationSource, Span, SpanScore

if TYPE_CHECKING:
    from scoring.card import ModelCard
    from scoring.pr_features import FileChange

PROBE = "probe"
DEFAULT = "default"
# The supervisor probe's stack is the `probe` extra; the core install (the default PR model) leaves it out.
PROBE_EXTRA_MODULES = ("torch", "transformers", "safetensors")


class ScorerProtocol(Protocol):
    """Everything bot/ and training/ use of a scorer; `PRScorer` and the probe's `Scorer` implement it.

    model_version: the model's version, stored with every scored line.
    model_card: what a review reads of the model (languages, thresholds, metrics), None for a stand-in
    without one.
    change: the file's diff, its change and history, for a scorer that reads them (`PRScorer`); others
    ignore it.
    reads_history: whether `change.history` is read, so a review computes the git history only then.
    fingerprint: what the model reads its text with (the supervisor's for the probe, PR_MODEL_FINGERPRINT
    for the PR model), stored with every scored line. calibration: which calibration made the probabilities
    (a repository's own refit wraps the shipped scorer).
    """

    @property
    def model_version(self) -> str: ...

    @property
    def model_card(self) -> ModelCard | None: ...

    @property
    def fingerprint(self) -> str: ...

    @property
    def calibration(self) -> CalibrationSource: ...

    @property
    def reads_history(self) -> bool: ...

    def score(
        self,
        text: str,
        spans: Sequence[Span],
        intent: str | None = None,
        mode: CalibrationMode = CalibrationMode.PR,
        change: FileChange | None = None,
    ) -> list[SpanScore]: ...


class ProbeScorerProtocol(ScorerProtocol, Protocol):
    """The supervisor probe as `redline score` uses it: also says which calibration a mode falls back to."""

    def calibration_for(self, mode: CalibrationMode) -> CalibrationMode: ...


class ModelNames(Protocol):
    """What names a model: bot.config's ModelSettings (the `model.*` keys) or a `ModelChoice`."""

    @property
    def pr_model(self) -> str: ...

    @property
    def supervisor(self) -> str | None: ...

    @property
    def probe(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """What the settings name: `model.*` of `.github/redline.yml`, REDLINE_PR_MODEL/MODEL/PROBE or
    --model/--probe.

    pr_model: "default" (the shipped PR model), a path to a pr_model.json, or "probe".
    supervisor, probe: a Hugging Face id or path, a probe directory; naming either picks the supervisor probe.
    Frozen and hashable: the App keeps one scorer per distinct choice.
    """

    pr_model: str = DEFAULT
    supervisor: str | None = None
    probe: str | None = None

    @classmethod
    def of(
        cls, names: ModelNames, supervisor: str | None = None, probe: str | Path | None = None
    ) -> ModelChoice:
        """The choice `names` make, with a supervisor or probe given for this run (--model, --probe) first."""
        return cls(names.pr_model, supervisor or names.supervisor, str(probe) if probe else names.probe)

    @property
    def uses_probe(self) -> bool:
        """Whether the supervisor probe (torch, the `probe` extra) scores rather than the PR model."""
        return bool(self.pr_model == PROBE or self.supervisor or self.probe)


def with_repository_model(choice: ModelChoice, path: Path | None) -> ModelChoice:
    """`choice`, but the repository's own PR model at `path` (written by `redline learn`) where the settings
    name the default PR model and that file exists; a model the settings name, or the probe, wins."""
    if path is None or choice.uses_probe or choice.pr_model != DEFAULT or not path.is_file():
        return choice
    return ModelChoice(str(path))


def require_probe_extra() -> None:
    """A ModelLoadError naming the `probe` extra unless torch, transformers and safetensors are importable."""
    missing = [name for name in PROBE_EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise ModelLoadError(
            f"the supervisor probe needs {', '.join(missing)}, which redline's core install leaves out: "
            "install torch's CPU build, then `pip install 'redline[probe]'` (docs/install.md), or review "
            "with the default PR model (no --model/--probe, model.pr_model not 'probe')"
        )


def load_probe_scorer(
    supervisor: str | None = None, probe: str | Path | None = None, window_cache: Path | None = None
) -> ProbeScorerProtocol:
    """The supervisor probe: the shipped probe (or `probe`) on its supervisor (or `supervisor`), keeping its
    window outputs in `window_cache` on disk (else $REDLINE_HIDDEN_CACHE_DIR, else in memory)."""
    require_probe_extra()
    from scoring.probe.scorer import Scorer  # the wall: torch loads here and only here

    return Scorer.load(supervisor, probe, cache_dir=window_cache)


def load_scorer(names: ModelNames, window_cache: Path | None = None) -> ScorerProtocol:
    """The scorer `names` name: the PR model (shipped or a pr_model.json at a path), or the supervisor probe
    (window outputs in `window_cache`, as `load_probe_scorer`)."""
    choice = names if isinstance(names, ModelChoice) else ModelChoice.of(names)
    if choice.uses_probe:
        return load_probe_scorer(choice.supervisor, choice.probe, window_cache)
    from scoring.pr_scorer import PRScorer

    return PRScorer.load(None if choice.pr_model == DEFAULT else choice.pr_model)
