"""What a worker needs besides the review itself, without Celery: its scorer, the store's record of a review,
and the outcomes of a closed PR's lines.

tasks.py runs the review (bot.review.run over bot.pull_review.PullSource) and adds the queueing, claiming,
retries and time limits around these.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from bot.config import load_settings
from bot.feedback.outcomes import ReviewedHead, track
from bot.feedback.types import Fate, TrackedLine
from bot.github import pulls
from bot.github.client import GitHubClient
from bot.store import ReviewRecord, StoredReview
from bot.types import ReviewOutcome
from scoring import registry
from scoring.decisions import GateConclusion
from scoring.registry import ModelNames, ScorerProtocol
from scoring.types import LineStatus


def load_scorer(factory: str | None, names: ModelNames | None = None) -> ScorerProtocol:
    """REDLINE_SCORER (`module:function` returning a scorer: the operator's own, or a test's) for every
    repository, else the registry's scorer for `names` (a repository's `model.*` settings; None: what the
    operator's REDLINE_PR_MODEL/MODEL/PROBE name)."""
    if factory:
        module, _, name = factory.partition(":")
        return getattr(importlib.import_module(module), name)()  # type: ignore[no-any-return]
    return registry.load_scorer(names if names is not None else load_settings(None).model)


def record_of(outcome: ReviewOutcome) -> ReviewRecord:
    """The store's view of a review: every scored AI-written line, decided (its raw logit, whether it is
    commented)."""
    lines = tuple(d for d in outcome.decision.lines if d.ai and d.status is LineStatus.SCORED)
    gate = outcome.gate
    overridden = gate.conclusion is GateConclusion.SUCCESS and bool(gate.blocking)
    return ReviewRecord(
        outcome.model_version,
        outcome.fingerprint,
        gate.conclusion.value,
        overridden,
        lines,
        outcome.calibration,
    )


def pull_outcomes(
    client: GitHubClient, repo: str, final_sha: str, reviews: Sequence[StoredReview]
) -> dict[int, Fate]:
    """Follow every line scored at its first review through the later reviewed heads to `final_sha`."""
    heads, paths = [], set()
    for stored in reviews:
        paths |= {ln.path for ln in stored.lines.values()}
        lines = tuple(TrackedLine(key, ln.path, ln.line) for key, ln in stored.lines.items())
        heads.append(
            ReviewedHead(stored.head_sha, pulls.file_texts(client, repo, stored.head_sha, paths), lines)
        )
    return track(heads, pulls.file_texts(client, repo, final_sha, paths))
