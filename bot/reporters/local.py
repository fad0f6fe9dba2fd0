"""Print the outcome in the terminal with rich; inside GitHub Actions also emit `::warning` workflow
commands, which annotate the PR even when the token cannot write reviews or check runs (fork PRs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.rule import Rule
from rich.table import Table

from bot.reporters.output import Show, shown_lines
from bot.stages.comments import MARKER_PREFIX, comment_body, meaning
from scoring.decisions import GateConclusion
from scoring.types import LineVerdict

if TYPE_CHECKING:
    from bot.types import ReviewOutcome

# A line of code shown in a terminal is cut here: one generated 20,000-character line once filled ~950
# rows of the review table. The JSON and SARIF outputs keep the whole text.
MAX_SHOWN_CHARS = 160
# With --show flagged and nothing flagged, the table lists this many riskiest lines anyway.
RISKIEST_WHEN_NONE_FLAGGED = 5


# https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions: a command's data escapes
# % and line breaks; its properties also `:` and `,`, which would otherwise end the property (a file named
# "a.py,line=1::forged" must not forge an annotation).
_DATA_ESCAPES = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_PROPERTY_ESCAPES = {**_DATA_ESCAPES, ":": "%3A", ",": "%2C"}


def _escape(text: str, escapes: dict[str, str]) -> str:
    return "".join(escapes.get(char, char) for char in text)


def workflow_command(command: str, message: str, **properties: object) -> str:
    """One `::command key=value,...::message` line with GitHub's escaping of properties and message."""
    listed = ",".join(f"{key}={_escape(str(value), _PROPERTY_ESCAPES)}" for key, value in properties.items())
    return f"::{command} {listed}::{_escape(message, _DATA_ESCAPES)}"


def shorten(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """`text` cut to `limit` characters, saying how many were left out."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit:,} more characters)"


GATE_STYLE = {
    GateConclusion.FAILURE: "bold red",
    GateConclusion.SUCCESS: "bold green",
    GateConclusion.NEUTRAL: "yellow",
}


class TerminalReporter:
    def __init__(
        self, console: Console | None = None, workflow_commands: bool = False, show: Show | None = None
    ) -> None:
        self.console = console or Console()
        self.workflow_commands = workflow_commands
        self.show = show or Show()

    def report(self, outcome: ReviewOutcome) -> None:
        flagged = [
            d
            for d in sorted(outcome.decision.lines, key=lambda d: d.rank or 0)
            if d.verdict in (LineVerdict.COMMENT, LineVerdict.OVER_CAP)
        ]
        show, title = self.show, f"redline review of {outcome.source}"
        if show.kind == "flagged" and not flagged:
            self.console.print(f"{escape(title)}: no line reached the comment threshold.")
            show, title = Show("top", RISKIEST_WHEN_NONE_FLAGGED), "the riskiest lines anyway"
        elif show.kind != "flagged":
            title = f"{title}: {show.describe()}"
        shown = shown_lines(outcome, show)
        whys = [d.why or d.reason for d in shown]
        # One commit or one rule usually explains every row: then it is said once, above the table.
        shared_why = whys[0] if whys and len(set(whys)) == 1 else None
        # Paths, code and branch names are the PR's text, never rich markup: "x[repo] = 1" stays as written.
        table = Table(title=escape(title), show_lines=False)
        for column in ("probability", "location", "line", *(() if shared_why else ("why AI-written",))):
            table.add_column(column, overflow="fold")
        for d, why in zip(shown, whys, strict=True):
            marker = "" if d.verdict is LineVerdict.COMMENT else f" ({d.verdict})"
            probability = "–" if d.probability != d.probability else f"{d.probability:.2f}"
            table.add_row(
                f"{probability}{marker}",
                escape(f"{d.path}:{d.line}"),
                escape(shorten(d.text.strip())),
                *(() if shared_why else (escape(why),)),
            )
        if shared_why:
            self.console.print(f"why AI-written (every line below): {escape(shared_why)}")
        if shown:
            self.console.print(table)
        elif show.kind != "flagged":
            self.console.print(f"{escape(title)}: no AI-written line was scored.")
        self.console.print(Markdown(outcome.plan.summary))
        style = GATE_STYLE[outcome.gate.conclusion]
        self.console.print(
            f"[{style}]gate: {outcome.gate.conclusion.value}[/] — {escape(outcome.gate.reason)}"
        )
        if self.workflow_commands:
            for d in flagged:
                message = (
                    f"probability {d.probability:.2f} that a person changes this line "
                    f"({meaning(d.probability)})"
                )
                print(workflow_command("warning", message, file=d.path, line=d.line, title="redline"))


def print_sample_comment(console: Console, outcome: ReviewOutcome, docs_url: str) -> None:
    """The comment redline would post on the riskiest scored line, whatever the threshold: what the
    bundled example shows a new user, whose example PR has no line the shipped model flags."""
    top = shown_lines(outcome, Show("top", 1))
    if not top:
        return
    finding = top[0]
    body = comment_body(finding, "", docs_url, outcome.model_version).split(MARKER_PREFIX)[0]
    console.print(Rule(escape(f"a comment on {finding.path}:{finding.line} would read")))
    console.print(Markdown(body))
