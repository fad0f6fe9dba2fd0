"""The `redline` command line: one click group that wires the subcommands of bot/ and training/.

This is the only place where bot/ and training/ meet; each subcommand lives in its own module and
imports its heavy dependencies (torch, transformers, celery) only when it runs.
"""

from __future__ import annotations

import importlib
import os

import click

# (module, attribute) of every subcommand; each module owns its options and help text.
SUBCOMMANDS: list[tuple[str, str]] = [
    ("bot.commands.score", "score"),
    ("bot.commands.review", "review"),
    ("training.cli", "mine_command"),
    ("bot.commands.app", "serve"),
    ("bot.commands.app", "worker"),
    ("bot.commands.app", "report"),
    ("training.cli", "data"),
    ("training.cli", "train"),
    ("training.cli", "evaluate"),
    ("training.cli", "train_pr"),
    ("training.cli", "prior_command"),
]


class RedlineGroup(click.Group):
    """A group that turns every error into one line on stderr and exit status 2, never a traceback.

    RedlineError is a message meant for the user. Anything else is a bug, but a user still gets one line
    (set REDLINE_DEBUG=1 for the traceback); exit status 1 stays the merge gate's alone.
    """

    def invoke(self, ctx: click.Context) -> object:
        from bot.commands.errors import UserError
        from scoring.errors import RedlineError

        try:
            return super().invoke(ctx)
        except RedlineError as error:
            raise UserError(str(error)) from error
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - the last boundary before a user's terminal
            if os.environ.get("REDLINE_DEBUG"):
                raise
            raise UserError(
                f"internal error ({type(error).__name__}: {error}); set REDLINE_DEBUG=1 for the traceback"
            ) from error


@click.group(cls=RedlineGroup)
@click.version_option(package_name="redline")
def cli() -> None:
    """redline: calibrated probabilities that a person will edit each line an AI wrote."""


for _module, _attribute in SUBCOMMANDS:
    cli.add_command(getattr(importlib.import_module(_module), _attribute))
