"""`redline score FILE`: the probability that a person edits each line of a file, as a coloured gutter."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.commands.errors import UserError
from scoring.errors import SpanError
from scoring.types import CalibrationMode, Span, SpanScore

if TYPE_CHECKING:
    from rich.console import Console

LINE_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")
MEANING = {
    CalibrationMode.PR: (
        "probability that a person edits the line later (calibrated on in-the-wild AI commits)"
    ),
    CalibrationMode.BENCHMARK: (
        "probability that the minimal passing repair edits the line (calibrated on MIAP)"
    ),
}


def parse_line_range(text: str) -> Span:
    match = LINE_RANGE.match(text.strip())
    if not match:
        raise click.BadParameter(f"{text!r} is not a line range such as 12 or 12-18", param_hint="--lines")
    first = int(match.group(1))
    return Span.lines(first, int(match.group(2) or first))


def read_text(path: Path) -> tuple[str, bool]:
    """The file's text and whether undecodable bytes had to be replaced."""
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        raise UserError(f"{path} looks binary; redline scores text files only")
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--lines", "ranges", multiple=True, metavar="A-B", help="Also score these line ranges as spans."
)
@click.option("--intent", help="What the code is meant to do (task text, PR title); read before the code.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of the coloured gutter.")
@click.option(
    "--model",
    envvar="REDLINE_MODEL",
    help="Supervisor: Hugging Face id or local path (default: the probe's).",
)
@click.option("--probe", envvar="REDLINE_PROBE", type=click.Path(path_type=Path), help="Probe directory.")
@click.option(
    "--mode",
    type=click.Choice([m.value for m in CalibrationMode]),
    default=CalibrationMode.PR.value,
    show_default=True,
    help="Which calibration: pr (a person edits it later) or benchmark (MIAP repair).",
)
def score(
    file: Path,
    ranges: tuple[str, ...],
    intent: str | None,
    as_json: bool,
    model: str | None,
    probe: Path | None,
    mode: str,
) -> None:
    """Score every line of FILE (and any --lines ranges) with the probe."""
    from rich.console import Console

    from scoring.cache import review_window_dir
    from scoring.registry import load_probe_scorer

    text, replaced = read_text(file)
    extra = [parse_line_range(r) for r in ranges]
    err = Console(stderr=True)
    with err.status("loading the supervisor and probe…"):
        scorer = load_probe_scorer(model, probe, window_cache=review_window_dir())
    n_lines = len(text.splitlines()) or 1
    spans = [Span.lines(i) for i in range(1, n_lines + 1)] + extra + [Span.whole()]
    with err.status(f"scoring {n_lines} lines…"):
        try:
            scores = scorer.score(text, spans, intent=intent, mode=CalibrationMode(mode))
        except SpanError as error:
            raise UserError(str(error)) from error
    used = scorer.calibration_for(CalibrationMode(mode))
    if replaced:
        err.print(
            f"[yellow]{file} is not valid UTF-8; undecodable bytes were replaced before scoring[/yellow]"
        )
    lines = text.splitlines()
    if as_json:
        click.echo(json.dumps(_as_json(file, scorer.model_version, used, lines, scores, n_lines), indent=2))
        return
    _print_gutter(Console(), file, lines, scores, n_lines, used)


def _as_json(
    file: Path, version: str, mode: CalibrationMode, lines: list[str], scores: list[SpanScore], n_lines: int
) -> dict[str, object]:
    def number(value: float) -> float | None:
        return None if value != value else round(value, 6)  # nan -> null

    return {
        "file": str(file),
        "probe_version": version,
        "probability_means": MEANING[mode],
        "lines": [
            {
                "line": s.span.start,
                "probability": number(s.probability),
                "logit": number(s.logit),
                "tokens": s.n_tokens,
                "skipped": s.skipped,
                "text": lines[s.span.start - 1] if s.span.start <= len(lines) else "",
            }
            for s in scores[:n_lines]
        ],
        "spans": [
            {"span": str(s.span), "probability": number(s.probability), "logit": number(s.logit)}
            for s in scores[n_lines:]
        ],
    }


def _colour(probability: float) -> str:
    if probability != probability:
        return "dim"
    return "red" if probability >= 0.5 else "yellow" if probability >= 0.25 else "green"


def _print_gutter(
    console: Console,
    file: Path,
    lines: list[str],
    scores: list[SpanScore],
    n_lines: int,
    mode: CalibrationMode,
) -> None:
    from rich.text import Text

    from bot.reporters.local import shorten

    console.print(f"[bold]{file}[/bold]  [dim]{MEANING[mode]}[/dim]")
    for s in scores[:n_lines]:
        p = s.probability
        gutter = Text("  -- " if p != p else f"{p:5.2f}", style=_colour(p))
        bar = Text("█" * (0 if p != p else round(p * 8)), style=_colour(p))
        bar.pad_right(8 - len(bar))
        line = shorten(lines[s.span.start - 1]) if s.span.start <= len(lines) else ""
        console.print(Text.assemble(gutter, " ", bar, f" {s.span.start:4d} │ ", line), soft_wrap=True)
        if s.skipped:
            console.print(Text(f"{' ' * 14}│ skipped: {s.skipped}", style="dim"))
    for s in scores[n_lines:]:
        console.print(f"[{_colour(s.probability)}]{s.probability:5.2f}[/]  {s.span}")
