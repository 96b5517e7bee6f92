"""The event stream end to end (issue "Platform core"): a consumer of ``commerce.order.completed``,
running in `quanzi worker` processes, writes one row per completed order. 200 orders complete while
a worker is killed with SIGKILL in the middle of a batch and started again; the table then holds each
order exactly once, and `quanzi events replay` rebuilds the very same table. On PostgreSQL two
workers run the consumer side by side (it runs in one of them at a time)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from quanzi.core.db import Database
from quanzi.core.stream import ConsumerState
from tests import databases
from tests.commerce.conftest import ShopDriver
from tests.plugins.order_recorder import COMPLETED_ORDERS

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 200
WAIT = 120.0


def _env(database_url: str, workdir: Path, log: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUANZI_")}
    env.update(
        QUANZI_DATABASE_URL=database_url,
        QUANZI_BUS_URL="memory://",
        QUANZI_MEDIA_DIR=str(workdir / "media"),
        QUANZI_LOG_JSON="false",
        QUANZI_LOG_LEVEL="WARNING",
        QUANZI_PLUGINS="tests.plugins.order_recorder:manifest",
        PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]),
        STREAMTEST_LOG=str(log),
        STREAMTEST_DELAY="0.03",
    )
    return env


def _quanzi(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("quanzi")), *args]


class Workers:
    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env, self.workdir = env, workdir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        self.processes[name] = subprocess.Popen(
            _quanzi("worker"), env=self.env, cwd=self.workdir, stderr=subprocess.PIPE
        )

    def name_of(self, pid: int) -> str:
        return next(name for name, process in self.processes.items() if process.pid == pid)

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        assert process.wait(30) == -signal.SIGKILL

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


async def _rows(db: Database) -> list[tuple[int, int]]:
    async with db.read() as session:
        result = await session.execute(
            text("SELECT order_id, position FROM streamtest_completed_orders ORDER BY position, order_id")
        )
        return [(int(order_id), int(position)) for order_id, position in result.all()]


async def _position(db: Database) -> int:
    async with db.read() as session:
        state = await session.get(ConsumerState, COMPLETED_ORDERS.name, populate_existing=True)
        return state.position if state else 0


async def _completed_positions(db: Database) -> list[int]:
    async with db.read() as session:
        result = await session.execute(
            text(
                "SELECT position FROM outbox_events WHERE topic = 'commerce.order.completed'"
                " AND position IS NOT NULL ORDER BY position"
            )
        )
        return [int(p) for p in result.scalars().all()]


@pytest.fixture
async def recorder_table(app: Any) -> AsyncIterator[None]:
    """The consumer's table, created by the test (no migration builds it) and always dropped after."""
    db: Database = app.state.db
    async with db.transaction() as session:
        await session.execute(text("DROP TABLE IF EXISTS streamtest_completed_orders"))
        await session.execute(
            text("CREATE TABLE streamtest_completed_orders (order_id BIGINT, position BIGINT)")
        )
    yield
    async with db.transaction() as session:
        await session.execute(text("DROP TABLE streamtest_completed_orders"))


async def test_each_completed_order_is_recorded_once_across_a_worker_killed_mid_batch(
    shop: ShopDriver, database_url: str, tmp_path: Path, app: Any, recorder_table: None
) -> None:
    db: Database = app.state.db
    postgres = databases.on_postgres(database_url)
    log = tmp_path / "attempts.log"
    log.touch()
    workers = Workers(_env(database_url, tmp_path, log), tmp_path)
    merchant = await shop.merchant()
    product = await shop.product(merchant, price=1_00, stock=ORDERS)
    sku_id = product["skus"][0]["id"]
    buyer = await shop.buyer(money=ORDERS * 1_00)
    completed: list[int] = []
    try:
        names = ["a", "b"] if postgres else ["a"]
        for name in names:
            workers.start(name)
        for _ in range(ORDERS // 2):
            completed.append(int((await shop.completed_order(buyer, merchant, sku_id))["id"]))

        # Wait until a batch is in flight (events handled, not committed), then kill the worker
        # running it: the last line of the attempts log names its process.
        async def mid_batch() -> str:
            while True:
                attempts = log.read_text().splitlines()
                if len(attempts) > len(await _rows(db)):
                    return workers.name_of(int(attempts[-1].split()[0]))
                await asyncio.sleep(0.005)

        victim = await asyncio.wait_for(mid_batch(), WAIT)
        workers.kill(victim)
        killed_at = len(await _rows(db))

        for _ in range(ORDERS - ORDERS // 2):
            completed.append(int((await shop.completed_order(buyer, merchant, sku_id))["id"]))
        workers.start(victim)

        async def caught_up() -> list[int]:
            while True:
                positions = await _completed_positions(db)
                if len(positions) == ORDERS and await _position(db) >= positions[-1]:
                    return positions
                await asyncio.sleep(0.1)

        positions = await asyncio.wait_for(caught_up(), WAIT)
    finally:
        workers.stop_all()

    rows = await _rows(db)
    assert sorted(order_id for order_id, _ in rows) == sorted(completed)  # each order exactly once
    assert [position for _, position in rows] == positions
    attempts = log.read_text().splitlines()
    handled_twice = len(attempts) - ORDERS
    assert handled_twice > 0, "the kill must have cut a batch short (its events handled again)"
    assert killed_at < ORDERS

    replayed = await asyncio.to_thread(
        subprocess.run,
        _quanzi("events", "replay", COMPLETED_ORDERS.name),
        env={**workers.env, "STREAMTEST_DELAY": "0"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert replayed.returncode == 0, replayed.stderr
    assert f"rebuilt from {ORDERS} event(s)" in replayed.stdout
    assert await _rows(db) == rows
    status = await asyncio.to_thread(
        subprocess.run,
        _quanzi("events", "status"),
        env=workers.env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert status.returncode == 0, status.stderr
    line = next(line for line in status.stdout.splitlines() if line.startswith(COMPLETED_ORDERS.name))
    assert line.split()[1:4] == [str(positions[-1]), str(await _head(db) - positions[-1]), "0"]


async def _head(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(text("SELECT COALESCE(MAX(position), 0) FROM outbox_events")) or 0)
