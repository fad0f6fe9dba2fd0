"""Reporters on a real outcome: terminal text, SARIF document, check-run annotations, gate helpers."""

from __future__ import annotations

import io
import json

from rich.console import Console

from bot.config import load_settings
from bot.reporters.check_run import check_annotations
from bot.reporters.local import TerminalReporter, workflow_command
from bot.reporters.output import Show
from bot.reporters.sarif import SarifReporter
from bot.review import review
from bot.snapshot import local_snapshot
from bot.stages import gate
from scoring.decisions import GateConclusion, GateDecision

CODE = (
    "def add(a, b):\n    return a + b\n"
    "def bug(x):\n    return x - 1  # bug\nfor i in range(10):\n\tprint(i)\n"
)


def _outcome(git_repo, tiny, config=None):
    git_repo.commit({"calc.py": "def add(a, b):\n    return a + b\n"}, "base")
    git_repo.branch("feature")
    git_repo.commit({"calc.py": CODE}, "agent", author="Cursor Agent <cursoragent@cursor.com>")
    return review(
        local_snapshot(git_repo.path, "main", "feature"), lambda: tiny, load_settings(config, env={})
    )


def test_terminal_report_shows_flagged_lines_summary_gate_and_workflow_commands(git_repo, tiny, capsys):
    buffer = io.StringIO()
    reporter = TerminalReporter(Console(file=buffer, width=200), workflow_commands=True)
    reporter.report(_outcome(git_repo, tiny))
    text = buffer.getvalue()
    assert "calc.py:3" in text and "calc.py:4" in text and "calc.py:5" not in text
    assert "cursoragent@cursor.com" in text and "gate: failure" in text and "Coverage" in text
    assert "::warning file=calc.py,line=3,title=redline::" in capsys.readouterr().out


def test_workflow_command_escapes_file_names_as_github_documents():
    line = workflow_command(
        "warning", "50% of\nthese", file="a.py,line=1::x\r\n%.py", line=3, title="redline"
    )
    assert line == "::warning file=a.py%2Cline=1%3A%3Ax%0D%0A%25.py,line=3,title=redline::50%25 of%0Athese"


def test_a_file_name_with_commas_and_colons_cannot_forge_an_annotation(git_repo, tiny, capsys):
    git_repo.commit({"README": "x\n"}, "base")
    git_repo.branch("feature")
    git_repo.commit(
        {"x,line=1,title=forged:.py": CODE}, "agent", author="Cursor Agent <cursoragent@cursor.com>"
    )
    outcome = review(
        local_snapshot(git_repo.path, "main", "feature"), lambda: tiny, load_settings(None, env={})
    )
    TerminalReporter(Console(file=io.StringIO()), workflow_commands=True).report(outcome)
    commands = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("::warning")]
    assert commands and all(
        ln.startswith("::warning file=x%2Cline=1%2Ctitle=forged%3A.py,line=") for ln in commands
    )


def test_terminal_report_prints_code_and_names_as_written_not_as_markup(git_repo, tiny):
    git_repo.commit({"calc.py": "x = 1\n"}, "base")
    git_repo.branch("feature")
    git_repo.commit(
        {"calc.py": "x = 1\nseen[repo] = [bold]auc[/bold](y)\n"},
        "agent",
        author="Cursor Agent <cursoragent@cursor.com>",
    )
    outcome = review(
        local_snapshot(git_repo.path, "main", "feature"), lambda: tiny, load_settings(None, env={})
    )
    buffer = io.StringIO()
    TerminalReporter(Console(file=buffer, width=200), show=Show("top", 5)).report(outcome)
    text = buffer.getvalue()
    assert "seen[repo] = [bold]auc[/bold](y)" in text


def test_sarif_lists_flagged_lines_with_probabilities(git_repo, tiny, tmp_path):
    outcome = _outcome(git_repo, tiny)
    SarifReporter(tmp_path / "r.sarif", "https://docs").report(outcome)
    document = json.loads((tmp_path / "r.sarif").read_text())
    results = document["runs"][0]["results"]
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results]
    assert sorted(lines) == [3, 4]
    shown = {d.line: round(d.probability, 4) for d in outcome.decision.commented}
    assert {line: r["properties"]["probability"] for line, r in zip(lines, results, strict=True)} == shown
    assert all(r["properties"]["modelVersion"] == outcome.model_version for r in results)


def test_annotations_include_over_cap_lines_and_blocking_hunks(git_repo, tiny):
    outcome = _outcome(git_repo, tiny, "comments: {max: 1}")
    found = check_annotations(outcome)
    assert len(outcome.plan.new) == 1
    assert sorted(a.start_line for a in found if a.level == "warning") == [3, 4]
    assert [a.level for a in found].count("failure") == len(outcome.gate.blocking) >= 1


def test_gate_title_and_exit_codes():
    failed = GateDecision(GateConclusion.FAILURE, "1 hunk")
    neutral = GateDecision(GateConclusion.NEUTRAL, "model missing")
    assert gate.exit_code(failed) == 1 and gate.exit_code(neutral) == 0
    assert gate.title(neutral).startswith("redline did not gate") and len(gate.title(failed)) <= 255


def test_terminal_table_says_a_shared_reason_once_above_the_rows(git_repo, tiny):
    buffer = io.StringIO()
    TerminalReporter(Console(file=buffer, width=200), show=Show("top", 5)).report(_outcome(git_repo, tiny))
    text = buffer.getvalue()
    assert text.count("cursoragent@cursor.com") == 1 and "why AI-written (every line below):" in text


def test_terminal_table_keeps_a_reason_per_row_when_the_rows_differ(git_repo, tiny):
    git_repo.commit({"calc.py": "x = 1\n"}, "base")
    git_repo.branch("feature")
    git_repo.commit(
        {"calc.py": "x = 1\ny = 2  # bug\n"}, "one", author="Cursor Agent <cursoragent@cursor.com>"
    )
    git_repo.commit(
        {"calc.py": "x = 1\ny = 2  # bug\nz = 3  # bug\n"}, "two", author="Copilot <copilot@github.com>"
    )
    outcome = review(
        local_snapshot(git_repo.path, "main", "feature"), lambda: tiny, load_settings(None, env={})
    )
    buffer = io.StringIO()
    TerminalReporter(Console(file=buffer, width=250), show=Show("top", 5)).report(outcome)
    text = buffer.getvalue()
    assert "why AI-written" in text and "every line below" not in text
    assert "cursoragent@cursor.com" in text and "copilot@github.com" in text
