"""Run untrusted programs against tests in forked, rlimited, audit-hooked children; cache results in SQLite.

No namespaces (unshare is unavailable): isolation is in-process; `Sandbox` says what it stops and what not.
"""

from __future__ import annotations

import base64
import contextlib
import enum
import functools
import hashlib
import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scoring.errors import SandboxError

HARNESS_PATH = Path(__file__).with_name("sandbox_harness.py")
MAX_OUTPUT_BYTES = 64 << 10  # a reference output larger than this (pickled) drops its input from the oracle
MAX_EXPECTED_BYTES = 4 << 20
REFERENCE_BUDGET_S = 1.0  # inputs the reference cannot finish within this (in order) are left out
_SERVERS_LOCK = threading.Lock()
_SCHEMA_LOCK = threading.Lock()
SERVER_GRACE_S = 5.0  # beyond a job's wall time before the server itself is presumed stuck


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # ran, but a test assertion or an output comparison failed
    ERROR = "error"  # raised (including refused sandbox operations and exhausted memory)
    SYNTAX_ERROR = "syntax_error"
    TIMEOUT = "timeout"
    CRASHED = "crashed"  # the process died without a result (killed itself, os._exit, CPU limit)


@dataclass(frozen=True, slots=True)
class Limits:
    wall_s: float = 10.0
    cpu_s: int = 10
    memory_bytes: int = 2 << 30
    file_bytes: int = 16 << 20
    processes: int = 4096  # RLIMIT_NPROC counts all of the user's processes; forks are refused by the hook


@dataclass(frozen=True, slots=True)
class Oracle:
    """What a program must satisfy: the benchmark's tests, then (optionally) the outputs the reference
    gives on extra inputs. `expected` is the base64 pickle the reference's record run produced; the
    parent never unpickles it (only sandboxed harnesses do). With compare "stdio" the program is a script
    and `tests` is a JSON list of {"input", "output"} cases: each case's input is its stdin and its
    printed output must match (line-end spaces and surrounding blank lines ignored)."""

    name: str
    entry_point: str
    tests: str
    inputs_json: str = ""
    expected: str = ""
    atol: float = 0.0
    compare: str = "equal"

    @property
    def key(self) -> str:
        return _oracle_key(self)


@dataclass(frozen=True, slots=True)
class RunResult:
    outcome: Outcome
    stage: str = ""
    detail: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED


@dataclass(frozen=True, slots=True)
class Recording:
    """Reference outputs on an oracle's inputs: base64 pickle of (valid, output) pairs."""

    expected: str
    valid: int


