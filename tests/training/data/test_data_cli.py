"""`redline data sources | generate | build` through the real CLI; generation talks HTTP to a local server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from training.data.dataset import load_dataset
from training.data.generations import read_generations

REPLY = (
    "Sure!\n```python\ndef truncate_number(number: float) -> float:\n    return number - int(number)\n```\n"
)


@pytest.fixture
def chat_server():
    """A local OpenAI-compatible endpoint: records each request and answers with `replies[0]`."""
    requests: list[dict] = []
    replies = [REPLY]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            requests.append(
                {"path": self.path, "body": json.loads(self.rfile.read(int(self.headers["Content-Length"])))}
            )
            answer = {"choices": [{"message": {"role": "assistant", "content": replies[0]}}]}
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", requests, replies
    server.shutdown()
    server.server_close()


def test_sources_lists_every_read_file_as_ok(data_root: Path):
    result = CliRunner().invoke(cli, ["data", "sources", "--data-dir", str(data_root)])
    assert result.exit_code == 0, result.output
    assert "human-eval/data__HumanEval.jsonl.gz" in result.output and "0 not ok" in result.output


def test_sources_fails_and_names_missing_files_for_an_empty_data_dir(tmp_path: Path):
    result = CliRunner().invoke(cli, ["data", "sources", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        "missing  humaneval_problems" in result.output
        and "https://github.com/openai/human-eval" in result.output
    )


def test_generate_against_an_openai_compatible_endpoint_then_build(
    chat_server, tmp_path: Path, data_root: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # keep the sandbox cache out of the user's
    url, requests, _ = chat_server
    out = tmp_path / "gen.jsonl"
    args = [
        "data",
        "generate",
        "--out",
        str(out),
        "--problems",
        "humaneval/2",
        "--endpoint",
        url,
        "--model",
        "m1",
        "--samples",
        "2",
        "--data-dir",
        str(data_root),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    generations = read_generations(out)
    assert len(generations) == 2 and requests[0]["path"] == "/v1/chat/completions"
    assert (
        requests[0]["body"]["model"] == "m1"
        and "truncate_number" in requests[0]["body"]["messages"][0]["content"]
    )
    assert generations[0].code.startswith("def truncate_number") and generations[0].generator == "m1"
    again = CliRunner().invoke(cli, args)
    assert "0 programs written" in again.output and len(requests) == 2  # resumed: nothing asked twice

    build = CliRunner().invoke(
        cli,
        [
            "data",
            "build",
            "--out",
            str(tmp_path / "ds"),
            "--problems",
            "humaneval/2",
            "--max-programs-per-task",
            "1",
            "--generations",
            str(out),
            "--timeout",
            "3",
            "--data-dir",
            str(data_root),
        ],
    )
    assert build.exit_code == 0, build.output
    rows = [r for r in load_dataset(tmp_path / "ds") if r.generator == "m1"]
    assert len(rows) == 1 and rows[0].passes


FAILING = (
    "def truncate_number(number: float) -> float:\n    shift = 1\n    return number - int(number) + shift\n"
)
FIXED = FAILING.replace("shift = 1", "shift = 0")


def _build(out: Path, data_root: Path, *generations: Path) -> list:
    args = ["data", "build", "--out", str(out), "--problems", "humaneval/2", "--max-programs-per-task", "0"]
    args += [arg for path in generations for arg in ("--generations", str(path))]
    result = CliRunner().invoke(cli, [*args, "--timeout", "3", "--data-dir", str(data_root)])
    assert result.exit_code == 0, result.output
    return load_dataset(out)


def test_an_llm_fix_joins_the_repair_pool_and_is_never_labelled(
    chat_server, tmp_path: Path, data_root: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url, requests, replies = chat_server
    replies[0] = f"Here you go:\n```python\n{FIXED}```\n"
    failing = tmp_path / "failing.jsonl"
    failing.write_text(json.dumps({**GENERATION, "code": FAILING}) + "\n")
    (row,) = _build(tmp_path / "ds", data_root, failing)
    assert not row.passes

    fixes = tmp_path / "fixes.jsonl"
    args = ["data", "fix", "--dataset", str(tmp_path / "ds"), "--out", str(fixes), "--endpoint", url]
    args += ["--model", "fixer", "--data-dir", str(data_root)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "1 fixes written" in result.output and FAILING in requests[0]["body"]["messages"][0]["content"]
    (fix,) = read_generations(fixes)
    assert fix.code == FIXED and fix.role == "intermediate" and fix.method == f"fix of {row.id}"
    again = CliRunner().invoke(cli, args)
    assert "1 already there" in again.output and len(requests) == 1

    (repaired,) = _build(tmp_path / "ds2", data_root, failing, fixes)  # the fix is pool only
    assert repaired.id == row.id and repaired.repair_source.startswith("fixer")
    assert repaired.patch_lines == 1 and repaired.patched_code == FIXED


GENERATION = {
    "problem_id": "humaneval/2",
    "generator": "gen",
    "source": "test",
    "method": "by hand",
    "claimed_pass": None,
    "role": "final",
}


def test_build_rejects_an_unknown_benchmark():
    result = CliRunner().invoke(cli, ["data", "build", "--benchmarks", "humaneval,leetcode"])
    assert result.exit_code == 2 and "leetcode" in result.output


@pytest.mark.slow
def test_generate_with_the_bundled_smollm2(tmp_path: Path, data_root: Path):
    result = CliRunner().invoke(
        cli,
        [
            "data",
            "generate",
            "--out",
            str(tmp_path / "s.jsonl"),
            "--problems",
            "humaneval/2",
            "--data-dir",
            str(data_root),
        ],
    )
    assert result.exit_code == 0, result.output
    # Greedy decoding (temperature 0) makes the reply deterministic: it defines the asked-for function.
    assert "1 programs written" in result.output and "(0 replies without the function" in result.output
    (row,) = (json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines())
    assert row["problem_id"] == "humaneval/2" and row["generator"] == "SmolLM2-135M-Instruct"
    assert row["code"].startswith("def truncate_number(")
