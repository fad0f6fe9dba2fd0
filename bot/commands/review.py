"""`redline review`: review a local branch (or the bundled example) in the terminal, or a GitHub PR with
--github.

Option parsing and wiring only: a source (bot.snapshot.LocalBranch, bot.pull_review.PullSource) and reporters
(bot.reporters) for bot.review.run.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.commands.errors import UserError
from bot.config import DOCS_URL, Settings
from bot.reporters.local import TerminalReporter, print_sample_comment
from bot.reporters.output import JsonReporter, Show, progress_bar
from bot.reporters.sarif import SarifReporter
from bot.review import DEFAULT_TIME_BUDGET_S, run
from bot.snapshot import LocalBranch
from bot.stages.gate import EXIT_CODES, EXIT_GATE_FAILED, EXIT_OK
from bot.types import Reporter, ReviewOutcome, Source
from bot.worktree import STAGED
from scoring.cache import review_window_dir
from scoring.errors import ConfigError, RedlineError
from scoring.registry import ModelChoice, ScorerProtocol, load_scorer, with_repository_model

if TYPE_CHECKING:
    from bot.pull_review import PullSource

ACTIONS_BOT_LOGIN = "github-actions[bot]"
# The bundled example lists its riskiest lines even when none reaches the comment threshold.
EXAMPLE_SHOW = Show("top", 3)
# "\b" keeps click from re-wrapping the table into one paragraph.
EXIT_HELP = "\b\nExit status:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES)


def _load_scorer(
    settings: Settings, model: str | None, probe: str | None, repository_model: Path | None = None
) -> ScorerProtocol:
    # On disk, so that reviewing the branch again after a commit re-runs only the windows that changed.
    # `repository_model`: the repository's own model (`redline learn`), used where the settings name the
    # default.
    choice = with_repository_model(ModelChoice.of(settings.model, model, probe), repository_model)
    return load_scorer(choice, window_cache=review_window_dir())


def _terminal_reporters(terminal: Reporter, sarif_path: Path | None, settings: Settings) -> list[Reporter]:
    chosen: list[Reporter] = [terminal]
    if sarif_path:
        chosen.append(SarifReporter(sarif_path, settings.comments.docs_url))
    return chosen


def _positive_seconds(ctx: click.Context, param: click.Parameter, value: float) -> float:
    # Not click.FloatRange: nan passes its comparisons, and a nan budget never runs out.
    if not math.isfinite(value) or value <= 0:
        raise click.BadParameter(f"must be a positive number of seconds, got {value}")
    return value


def _pull_number(event_path: str | None, number: int | None) -> int:
    if number is not None:
        return number
    if not event_path or not Path(event_path).is_file():
        raise ConfigError("--github needs --pr NUMBER or GITHUB_EVENT_PATH pointing at a pull_request event")
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read the event file {event_path}: {error}") from error
    pull = event.get("pull_request") if isinstance(event, dict) else None
    found = (pull.get("number") if isinstance(pull, dict) else None) or (
        event.get("number") if isinstance(event, dict) else None
    )
    if not isinstance(found, int):
        raise ConfigError(f"{event_path} is not a pull_request event (no pull_request.number)")
    return found


def _restore_env(name: str, value: str | None) -> Callable[[], None]:
    def restore() -> None:
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value

    return restore


@click.command("review", epilog=EXIT_HELP)
@click.option(
    "--repo",
    "repo_path",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Local git repository to review.",
)
@click.option(
    "--base", default="main", show_default=True, envvar="REDLINE_BASE", help="Base ref (the PR target)."
)
@click.option(
    "--head",
    default="HEAD",
    show_default=True,
    envvar="REDLINE_HEAD",
    help="Head ref (the PR branch); WORKTREE: HEAD plus your uncommitted changes, untracked files too.",
)
@click.option(
    "--staged", is_flag=True, help="Review HEAD plus the staged changes (what git commit would commit)."
)
@click.option(
    "--example", is_flag=True, help="Review the bundled example repository with an AI-authored commit."
)
@click.option(
    "--github", "use_github", is_flag=True, help="Review a GitHub PR and post the review and check run."
)
@click.option(
    "--github-repo", envvar="GITHUB_REPOSITORY", help="owner/name of the PR's repository (--github)."
)
@click.option("--pr", "pr_number", type=int, help="PR number (--github; default: from GITHUB_EVENT_PATH).")
@click.option(
    "--check-run/--no-check-run", default=True, show_default=True, help="Also post a check run (--github)."
)
@click.option("--model", envvar="REDLINE_MODEL", help="Supervisor model id or path (default: the probe's).")
@click.option("--probe", envvar="REDLINE_PROBE", help="Probe directory (default: the shipped probe).")
@click.option(
    "--sarif",
    "sarif_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="REDLINE_SARIF",
    help="Also write the flagged lines as SARIF to this file.",
)
@click.option(
    "--fail-on-gate/--no-fail-on-gate",
    default=True,
    show_default=True,
    envvar="REDLINE_FAIL_ON_GATE",
    help="Exit 1 when the gate fails; with --no-fail-on-gate exit 0 instead (errors still exit 2).",
)
@click.option(
    "--ai",
    type=click.Choice(["detect", "all", "none"]),
    envvar="REDLINE_AI_DETECT",
    help="Which added lines count as AI-written: detect (evidence in commits, branch, labels; the default), "
    "all (every added line: your own branch without AI markers), none. Config key ai.detect.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON document on stdout (schema: docs/review-output.schema.json).",
)
@click.option(
    "--show",
    default="flagged",
    show_default=True,
    metavar="flagged|top N|all",
    help="Lines to list: those at or above the comment threshold, the N riskiest whatever the threshold "
    "(default 10), or every AI-written line.",
)
@click.argument("show_count", metavar="[N]", required=False, type=click.IntRange(min=1))
@click.option(
    "--time-budget",
    "time_budget_s",
    type=float,
    default=DEFAULT_TIME_BUDGET_S,
    show_default=True,
    envvar="REDLINE_TIME_BUDGET_S",
    callback=_positive_seconds,
    help="Seconds of scoring before redline gives up (neutral gate).",
)
def review(
    repo_path: str,
    base: str,
    head: str,
    staged: bool,
    example: bool,
    use_github: bool,
    github_repo: str | None,
    pr_number: int | None,
    check_run: bool,
    model: str | None,
    probe: str | None,
    sarif_path: Path | None,
    fail_on_gate: bool,
    ai: str | None,
    output_format: str,
    show: str,
    show_count: int | None,
    time_budget_s: float,
) -> None:
    """Score the AI-written lines of a change and report the ones a person will likely have to edit.

    N: with --show top, how many lines (also written top:N).
    """
    try:
        shown = Show.parse(show, show_count)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--show") from None
    ctx = click.get_current_context()
    if example and ctx.get_parameter_source("show") is click.core.ParameterSource.DEFAULT:
        shown = EXAMPLE_SHOW
    if example and ctx.get_parameter_source("fail_on_gate") is click.core.ParameterSource.DEFAULT:
        # The bundled example demonstrates a review: its gate verdict is printed, and it exits 0 unless
        # --fail-on-gate is given, so the first command of the README does not fail on the model's verdict.
        fail_on_gate = False
    if staged:
        if ctx.get_parameter_source("head") is not click.core.ParameterSource.DEFAULT:
            raise click.BadParameter("give --staged or --head, not both", param_hint="--staged")
        head = STAGED
    if ai:  # the config's env override of ai.detect, for this command only (not later in-process runs)
        ctx.call_on_close(_restore_env("REDLINE_AI_DETECT", os.environ.get("REDLINE_AI_DETECT")))
        os.environ["REDLINE_AI_DETECT"] = ai
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    json_output = output_format == "json"
    terminal: Reporter = (
        JsonReporter(shown) if json_output else TerminalReporter(workflow_commands=in_actions, show=shown)
    )
    show_progress = not json_output and not in_actions and sys.stderr.isatty()
    outcome: ReviewOutcome | None = None
    try:
        with contextlib.ExitStack() as stack:
            source: Source
            progress: Callable[[int, int], None] | None = None
            if use_github:
                source, bot_login, own_model = _pull_source(github_repo, pr_number, check_run)
            else:
                from bot.feedback.learn_data import repository_model_path

                progress = stack.enter_context(progress_bar(show_progress))
                source = stack.enter_context(_local_branch(repo_path, base, head, example, quiet=json_output))
                bot_login, own_model = ACTIONS_BOT_LOGIN, repository_model_path(source.path)
            outcome = run(
                source,
                lambda settings: _load_scorer(settings, model, probe, own_model),
                reporters=lambda settings: _terminal_reporters(terminal, sarif_path, settings),
                bot_login=bot_login,
                time_budget_s=time_budget_s,
                progress=progress,
            )
    except RedlineError as error:
        # Nothing was reviewed: exit 2, never 0 or 1, whatever --fail-on-gate says (gate.EXIT_CODES).
        if use_github:
            from bot.reporters.action_outputs import write_action_outputs

            write_action_outputs(None, sarif_path)
        what = "this pull request" if use_github else "the change"
        raise UserError(f"redline could not review {what}: {error}") from error
    for problem in outcome.reporter_errors if outcome else ():
        click.secho(f"reporter problem: {problem}", fg="yellow", err=True)
    if use_github:
        from bot.reporters.action_outputs import write_action_outputs

        write_action_outputs(outcome, sarif_path)
    if example and not json_output and outcome is not None and isinstance(terminal, TerminalReporter):
        # The example has no .github/redline.yml: its comments link the default docs.
        print_sample_comment(terminal.console, outcome, DOCS_URL)
    if outcome is not None and outcome.exit_code == EXIT_GATE_FAILED:
        raise SystemExit(EXIT_GATE_FAILED if fail_on_gate else EXIT_OK)


@contextlib.contextmanager
def _local_branch(repo_path: str, base: str, head: str, example: bool, quiet: bool) -> Iterator[LocalBranch]:
    """The branch to review: the given one, or the bundled example's, built in a temporary directory that is
    removed once the review is over."""
    if not example:
        yield LocalBranch(repo_path, base, head)
        return
    from bot.examples import build_example

    with tempfile.TemporaryDirectory(prefix="redline-example-") as scratch:
        built = build_example(Path(scratch) / "inventory")
        click.echo(f"Reviewing the bundled example repository ({built.base}..{built.head}).", err=quiet)
        yield LocalBranch(str(built.path), built.base, built.head)


def _pull_source(
    github_repo: str | None, pr_number: int | None, check_run: bool
) -> tuple[PullSource, str, Path | None]:
    """The PR to review (the Action), the login redline posts as, and the repository's own model (`redline
    learn`'s, back with the checkout's .git/redline through actions/cache), if any.

    Raises RedlineError when the review cannot start (no token, no PR, GitHub refused): exit 2. A failure
    once the review exists (model missing, time budget) is its neutral gate instead.
    """
    from bot.feedback.learn_data import repository_model_path
    from bot.github import pulls
    from bot.github.client import DEFAULT_BASE_URL, GitHubClient
    from bot.history import actions_checkout
    from bot.pull_review import PullSource

    if not github_repo:
        raise ConfigError("--github needs --github-repo owner/name (GITHUB_REPOSITORY in Actions)")
    number = _pull_number(os.environ.get("GITHUB_EVENT_PATH"), pr_number)
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("REDLINE_GITHUB_TOKEN")
    if not token:
        raise ConfigError("--github needs a token in GITHUB_TOKEN")
    client = GitHubClient(token, base_url=os.environ.get("GITHUB_API_URL", DEFAULT_BASE_URL))
    bot_login = pulls.authenticated_login(client, os.environ.get("REDLINE_BOT_LOGIN", ACTIONS_BOT_LOGIN))
    checkout = actions_checkout()
    own_model = repository_model_path(checkout) if checkout else None
    return PullSource(client, github_repo, number, check_run=check_run), bot_login, own_model
