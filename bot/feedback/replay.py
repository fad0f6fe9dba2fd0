"""The report without a store (Action mode): rebuild the predictions of the PRs merged in a period.

Scores are deterministic for a probe version, so re-scoring each AI-authored commit of a merged PR
gives back what redline said when it reviewed that commit; bot.feedback.outcomes then follows each line to
the merged head. Reads GitHub through bot.github; never runs code from the PR.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterator

from bot.config import Settings
from bot.github import pulls
from bot.github.client import GitHubClient
from bot.github.pulls import MergedPull
from bot.feedback.outcomes import ReviewedHead, TrackedLine, track
from bot.review import MAX_INTENT_CHARS, card_facts, skip_reason
from bot.feedback.types import Calibration, OutcomeLine
from scoring.attribution import CommitInfo, PullInfo, classify_commit, classify_pull
from scoring.diff import parse_file_patch
from scoring.scorer import ScorerProtocol
from scoring.types import CalibrationMode, Span


def replay_pull(client: GitHubClient, repo: str, pr: MergedPull, scorer: ScorerProtocol,
                settings: Settings) -> list[OutcomeLine]:
    """Outcome lines of one merged PR: each AI commit's added lines, scored as of that commit."""
    rules = settings.attribution_rules()
    pull_is_ai = classify_pull(PullInfo(pr.author_login, pr.head_ref, pr.labels), rules).ai
    # The same threshold and scored languages as bot.review uses with this scorer.
    card_threshold, trained = card_facts(scorer)
    comment_threshold = settings.decision_thresholds(card_threshold).comment
    ids = itertools.count()
    scored: dict[int, tuple[float, float]] = {}
    heads, paths = [], set()
    for commit in pulls.list_commits(client, repo, pr.number):
        info = CommitInfo(commit.sha, commit.author, commit.committer, commit.message, commit.login)
        if not (pull_is_ai or classify_commit(info, rules).ai):
            continue
        intent = "\n\n".join(p for p in (pr.title, pr.body, commit.message.strip()) if p)[:MAX_INTENT_CHARS]
        tracked = []
        for filename, patch in pulls.commit_patches(client, repo, commit.sha):
            diff = parse_file_patch(filename, patch)
            if not diff.added or skip_reason(diff, settings, trained) is not None:
                continue
            data = pulls.file_text(client, repo, filename, commit.sha)
            if data is None:
                continue
            numbers = [line.new_line for line in diff.added if line.new_line]
            scores = scorer.score(data.decode("utf-8", "replace"), [Span.lines(n) for n in numbers], intent,
                                  CalibrationMode.PR)
            for number, score in zip(numbers, scores, strict=True):
                if not math.isnan(score.probability):
                    line_id = next(ids)
                    scored[line_id] = (score.probability, score.logit)
                    tracked.append(TrackedLine(line_id, filename, number))
            paths.add(filename)
        heads.append(ReviewedHead(commit.sha, pulls.file_texts(client, repo, commit.sha, paths), tuple(tracked)))
    if not heads:
        return []
    fates = track(heads, pulls.file_texts(client, repo, pr.head_sha, paths))
    return [
        OutcomeLine(repo, pr.number, p, z, scorer.probe_version, Calibration.SHIPPED, p >= comment_threshold, fates[i], True,
                    pr.merged_at)
        for i, (p, z) in scored.items()
    ]


def replay(client: GitHubClient, repo: str, scorer: ScorerProtocol, settings: Settings, since: dt.datetime,
           until: dt.datetime) -> Iterator[tuple[MergedPull, list[OutcomeLine]]]:
    """(PR, its outcome lines) for every PR of `repo` merged in [since, until)."""
    for pr in pulls.merged_pulls(client, repo, since, until):
        yield pr, replay_pull(client, repo, pr, scorer, settings)
