"""The `redline` command line: one click group that wires the subcommands of bot/ and training/.

This is the only place where bot/ and training/ meet; each subcommand lives in its own module, which is
imported only when that subcommand runs, so that `redline --help` and `--version` start in ~0.1 s.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

import click


@dataclass(frozen=True, slots=True)
class Entry:
    """A subcommand: where it lives, and its line in `redline --help` (here, so that --help imports none)."""

    name: str
    module: str
    attribute: str
    section: str
    summary: str


REVIEW, APP, TRAINING = "Review code", "Run the GitHub App", "Train and evaluate the models"
COMMANDS: tuple[Entry, ...] = (
    Entry(
        "review", "bot.commands.review", "review", REVIEW, "Review a branch, your uncommitted work or a PR."
    ),
    Entry("score", "bot.commands.score", "score", REVIEW, "Score every line of a file with the probe."),
    Entry("prior", "training.cli", "prior_command", REVIEW, "Estimate the share of AI lines people edit."),
    Entry(
        "learn", "bot.commands.learn", "learn", REVIEW, "Fit this repository's own model from its AI commits."
    ),
    Entry("serve", "bot.commands.app", "serve", APP, "Run the webhook endpoint."),
    Entry("worker", "bot.commands.app", "worker", APP, "Run a Celery worker: reviews, outcomes, reports."),
    Entry("report", "bot.commands.app", "report", APP, "Build the weekly calibration report now."),
    Entry("mine", "training.cli", "mine_command", TRAINING, "Label which AI-written lines people edited."),
    Entry("data", "training.cli", "data", TRAINING, "Rebuild the MIAP training dataset."),
    Entry("train", "training.cli", "train", TRAINING, "Train the supervisor probe."),
    Entry("train-pr", "training.cli", "train_pr", TRAINING, "Train the PR model."),
    Entry("eval", "training.cli", "evaluate", TRAINING, "Compare baselines and models on identical folds."),
)


class RedlineGroup(click.Group):
    """A group of lazily imported subcommands that turns every error into one line on stderr and exit
    status 2, never a traceback.

    RedlineError is a message meant for the user. Anything else is a bug, but a user still gets one line
    (set REDLINE_DEBUG=1 for the traceback); exit status 1 stays the merge gate's alone.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [entry.name for entry in COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = next((e for e in COMMANDS if e.name == cmd_name), None)
        if entry is None:
            return None
        command: click.Command = getattr(importlib.import_module(entry.module), entry.attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # One section per kind of user; click's own listing would import every module for its help.
        for section in dict.fromkeys(entry.section for entry in COMMANDS):
            with formatter.section(section):
                formatter.write_dl([(e.name, e.summary) for e in COMMANDS if e.section == section])

    def invoke(self, ctx: click.Context) -> object:
        from bot.commands.errors import UserError
        from scoring.errors import RedlineError

        try:
            return super().invoke(ctx)
        except RedlineError as error:
            raise UserError(str(error)) from error
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            if os.environ.get("REDLINE_DEBUG"):
                raise
            raise UserError(
                f"internal error ({type(error).__name__}: {error}); set REDLINE_DEBUG=1 for the traceback"
            ) from error


@click.group(cls=RedlineGroup)
@click.version_option(package_name="redline")
def cli() -> None:
    """redline: calibrated probabilities that a person will edit each line an AI wrote."""
