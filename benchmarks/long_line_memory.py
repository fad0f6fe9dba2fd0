"""Benchmark: peak RSS and wall time of `redline score` / `redline review` on a file with one very long line.

    python benchmarks/long_line_memory.py [--chars 20000] [--command score|review]

Issue 14 item 7: one 20,000-character line once drove peak RSS to ~6 GB. The file is a few ordinary
lines of Python plus one dict literal of `--chars` characters. `score` runs `redline score FILE --json`;
`review` commits the file in a Claude-marked commit of a fresh git repository and runs `redline review`.
Each runs in a child process with the real SmolLM2 supervisor and the shipped probe; peak RSS is the
child's (getrusage RUSAGE_CHILDREN), so this script's own memory does not count.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import git

HEAD = "def total(values):\n    return sum(values)\n\n"
TAIL = "\n\ndef first(values):\n    return values[0]\n"


def long_line(chars: int) -> str:
    entries, k = [], 0
    while sum(len(e) for e in entries) < chars:
        entries.append(f'"key_{k}": {k * 7919 % 100003}, ')
        k += 1
    return ("TABLE = {" + "".join(entries))[: chars - 1] + "}"


def write_file(root: Path, chars: int) -> Path:
    path = root / "table.py"
    path.write_text(HEAD + long_line(chars) + TAIL)
    return path


def review_repo(root: Path, chars: int) -> Path:
    repo = git.Repo.init(root / "repo", initial_branch="main")
    actor = git.Actor("Ada", "ada@example.com")
    (root / "repo" / "README.md").write_text("bench\n")
    repo.index.add(["README.md"])
    repo.index.commit("base", author=actor, committer=actor)
    repo.create_head("feature").checkout()
    write_file(root / "repo", chars)
    repo.index.add(["table.py"])
    message = "Add table\n\nCo-authored-by: Claude <noreply@anthropic.com>"
    repo.index.commit(message, author=actor, committer=actor)
    return root / "repo"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=20_000, help="characters of the long line")
    parser.add_argument("--command", choices=("score", "review"), default="score")
    args = parser.parse_args()
    redline = [sys.executable, "-m", "bot"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.command == "score":
            command = [*redline, "score", str(write_file(root, args.chars)), "--json"]
        else:
            repo = review_repo(root, args.chars)
            command = [*redline, "review", "--repo", str(repo), "--base", "main", "--head", "feature"]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"redline {args.command} on a {args.chars:,}-character line: exit {done.returncode}")
    print(f"wall             {wall:7.1f} s")
    print(f"peak RSS         {peak_mb:7.0f} MB")
    print(f"stdout           {len(done.stdout):,} characters, {done.stdout.count(chr(10)):,} lines")
    if args.command == "score" and done.returncode == 0:
        report = json.loads(done.stdout)
        row = report["lines"][3]
        print(
            f"line 4: probability {row['probability']}, tokens {row['tokens']}, skipped {row.get('skipped')}"
        )
    else:
        print(done.stdout[-1500:])
    if done.returncode not in (0, 1):
        print(done.stderr[-3000:], file=sys.stderr)


if __name__ == "__main__":
    main()
