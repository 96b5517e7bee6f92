"""The setup the benchmarks share, written once: scratch databases, seeded users, a server, the floor.

It owns:
- database URLs: `with_db` (the same server, another database), `recreate_pg` (drop and create a
  PostgreSQL scratch database) and `prepare` (a scratch SQLite file or a recreated PostgreSQL database,
  migrated);
- users: `seed_users` inserts many consumers directly (user row, payment PIN row with the hash of `PIN`,
  a login session token, and money through the wallet's own ledger `move`), and `fund` tops one up;
- a server: `quanzi_serve`, a `quanzi serve` subprocess (one uvicorn worker unless told) on a free
  loopback port, waited for on /healthz and stopped on exit;
- the floor: `pgbench_floor`, pgbench's built-in TPC-B-like script on a scratch database of the same
  PostgreSQL server;
- percentiles: `percentile` and `ms` (a percentile as whole milliseconds, "-" when there are none).

What a bench measures, its flags and its table stay in the bench.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.actor import Actor
from quanzi.core.clock import now
from quanzi.core.db import Database
from quanzi.core.ids import new_id
from quanzi.core.migrate import upgrade
from quanzi.identity.models import AuthSession, User
from quanzi.identity.service.accounts import _token_hash
from quanzi.wallet.ledger import move
from quanzi.wallet.models import BANK_CLEARING, PLATFORM, WALLET, PaymentPin

PIN = "135790"
SEED_BATCH = 500


# --- databases ------------------------------------------------------------------------------------


def with_db(url: str, name: str) -> str:
    """`url` with its database name replaced by `name` (the same server)."""
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


async def recreate_pg(url: str) -> None:
    """Drop the PostgreSQL database `url` names (closing its connections) and create it empty."""
    import asyncpg

    name = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(with_db(url.replace("postgresql+asyncpg://", "postgresql://"), "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def prepare(database: str, workdir: Path, filename: str = "bench.db") -> str:
    """A migrated scratch database: `database` is "sqlite" (a file in `workdir`) or a PostgreSQL URL
    (dropped and created again). Returns its URL."""
    if database == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / filename}"
    else:
        url = database
        await recreate_pg(url)
    await upgrade(url)
    return url


# --- users ----------------------------------------------------------------------------------------


@dataclass
class BenchUser:
    """A seeded consumer: its id and a login session token."""

    user_id: int
    token: str

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, session_id=0, kind="consumer")

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def _topup(session: AsyncSession, user_id: int, amount: int) -> None:
    await move(
        session,
        "topup",
        source=(PLATFORM, BANK_CLEARING),
        target=(user_id, WALLET),
        amount=amount,
        reference_type="bench",
        reference_id=1,
    )


async def fund(db: Database, user_id: int, amount: int) -> None:
    """Top up a wallet from bank clearing through the ledger, in a transaction of its own."""
    async with db.transaction() as session:
        await _topup(session, user_id, amount)


async def seed_users(
    db: Database, count: int, pin_hash: str, *, prefix: str, money: int = 0
) -> list[BenchUser]:
    """`count` consumers inserted directly, SEED_BATCH per transaction: the user, a payment PIN row
    holding `pin_hash` (the hash of PIN), a login session a day long, and `money` (cents) through the
    ledger when it is not 0."""
    users: list[BenchUser] = []
    moment = now()
    for start in range(0, count, SEED_BATCH):
        async with db.transaction() as session:
            batch = []
            for index in range(start, min(count, start + SEED_BATCH)):
                user = BenchUser(new_id(), secrets.token_urlsafe(32))
                session.add(
                    User(
                        id=user.user_id,
                        username=f"{prefix}{index}_{user.user_id % 10**6}",
                        phone=None,
                        password_hash=pin_hash,
                        display_name=f"{prefix} {index}",
                        bio="",
                        region="",
                        kind="consumer",
                        is_kol=False,
                        is_operator=False,
                        discoverable_by_username=True,
                        discoverable_by_phone=True,
                        created_at=moment,
                        password_changed_at=moment,
                    )
                )
                batch.append(user)
            await session.flush()  # the users first: pins and sessions refer to them
            for user in batch:
                session.add(
                    PaymentPin(
                        user_id=user.user_id,
                        pin_hash=pin_hash,
                        failed_attempts=0,
                        locked_until=None,
                        version=1,
                        updated_at=moment,
                    )
                )
                session.add(
                    AuthSession(
                        id=new_id(),
                        user_id=user.user_id,
                        token_hash=_token_hash(user.token),
                        created_at=moment,
                        last_seen_at=moment,
                        expires_at=moment + timedelta(days=1),
                        revoked_at=None,
                        user_agent="bench",
                        ip="127.0.0.1",
                    )
                )
            if money:
                await session.flush()
                for user in batch:
                    await _topup(session, user.user_id, money)
            users.extend(batch)
    return users


# --- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def quanzi_serve(url: str, workdir: Path, workers: int = 1) -> Iterator[str]:
    """A `quanzi serve` process (`workers` uvicorn workers, PostgreSQL only above one; no migrations,
    no jobs) on `url`, on a free loopback port, its log in `workdir`; yields the API's base URL and
    stops the process on exit. Each worker has its own in-memory bus: fine for requests, not for
    fan-out across workers."""
    port = free_port()
    # QUANZI_PIN_KEY stays: the server must check PINs under the key this process hashed them with.
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUANZI_") or k == "QUANZI_PIN_KEY"}
    env.update(
        QUANZI_DATABASE_URL=url,
        QUANZI_BUS_URL="memory://",
        QUANZI_MEDIA_DIR=str(workdir / "media"),
        QUANZI_WEB_DIST=str(workdir / "none"),
        QUANZI_LOG_LEVEL="WARNING",
        QUANZI_RUN_JOBS_IN_SERVE="false",
    )
    (workdir / "media").mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "quanzi.cli", "serve", "--no-migrate", "--host", "127.0.0.1"]
    command += ["--workers", str(workers)]
    log_path = workdir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"quanzi serve did not start; see {log_path}")
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the floor ------------------------------------------------------------------------------------


def pgbench_floor(url: str, seconds: int, clients: int) -> tuple[float, int] | None:
    """pgbench's TPC-B TPS on a scratch database of the same server (`<name>_pgbench`, dropped and
    created), with `clients` connections, or fewer when the server has no room for that many (other
    work holds connections): (tps, clients), or None when even 4 clients fail."""
    if shutil.which("pgbench") is None:
        raise RuntimeError("pgbench is missing (Debian: postgresql-client)")
    scratch = with_db(url, urlsplit(url).path.lstrip("/") + "_pgbench")
    asyncio.run(recreate_pg(scratch))
    plain = scratch.replace("postgresql+asyncpg://", "postgresql://")
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", plain], check=True, capture_output=True)
    while clients >= 4:
        result = subprocess.run(
            ["pgbench", "-c", str(clients), "-j", "2", "-T", str(seconds), plain],
            capture_output=True,
            text=True,
        )
        match = re.search(r"tps = ([0-9.]+)", result.stdout)
        if result.returncode == 0 and match:
            return float(match.group(1)), clients
        print(f"pgbench -c {clients} failed: {result.stderr.strip().splitlines()[-1:]}", flush=True)
        clients //= 2
    return None


# --- percentiles ----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The value at `share` (0.5, 0.99) of the sorted values; 0.0 when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def ms(values: list[float], share: float) -> str:
    """`percentile` of latencies in seconds, as whole milliseconds; "-" when there are none."""
    return f"{percentile(values, share) * 1000:.0f}" if values else "-"
