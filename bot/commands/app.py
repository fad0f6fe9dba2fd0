"""`redline serve`, `redline worker` and `redline report`: the GitHub App's processes and its weekly report.

Option parsing and wiring only; settings come from REDLINE_* env vars (bot.app.settings).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scoring.errors import ConfigError

if TYPE_CHECKING:
    from bot.app.settings import AppSettings
    from bot.config import Settings
    from bot.feedback.learn_data import Learner
    from bot.feedback.merged import Branch
    from bot.github.client import GitHubClient

_DURATION = re.compile(r"^(\d+)([hdw])$")


def parse_since(text: str) -> dt.timedelta:
    """ "7d", "24h", "2w" -> a timedelta."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ConfigError(f"--since takes a duration like 7d, 24h or 2w, got {text!r}")
    amount, unit = int(match.group(1)), match.group(2)
    try:
        return {
            "h": dt.timedelta(hours=amount),
            "d": dt.timedelta(days=amount),
            "w": dt.timedelta(weeks=amount),
        }[unit]
    except OverflowError:  # past timedelta's 999,999,999 days
        raise ConfigError(f"--since {text!r} is longer than any period redline can report on") from None


def report_period(since_text: str, until_text: str | None) -> tuple[dt.datetime, dt.datetime]:
    """[since, until) from --since and --until (ISO 8601, naive = UTC; None: now)."""
    try:
        until = dt.datetime.fromisoformat(until_text) if until_text else dt.datetime.now(dt.UTC)
    except ValueError:
        raise ConfigError(
            f"--until takes an ISO 8601 date or time like 2026-11-23, got {until_text!r}"
        ) from None
    if until.tzinfo is None:
        until = until.replace(tzinfo=dt.UTC)
    length = parse_since(since_text)
    try:
        return until - length, until
    except OverflowError:  # before year 1
        raise ConfigError(
            f"--since {since_text} before --until {until_text} starts before the year 1"
        ) from None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="REDLINE_HOST")
@click.option("--port", default=8000, show_default=True, envvar="REDLINE_PORT")
@click.option("--log-level", default="info", show_default=True)
def serve(host: str, port: int, log_level: str) -> None:
    """Run the webhook endpoint (POST /webhook, GET /healthz, GET /metrics); needs REDLINE_WEBHOOK_SECRET."""
    import uvicorn

    from bot.app.settings import AppSettings
    from bot.app.tasks import create_celery, enqueuer
    from bot.app.web import create_app
    from bot.store import Store

    settings = AppSettings.from_env()
    app = create_app(
        settings.require_webhook_secret(),
        Store.open(settings.database_url, timeout_s=settings.database_timeout_s),
        enqueuer(create_celery(settings), timeout_s=settings.broker_timeout_s),
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level)


@click.command("worker")
@click.option(
    "--queues", default="review,report", show_default=True, help="Comma-separated queues to consume."
)
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    help="Processes per worker; each holds its own scorer (memory per scorer: docs/benchmarks.md).",
)
@click.option(
    "--pool",
    type=click.Choice(["prefork", "solo", "threads"]),
    default="prefork",
    show_default=True,
    help="prefork enforces REDLINE_TASK_TIME_LIMIT_S; solo and threads cannot interrupt a task (Celery "
    "enforces time limits only in prefork), so there only the review's own time budget bounds it.",
)
@click.option(
    "--beat", is_flag=True, help="Also run the scheduler of the weekly report (in exactly one worker)."
)
@click.option(
    "--schedule",
    "schedule",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="REDLINE_BEAT_SCHEDULE",
    show_envvar=True,
    help="With --beat: the scheduler's state file (default celerybeat-schedule in redline's state "
    "directory, never the working directory).",
)
@click.option("--loglevel", default="INFO", show_default=True)
def worker(
    queues: str, concurrency: int, pool: str, beat: bool, schedule: Path | None, loglevel: str
) -> None:
    """Run a Celery worker on REDLINE_REDIS_URL: reviews, outcomes and reports."""
    from bot.app.settings import AppSettings
    from bot.app.tasks import create_celery

    settings = AppSettings.from_env()
    argv = [
        "worker",
        f"--queues={queues}",
        f"--concurrency={concurrency}",
        f"--pool={pool}",
        f"--loglevel={loglevel}",
        f"--hostname=redline-{os.getpid()}@%h",
    ]
    if pool != "prefork":
        click.echo(
            f"warning: --pool {pool} does not enforce REDLINE_TASK_TIME_LIMIT_S "
            f"({settings.task_time_limit_s} s): Celery interrupts a task only in the prefork pool; the "
            "review's own time budget still ends scoring with a neutral gate",
            err=True,
        )
    if beat:
        argv += ["--beat", f"--schedule={_writable_schedule(schedule)}"]
    create_celery(settings, learn=_learner(settings)).worker_main(argv)


