"""File one repository's calibration report: outcomes -> bot.feedback.report -> PNG, issue, recalibration.

The I/O around the pure bot.feedback.report. `file_report` reads the store (App mode) and saves a
recalibration that beat the calibration in use (unless switched off); given the installation token it
first reads the fates after merge of the stored lines still without one from the repository's clone in
the cache (`read_fates`, bounded in lines and time); `publish` draws the chart and
files or updates the week's issue and closes the earlier weeks' ones, also for `redline report --rescore`
(Action mode, no store). A period with no outcome files nothing; `report.enabled: false` in the
repository's `.github/redline.yml` switches its report off.

Given a `learn` callable (bot.commands.learn.repository_learner, wired in by the CLI layer: bot/ never imports
training/), the report then learns the repository's own PR model from the same clone (`learn_model`) and
stores it, unless the shipped model stays; reviews use the newest stored one (bot.app.tasks.Runtime).
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from bot.app.settings import AppSettings
from bot.config import Settings
from bot.feedback import report
from bot.feedback.clone import auth_env, sync_clone
from bot.feedback.fates import GitHistory, HistoryError
from bot.feedback.learn_data import Learner, mine
from bot.feedback.merged import Branch, merged_fates
from bot.feedback.types import AfterMerge
from bot.github import pulls
from bot.github.client import GitHubClient
from bot.github.issues import close_earlier_reports, upsert_report_issue
from bot.store import Store
from scoring.attribution import Rules
from scoring.errors import GitHubError
from scoring.pr_model import load_pr_model
from scoring.target import WINDOW_DAYS

log = logging.getLogger(__name__)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# A line whose fate is still unknown this long after its merge is given up (it stays "not read"): its
# window has ended, and re-reading it every week would crowd out the newer lines.
READ_HORIZON = dt.timedelta(days=WINDOW_DAYS + 14)


@dataclass(frozen=True, slots=True)
class Published:
    body: str
    png: Path | None  # None: nothing to report
    issue: int | None
    closed: tuple[int, ...] = ()  # earlier report issues closed


def report_dir(settings: AppSettings) -> Path:
    return settings.report_dir or Path(platformdirs.user_data_dir("redline")) / "reports"


def publish(
    built: report.Report, client: GitHubClient | None, settings: AppSettings, known_issue: int | None = None
) -> Published:
    """Write the PNG and, with a client, create or update the week's issue and close the earlier ones.
    Nothing to report (no line had an outcome): no PNG, no issue."""
    if built.nothing_to_report:
        return Published(report.render_markdown(built), None, None)
    directory = report_dir(settings) / built.repo.replace("/", "__")
    png = report.write_png(built, directory / f"reliability-{built.week}.png")
    body = report.render_markdown(built, png_name=png.name)
    if client is None:
        return Published(body, png, None)
    issue = upsert_report_issue(
        client, built.repo, built.title, body, known=known_issue, key=f"{report.TITLE} {built.week}"
    )
    return Published(body, png, issue, tuple(close_earlier_reports(client, built.repo, keep=issue)))


def repository_settings(client: GitHubClient, repo: str, branch: str) -> Settings:
    """The repository's `.github/redline.yml` on `branch`; the defaults when it is invalid (its errors show on
    the pull requests' check runs, and must not stop the report)."""
    from bot.config import load_settings
    from bot.snapshot import github_config_text
    from scoring.errors import ConfigError

    try:
        return load_settings(github_config_text(client, repo, branch))
    except ConfigError:
        return load_settings(None)


def read_fates(
    store: Store,
    client: GitHubClient,
    settings: AppSettings,
    repo: str,
    branch: str,
    rules: Rules,
    token: str,
    now: dt.datetime,
) -> str | None:
    """Read the fates after merge of `repo`'s stored lines that have none yet, or are pending, from its clone
    in the cache (`branch` fetched; editors classified by `rules`), and store them. None when done; else why
    nothing was read (logged; the report says it).

    At most `report_max_lines` lines, and no new merge commit started after `report_history_budget_s`:
    the rest are read by the next run. A line whose history cannot be read is logged and stays unread.
    """
    awaiting = store.awaiting_after_merge(repo, now - READ_HORIZON, settings.report_max_lines)
    if not awaiting:
        return None
    deadline = time.monotonic() + settings.report_history_budget_s
    try:
        history = GitHistory(_clone(client, settings, repo, branch, token), rules, auth_env(token))
        merges = {n: pulls.merge_commit(client, repo, n) for n in sorted({a.number for a in awaiting})}
        scored_text = functools.cache(lambda sha, path: _text(client, repo, sha, path))
        fates = merged_fates(
            Branch(history, history.branch(branch)),
            awaiting,
            merges,
            scored_text,
            now,
            deadline,
        )
    except (HistoryError, GitHubError) as error:
        log.warning("fates after merge of %s not read: %s", repo, error)
        return f"the repository's history could not be read ({error})"
    failed = {key: f for key, f in fates.items() if isinstance(f, HistoryError)}
    for key, problem in failed.items():
        log.warning("no fate after merge for scored line %d of %s: %s", key, repo, problem)
    store.record_after_merge([(key, f) for key, f in fates.items() if isinstance(f, AfterMerge)])
    log.info(
        "fates after merge of %s: %d read, %d failed, %d left for the next run",
        repo,
        len(fates) - len(failed),
        len(failed),
        len(awaiting) - len(fates),
    )
    return None


