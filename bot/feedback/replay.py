"""The report without a store (Action mode): rebuild the predictions of the PRs merged in a period.

Scores are deterministic for a model version, so each AI-authored commit of a merged PR goes through the
live review's own stages (bot.select -> bot.score -> bot.gate.decide: threshold, comment cap, gate), and
a line counts as commented exactly when that review would have commented on it; bot.feedback.outcomes
then follows each line to the merged head, and, given the default branch's history (a workflow's
checkout), on that branch after merge (bot.feedback.merged). Reads GitHub through bot.github and git;
never runs code from the PR.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Iterator

from bot import gate as gate_rules
from bot.config import Settings
from bot.feedback.fates import HistoryError
from bot.feedback.merged import Branch, MergedLine, merged_fates
from bot.feedback.outcomes import ReviewedHead, TrackedLine, track
from bot.feedback.types import AfterMerge, Fate, OutcomeLine
from bot.github import pulls
from bot.github.client import GitHubClient
from bot.github.pulls import MergedPull
from bot.review import MAX_INTENT_CHARS
from bot.score import score
from bot.select import select, trained_languages
from scoring.attribution import CommitInfo, PullInfo, classify_commit, classify_pull
from scoring.decisions import LineVerdict
from scoring.diff import parse_file_patch
from scoring.registry import ScorerProtocol
from scoring.types import LineStatus

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
    """Outcome lines of one merged PR: each AI commit's added lines, scored and decided as of that commit, and
    with `branch` their fates after merge as of `now` (a line whose history cannot be read has none)."""
    rules = settings.attribution_rules()
    pull = PullInfo(pr.author_login, pr.head_ref, pr.labels)
    pull_attribution = classify_pull(pull, rules)
    trained, knobs = trained_languages(scorer.model_card), gate_rules.thresholds(settings, scorer.model_card)
    ids = itertools.count()
    scored: dict[int, tuple[float, float, bool]] = {}
    heads, paths = [], set()
    for commit in pulls.list_commits(client, repo, pr.number):
        info = CommitInfo(commit.sha, commit.author, commit.committer, commit.message, commit.login)
        attribution = pull_attribution if pull_attribution.ai else classify_commit(info, rules)
        if not attribution.ai:
            continue
        files = [
            parse_file_patch(name, patch) for name, patch in pulls.commit_patches(client, repo, commit.sha)
        ]
        selected = select(
            files, {(f.path, a.new_line or 0): attribution for f in files for a in f.added}, settings, trained
        )
        texts = {}
        for path in {ln.path for ln in selected if ln.status is LineStatus.TO_SCORE}:
            data = pulls.file_text(client, repo, path, commit.sha)
            if data is not None:
                texts[path] = data.decode("utf-8", "replace")
        intent = "\n\n".join(p for p in (pr.title, pr.body, commit.message.strip()) if p)[:MAX_INTENT_CHARS]
        result = score(
            selected,
            files,
            texts,
            scorer,
            dict.fromkeys(texts, intent),
            error=None,
            time_budget_s=float("inf"),
            elapsed=lambda: 0.0,
        )
        decision = gate_rules.decide(result.lines, result.hunks, settings, knobs, pr.labels)
        tracked = []
        for d in decision.lines:
            if d.line.status is LineStatus.SCORED:
                line_id = next(ids)
                scored[line_id] = (d.line.probability, d.line.logit, d.verdict is LineVerdict.COMMENT)
                tracked.append(TrackedLine(line_id, d.line.path, d.line.line))
        paths |= set(texts)
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
            MergedLine(t.id, h.sha, pr.merge_commit_sha, t.path, t.line)
            for h in heads
            for t in h.lines
            if fates.get(t.id) is Fate.KEPT
        ]
        after = merged_fates(
            branch, kept, lambda sha, path: at_head.get((sha, path)), now or dt.datetime.now(dt.UTC)
        )
    for error in (a for a in after.values() if isinstance(a, HistoryError)):
        log.warning("no fate after merge for a line of %s#%d: %s", repo, pr.number, error)
    known = {i: a for i, a in after.items() if isinstance(a, AfterMerge)}
    return [
        OutcomeLine(
            repo,
            pr.number,
            p,
            z,
            scorer.model_version,
            scorer.calibration,
            commented,
            fates[i],
            True,
            pr.merged_at,
            after=known.get(i),
        )
        for i, (p, z, commented) in scored.items()
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
