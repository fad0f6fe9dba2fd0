"""The review, top to bottom: open the source -> load the scorer -> select -> score -> decide -> plan ->
report.

One `run` for every way redline reviews: a local branch (bot.snapshot.LocalBranch: `redline review`, the
local report's AI commits), a GitHub pull request (bot.pull_review.PullSource: the Action and the App's
workers), a merged PR's commit (bot.snapshot.MergedCommit: replay) and a snapshot in hand (`review`: tests,
benchmarks). Every added line ends up in the outcome with why it was or was not scored (mark, don't
drop). redline's own failures (model missing, scoring error, time budget) give a neutral gate with the
reason, never a failing one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.config import Settings
from bot.history import repository_histories
from bot.snapshot import Snapshot
from bot.stages import gate as gate_rules
from bot.stages.comments import Coverage, ExistingComment, plan
from bot.stages.score import ChangeContext, score
from bot.stages.select import select, trained_languages
from bot.types import Change, Reporter, ReviewOutcome, Source
from scoring.attribution import Attribution, attribute_lines
from scoring.errors import GitHubError, RedlineError
from scoring.pr_features import FileHistory
from scoring.registry import ScorerProtocol
from scoring.types import CalibrationSource, LineScore, LineStatus

log = logging.getLogger(__name__)

DEFAULT_TIME_BUDGET_S = 900.0
MAX_INTENT_CHARS = 4000
NO_MODEL = "none"  # model version and fingerprint of a review whose scorer could not be loaded


def no_reporters(settings: Settings) -> Sequence[Reporter]:
    return ()


def run(
    source: Source,
    load_scorer: Callable[[Settings], ScorerProtocol],
    *,
    reporters: Callable[[Settings], Sequence[Reporter]] = no_reporters,
    bot_login: str = "github-actions[bot]",
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
    clock: Callable[[], float] = time.monotonic,
    progress: Callable[[int, int], None] | None = None,
) -> ReviewOutcome | None:
    """Review the change `source` opens (None: it had nothing to review) and hand the outcome to
    `reporters(settings)` (terminal, SARIF), then to the source's own (a PR's review and check run); a
    reporter's failure is logged, not raised. `load_scorer` is called with the repository's settings; its
    RedlineError becomes the neutral gate's reason. `progress(done, total)` hears of the lines scored so far
    (bot.stages.score). The time budget counts from once the change is read."""
    change = source.open()
    if change is None:
        return None
    settings, snapshot = change.settings, change.snapshot
    started = clock()
    scorer, error = _load(lambda: load_scorer(settings))
    card = scorer.model_card if scorer is not None else None
    timings = {"load_s": clock() - started}

    attributions = attribute_lines(
        snapshot.origins, snapshot.commits, snapshot.pull, settings.attribution_rules(), snapshot.claims
    )
    selected = select(snapshot.files, attributions, settings, trained_languages(card))
    history = histories(snapshot, selected) if scorer is not None and scorer.reads_history else {}
    context = ChangeContext.of(selected, history, settings.model.repo_edit_rate)
    scored = score(
        selected,
        snapshot.files,
        snapshot.texts,
        scorer,
        intents(snapshot, attributions),
        error=error,
        time_budget_s=time_budget_s,
        elapsed=lambda: clock() - started,
        progress=progress,
        context=context,
    )
    timings["score_s"] = clock() - started - timings["load_s"]

    knobs = gate_rules.thresholds(settings, card)
    decision = gate_rules.decide(
        scored.lines, scored.hunks, settings, knobs, snapshot.pull.labels, scored.error
    )
    coverage = Coverage.of(snapshot.files, scored.lines)
    model_version = scorer.model_version if scorer is not None else NO_MODEL
    review_plan = plan(
        decision,
        change.existing,
        bot_login=bot_login,
        model_version=model_version,
        coverage=coverage,
        head_sha=snapshot.head_sha,
        docs_url=settings.comments.docs_url,
    )
    timings["total_s"] = clock() - started

    outcome = ReviewOutcome(
        snapshot.source,
        snapshot.head_sha,
        model_version,
        scorer.fingerprint if scorer is not None else NO_MODEL,
        scorer.calibration if scorer is not None else CalibrationSource.SHIPPED,
        scored.lines,
        scored.hunks,
        decision,
        coverage,
        review_plan,
        scored.error,
        (),
        timings,
    )
    log.info(
        "review %s: %s; gate %s; %d comments; %.1f s",
        snapshot.source,
        coverage.line(),
        decision.gate.conclusion.value,
        len(review_plan.new),
        timings["total_s"],
    )
    return _report(outcome, [*reporters(settings), *change.reporters])


def review(
    snapshot: Snapshot,
    load_scorer: Callable[[], ScorerProtocol],
    settings: Settings,
    *,
    existing: Sequence[ExistingComment] = (),
    bot_login: str = "github-actions[bot]",
    reporters: Sequence[Reporter] = (),
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
    clock: Callable[[], float] = time.monotonic,
    progress: Callable[[int, int], None] | None = None,
) -> ReviewOutcome:
    """`run` over a snapshot already in hand, reviewed with `settings` (tests, benchmarks/review_pr.py)."""
    outcome = run(
        Change(settings, snapshot, tuple(existing), tuple(reporters)),
        lambda _: load_scorer(),
        bot_login=bot_login,
        time_budget_s=time_budget_s,
        clock=clock,
        progress=progress,
    )
    if outcome is None:  # a Change in hand always opens
        raise AssertionError("a change in hand opened to nothing")
    return outcome


def histories(snapshot: Snapshot, lines: Sequence[LineScore]) -> dict[str, FileHistory | None]:
    """Repository history of each file with lines to score, when the snapshot has a local clone."""
    if snapshot.checkout is None or snapshot.committed_at is None:
        return {}
    wanted = {ln.path for ln in lines if ln.status is LineStatus.TO_SCORE}
    diffs = [f for f in snapshot.files if f.path in wanted]
    return repository_histories(snapshot.checkout, snapshot.base_sha, diffs, snapshot.committed_at)


def _load(load_scorer: Callable[[], ScorerProtocol]) -> tuple[ScorerProtocol | None, str | None]:
    try:
        return load_scorer(), None
    except RedlineError as failure:
        return None, f"the model could not be loaded: {failure}"


def _report(outcome: ReviewOutcome, reporters: Sequence[Reporter]) -> ReviewOutcome:
    errors, retryable = [], False
    for reporter in reporters:
        try:
            reporter.report(outcome)
        except RedlineError as failure:
            log.warning("reporter %s failed: %s", type(reporter).__name__, failure)
            errors.append(f"{type(reporter).__name__}: {failure}")
            retryable = retryable or (isinstance(failure, GitHubError) and failure.transient)
    return (
        replace(outcome, reporter_errors=tuple(errors), reporter_retryable=retryable) if errors else outcome
    )


def intents(snapshot: Snapshot, attributions: dict[tuple[str, int], Attribution]) -> dict[str, str]:
    """What a model that reads prose (the supervisor probe; the PR model does not) reads before each file's
    code: the PR's title and body, then the messages of the AI commits that wrote that file's lines (all AI
    commits' where a file's lines name none). Per file, so that a push adding a commit changes only the
    prefixes, and re-runs only the windows, of the files that commit touched."""
    ai_shas = {a.sha for a in attributions.values() if a.ai and a.sha}
    by_path: dict[str, set[str]] = {}
    for (path, _), attribution in attributions.items():
        if attribution.ai and attribution.sha:
            by_path.setdefault(path, set()).add(attribution.sha)
    head = [snapshot.title.strip(), snapshot.body.strip()]

    def text(shas: set[str]) -> str:
        messages = [c.message.strip() for c in snapshot.commits if c.sha in shas or not shas]
        return "\n\n".join(p for p in [*head, *dict.fromkeys(messages)] if p)[:MAX_INTENT_CHARS]

    return {f.path: text(by_path.get(f.path) or ai_shas) for f in snapshot.files}
