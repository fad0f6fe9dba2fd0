"""The sandbox server training.data.sandbox starts: it forks one child per job (a program to run).

Each child moves into the job's throw-away directory, starts a new session, limits itself (rlimits),
silences stdio, installs an audit hook that refuses sockets, new processes, signals, writes outside
its directory and reads of the data directory, runs the program against the tests and writes one
JSON result to a pipe. The server enforces the wall timeout and kills the child's process group.
Script programs (compare "stdio", APPS) run once per case with the case's input as stdin.
Forking a warm interpreter costs milliseconds where a fresh one costs ~100 ms. Standard library only.
"""

import base64
import contextlib
import copy
import io
import json
import math
import os
import pickle
import resource
import select
import signal
import sys
import time
from typing import Any

BLOCKED_PREFIXES = (
    "socket.",
    "subprocess.",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "os.fork",
    "os.kill",
    "os.killpg",
    "pty.",
    "os.system",
    "ctypes.",
    "os.setuid",
    "os.chroot",
    "shutil.rmtree",
)
PATH_EVENTS = {
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.truncate",
    "os.chmod",
    "os.chown",
    "os.mkdir",
    "os.symlink",
    "os.link",
    "os.utime",
    "os.replace",
}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def limit(job):
    cpu = int(job["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (job["memory_bytes"], job["memory_bytes"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (job["file_bytes"], job["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (job["processes"], job["processes"]))


def guard(deny, home):
    def hook(event, args):
        if event.startswith(BLOCKED_PREFIXES):
            raise PermissionError(f"sandbox: {event} is not allowed")
        if event in PATH_EVENTS and args and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.path.realpath(os.fsdecode(args[0]))
            if not path.startswith(home + os.sep):
                raise PermissionError(f"sandbox: {event} on {path} is not allowed")
        if event == "open" and args and not isinstance(args[0], int):
            path = os.path.realpath(os.fsdecode(args[0]))
            mode, flags = args[1] or "", args[2] or 0
            if any(path == d or path.startswith(d + os.sep) for d in deny):
                raise PermissionError(f"sandbox: reading {path} is not allowed")
            writing = any(c in mode for c in "wax+") or bool(flags & WRITE_FLAGS)
            if writing and path != os.devnull and not path.startswith(home + os.sep):
                raise PermissionError(f"sandbox: writing {path} is not allowed")

    sys.addaudithook(hook)


def same(out, expected, atol):
    if isinstance(expected, float) or (isinstance(out, float) and isinstance(expected, int)):
        if not isinstance(out, (int, float)) or isinstance(out, bool) != isinstance(expected, bool):
            return False
        if math.isnan(expected):
            return math.isnan(out)
        return math.isclose(out, expected, rel_tol=1e-6, abs_tol=max(atol, 1e-6))
    if isinstance(expected, (list, tuple)) and type(out) is type(expected):
        return len(out) == len(expected) and all(same(a, b, atol) for a, b in zip(out, expected, strict=True))
    try:
        return bool(out == expected)
    except Exception:
        return False


def agrees(out, expected, job):
    if job["compare"] == "set":
        try:
            return set(out) == set(expected)
        except TypeError:
            return False
    if job["compare"] == "not_none":
        return (out is None) == (expected is None)
    return same(out, expected, job["atol"])


def describe(error):
    return f"{type(error).__name__}: {error}"[:300]


def normalise_stdout(text):
    """Judged output: trailing spaces of each line and surrounding blank lines do not count."""
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def run_script(code, stdin_text):
    """Run a script as __main__ with `stdin_text` on fd 0 and sys.stdin; return what it printed."""
    with open("stdin.txt", "w") as handle:
        handle.write(stdin_text)
    fd = os.open("stdin.txt", os.O_RDONLY)
    if fd != 0:  # 0 is free again when the last case's script closed it (open(0) without closefd=False)
        os.dup2(fd, 0)  # open(0) and sys.stdin.buffer read the case too
        os.close(fd)
    # stdin for the rest of this child's life (a forked one-job process): no context manager to close it
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    silenced, sys.stdout = sys.stdout, io.TextIOWrapper(io.BytesIO(), write_through=True)
    # -S leaves out site's exit()/quit(), which competitive-programming scripts call
    namespace = {"__name__": "__main__", "exit": sys.exit, "quit": sys.exit}
    try:
        exec(code, namespace)
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise
    finally:
        sys.stdout.flush()
        printed = sys.stdout.buffer.getvalue().decode("utf-8", "replace")
        sys.stdout = silenced
    return printed


def check_stdio(code, cases):
    """Each case is {"input": stdin text, "output": expected stdout}; compared after normalise_stdout."""
    try:
        for index, case in enumerate(cases):
            if normalise_stdout(run_script(code, case["input"])) != normalise_stdout(case["output"]):
                return {"outcome": "failed", "stage": "stdio", "detail": f"wrong output on case {index}"}
    except BaseException as error:
        return {"outcome": "error", "stage": "stdio", "detail": describe(error)}
    return {"outcome": "passed", "stage": "", "detail": ""}


def check(job, program, tests, inputs, expected):
    try:
        code = compile(program, "<program>", "exec")
    except (SyntaxError, ValueError) as error:
        return {"outcome": "syntax_error", "stage": "load", "detail": describe(error)}
    if job["compare"] == "stdio":
        return check_stdio(code, json.loads(tests))
    namespace: dict[str, Any] = {"__name__": "__redline_program__"}
    result = {"outcome": "passed", "stage": "", "detail": ""}
    try:
        stage = "load"
        exec(code, namespace)
        stage = "base"
        if tests:
            exec(compile(tests, "<tests>", "exec"), namespace)
        stage = "plus"
        if expected is not None:
            function = namespace[job["entry_point"]]
            for index, (args, (valid, wanted)) in enumerate(zip(inputs, expected, strict=True)):
                if valid and not agrees(function(*copy.deepcopy(args)), wanted, job):
                    result = {"outcome": "failed", "stage": stage, "detail": f"wrong output on input {index}"}
                    break
    except AssertionError as error:
        result = {"outcome": "failed", "stage": stage, "detail": describe(error)}
    except BaseException as error:  # SystemExit, RecursionError, MemoryError: all the program's failure
        result = {"outcome": "error", "stage": stage, "detail": describe(error)}
    return result


def record(job, program, inputs):
    """Run the reference on every input; keep (valid, output) pairs for `check` to compare against."""
    namespace: dict[str, Any] = {"__name__": "__redline_program__"}
    exec(compile(program, "<program>", "exec"), namespace)
    function = namespace[job["entry_point"]]
    outputs, total, deadline = [], 0, time.monotonic() + job["reference_budget_s"]
    for args in inputs:
        if time.monotonic() > deadline:  # later inputs would make every candidate's run too slow
            outputs.append((False, None))
            continue
        try:
            output = function(*copy.deepcopy(args))
            size = len(pickle.dumps(output))
        except BaseException:
            outputs.append((False, None))
            continue
        # Huge outputs would bloat the cache and every later run; such inputs are left out.
        keep = size <= job["max_output_bytes"] and total + size <= job["max_expected_bytes"]
        total += size if keep else 0
        outputs.append((True, output) if keep else (False, None))
    return {
        "outcome": "passed",
        "expected": base64.b64encode(pickle.dumps(outputs)).decode("ascii"),
        "valid": sum(valid for valid, _ in outputs),
    }


def _read(name, mode="r"):
    with open(name, mode) as handle:
        return handle.read()


def run_job(job, result_fd):
    """In a forked child: load the job's files, lock down, run, write the JSON result to `result_fd`."""
    os.chdir(job["dir"])
    program = _read("program.py")
    tests = _read("tests.py") if os.path.exists("tests.py") else ""
    inputs = json.loads(_read("inputs.json")) if os.path.exists("inputs.json") else []
    expected = pickle.loads(_read("expected.pkl", "rb")) if os.path.exists("expected.pkl") else None
    out = os.fdopen(result_fd, "w")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    # The child's stdio until os._exit: nothing to close them before then.
    sys.stdin, sys.stdout, sys.stderr = open(os.devnull), open(os.devnull, "w"), open(os.devnull, "w")  # noqa: SIM115
    limit(job)
    guard(job["deny"], os.path.realpath(job["dir"]))
    try:
        result = (
            record(job, program, inputs)
            if job["mode"] == "record"
            else check(job, program, tests, inputs, expected)
        )
    except BaseException as error:
        result = {"outcome": "error", "stage": "load", "detail": describe(error)}
    out.write(json.dumps(result))
    out.flush()
    os._exit(0)  # skip atexit handlers and threads the program may have left behind


def supervise(job):
    """Fork one child for the job, enforce its wall timeout, kill its process group, return its result."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os.setsid()
        try:
            run_job(job, write_end)
        finally:
            os._exit(1)
    os.close(write_end)
    chunks, deadline, timed_out = [], time.monotonic() + job["wall_s"], False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([read_end], [], [], remaining)
        if ready:
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(read_end)
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return {"outcome": "timeout", "detail": f"no result within {job['wall_s']:.0f} s"}
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
            return {"outcome": "timeout", "detail": "CPU time limit"}
        return {"outcome": "crashed", "detail": f"wait status {status}"}


def serve():
    """Read one JSON job per line on stdin, answer one JSON result per line on stdout."""
    sys.setrecursionlimit(3000)
    for line in sys.stdin:
        job = json.loads(line)
        sys.path.extend(p for p in job["site_packages"] if p not in sys.path)
        sys.stdout.write(json.dumps(supervise(job)) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