@dataclass
class Sandbox:
    """Runs programs; `cache_path` is the SQLite file that remembers every result by (code, oracle, limits).

    Each run is a child forked by a warm `python -S -s -P sandbox_harness.py` server (one per thread,
    clean environment) into a throw-away directory, with rlimits (CPU, memory, file size, processes), a
    wall timeout that kills its process group, and an audit hook that refuses sockets, subprocesses,
    fork, signals, writes outside the directory and reads of `deny` (the data directory). A program that
    loads native code to undo the hook is not contained; the rlimits and the timeout still bound it.
    """

    cache_path: Path
    limits: Limits = Limits()
    deny: tuple[str, ...] = ()
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _servers: list[_Server] = field(default_factory=list, repr=False)

    def check(self, code: str, oracle: Oracle) -> RunResult:
        key = _sha(f"check|{self.limits}|{_sha(code)}|{oracle.key}")
        if (hit := self._get(key)) is not None:
            data = json.loads(hit)
            return RunResult(Outcome(data["outcome"]), data["stage"], data["detail"], data["seconds"])
        files = {"program.py": code, "tests.py": oracle.tests}
        if oracle.expected:
            files["inputs.json"] = oracle.inputs_json
        raw, seconds = self._run(files, oracle, "check", expected=oracle.expected)
        result = RunResult(
            Outcome(raw["outcome"]), raw.get("stage", ""), raw.get("detail", ""), round(seconds, 3)
        )
        # Timeouts are cached too: with a 10 s wall for at most a few hundred small inputs, a timeout
        # is a hang, and re-running hangs would dominate every resumed build. A dead server is not.
        if not raw.get("server_failed"):
            self._put(key, json.dumps({**asdict(result), "outcome": str(result.outcome)}))
        return result

    def record(self, reference: str, entry_point: str, inputs_json: str) -> Recording:
        """The reference's outputs on `inputs_json`; raises SandboxError if the reference cannot run."""
        key = _sha(
            f"record|{MAX_OUTPUT_BYTES}|{MAX_EXPECTED_BYTES}|{REFERENCE_BUDGET_S}|{_sha(reference)}|{entry_point}|{_sha(inputs_json)}"
        )
        if (hit := self._get(key)) is None:
            oracle = Oracle("record", entry_point, "")
            raw, _ = self._run(
                {"program.py": reference, "inputs.json": inputs_json},
                oracle,
                "record",
                wall_s=self.limits.wall_s * 6,
            )
            if raw.get("outcome") != "passed":
                raise SandboxError(
                    f"reference for {entry_point} did not run: {raw.get('outcome')} {raw.get('detail', '')}"
                )
            hit = json.dumps({"expected": raw["expected"], "valid": raw["valid"]})
            self._put(key, hit)
        data = json.loads(hit)
        return Recording(data["expected"], data["valid"])

    def _run(
        self,
        files: dict[str, str],
        oracle: Oracle,
        mode: str,
        expected: str = "",
        wall_s: float | None = None,
    ) -> tuple[dict, float]:
        wall = wall_s or self.limits.wall_s
        with tempfile.TemporaryDirectory(prefix="redline-sandbox-") as tmp:
            for name, text in files.items():
                # surrogatepass: a lone surrogate in generated code must fail that run, not the build
                Path(tmp, name).write_text(text, encoding="utf-8", errors="surrogatepass")
            if expected:
                Path(tmp, "expected.pkl").write_bytes(base64.b64decode(expected))
            job = {
                "dir": tmp,
                "mode": mode,
                "entry_point": oracle.entry_point,
                "atol": oracle.atol,
                "compare": oracle.compare,
                "max_output_bytes": MAX_OUTPUT_BYTES,
                "max_expected_bytes": MAX_EXPECTED_BYTES,
                "reference_budget_s": REFERENCE_BUDGET_S,
                "deny": [os.path.realpath(d) for d in self.deny],
                "cpu_s": max(self.limits.cpu_s, int(wall) + 1),  # the wall timeout should fire first
                "wall_s": wall,
                "memory_bytes": self.limits.memory_bytes,
                "file_bytes": self.limits.file_bytes,
                "processes": self.limits.processes,
                "site_packages": _site_packages(),
            }
            started = time.monotonic()
            result = self._server().ask(job, wall + SERVER_GRACE_S)
            return result, time.monotonic() - started

    def _server(self) -> _Server:
        server = getattr(self._local, "server", None)
        if server is None or server.pid != os.getpid():
            server = self._local.server = _Server()
            with _SERVERS_LOCK:
                self._servers.append(server)
        return server

    def close(self) -> None:
        """Stop the warm sandbox servers this process started (they also exit when it does)."""
        with _SERVERS_LOCK:
            for server in self._servers:
                if server.pid == os.getpid():
                    server.close()
            self._servers.clear()

    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.cache_path, timeout=60)
            # Switching to WAL needs an exclusive lock that the busy timeout does not cover, so threads set
            # the cache up one at a time and only switch a database that is not in WAL mode yet.
            with _SCHEMA_LOCK:
                if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, result TEXT NOT NULL)"
                )
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def _get(self, key: str) -> str | None:
        row = self._db().execute("SELECT result FROM runs WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _put(self, key: str, value: str) -> None:
        with self._db() as connection:
            connection.execute("INSERT OR REPLACE INTO runs VALUES (?, ?)", (key, value))


class _Server:
    """One warm harness process (per thread) that forks a child per program; restarted if it dies."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.process: subprocess.Popen | None = None

    def ask(self, job: dict, timeout_s: float) -> dict:
        if self.process is None or self.process.poll() is not None:
            self._start()
        assert self.process is not None and self.process.stdin and self.process.stdout
        try:
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
            ready, _, _ = select.select([self.process.stdout], [], [], timeout_s)
            line = self.process.stdout.readline() if ready else ""
        except OSError:
            line = ""
        if not line:
            self.close()
            return {
                "outcome": "crashed",
                "detail": "the sandbox server did not answer",
                "server_failed": True,
            }
        return json.loads(line)

    def _start(self) -> None:
        home = tempfile.gettempdir()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-S", "-s", "-P", str(HARNESS_PATH)],
                cwd=home,
                env=_clean_env(home),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
            )
        except OSError as error:
            raise SandboxError(f"cannot start the sandbox interpreter: {error}") from error

    def close(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None


@functools.lru_cache(maxsize=4096)
def _oracle_key(oracle: Oracle) -> str:
    # Cached: oracles carry megabytes of expected outputs and are looked up once per run.
    return _sha(json.dumps(asdict(oracle), sort_keys=True))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@functools.cache
def _site_packages() -> list[str]:
    # The harness starts with -S (four times faster than processing the venv's .pth files) and adds
    # these directories itself, so programs can still import numpy and friends.
    import site

    return [path for path in site.getsitepackages() if os.path.isdir(path)]


def _clean_env(home: str) -> dict[str, str]:
    # No proxies, tokens or PYTHONPATH from the parent; a fixed hash seed makes set order reproducible.
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
    }