def _writable_schedule(path: Path | None) -> Path:
    """The beat schedule file, opened once here as Celery opens it (shelve): a path it cannot write is an
    error before the worker starts. Celery's embedded scheduler would die on it while the worker goes on
    logging "ready", and the weekly report would never run."""
    import dbm
    import shelve

    if path is None:
        import platformdirs

        path = platformdirs.user_state_path("redline") / "celerybeat-schedule"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        shelve.open(str(path)).close()
    except (OSError, *dbm.error) as error:
        raise click.ClickException(
            f"the scheduler cannot write its schedule {path}: {error}. Give --schedule or "
            "REDLINE_BEAT_SCHEDULE a writable path (the container: a volume)."
        ) from error
    return path


@click.command("report")
@click.option(
    "--repo",
    "repos",
    multiple=True,
    envvar="GITHUB_REPOSITORY",
    help="owner/name (repeatable; default: every installed repository, or GITHUB_REPOSITORY), or the "
    "path of a local checkout: its AI commits re-scored and followed in its history, no token or store.",
)
@click.option(
    "--since", "since_text", default="7d", show_default=True, help="Length of the period: 7d, 24h, 2w."
)
@click.option("--until", "until_text", help="End of the period, ISO 8601 (default: now).")
@click.option(
    "--rescore",
    is_flag=True,
    help="Action mode, no store: rebuild predictions by re-scoring the AI commits of merged PRs.",
)
@click.option(
    "--post/--no-post",
    default=True,
    show_default=True,
    help="File the issue on GitHub (App credentials, or GITHUB_TOKEN); --no-post prints it and writes "
    "nothing to the store.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A local checkout's report: write the Markdown to this file instead of stdout.",
)
def report(
    repos: tuple[str, ...],
    since_text: str,
    until_text: str | None,
    rescore: bool,
    post: bool,
    output: Path | None,
) -> None:
    """Build the calibration report now (the App's weekly schedule does this every week)."""
    from bot.app.settings import AppSettings

    settings = AppSettings.from_env()
    since, until = report_period(since_text, until_text)
    checkouts = tuple(r for r in repos if Path(r).is_dir())
    if checkouts:
        _report_local(checkouts, since, until, output)
        repos = tuple(r for r in repos if r not in checkouts)
        if not repos:
            return
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("REDLINE_GITHUB_TOKEN")
    if rescore:
        _report_by_rescoring(settings, repos, since, until, token, post)
    else:
        _report_from_store(settings, repos, since, until, token, post)


def _learner(settings: AppSettings) -> Learner | None:
    """The weekly report's repository-model learner (training.wild.learn, imported when it first runs), or
    None with REDLINE_LEARN=false."""
    from bot.commands.learn import repository_learner

    return repository_learner() if settings.learn else None


def _report_from_store(
    settings: AppSettings,
    repos: tuple[str, ...],
    since: dt.datetime,
    until: dt.datetime,
    token: str | None,
    post: bool,
) -> None:
    from bot.app.reporting import file_report
    from bot.github.client import GitHubClient
    from bot.store import Store

    store = Store.open(settings.database_url)
    installed = dict(store.active_repositories())
    targets = list(repos) or list(installed)
    if not targets:
        raise ConfigError("no repository to report on: pass --repo owner/name (the store knows none)")
    for repo in targets:
        client, clone_token = None, None
        if post and settings.app_id and (installation := installed.get(repo)) is not None:
            from bot.github.auth import AppAuth

            auth = AppAuth(settings.app_id, settings.private_key, base_url=settings.github_api_url)
            client, clone_token = auth.client(installation), auth.token(installation).token
        elif post and token:
            client, clone_token = GitHubClient(token, base_url=settings.github_api_url), token
        result = file_report(
            store,
            client,
            settings,
            repo,
            since,
            until,
            write=post,
            token=clone_token,
            learn=_learner(settings),
        )
        _echo(
            repo,
            result["week"],
            result["lines"],
            result["issue"],
            result["png"],
            result["body"],
            client is None,
            result["recalibrated"],
        )


