"""File one repository's calibration report: outcomes -> bot.feedback.report -> PNG, issue, recalibration.

The I/O around the pure bot.feedback.report. `file_report` reads the store (App mode) and saves a
recalibration that beat the calibration in use (unless switched off); `publish` draws the chart and
files or updates the week's issue, also for `redline report --rescore` (Action mode, no store).
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
from bot.github.issues import upsert_report_issue
from bot.store import Store

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Published:
    body: str
    png: Path
    issue: int | None


def report_dir(settings: AppSettings) -> Path:
    return settings.report_dir or Path(platformdirs.user_data_dir("redline")) / "reports"


def publish(built: report.Report, client: GitHubClient | None, settings: AppSettings,
            known_issue: int | None = None) -> Published:
    """Write the PNG and, with a client, create or update the week's issue."""
    directory = report_dir(settings) / built.repo.replace("/", "__")
    png = report.write_png(built, directory / f"reliability-{built.week}.png")
    body = report.render_markdown(built, png_name=png.name)
    issue = None if client is None else upsert_report_issue(client, built.repo, built.title, body, known=known_issue)
    return Published(body, png, issue)


def file_report(store: Store, client: GitHubClient | None, settings: AppSettings, repo: str,
                since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Build, draw and (with a client) file the report of `repo` for [since, until) from the store."""
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
    saved = settings.recalibrate and recalibration is not None and recalibration.applied and current is not None
    if saved and recalibration is not None and current is not None:
        store.save_calibration(repo, current, json.dumps(recalibration.params), recalibration.n_lines)
    published = publish(built, client, settings, store.report_issue(repo, built.week))
    if published.issue is not None:
        store.save_report_issue(repo, built.week, published.issue)
    return {"repo": repo, "week": built.week, "lines": built.n_lines, "issue": published.issue,
            "png": str(published.png), "recalibrated": saved, "body": published.body}
