"""A real `quanzi serve` process on a free loopback port, for the browser and contract tests.

The server is started the way an operator starts it (the CLI, uvicorn, migrations run by `serve`), on a
fresh SQLite file, or on PostgreSQL when QUANZI_TEST_DATABASE_URL names one (its public schema is
dropped and created again first, as tests/conftest.py does). Its output goes to a log file, never to a
pipe: a pipe nobody reads fills up and stalls the server.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from quanzi.core.db import normalize_url
from tests.databases import on_postgres

REPO_ROOT = Path(__file__).resolve().parents[1]
WEB_DIST = REPO_ROOT / "web" / "dist"
STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 10.0
PASSWORD = "correct horse 1"

PG_URL = os.environ.get("QUANZI_TEST_DATABASE_URL", "")


@dataclass
class LiveServer:
    base_url: str
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, chars: int = 6000) -> str:
        return _tail(self.log_path, chars)


# The browser tests drive Debian's Chromium, never a browser Playwright downloads.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def web_client_missing_reason() -> str | None:
    if not (WEB_DIST / "index.html").is_file():
        return f"the web client is not built ({WEB_DIST}/index.html is missing): run `make web`"
    return None


def browser_missing_reason() -> str | None:
    """Why browser tests cannot run here, with how to fix it; None when they can. CI has both."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: install Debian's Chromium (`apt-get install chromium`)"
    return web_client_missing_reason()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, chars: int) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except FileNotFoundError:
        return "(no output)"


async def _reset_postgres_schema(url: str) -> None:
    engine = create_async_engine(normalize_url(url))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def _server_env(database_url: str, workdir: Path) -> dict[str, str]:
    # Only our settings: a developer's QUANZI_* (a Redis bus, another database) must not leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUANZI_")}
    env.update(
        QUANZI_DATABASE_URL=database_url,
        QUANZI_BUS_URL="memory://",
        QUANZI_MEDIA_DIR=str(workdir / "media"),
        QUANZI_WEB_DIST=str(WEB_DIST),
        QUANZI_LOG_JSON="false",
        QUANZI_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> str | None:
    """None when /healthz answers ok; otherwise why the server is not up (it may have exited)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_error = "no answer yet"
    with httpx.Client(timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return f"the server exited with status {process.returncode}"
            try:
                response = http.get(f"{base_url}/healthz")
                if response.status_code == 200 and response.json().get("status") == "ok":
                    return None
                last_error = f"/healthz answered {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            time.sleep(0.1)
    return f"/healthz did not answer ok within {STARTUP_TIMEOUT_S:.0f} s ({last_error})"


def _stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=SHUTDOWN_TIMEOUT_S)
    return process.returncode


@contextlib.contextmanager
def run_live_server(workdir: Path) -> Iterator[LiveServer]:
    """Start `quanzi serve` on a fresh database under `workdir`, yield it once /healthz is ok, stop it.

    Stopping is checked too: a server that does not exit on SIGTERM is a bug worth a failure.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    if on_postgres():
        # In a thread of its own: the caller may already run an event loop (Playwright's sync API does).
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, _reset_postgres_schema(PG_URL)).result()
        database_url = PG_URL
    else:
        database_url = f"sqlite+aiosqlite:///{workdir / 'quanzi.db'}"

    attempts = 3  # another process may take the free port between our probe and the server's bind
    for attempt in range(1, attempts + 1):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = workdir / f"server-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "quanzi.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=workdir,
                env=_server_env(database_url, workdir),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        problem = _wait_until_healthy(process, base_url, log_path)
        if problem is None:
            break
        _stop(process)
        output = _tail(log_path, 6000)
        if attempt < attempts and "address already in use" in output.lower():
            continue
        raise RuntimeError(f"quanzi serve did not start: {problem}\n--- server output ---\n{output}")

    server = LiveServer(base_url=base_url, database_url=database_url, log_path=log_path, process=process)
    try:
        yield server
    finally:
        status = _stop(process)
        # After a graceful shutdown uvicorn re-raises the signal it caught, so -SIGTERM is a clean
        # exit as much as 0 is; -SIGKILL means it ignored SIGTERM and had to be killed.
        assert status in (0, -signal.SIGTERM), f"quanzi serve exited with {status}\n{server.log_tail()}"


def signup(base_url: str, username: str, password: str = PASSWORD, **extra: str) -> dict[str, object]:
    """A new account through the public API; returns the answer (token, session_id, user)."""
    body = {"username": username, "password": password, "display_name": username.title(), **extra}
    response = httpx.post(f"{base_url}/api/v1/auth/signup", json=body, timeout=10.0)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]
