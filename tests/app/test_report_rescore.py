"""`redline report --rescore` (the Action's report) reads the fates after merge from the workflow's checkout.

The fake GitHub serves a PR whose AI commit and merge commit are the aider commit of a real repository
(tests/bot/feedback/story.py); the command runs in a clone of that repository, as after actions/checkout
with fetch-depth: 0, and in a directory that is no checkout.
"""

import datetime as dt
import subprocess

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.bot.feedback.story import APP, DAY0, build_story
from tests.fakes import FakePull

pytestmark = pytest.mark.slow  # the tiny test probe is trained once per session

REPO = "octo/rescored"
UNTIL = DAY0 + dt.timedelta(days=91)  # every 90-day window has ended


@pytest.fixture(scope="module")
def story(app_github, tmp_path_factory):
    story = build_story(tmp_path_factory.mktemp("rescore") / "work")
    patch = "@@ -0,0 +1,8 @@\n" + "".join(f"+{line}\n" for line in APP.splitlines())
    app_github.add_pull(
        FakePull(
            REPO,
            51,
            head_sha=story.ai_commit,
            merged_at=DAY0,
            merge_commit_sha=story.ai_commit,
            commits=[
                {
                    "sha": story.ai_commit,
                    "author_name": "Bob (aider)",
                    "author_email": "bob@example.com",
                    "message": "Add greeting and settings",
                    "files": [{"filename": "app.py", "status": "added", "patch": patch}],
                }
            ],
        ),
        {"app.py": APP},
    )
    return story


def rescore(monkeypatch, app_github, tiny_probe_dir, tmp_path, cwd):
    for name in ("GITHUB_WORKSPACE", "GITHUB_REPOSITORY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.setenv("GITHUB_API_URL", app_github.base_url)
    monkeypatch.setenv("REDLINE_GITHUB_THROTTLE", "false")
    monkeypatch.setenv("REDLINE_SCORER", "tests.app.scorers:tiny")
    monkeypatch.setenv("REDLINE_TEST_PROBE_DIR", str(tiny_probe_dir))
    monkeypatch.setenv("REDLINE_REPORT_DIR", str(tmp_path / "reports"))
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(
        cli,
        ["report", "--rescore", "--repo", REPO, "--since", "14w", "--until", UNTIL.isoformat(), "--no-post"],
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_rescore_in_a_checkout_follows_the_lines_after_merge(
    story, app_github, tiny_probe_dir, tmp_path, monkeypatch
):
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(story.path), str(checkout)], check=True)
    out = rescore(monkeypatch, app_github, tiny_probe_dir, tmp_path, checkout)
    # The tiny scorer scores the two blank lines too: they survive.
    assert "| lines with an outcome | 8: 8 with the target known, 0 pending, 0 not read after merge |" in out
    assert "| **target**: a person changed its content within 90 days |" in out and "0.125 (1 of 8) |" in out
    for row in (
        "| modified | 1 | 0 |",
        "| moved | 1 | 0 |",
        "| format | 1 | 0 |",
        "| deleted | 0 | 1 |",
        "| survived (nobody touched it in 90 days) | 4 | |",
    ):
        assert row in out
    assert "not read this time" not in out


def test_rescore_without_a_checkout_says_the_fates_were_not_read(
    story, app_github, tiny_probe_dir, tmp_path, monkeypatch
):
    out = rescore(monkeypatch, app_github, tiny_probe_dir, tmp_path, tmp_path)
    assert "| lines with an outcome | 8: 0 with the target known, 0 pending, 8 not read after merge |" in out
    assert (
        "Fates after merge were not read this time: no git checkout of the repository (actions/checkout with "
        "fetch-depth: 0 before redline)."
    ) in out


def test_rescore_in_a_shallow_checkout_says_so(story, app_github, tiny_probe_dir, tmp_path, monkeypatch):
    checkout = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth=1", f"file://{story.path}", str(checkout)], check=True)
    out = rescore(monkeypatch, app_github, tiny_probe_dir, tmp_path, checkout)
    assert "not read this time: the checkout is shallow (actions/checkout needs fetch-depth: 0)." in out
