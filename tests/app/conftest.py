"""Fixtures for the App tests: a store on a SQLite file or a throw-away PostgreSQL server, and a real
redis-server on a free loopback port. Servers whose binary is missing are skipped with the reason."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.store import Store
from tests.app.deliveries import WEBHOOK_SECRET
from tests.app.github_app import APP_SLUG
from tests.fakes import FakeGitHub

SERVER_START_TIMEOUT_S = 30
REPO_ROOT = Path(__file__).resolve().parents[2]
# The App's processes start as the container starts them: scripts/redline-app.sh is the image's ENTRYPOINT.
APP_SCRIPT = REPO_ROOT / "scripts" / "redline-app.sh"


def app_command(role: str, *options: str) -> list[str]:
    """`redline-app.sh web|worker OPTIONS`, run by the caller's interpreter (env PYTHON)."""
    return ["sh", str(APP_SCRIPT), role, *options]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {SERVER_START_TIMEOUT_S} s")


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server on a free loopback port: (URL, its process), terminated at the end."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not found (apt-get install redis-server); the test command installs it")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        process.send_signal(signal.SIGCONT)  # a test that stopped it must not leave it unkillable
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as (url, _):
        yield url


@contextlib.contextmanager
def serve_process(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`redline serve` (uvicorn) in a subprocess on a free loopback port: (base URL, its process)."""
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            app_command("web", "--log-level", "warning"),
            env={
                **os.environ,
                **env,
                "PYTHON": sys.executable,
                "REDLINE_HOST": "127.0.0.1",
                "REDLINE_PORT": str(port),
            },
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, process)
            yield f"http://127.0.0.1:{port}", process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _postgres_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away PostgreSQL cluster; yields a URL without database name."""
    bindir = _postgres_bin()
    if bindir is None or not (bindir / "initdb").exists():
        pytest.skip(
            "no PostgreSQL server binary (apt-get install postgresql); the Postgres path is untested here"
        )
    run_as: list[str] = []
    directory = tmp_path_factory.mktemp("postgres")
    if os.geteuid() == 0:  # initdb refuses to run as root: drop to the postgres account if there is one
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the PostgreSQL server as")
        # pytest's temp root is private to root; the server needs a directory its account can reach.
        directory = Path(tempfile.mkdtemp(prefix="redline-pg-"))
        shutil.chown(directory, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = directory / "data", free_port()
    subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(directory / "log"),
            "-w",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the throw-away server."""
    import psycopg2

    name = f"t_{uuid.uuid4().hex[:12]}"
    connection = psycopg2.connect(postgres_server.replace("postgresql+psycopg2", "postgresql") + "/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    connection.close()
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'redline.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def app_github() -> Iterator[FakeGitHub]:
    """The fake GitHub, answering as the App's bot account."""
    with FakeGitHub(login=f"{APP_SLUG}[bot]") as fake:
        yield fake


@pytest.fixture(scope="session")
def tiny_probe_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.app.scorers import save_tiny

    return save_tiny(tmp_path_factory.mktemp("tiny-probe"))


@pytest.fixture(scope="module")
def app_env(
    app_github: FakeGitHub, redis_url: str, tiny_probe_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """REDLINE_* settings shared by the web side (this process) and worker subprocesses."""
    from tests.app.github_app import private_key_pem

    directory = tmp_path_factory.mktemp("app")
    return {
        "REDLINE_TEST_PROBE_DIR": str(tiny_probe_dir),
        "REDLINE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "REDLINE_APP_ID": "82994",
        "REDLINE_APP_PRIVATE_KEY": private_key_pem(),
        "REDLINE_GITHUB_API_URL": app_github.base_url,
        "REDLINE_GITHUB_THROTTLE": "false",
        "REDLINE_DATABASE_URL": f"sqlite:///{directory / 'redline.db'}",
        "REDLINE_REDIS_URL": redis_url,
        "REDLINE_SCORER": "tests.app.scorers:tiny",
        "REDLINE_VISIBILITY_TIMEOUT_S": "4",
        "REDLINE_TASK_TIME_LIMIT_S": "120",
        "REDLINE_TASK_RETRY_BACKOFF_S": "1",
        "REDLINE_REPORT_DIR": str(directory / "reports"),
    }


class Workers:
    """Start `redline worker` subprocesses; every one still running is killed at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.processes = env, logs, []  # type: ignore[var-annotated]

    def start(self, **extra_env: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            app_command("worker", "--pool", "solo", "--loglevel", "INFO"),
            env={**os.environ, **self.env, "PYTHON": sys.executable, **extra_env},
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append((process, log))
        return process

    def log_text(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")[-3000:] for path in sorted(self.logs.glob("worker-*.log"))
        )

    def stop_all(self) -> None:
        for process, log in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()


@pytest.fixture(scope="module")
def workers(app_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """Worker subprocesses of one test module (they share its queue, store and fake GitHub)."""
    pool = Workers(app_env, tmp_path_factory.mktemp("workers"))
    yield pool
    pool.stop_all()


def wait_until(condition, timeout_s: float, what: str, logs=None) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}\n{logs() if logs else ''}")


@pytest.fixture(scope="module")
def web(app_env: dict[str, str]) -> Iterator[tuple[Any, Store]]:
    """The webhook app in this process, queueing to the module's Redis; yields (TestClient, its store)."""
    from fastapi.testclient import TestClient

    from bot.app.settings import AppSettings
    from bot.app.tasks import create_celery, enqueuer
    from bot.app.web import create_app

    settings = AppSettings.from_env(app_env)
    store = Store.open(settings.database_url, timeout_s=settings.database_timeout_s)
    app = create_app(
        settings.webhook_secret, store, enqueuer(create_celery(settings), settings.broker_timeout_s)
    )
    yield TestClient(app), store
    store.close()
