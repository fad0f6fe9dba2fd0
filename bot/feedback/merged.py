"""The fates after merge of lines scored inside pull requests (the App's stored lines, the Action's re-scored
ones).

A line was scored where it sat in a commit of its PR (a reviewed head in the App, an AI commit in the
Action), but after merge it lives in the PR's commit on the default branch (GitHub's merge_commit_sha: the
merge, squash or rebase commit), and that is where bot.feedback.fates must start following it: a squashed
PR's own commits are on no branch. The line is carried from the one commit to the other by the in-PR
tracker's line map (bot.feedback.outcomes.map_lines) and followed with the text it has in the merge
commit, so a PR that re-indented it still finds it. Its 90 days run from the merge commit's time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.feedback.fates import GitHistory, HistoryError, after_merge_fates
from bot.feedback.outcomes import map_lines
from bot.feedback.types import AfterMerge, MergedLine, TrackedLine
from scoring.attribution import Rules
from scoring.target import WINDOW_DAYS

# (commit, path) -> the file's text where the line was scored; None when it cannot be had.
ScoredTexts = Callable[[str, str], str | None]


@dataclass(frozen=True, slots=True)
class Branch:
    """A repository's history and the ref of its default branch in it."""

    history: GitHistory
    ref: str


def merged_fates(
    branch: Branch,
    lines: Sequence[MergedLine],
    merges: Mapping[int, str | None],
    scored_texts: ScoredTexts,
    now: dt.datetime,
    deadline: float = float("inf"),
) -> dict[int, AfterMerge | HistoryError]:
    """Each line's fate after merge as of `now`, by key; `merges` names each PR's commit on the default branch
    (None when GitHub did not say). A merge commit is started only before `deadline` (time.monotonic()); the
    lines of those not started are left out of the answer, to be read next time."""
    by_merge: dict[str | None, list[MergedLine]] = {}
    for line in lines:
        by_merge.setdefault(merges.get(line.number), []).append(line)
    results: dict[int, AfterMerge | HistoryError] = {}
    for merge, group in by_merge.items():
        if time.monotonic() >= deadline:
            break
        if merge is None:
            results.update(
                (ln.tracked.key, HistoryError("GitHub named no merge commit for its pull request"))
                for ln in group
            )
            continue
        results.update(_merge_fates(branch, merge, group, scored_texts, now))
    return results


def _merge_fates(
    branch: Branch, merge: str, lines: Sequence[MergedLine], scored_texts: ScoredTexts, now: dt.datetime
) -> dict[int, AfterMerge | HistoryError]:
    history = branch.history
    results: dict[int, AfterMerge | HistoryError] = {}
    try:
        window_end = history.committed_at(merge) + dt.timedelta(days=WINDOW_DAYS)
    except HistoryError as error:
        return {line.tracked.key: error for line in lines}
    tracked = []
    for line in lines:
        try:
            tracked.append(_place(history, merge, line, scored_texts))
        except HistoryError as error:
            results[line.tracked.key] = error
    for key, fate in after_merge_fates(history, merge, tracked, branch.ref, min(window_end, now)).items():
        results[key] = fate if isinstance(fate, HistoryError) else AfterMerge(fate, now >= window_end)
    return results


def _place(history: GitHistory, merge: str, line: MergedLine, scored_texts: ScoredTexts) -> TrackedLine:
    """Where `line` sits in the merge commit, with its text there."""
    at, scored_in = line.tracked, line.scored_in
    merged = history.text(merge, at.path)
    if scored_in == merge:
        number: int | None = at.line
    else:
        scored = scored_texts(scored_in, at.path)
        if scored is None:
            raise HistoryError(f"{at.path} at {scored_in[:7]} could not be read")
        number = map_lines(scored, "\n".join(merged)).moved.get(at.line)
    if number is None or not 0 < number <= len(merged):
        raise HistoryError(f"{at.path}:{at.line} of {scored_in[:7]} is not in the merge commit {merge[:7]}")
    return TrackedLine(at.key, at.path, number, merged[number - 1])


def checkout_branch(checkout: Path | None, name: str, rules: Rules) -> Branch:
    """The default branch `name` in a workflow's checkout, or a HistoryError saying what the checkout
    lacks."""
    if checkout is None:
        raise HistoryError(
            "no git checkout of the repository (actions/checkout with fetch-depth: 0 before redline)"
        )
    history = GitHistory(checkout, rules)
    if history.shallow():
        raise HistoryError("the checkout is shallow (actions/checkout needs fetch-depth: 0)")
    return Branch(history, history.branch(name))
