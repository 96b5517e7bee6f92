"""Real processes for the wallet tests: `quanzi serve` and `quanzi sandbox-bank` on loopback ports."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from tests.live import free_port

PG_URL = os.environ.get("QUANZI_TEST_DATABASE_URL", "")


def scratch_postgres(suffix: str) -> str:
    """A fresh database beside the test database on the same server (dropped and created again)."""
    import asyncpg

    parts = urlsplit(PG_URL)
    name = parts.path.lstrip("/") + suffix

    async def recreate() -> None:
        admin = await asyncpg.connect(urlunsplit(parts._replace(scheme="postgresql", path="/postgres")))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()

    asyncio.run(recreate())
    return urlunsplit(parts._replace(path="/" + name))


def server_env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUANZI_")}
    env.update(
        QUANZI_DATABASE_URL=database_url,
        QUANZI_BUS_URL="memory://",
        QUANZI_MEDIA_DIR=str(workdir / "media"),
        QUANZI_WEB_DIST=str(workdir / "no-web"),
        QUANZI_LOG_JSON="false",
        QUANZI_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Server:
    """A CLI process (by default `quanzi serve`) on a loopback port, started and stopped by the test."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        *,
        command: tuple[str, ...] = ("serve",),
        port: int | None = None,
        **extra_env: str,
    ) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.command = command
        self.port = port or free_port()
        self.extra_env = extra_env
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return server_env(self.database_url, self.workdir, **self.extra_env)

    def log_tail(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.workdir.glob("*.log")))

    def start(self) -> None:
        log = (self.workdir / f"{self.command[0]}-{self.port}-{time.monotonic_ns()}.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "quanzi.cli",
                *self.command,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the process exited during start-up\n" + self.log_tail()
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("the process did not become healthy\n" + self.log_tail())

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
