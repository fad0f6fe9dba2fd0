"""The `redline` command line: one click group that wires the subcommands of bot/ and training/.

This is the only place where bot/ and training/ meet; each subcommand lives in its own module and
imports its heavy dependencies (torch, transformers, celery) only when it runs.
"""

from __future__ import annotations

import importlib

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
]


class RedlineGroup(click.Group):
    """A group that turns RedlineError into a clean message and exit code 2 instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from scoring.errors import RedlineError

        try:
            return super().invoke(ctx)
        except RedlineError as error:
            raise click.ClickException(str(error)) from error


@click.group(cls=RedlineGroup)
@click.version_option(package_name="redline")
def cli() -> None:
    """redline: calibrated probabilities that a person will edit each line an AI wrote."""


for _module, _attribute in SUBCOMMANDS:
    cli.add_command(getattr(importlib.import_module(_module), _attribute))
