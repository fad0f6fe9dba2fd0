"""`redline report --repo PATH`: the report of a local checkout, with no token and no store.

Each AI-authored commit of the default branch committed in the period (the attribution rules of the
review, from the branch's `.github/redline.yml`) is reviewed as a change of its own, C^..C, by the same
run and scorer as `redline review` (bot.review.run over bot.snapshot.LocalBranch), so a line counts as
commented exactly when that review would comment on it. bot.feedback.fates then follows each scored line
on the default branch for 90 days from C, or up to `until`. There is no pull request, so no in-PR fate and
no gate. Reads git only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import git

from bot.config import Settings, load_settings
from bot.feedback.fates import GitHistory, HistoryError, after_merge_fates
from bot.feedback.types import AfterMerge, OutcomeLine, TrackedLine
from bot.review import run
from bot.snapshot import LocalBranch, local_config_text, open_repo
from scoring.attribution import CommitInfo, DetectMode, classify_commit
from scoring.cache import review_window_dir
from scoring.registry import load_scorer
from scoring.target import WINDOW_DAYS
from scoring.types import LineStatus

log = logging.getLogger(__name__)
ORIGIN_HEAD = "refs/remotes/origin/HEAD"


@dataclass(frozen=True, slots=True)
class LocalOutcomes:
    name: str  # the checkout's directory name, the report's "repository"
    branch: str
    commits: int  # AI commits reviewed
    lines: tuple[OutcomeLine, ...]
    unread: int  # scored lines whose history could not be read (logged)


def default_branch(repo: git.Repo) -> str:
    """The remote's default branch when the clone knows it (origin/HEAD), else the checked-out branch (HEAD
    when detached)."""
    for ref in (ORIGIN_HEAD, "HEAD"):
        try:
            return str(repo.git.rev_parse("--abbrev-ref", ref))
        except git.exc.GitCommandError:
            continue
    return "HEAD"


def ai_commits(
    repo: git.Repo, branch: str, settings: Settings, since: dt.datetime, until: dt.datetime
) -> Iterator[git.Commit]:
    """Non-merge commits of `branch` committed in [since, until) that the review's rules call AI-written."""
    rules = settings.attribution_rules()
    for commit in repo.iter_commits(branch, no_merges=True, since=since.isoformat(), until=until.isoformat()):
        if not commit.parents or not since <= commit.committed_datetime < until:
            continue
        message = (
            commit.message if isinstance(commit.message, str) else commit.message.decode("utf-8", "replace")
        )
        info = CommitInfo(
            commit.hexsha,
            f"{commit.author.name} <{commit.author.email}>",
            f"{commit.committer.name} <{commit.committer.email}>",
            message,
        )
        if rules.mode is DetectMode.ALL or (
            rules.mode is DetectMode.DETECT and classify_commit(info, rules).ai
        ):
            yield commit


def local_outcomes(path: str | Path, since: dt.datetime, until: dt.datetime) -> LocalOutcomes:
    """Outcome lines of every AI commit of the checkout's default branch in [since, until), their fates after
    merge read as of `until` (a line whose 90 days reach past it and that nobody touched is pending)."""
    repo = open_repo(path)
    root = Path(repo.working_tree_dir or repo.git_dir)
    branch = default_branch(repo)
    settings = load_settings(local_config_text(root, branch))
    scorer = load_scorer(settings.model, window_cache=review_window_dir())
    history = GitHistory(root, settings.attribution_rules())
    lines: list[OutcomeLine] = []
    commits = unread = 0
    for number, commit in enumerate(
        reversed(list(ai_commits(repo, branch, settings, since, until))), start=1
    ):
        outcome = run(LocalBranch(root, commit.parents[0].hexsha, commit.hexsha, settings), lambda _: scorer)
        if outcome is None:  # nothing to review
            continue
        scored = [d for d in outcome.decision.lines if d.status is LineStatus.SCORED]
        committed = commit.committed_datetime.astimezone(dt.UTC)
        window = committed + dt.timedelta(days=WINDOW_DAYS)
        fates = after_merge_fates(
            history,
            commit.hexsha,
            [TrackedLine(i, d.path, d.line, d.text) for i, d in enumerate(scored)],
            branch,
            min(window, until),
        )
        commits += 1
        for i, d in enumerate(scored):
            fate = fates.get(i)
            if isinstance(fate, HistoryError) or fate is None:
                log.warning(
                    "no fate after merge for %s:%d of %s: %s",
                    d.path,
                    d.line,
                    commit.hexsha[:7],
                    fate,
                )
                unread += 1
            lines.append(
                OutcomeLine(
                    root.name,
                    number,
                    d,
                    outcome.model_version,
                    outcome.calibration,
                    None,
                    True,
                    committed,
                    None
                    if isinstance(fate, HistoryError) or fate is None
                    else AfterMerge(fate, until >= window),
                )
            )
    return LocalOutcomes(root.name, branch, commits, tuple(lines), unread)
