"""File one repository's calibration report: outcomes -> bot.feedback.report -> PNG, issue, recalibration.

The I/O around the pure bot.feedback.report. `file_report` reads the store (App mode) and saves a
recalibration that beat the calibration in use (unless switched off); `publish` draws the chart and
files or updates the week's issue and closes the earlier weeks' ones, also for `redline report --rescore`
(Action mode, no store). A period with no outcome files nothing; `report.enabled: false` in the
repository's `.github/redline.yml` switches its report off.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from bot.feedback import report
from bot.app.settings import AppSettings
from bot.github.client import GitHubClient
from bot.github.issues import close_earlier_reports, upsert_report_issue
from bot.store import Store

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Published:
    body: str
    png: Path | None  # None: nothing to report
    issue: int | None
    closed: tuple[int, ...] = ()  # earlier report issues closed


def report_dir(settings: AppSettings) -> Path:
    return settings.report_dir or Path(platformdirs.user_data_dir("redline")) / "reports"


def publish(built: report.Report, client: GitHubClient | None, settings: AppSettings,
            known_issue: int | None = None) -> Published:
    """Write the PNG and, with a client, create or update the week's issue and close the earlier ones.
    Nothing to report (no line had an outcome): no PNG, no issue."""
    if built.nothing_to_report:
        return Published(report.render_markdown(built), None, None)
    directory = report_dir(settings) / built.repo.replace("/", "__")
    png = report.write_png(built, directory / f"reliability-{built.week}.png")
    body = report.render_markdown(built, png_name=png.name)
    if client is None:
        return Published(body, png, None)
    issue = upsert_report_issue(client, built.repo, built.title, body, known=known_issue,
                                key=f"{report.TITLE} {built.week}")
    return Published(body, png, issue, tuple(close_earlier_reports(client, built.repo, keep=issue)))


def report_enabled(client: GitHubClient, repo: str) -> bool:
    """`report.enabled` of the repository's `.github/redline.yml` on its default branch (default true;
    an invalid file does not stop the report: its errors show on the pull requests' check runs)."""
    from bot.config import load_settings
    from bot.snapshot import github_config_text
    from scoring.errors import ConfigError

    branch = client.call(f"read {repo}", lambda: str(client.repo(repo).default_branch))
    try:
        return load_settings(github_config_text(client, repo, branch)).report.enabled
    except ConfigError:
        return True


def file_report(store: Store, client: GitHubClient | None, settings: AppSettings, repo: str,
                since: dt.datetime, until: dt.datetime, write: bool = True) -> dict[str, Any]:
    """Build, draw and (with a client) file the report of `repo` for [since, until) from the store.

    `write=False` (`redline report --no-post`) only reads the store: no recalibration or issue number is saved.
    """
    if client is not None and not report_enabled(client, repo):
        client = None  # figures and recalibration as usual, but no issue
    outcomes = store.outcome_lines(repo, since, until)
    lines_scored, prs_scored = store.count_scored(repo, since, until)
    everything = store.outcome_lines(repo, EPOCH, until)
    # Recalibrate the probe version most lines were scored with; older versions' logits mean something else.
    versions = collections.Counter(o.probe_version for o in everything)
    current = versions.most_common(1)[0][0] if versions else None
    history = [o for o in everything if o.merged and o.probe_version == current]
    built = report.build(repo, since, until, outcomes, store.gate_records(repo, since, until), lines_scored,
                         prs_scored, history=history, include_unmerged=settings.include_unmerged)
    recalibration = built.recalibration
    saved = (write and settings.recalibrate and recalibration is not None and recalibration.applied
             and current is not None)
    if saved and recalibration is not None and current is not None:
        store.save_calibration(repo, current, json.dumps(recalibration.params), recalibration.n_lines)
    published = publish(built, client, settings, store.report_issue(repo, built.week))
    if write and published.issue is not None:
        store.save_report_issue(repo, built.week, published.issue)
    return {"repo": repo, "week": built.week, "lines": built.n_lines, "issue": published.issue,
            "png": str(published.png or ""), "recalibrated": saved, "body": published.body}
