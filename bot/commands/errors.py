"""How a command reports a user error: one line on stderr and exit status 2 (see bot.stages.gate.EXIT_CODES).

Exit status 1 is reserved for a failing merge gate, so that a script or the GitHub Action can tell
"the change is risky" from "redline could not run"; click's own usage errors already exit 2.
"""

from __future__ import annotations

import click

from bot.stages.gate import EXIT_ERROR

MAX_MESSAGE_CHARS = 1000


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` with each run of whitespace (git's multi-line stderr, a tab) as one space, cut at `limit`."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class UserError(click.ClickException):
    """A one-line error message and exit status 2 (usage, input or redline's own error, never a gate)."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))
