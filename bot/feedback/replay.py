"""The report without a store (Action mode): rebuild the predictions of the PRs merged in a period.

Scores are deterministic for a model version, so each AI-authored commit of a merged PR goes through the
live review itself (bot.review.run over bot.snapshot.MergedCommit: attribution, intent, the repository's
prior, threshold, comment cap, gate), and a line counts as commented exactly when that review would have
commented on it; bot.feedback.outcomes then follows each line to the merged head, and, given the default
branch's history (a workflow's checkout), on that branch after merge (bot.feedback.merged). Reads GitHub
through bot.github and git; never runs code from the PR.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
from collections.abc import Iterator

from bot.config import Settings
from bot.feedback.fates import HistoryError
from bot.feedback.merged import Branch, merged_fates
from bot.feedback.outcomes import ReviewedHead, track
from bot.feedback.types import AfterMerge, Fate, MergedLine, OutcomeLine, TrackedLine
from bot.github import pulls
from bot.github.client import GitHubClient
from bot.github.pulls import MergedPull
from bot.review import run
from bot.snapshot import MergedCommit
from scoring.attribution import CommitInfo
from scoring.registry import ScorerProtocol
from scoring.types import LineScore, LineStatus

log = logging.getLogger(__name__)


def replay_pull(
    client: GitHubClient,
    repo: str,
    pr: MergedPull,
    scorer: ScorerProtocol,
    settings: Settings,
    branch: Branch | None = None,
    now: dt.datetime | None = None,
) -> list[OutcomeLine]:
    """Outcome lines of one merged PR: each AI commit's added lines, reviewed as of that commit by the
    review's own pipeline (bot.review.run: the same attribution, intent, change context and decisions), and
    with `branch` their fates after merge as of `now` (a line whose history cannot be read has none)."""
    commits = tuple(
        CommitInfo(c.sha, c.author, c.committer, c.message, c.login)
        for c in pulls.list_commits(client, repo, pr.number)
    )
    ids = itertools.count()
    scored: dict[int, LineScore] = {}
    heads: list[ReviewedHead] = []
    paths: set[str] = set()
    for commit in commits:
        source = MergedCommit(client, repo, pr, commit, commits, settings)
        outcome = run(source, lambda _: scorer, time_budget_s=math.inf)
        if outcome is None:
            continue
        tracked = []
        for d in outcome.decision.lines:
            if d.status is LineStatus.SCORED:
                line_id = next(ids)
                scored[line_id] = d
                tracked.append(TrackedLine(line_id, d.path, d.line))
        paths |= {t.path for t in tracked}
        heads.append(
            ReviewedHead(commit.sha, pulls.file_texts(client, repo, commit.sha, paths), tuple(tracked))
        )
    if not heads:
        return []
    fates = track(heads, pulls.file_texts(client, repo, pr.head_sha, paths))
    after: dict[int, AfterMerge | HistoryError] = {}
    if branch is not None:
        at_head = {(h.sha, path): text for h in heads for path, text in h.files.items()}
        kept = [
            MergedLine(t, pr.number, h.sha) for h in heads for t in h.lines if fates.get(t.key) is Fate.KEPT
        ]
        after = merged_fates(
            branch,
            kept,
            {pr.number: pr.merge_commit_sha},
            lambda sha, path: at_head.get((sha, path)),
            now or dt.datetime.now(dt.UTC),
        )
    for error in (a for a in after.values() if isinstance(a, HistoryError)):
        log.warning("no fate after merge for a line of %s#%d: %s", repo, pr.number, error)
    known = {i: a for i, a in after.items() if isinstance(a, AfterMerge)}
    return [
        OutcomeLine(
            repo,
            pr.number,
            d,
            scorer.model_version,
            scorer.calibration,
            fates[i],
            True,
            pr.merged_at,
            after=known.get(i),
        )
        for i, d in scored.items()
    ]


def replay(
    client: GitHubClient,
    repo: str,
    scorer: ScorerProtocol,
    settings: Settings,
    since: dt.datetime,
    until: dt.datetime,
    branch: Branch | None = None,
) -> Iterator[tuple[MergedPull, list[OutcomeLine]]]:
    """(PR, its outcome lines) for every PR of `repo` merged in [since, until); with `branch` the lines carry
    their fates after merge as of `until`."""
    for pr in pulls.merged_pulls(client, repo, since, until):
        yield pr, replay_pull(client, repo, pr, scorer, settings, branch, until)
