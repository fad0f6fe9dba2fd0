import gzip
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from training.cli import mine_command
from training.wild.mining import added_lines, mine
from training.wild.reader import examples_from_row

HUMAN = ("Ann", "ann@example.com")
AIDER = ("Ann (aider)", "ann@example.com")


def commit(repo: Path, day: int, who: tuple[str, str], message: str, files: dict[str, str]) -> str:
    for name, text in files.items():
        (repo / name).write_text(text)
        subprocess.run(["git", "-C", str(repo), "add", name], check=True)
    stamp = str(1735689600 + day * 86400) + " +0000"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": who[0],
        "GIT_AUTHOR_EMAIL": who[1],
        "GIT_COMMITTER_NAME": who[0],
        "GIT_COMMITTER_EMAIL": who[1],
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", message], check=True, env=env)
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    shas = {
        "base": commit(repo, 0, HUMAN, "start", {"a.py": "import os\n\n"}),
        "ai": commit(
            repo, 1, AIDER, "add values", {"a.py": "import os\n\nx = 1\ny = 2\nz = 3\nif x:\n    w = 4\n"}
        ),
        "human": commit(
            repo, 2, HUMAN, "fix y", {"a.py": "import os\n\nx = 1\ny = 20\nz = 3\nif x:\n        w = 4\n"}
        ),
        "ai_fix": commit(
            repo, 3, AIDER, "tweak z", {"a.py": "import os\n\nx = 1\ny = 20\nz = 30\nif x:\n        w = 4\n"}
        ),
        "later": commit(repo, 200, HUMAN, "docs", {"README.md": "hi\n"}),
    }
    return repo, shas


def test_added_lines_reads_new_line_numbers():
    hunks = (
        "diff --git a/f.py b/f.py\n--- a/f.py\n+++ b/f.py\n"
        "@@ -1,2 +1,3 @@\n a\n+b\n c\n@@ -10,0 +11,2 @@\n+d\n+e\n"
    )
    assert added_lines(hunks) == [2, 11, 12]


def test_lines_of_an_ai_commit_are_labelled_by_later_edits_and_who_made_them(history):
    repo, shas = history
    rows = {row["sha"]: row for row in mine(repo)}
    assert set(rows) == {shas["ai"], shas["ai_fix"]}  # human commits are not AI-authored
    row = rows[shas["ai"]]
    assert row["added_lines"] == [3, 4, 5, 6, 7]
    # y edited by a person, z by a later aider commit; re-indenting w is whitespace only.
    assert row["labels_edited"] == [0, 1, 1, 0, 0]
    assert row["labels_edited_by_human"] == [0, 1, 0, 0, 0]
    editors = [row["editors"][i]["sha"] if i >= 0 else None for i in row["line_editor"]]
    assert editors == [None, shas["human"], shas["ai_fix"], None, None]
    assert [e["kind"] for e in row["editors"]] == ["human", "ai"]
    assert row["ai_rule"] == "Aider" and row["parent_sha"] == shas["base"]
    assert rows[shas["ai_fix"]]["labels_edited"] == [0]


def test_rows_read_as_in_the_wild_examples(history):
    repo, _ = history
    for row in mine(repo):
        (example,) = examples_from_row(json.loads(json.dumps(row)))
        assert len(example.added) == len(example.edited)


def test_too_recent_commits_are_not_labelled(history):
    repo, _ = history
    assert list(mine(repo, days=400)) == []


def test_cli_writes_rows_and_resumes_without_duplicates(history, tmp_path):
    repo, _ = history
    out = tmp_path / "mined.jsonl.gz"
    first = CliRunner().invoke(mine_command, [str(repo), "--out", str(out)])
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(mine_command, [str(repo), "--out", str(out)])
    assert "0 new rows (2 already there)" in second.output
    with gzip.open(out, "rt") as handle:
        assert len(handle.readlines()) == 2


def test_files_whose_names_git_quotes_are_mined(tmp_path: Path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    commit(repo, 0, HUMAN, "start", {"README.md": "hi\n"})
    names = ["café.py", 'say "hi".py', "tab\tname.py"]
    sha = commit(repo, 1, AIDER, "add", {name: "x = 1\ny = 2\n" for name in names})
    commit(repo, 200, HUMAN, "docs", {"README.md": "hello\n"})
    assert sorted(row["path"] for row in mine(repo) if row["sha"] == sha) == sorted(names)


def test_prior_counts_the_lines_people_edited_and_leans_on_the_training_rate(history):
    from scoring.pr_model import load_pr_model
    from training.cli import prior_command
    from training.wild.loro import estimate_prior

    repo, _ = history
    result = CliRunner().invoke(prior_command, [str(repo)])
    assert result.exit_code == 0, result.output
    labels = [v for row in mine(repo) for v in row["labels_edited_by_human"]]
    assert len(labels) == 6 and sum(labels) == 1  # y of the first AI commit; z was an AI's own fix
    expected = estimate_prior(np.asarray(labels, dtype=float), load_pr_model().base_rate)
    assert "6 added lines of AI commits, 1 edited by a person" in result.output
    assert f"repo_edit_rate: {expected:.3f}" in result.output


def test_prior_without_ai_commits_reads_every_commit(tmp_path):
    repo = tmp_path / "plain"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    commit(repo, 0, HUMAN, "start", {"a.py": "x = 1\n"})
    commit(repo, 1, HUMAN, "more", {"a.py": "x = 1\ny = 2\n"})
    commit(repo, 2, ("Bo", "bo@example.com"), "fix", {"a.py": "x = 1\ny = 3\n"})
    commit(repo, 200, HUMAN, "later", {"b.py": "z = 1\n"})
    from training.cli import prior_command

    result = CliRunner().invoke(prior_command, [str(repo)])
    assert result.exit_code == 0, result.output
    assert "of commits (no AI commit found)" in result.output
