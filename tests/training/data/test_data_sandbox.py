"""The sandbox: bad programs fail cleanly, refused operations stay refused, results are cached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.data import sources
from training.data.sandbox import Oracle, Outcome, Sandbox

PROMPT = "def add(a, b):\n"
TESTS = "assert add(1, 2) == 3\nassert add(-1, 1) == 0\n"
ORACLE = Oracle("base", "add", TESTS)


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        ("    return a + b\n", Outcome.PASSED),
        ("    return a - b\n", Outcome.FAILED),
        ("    raise ValueError('no')\n", Outcome.ERROR),
        ("    return (a +\n", Outcome.SYNTAX_ERROR),
        ("    while True:\n        pass\n", Outcome.TIMEOUT),
        ("    import os\n    os._exit(3)\n", Outcome.CRASHED),
        ("    import sys\n    sys.exit(0)\n", Outcome.ERROR),
        ("    return add(a, b)\n", Outcome.ERROR),  # RecursionError
        ("    x = bytearray(8 << 30)\n", Outcome.ERROR),  # MemoryError under RLIMIT_AS
    ],
)
def test_each_kind_of_bad_program_gets_its_own_outcome(sandbox: Sandbox, body: str, outcome: Outcome):
    assert sandbox.check(PROMPT + body, ORACLE).outcome is outcome


@pytest.mark.parametrize(
    "body",
    [
        "    import socket\n    socket.create_connection(('127.0.0.1', 9))\n",
        "    import os\n    os.fork()\n",
        "    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)\n",
        "    import subprocess\n    subprocess.run(['true'])\n",
        "    open('/tmp/redline-escaped.txt', 'w').write('x')\n",
        "    import os\n    os.remove('/tmp/whatever')\n",
    ],
)
def test_network_processes_signals_and_outside_writes_are_refused(sandbox: Sandbox, body: str):
    result = sandbox.check(PROMPT + body + "    return a + b\n", ORACLE)
    assert result.outcome is Outcome.ERROR
    assert "PermissionError: sandbox" in result.detail


def test_the_data_directory_cannot_be_read(sandbox: Sandbox):
    path = sources.raw_dir() / "SOURCES.md"
    result = sandbox.check(PROMPT + f"    open({str(path)!r}).read()\n    return a + b\n", ORACLE)
    assert result.outcome is Outcome.ERROR and "reading" in result.detail


def test_filling_the_disk_stops_at_the_file_size_limit(sandbox: Sandbox):
    body = "    open('big.bin', 'wb').write(b'x' * (64 << 20))\n    return a + b\n"
    result = sandbox.check(PROMPT + body, ORACLE)
    assert result.outcome is Outcome.ERROR and "File too large" in result.detail


def test_the_environment_is_clean(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    body = "    import os\n    assert 'GITHUB_TOKEN' not in os.environ\n    return a + b\n"
    assert sandbox.check(PROMPT + body, ORACLE).passed


def test_results_are_cached_by_code_and_oracle(sandbox: Sandbox):
    code = PROMPT + "    return a + b\n"
    first = sandbox.check(code, ORACLE)
    again = sandbox.check(code, ORACLE)
    assert first == again
    stronger = Oracle("base", "add", TESTS + "assert add(2, 2) == 4\n")
    assert sandbox.check(code, stronger).passed


def test_strong_oracle_compares_outputs_with_the_reference(sandbox: Sandbox):
    reference = PROMPT + "    return a + b\n"
    inputs = json.dumps([[1, 2], [10**6, 1], [0.1, 0.2]])
    recording = sandbox.record(reference, "add", inputs)
    assert recording.valid == 3
    oracle = Oracle("plus", "add", TESTS, inputs, recording.expected)
    assert sandbox.check(reference, oracle).passed
    weak_fit = PROMPT + "    return 3 if (a, b) == (1, 2) else a + b if a < 100 else 0\n"
    assert sandbox.check(weak_fit, Oracle("base", "add", TESTS)).passed
    failed = sandbox.check(weak_fit, oracle)
    assert failed.outcome is Outcome.FAILED and failed.stage == "plus"


def test_cache_file_is_a_sqlite_database(sandbox: Sandbox, tmp_path: Path):
    sandbox.check(PROMPT + "    return a + b\n", ORACLE)
    assert sandbox.cache_path.read_bytes()[:16] == b"SQLite format 3\x00"


def test_a_lone_surrogate_in_the_code_fails_that_run_only(sandbox: Sandbox):
    result = sandbox.check(PROMPT + "    return a + b  # \ud800\n", ORACLE)
    assert result.outcome in (Outcome.CRASHED, Outcome.ERROR, Outcome.SYNTAX_ERROR)
    assert sandbox.check(PROMPT + "    return a + b\n", ORACLE).passed


STDIO_CASES = [{"input": "2 3\n", "output": "5\n"}, {"input": "10 -4\n", "output": "6"}]
STDIO = Oracle("base", "", json.dumps(STDIO_CASES), compare="stdio")


@pytest.mark.parametrize(
    ("script", "outcome"),
    [
        ("a, b = map(int, input().split())\nprint(a + b)\n", Outcome.PASSED),
        (
            (
                "import sys\n\ndef main():\n    a, b = map(int, sys.stdin.buffer.read().split())\n"
                "    sys.stdout.write(f'{a + b}  \\n\\n')\n\nif __name__ == '__main__':\n    main()\n"
            ),
            Outcome.PASSED,
        ),
        ("a, b = map(int, open(0).read().split())\nprint(a + b)\nexit()\n", Outcome.PASSED),
        ("a, b = map(int, input().split())\nprint(a - b)\n", Outcome.FAILED),
        ("a, b = map(int, input().split())\nprint(a + b)\nprint('done')\n", Outcome.FAILED),
        ("print(int(input()) + 1)\n", Outcome.ERROR),
        ("import sys\nprint(5)\nsys.exit(2)\n", Outcome.ERROR),
        ("while True:\n    pass\n", Outcome.TIMEOUT),
    ],
)
def test_scripts_read_each_case_on_stdin_and_are_judged_on_stripped_stdout(
    sandbox: Sandbox, script: str, outcome: Outcome
):
    assert sandbox.check(script, STDIO).outcome is outcome


def test_each_case_runs_the_script_with_fresh_globals(sandbox: Sandbox):
    cases = [{"input": "1\n", "output": "1"}, {"input": "1\n", "output": "1"}]
    oracle = Oracle("base", "", json.dumps(cases), compare="stdio")
    script = "try:\n    total\nexcept NameError:\n    total = 0\ntotal += int(input())\nprint(total)\n"
    assert sandbox.check(script, oracle).passed


def test_scripts_are_sandboxed_like_functions(sandbox: Sandbox):
    script = "import socket\nsocket.create_connection(('127.0.0.1', 9))\nprint(5)\n"
    result = sandbox.check(script, STDIO)
    assert result.outcome is Outcome.ERROR and "PermissionError: sandbox" in result.detail
    path = sources.raw_dir() / "SOURCES.md"
    result = sandbox.check(f"open({str(path)!r}).read()\nprint(5)\n", STDIO)
    assert result.outcome is Outcome.ERROR and "reading" in result.detail
