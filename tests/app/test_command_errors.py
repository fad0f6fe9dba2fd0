"""`redline report` and the App's settings: a user's mistake is one line and exit status 2, never an
"internal error"."""

import pytest
from click.testing import CliRunner

from bot.cli import cli


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--until", "garbage"], "--until takes an ISO 8601 date"),
        (["--since", "99999999999w"], "longer than any period"),
        (["--until", "0001-01-01"], "starts before the year 1"),
    ],
)
def test_a_period_redline_cannot_read_is_one_line_exit_two(args, message, tmp_path, monkeypatch):
    monkeypatch.setenv("REDLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    result = CliRunner().invoke(cli, ["report", "--repo", "octo/a", "--no-post", *args])
    assert result.exit_code == 2 and message in result.output and "internal error" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:secret@host:notaport/db",
        "postgresql://[::1/db",
        "mysql://u:secret@h/d",
        "nonsense",
        "postgresql+nodriver://h/d",
    ],
)
def test_a_malformed_database_url_is_a_config_error_that_hides_the_password(url, monkeypatch):
    monkeypatch.setenv("REDLINE_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["report", "--repo", "octo/a", "--no-post"])
    assert result.exit_code == 2 and "REDLINE_DATABASE_URL is not a database URL" in result.output
    assert "secret" not in result.output and "internal error" not in result.output
