"""The command group: every listed subcommand resolves, --help and --version import none of them, and
the listing is never cut short."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from bot.cli import COMMANDS, cli


@pytest.mark.parametrize("entry", COMMANDS, ids=lambda e: e.name)
def test_every_listed_subcommand_resolves_to_a_command_of_that_name(entry):
    command = cli.get_command(click.Context(cli), entry.name)
    assert isinstance(command, click.Command) and command.name == entry.name


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_no_subcommand_module(flag):
    # A fresh interpreter: this test process has imported the subcommands already.
    heavy = sorted({e.module for e in COMMANDS} | {"numpy", "git", "github"})
    code = (
        "import sys\nfrom bot.cli import cli\n"
        f"try:\n    cli([{flag!r}])\nexcept SystemExit as done:\n    assert done.code == 0\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_help_lists_every_subcommand_in_sections_without_cutting_a_line():
    result = CliRunner().invoke(cli, ["--help"], terminal_width=60)
    assert result.exit_code == 0
    words = " ".join(result.output.split())  # a narrow terminal wraps a summary; it must not cut it
    for entry in COMMANDS:
        assert f" {entry.name} {entry.summary}" in words and f" {entry.section}: " in words


def test_an_unknown_subcommand_is_a_usage_error():
    result = CliRunner().invoke(cli, ["reveiw"])
    assert result.exit_code == 2 and "No such command" in result.output


@pytest.mark.parametrize("entry", [e for e in COMMANDS if e.name in ("data",)], ids=lambda e: e.name)
def test_a_group_s_help_cuts_none_of_its_subcommand_summaries(entry):
    result = CliRunner().invoke(cli, [entry.name, "--help"])
    listing = result.output.split("Commands:", 1)[1].splitlines()
    assert result.exit_code == 0 and listing and not any(line.rstrip().endswith("...") for line in listing)
