"""A `quanzi worker` is killed with SIGKILL while jobs are due, then started again.

Transfers nobody accepted and orders nobody paid are made due at once (their expiry and the jobs'
run time moved into the past in the database: a SQLite file, then a private PostgreSQL). A worker
starts on them and is killed in the middle; a new one finishes. Every job ends done, and every effect
happened exactly once: one refund per transfer (the payer's balance whole again, the books balanced)
and one cancellation per order (the stock back to what it was, not more).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from quanzi.commerce.models.catalog import Sku
from quanzi.commerce.models.orders import Order
from quanzi.commerce.rules import PAY_WINDOW
from quanzi.core.db import Database
from quanzi.core.jobs import Job
from quanzi.wallet.models import JournalEntry, Transfer, WalletAccount
from tests.faults.processes import PIN, V1, Server, Worker, befriend, fund, quanzi, signup

pytestmark = pytest.mark.faults

TRANSFERS, ORDERS, STOCK = 50, 30, 60
TOP_UP = 100_00
JOB_KINDS = ("wallet.transfer.expire", "commerce.order.expire")
WAIT_S = 60.0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_due_jobs_run_exactly_once_across_a_worker_kill(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'faults.db'}"
    else:
        url = request.getfixturevalue("private_postgres").url
    server = Server(url, tmp_path)
    server.start()
    try:
        payer, _friend, sku_id = _unresolved_transfers_and_orders(server)
    finally:
        server.stop()  # it runs jobs too; from here on only the workers do
    asyncio.run(_make_due(url))

    worker = Worker(url, tmp_path)
    try:
        worker.start()
        asyncio.run(_until(url, lambda done, _pending: done >= 5))
        worker.kill()
        _done, pending = asyncio.run(_job_counts(url))
        assert pending > 0, "the worker finished before it was killed: nothing was proven"

        worker.start()
        asyncio.run(_until(url, lambda _done, pending: pending == 0))
    finally:
        worker.stop()

    books = asyncio.run(_effects(url, payer["id"], sku_id))
    assert books["jobs"] == {"done": TRANSFERS + ORDERS}
    assert books["transfers"] == {"expired": TRANSFERS}
    assert sorted(books["refunds"].values()) == [1] * TRANSFERS  # each refunded once
    assert books["orders"] == {"cancelled": ORDERS}
    assert books["stock"] == STOCK  # each order's unit returned once
    assert books["balance"] == TOP_UP
    check = quanzi(server.env, "ledger", "check")
    assert check.returncode == 0, check.stdout + check.stderr


def _unresolved_transfers_and_orders(server: Server) -> tuple[dict[str, Any], dict[str, Any], int]:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        payer, friend = signup(http, "payer"), signup(http, "friend")
        befriend(http, payer, friend)
        fund(http, payer, TOP_UP)
        for _ in range(TRANSFERS):
            sent = http.post(
                f"{V1}/wallet/transfers",
                json={"to_user_id": friend["id"], "amount": 1, "pin": PIN},
                headers=payer["headers"] | {"Idempotency-Key": uuid.uuid4().hex},
            )
            assert sent.status_code == 201, sent.text
        merchant = signup(http, "shop", kind="merchant")
        shop = http.put(
            f"{V1}/shops/me", json={"name": "Faults shop", "intro": "x"}, headers=merchant["headers"]
        )
        assert shop.status_code == 200, shop.text
        product = http.post(
            f"{V1}/products",
            json={
                "title": "Thermos cup",
                "description": "A cup.",
                "skus": [{"name": "Standard", "price": 1_00, "stock": STOCK}],
            },
            headers=merchant["headers"],
        ).json()
        if product["status"] != "active":
            product = http.patch(
                f"{V1}/products/{product['id']}", json={"status": "active"}, headers=merchant["headers"]
            ).json()
        sku_id = product["skus"][0]["id"]
        for _ in range(ORDERS):
            placed = http.post(
                f"{V1}/orders",
                json={
                    "items": [{"sku_id": sku_id, "quantity": 1}],
                    "address": {"name": "Lin Mei", "phone": "13800000000", "line": "1 Nanjing Road"},
                },
                headers=payer["headers"] | {"Idempotency-Key": uuid.uuid4().hex},
            )
            assert placed.status_code == 201, placed.text
    return payer, friend, int(sku_id)


async def _make_due(url: str) -> None:
    """Move the deadlines into the past: transfers expired, orders past their pay window, jobs due."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    db = Database(url)
    try:
        async with db.transaction() as session:
            await session.execute(update(Transfer).values(expires_at=past))
            await session.execute(update(Order).values(created_at=past - PAY_WINDOW))
            made_due = await session.execute(
                update(Job).where(Job.status == "pending", Job.kind.in_(JOB_KINDS)).values(run_at=past)
            )
        assert made_due.rowcount == TRANSFERS + ORDERS  # type: ignore[attr-defined]
    finally:
        await db.dispose()


async def _counts(db: Database, column: Any, *where: Any) -> dict[str, int]:
    async with db.read() as session:
        rows = await session.execute(select(column, func.count()).where(*where).group_by(column))
    return {str(value): int(n) for value, n in rows.all()}


async def _job_counts(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        counts = await _counts(db, Job.status, Job.kind.in_(JOB_KINDS))
    finally:
        await db.dispose()
    assert set(counts) <= {"done", "pending"}, counts  # none failed
    return counts.get("done", 0), counts.get("pending", 0)


async def _until(url: str, condition: Any) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition(*await _job_counts(url)):
        assert time.monotonic() < deadline, f"the jobs did not get there: {await _job_counts(url)}"
        await asyncio.sleep(0.02)


async def _effects(url: str, payer_id: str, sku_id: int) -> dict[str, Any]:
    db = Database(url)
    try:
        refunds = await _counts(db, JournalEntry.reference_id, JournalEntry.kind == "transfer_refunded")
        async with db.read() as session:
            stock = await session.scalar(select(Sku.stock).where(Sku.id == sku_id))
            balance = await session.scalar(
                select(WalletAccount.balance).where(
                    WalletAccount.owner_id == int(payer_id), WalletAccount.kind == "wallet"
                )
            )
        return {
            "jobs": await _counts(db, Job.status, Job.kind.in_(JOB_KINDS)),
            "transfers": await _counts(db, Transfer.status),
            "refunds": refunds,
            "orders": await _counts(db, Order.status),
            "stock": stock,
            "balance": balance,
        }
    finally:
        await db.dispose()