def _clone(client: GitHubClient, settings: AppSettings, repo: str, branch: str, token: str) -> Path:
    """`repo`'s bare blobless clone in the cache with `branch` fetched (bot.feedback.clone)."""
    clone_url = client.call(f"read {repo}", lambda: str(client.repo(repo).clone_url))
    url = settings.clone_url.replace("{repo}", repo) if settings.clone_url else clone_url
    cache = settings.clone_dir or Path(platformdirs.user_cache_dir("redline")) / "clones"
    return sync_clone(cache, repo, url, branch, token)


def learn_model(
    store: Store,
    client: GitHubClient,
    settings: AppSettings,
    repo: str,
    branch: str,
    rules: Rules,
    token: str,
    now: dt.datetime,
    learn: Learner,
) -> str | None:
    """Learn `repo`'s own PR model from its clone (the default branch's AI commits, their lines' fates as of
    `now`) within `learn_budget_s`, and store it unless the shipped model stays or it is the stored one.
    Returns the stored version, else None. Any failure is logged and leaves the last stored model: a report
    never fails for it."""
    started = time.monotonic()
    try:
        clone = _clone(client, settings, repo, branch, token)
        mined = mine(
            clone,
            load_pr_model().families,
            until=now,
            branch=branch,
            rules=rules,
            env=auth_env(token),
            deadline=started + settings.learn_budget_s,
        )
        learned = learn(mined, repo)
    except Exception as error:
        log.warning("repository model of %s not learnt (the last stored one stays): %s", repo, error)
        return None
    if learned.model is None:
        log.info("repository model of %s: the shipped model stays (%s)", repo, learned.reason)
        return None
    version = learned.model.version
    if store.repository_model_version(repo) == version:
        log.info("repository model of %s: unchanged (%s)", repo, version)
        return None
    store.save_repository_model(
        repo, version, json.dumps(learned.model.to_dict(), sort_keys=True), learned.lines, learned.positives
    )
    log.info(
        "repository model of %s: stored %s from %d lines (%d target) in %.0f s",
        repo,
        version,
        learned.lines,
        learned.positives,
        time.monotonic() - started,
    )
    return version


def _text(client: GitHubClient, repo: str, sha: str, path: str) -> str | None:
    data = pulls.file_text(client, repo, path, sha)
    return None if data is None else data.decode("utf-8", "replace")


def file_report(
    store: Store,
    client: GitHubClient | None,
    settings: AppSettings,
    repo: str,
    since: dt.datetime,
    until: dt.datetime,
    write: bool = True,
    token: str | None = None,
    learn: Learner | None = None,
) -> dict[str, Any]:
    """Build, draw and (with a client) file the report of `repo` for [since, until) from the store, after
    reading the fates after merge it lacks (with a client and the token that clones the repository) and,
    given `learn` and with REDLINE_LEARN on, learning and storing the repository's own model.

    `write=False` (`redline report --no-post`) only reads the store: no fates, recalibration, model or issue
    number is saved.
    """
    unread_reason, learnt = None, None
    if client is not None:
        github = client
        branch = github.call(f"read {repo}", lambda: str(github.repo(repo).default_branch))
        config = repository_settings(github, repo, branch)
        rules = config.attribution_rules()
        if config.report.enabled and write and token:
            unread_reason = read_fates(store, github, settings, repo, branch, rules, token, until)
        if write and token and learn is not None and settings.learn:
            learnt = learn_model(store, github, settings, repo, branch, rules, token, until, learn)
        if not config.report.enabled:
            client = None  # figures and recalibration as usual, but no issue
    outcomes = store.outcome_lines(repo, since, until)
    lines_scored, prs_scored = store.count_scored(repo, since, until)
    everything = store.outcome_lines(repo, EPOCH, until)
    # Recalibrate the model version most lines were scored with; older versions' logits mean something else.
    versions = collections.Counter(o.probe_version for o in everything)
    current = versions.most_common(1)[0][0] if versions else None
    history = [o for o in everything if o.merged and o.probe_version == current]
    built = report.build(
        repo,
        since,
        until,
        outcomes,
        store.gate_records(repo, since, until),
        lines_scored,
        prs_scored,
        history=history,
        include_unmerged=settings.include_unmerged,
        unread_reason=unread_reason,
    )
    recalibration = built.recalibration
    saved = (
        write
        and settings.recalibrate
        and recalibration is not None
        and recalibration.applied
        and current is not None
    )
    if saved and recalibration is not None and current is not None:
        store.save_calibration(repo, current, json.dumps(recalibration.params), recalibration.n_lines)
    published = publish(built, client, settings, store.report_issue(repo, built.week))
    if write and published.issue is not None:
        store.save_report_issue(repo, built.week, published.issue)
    return {
        "repo": repo,
        "week": built.week,
        "lines": built.n_lines,
        "issue": published.issue,
        "png": str(published.png or ""),
        "recalibrated": saved,
        "repository_model": learnt,
        "body": published.body,
    }
