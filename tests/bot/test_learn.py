"""`redline learn --repo` on a real git repository: AI commits whose short lines people rewrite a day later
(the shipped model expects longer lines to be edited) -> a repository model in .git/redline, which the next
`redline review` of that repository scores with."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from bot.feedback.learn_data import repository_model_path
from scoring.pr_model import load_pr_model

START = 1_600_000_000  # 2020: every line's 90 days are over
AI_TRAILER = "\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"


def _stream(ai_commits: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    text = ['"""Module."""', ""]
    out, mark = [], 0

    def commit(
        who: str, message: str, when: int, ref: str = "refs/heads/main", parent: int | None = None
    ) -> None:
        nonlocal mark
        mark += 1
        data, msg = ("\n".join(text) + "\n").encode(), message.encode()
        out.append(
            f"commit {ref}\nmark :{mark}\nauthor {who} {when} +0000\ncommitter {who} {when} +0000\n".encode()
        )
        out.append(f"data {len(msg)}\n".encode() + msg + b"\n")
        if parent or mark > 1:
            out.append(f"from :{parent or mark - 1}\n".encode())
        out.append(f"M 100644 inline pkg/app.py\ndata {len(data)}\n".encode() + data + b"\n")

    commit("Dev <dev@example.com>", "initial", START)
    for k in range(ai_commits):
        when = START + k * 2 * 86_400
        new = []
        for _ in range(8):
            short = rng.random() < 0.3
            new.append(
                f"x{k} = {rng.randint(0, 9)}"
                if short
                else f"result_{k}_{rng.randint(0, 999)} = compute_something_long(value, other_argument={k})"
            )
        first = len(text)
        text.extend(new)
        commit("Dev <dev@example.com>", f"feature {k}{AI_TRAILER}", when)
        for offset, line in enumerate(new):  # a person rewrites the short ones a day later
            if len(line) < 12:
                text[first + offset] = line + " + 1"
        commit("Reviewer <rev@example.com>", f"fix {k}\n", when + 86_400)
    main = mark
    text.append("y = 2")
    commit(
        "Dev <dev@example.com>",
        f"more{AI_TRAILER}",
        START + ai_commits * 2 * 86_400,
        "refs/heads/feature",
        main,
    )
    return b"".join(out)


def build(path: Path, ai_commits: int = 60) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=_stream(ai_commits), check=True)
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "main"], check=True)
    return path


def test_learn_writes_a_repository_model_that_review_then_uses(tmp_path: Path) -> None:
    repo = build(tmp_path / "repo")
    runner = CliRunner()
    learned = runner.invoke(cli, ["learn", "--repo", str(repo)])
    assert learned.exit_code == 0, learned.output
    path = repository_model_path(repo)
    assert path == (repo / ".git" / "redline" / "pr_model.json").resolve() and path.is_file()
    card = json.loads(path.read_text())
    shipped = load_pr_model()
    assert card["version"] == f"{shipped.version}+repo.repo"
    assert card["repository_model"]["base_model"] == shipped.version
    assert card["repository_model"]["shrinkage"] != "infinite"
    assert "Wrote the repository model" in learned.output

    reviewed = runner.invoke(
        cli,
        [
            "review",
            "--repo",
            str(repo),
            "--base",
            "main",
            "--head",
            "feature",
            "--format",
            "json",
            "--no-fail-on-gate",
        ],
    )
    assert reviewed.exit_code == 0, reviewed.output
    assert json.loads(reviewed.output)["model_version"] == card["version"]


def test_a_repository_without_ai_history_keeps_the_shipped_model(tmp_path: Path) -> None:
    repo = build(tmp_path / "repo", ai_commits=3)
    result = CliRunner().invoke(cli, ["learn", "--repo", str(repo)])
    assert result.exit_code == 0, result.output
    assert "fewer than 50" in result.output and "Nothing written" in result.output
    assert not repository_model_path(repo).exists()
