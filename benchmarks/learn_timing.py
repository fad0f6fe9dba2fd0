"""How long `redline learn` takes on a repository with many commits (issue 21, item 3: <= 60 s for 5,000).

    python benchmarks/learn_timing.py [--commits 5000] [--where /tmp/redline-learn-bench]

Builds a real git repository with `git fast-import` (seconds): 30 Python files, one commit every 3 hours,
40 % of them AI-written (a `Co-authored-by: Claude` trailer) that add 3-12 lines to a file, the rest by
people who add lines or rewrite 1-3 recent lines of a file (some of them AI-written: the target). Then runs
`redline learn --repo` in a subprocess and prints its wall time and output. The repository is left in place.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

START = 1_700_000_000  # 2023-11-14
STEP_S = 3 * 3600
AI_SHARE = 0.4
FILES = 30
WORDS = ("value", "items", "count", "result", "config", "client", "path", "name", "total", "index", "cache")


def _line(rng: random.Random) -> str:
    a, b = rng.choice(WORDS), rng.choice(WORDS)
    kind = rng.random()
    if kind < 0.3:
        return f"    {a} = {b}.get({rng.randint(0, 99)!r})"
    if kind < 0.5:
        return f"    if {a} > {rng.randint(0, 9)}:"
    if kind < 0.7:
        return f"        return {a} + {b}"
    if kind < 0.85:
        return f"    # {a} {b}"
    return f"def {a}_{b}_{rng.randint(0, 999)}({a}):"


def fast_import_stream(commits: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    files: dict[str, list[str]] = {f"pkg/mod_{k}.py": [f'"""Module {k}."""', ""] for k in range(FILES)}
    out: list[bytes] = []

    def blob_commit(number: int, who: str, message: str, path: str, when: int) -> None:
        data = ("\n".join(files[path]) + "\n").encode()
        out.append(f"commit refs/heads/main\nmark :{number}\n".encode())
        out.append(f"author {who} {when} +0000\ncommitter {who} {when} +0000\n".encode())
        msg = message.encode()
        out.append(f"data {len(msg)}\n".encode() + msg + b"\n")
        if number > 1:
            out.append(f"from :{number - 1}\n".encode())
        out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    first = "pkg/mod_0.py"
    blob_commit(1, "Dev <dev@example.com>", "initial", first, START)
    for k in range(1, FILES):
        path = f"pkg/mod_{k}.py"
        blob_commit(k + 1, "Dev <dev@example.com>", f"add {path}", path, START + k)
    number = FILES
    for step in range(commits - FILES):
        number += 1
        when = START + FILES + step * STEP_S
        path = rng.choice(sorted(files))
        text = files[path]
        if rng.random() < AI_SHARE:
            text[len(text) :] = [_line(rng) for _ in range(rng.randint(3, 12))]
            who, message = (
                "Dev <dev@example.com>",
                f"feature {step}\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
            )
        elif rng.random() < 0.5 and len(text) > 4:
            for _ in range(rng.randint(1, 3)):
                k = rng.randrange(max(2, len(text) - 20), len(text))
                text[k] = text[k] + f"  # fixed {step}"
            who, message = "Reviewer <rev@example.com>", f"fix {step}\n"
        else:
            text[len(text) :] = [_line(rng) for _ in range(rng.randint(1, 5))]
            who, message = "Dev <dev@example.com>", f"change {step}\n"
        if len(text) > 400:  # keep files small: start the module afresh
            files[path] = text = [f'"""{path}"""', ""]
        blob_commit(number, who, message, path, when)
    return b"".join(out)


def build(where: Path, commits: int, seed: int = 0) -> Path:
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(where)], check=True)
    subprocess.run(
        ["git", "-C", str(where), "fast-import", "--quiet"],
        input=fast_import_stream(commits, seed),
        check=True,
    )
    subprocess.run(["git", "-C", str(where), "checkout", "-q", "main"], check=True)
    return where


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--where", type=Path, default=Path("/tmp/redline-learn-bench"))
    args = parser.parse_args()
    started = time.perf_counter()
    repo = build(args.where, args.commits)
    print(f"built {args.commits} commits in {repo} in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "learn", "--repo", str(repo)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    print(done.stdout + done.stderr)
    print(f"redline learn: {seconds:.1f} s for {args.commits} commits (exit {done.returncode})")


if __name__ == "__main__":
    main()
