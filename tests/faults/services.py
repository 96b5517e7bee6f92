"""Private, throwaway PostgreSQL, Redis and NATS servers for the fault-injection tests.

The machine's own servers (PostgreSQL on 5432, Redis on 6379, NATS on 4222) are shared with every other
test run, so a fault test never stops or restarts them: each starts its own instances on free ports in
a temporary directory, restarts those, and removes them at the end, whatever the outcome (the fixtures
stop them in their finalizers). A missing binary skips the test with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT_S = 30.0


def _missing(binary: Path | str) -> str | None:
    found = Path(binary).is_file() if isinstance(binary, Path) else shutil.which(binary) is not None
    return None if found else f"{binary} is missing: the fault tests start their own servers with it"


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_for_port(port: int, process: subprocess.Popen[bytes] | None, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _accepts(port):
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(f"port {port} never opened:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)


def _end(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


class PrivatePostgres:
    """A PostgreSQL cluster of our own, run as the `postgres` user (initdb refuses root) in a directory
    it owns, trust auth, loopback only, one database `quanzi`."""

    def __init__(self) -> None:
        # Not pytest's tmp_path: its parents are root's alone, and the server runs as `postgres`.
        self.root = Path(tempfile.mkdtemp(prefix="quanzi-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/quanzi"
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self._as_postgres, *args],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=120,
        )

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args)

    def create(self) -> None:
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip
        self.start()
        asyncio.run(self._create_database())

    async def _create_database(self) -> None:
        import asyncpg

        admin = await asyncpg.connect(self.admin_url)
        try:
            await admin.execute('CREATE DATABASE "quanzi"')
        finally:
            await admin.close()

    def start(self) -> None:
        # fsync off: the cluster is thrown away, and a fast stop checkpoints cleanly anyway.
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-l", str(self.log), "-o", options, "start")

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, as when the database server restarts."""
        self._pg_ctl("-m", "fast", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            if (self.data / "postmaster.pid").exists():
                self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class ChildServer:
    """A server binary run as our child process on a port of its own (Redis, NATS)."""

    def __init__(self, name: str, binary: str) -> None:
        self.name, self.binary = name, binary
        self.root = Path(tempfile.mkdtemp(prefix=f"quanzi-faults-{name}-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.root / f"{name}.log"

    def arguments(self) -> list[str]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        raise NotImplementedError

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, *self.arguments()],
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_for_port(self.port, self.process, self.log)

    def stop(self) -> None:
        _end(self.process)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis(ChildServer):
    def __init__(self) -> None:
        super().__init__("redis", "redis-server")

    def arguments(self) -> list[str]:
        return ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no"]  # fmt: skip

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class PrivateNats(ChildServer):
    """NATS with JetStream; a restart keeps the same store directory, so the streams persist."""

    def __init__(self) -> None:
        super().__init__("nats", "nats-server")

    def arguments(self) -> list[str]:
        return ["-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.root / "jetstream")]

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    for binary in ("initdb", "pg_ctl", "postgres"):
        if reason := _missing(PG_BIN / binary):
            pytest.skip(reason)
    server = PrivatePostgres()
    try:
        server.create()
        yield server
    finally:
        server.destroy()


def _child(server_type: type[ChildServer]) -> Iterator[ChildServer]:
    server = server_type()  # type: ignore[call-arg]
    if reason := _missing(server.binary):
        shutil.rmtree(server.root, ignore_errors=True)
        pytest.skip(reason)
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def private_redis() -> Iterator[ChildServer]:
    yield from _child(PrivateRedis)


@pytest.fixture
def private_nats() -> Iterator[ChildServer]:
    yield from _child(PrivateNats)