def _report_by_rescoring(
    settings: AppSettings,
    repos: tuple[str, ...],
    since: dt.datetime,
    until: dt.datetime,
    token: str | None,
    post: bool,
) -> None:
    from bot.app.pipeline import load_scorer
    from bot.app.reporting import publish
    from bot.config import CONFIG_PATH, load_settings
    from bot.feedback import report as reports
    from bot.feedback.fates import HistoryError
    from bot.feedback.replay import replay
    from bot.github.client import GitHubClient

    if not token:
        raise ConfigError("--rescore reads the merged PRs from GitHub: set GITHUB_TOKEN")
    if not repos:
        raise ConfigError("--rescore needs --repo owner/name (GITHUB_REPOSITORY in Actions)")
    config = Path(CONFIG_PATH)
    review_settings = load_settings(config.read_text() if config.is_file() else None)
    if not review_settings.report.enabled:
        click.echo(f"report.enabled is false in {CONFIG_PATH}: no report")
        return
    client = GitHubClient(token, base_url=os.environ.get("GITHUB_API_URL", settings.github_api_url))
    scorer = load_scorer(settings.scorer, review_settings.model)  # the repository's own model.* keys
    for repo in repos:
        branch, unread_reason = None, None
        try:
            branch = _checkout_branch(client, repo, review_settings)
        except HistoryError as error:
            unread_reason = str(error)
        outcomes, prs = [], 0
        for _, lines in replay(client, repo, scorer, review_settings, since, until, branch):
            outcomes.extend(lines)
            prs += 1
        built = reports.build(
            repo,
            since,
            until,
            outcomes,
            (),
            len(outcomes),
            prs,
            history=outcomes,
            unread_reason=unread_reason,
        )
        published = publish(built, client if post else None, settings)
        _echo(
            repo,
            built.week,
            built.n_lines,
            published.issue,
            str(published.png or ""),
            published.body,
            not post,
            False,
        )


def _checkout_branch(client: GitHubClient, repo: str, review_settings: Settings) -> Branch:
    """`repo`'s default branch in the workflow's checkout ($GITHUB_WORKSPACE, else the working directory)."""
    from bot.feedback.fates import HistoryError
    from bot.feedback.merged import checkout_branch
    from bot.history import actions_checkout

    if os.environ.get("GITHUB_REPOSITORY", repo) != repo:
        raise HistoryError(f"the checkout is of {os.environ['GITHUB_REPOSITORY']}, not {repo}")
    name = client.call(f"read {repo}", lambda: str(client.repo(repo).default_branch))
    workspace = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    return checkout_branch(
        actions_checkout({"GITHUB_WORKSPACE": workspace}), name, review_settings.attribution_rules()
    )


def _report_local(
    paths: tuple[str, ...], since: dt.datetime, until: dt.datetime, output: Path | None
) -> None:
    from bot.feedback import report as reports
    from bot.feedback.local import local_outcomes

    bodies = []
    for path in paths:
        found = local_outcomes(path, since, until)
        built = reports.build(
            found.name,
            since,
            until,
            found.lines,
            (),
            len(found.lines),
            found.commits,
            history=found.lines,
            branch=found.branch,
        )
        bodies.append(reports.render_markdown(built))
        click.echo(
            f"{path} ({found.branch}): {found.commits} AI commits, {len(found.lines)} scored lines, "
            f"{built.n_target} with the target known, {built.pending} pending, {found.unread} not read",
            err=True,
        )
    if output is None:
        click.echo("\n\n".join(bodies))
    else:
        output.write_text("\n\n".join(bodies) + "\n", encoding="utf-8")


def _echo(
    repo: str,
    week: str,
    lines: int,
    issue: int | None,
    png: str,
    body: str,
    show_body: bool,
    recalibrated: bool,
) -> None:
    if show_body:
        click.echo(body)
    click.echo(
        f"{repo} {week}: {lines} lines with outcomes; issue {issue or '-'}; chart {png or '-'}"
        + ("; recalibrated" if recalibrated else ""),
        err=show_body,
    )
