"""A `quanzi worker` is killed with SIGKILL while jobs are due, then started again.

Transfers nobody accepted and orders nobody paid are made due at once (their expiry and the jobs'
run time moved into the past in the private database). A worker starts on them and is killed in the
middle; a new one finishes. Every job ends done, and every effect happened exactly once: one refund
per transfer (the payer's balance whole again, the books balanced) and one cancellation per order
(the stock back to what it was, not more).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.faults.processes import PIN, V1, Server, Worker, befriend, fund, quanzi, signup
from tests.faults.services import PrivatePostgres

pytestmark = pytest.mark.faults

TRANSFERS, ORDERS, STOCK = 50, 30, 60
TOP_UP = 100_00
JOB_KINDS = ("wallet.transfer.expire", "commerce.order.expire")
WAIT_S = 60.0


def test_due_jobs_run_exactly_once_across_a_worker_kill(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    server = Server(private_postgres.url, tmp_path)
    server.start()
    try:
        payer, _friend, sku_id = _unresolved_transfers_and_orders(server)
    finally:
        server.stop()  # it runs jobs too; from here on only the workers do
    asyncio.run(_make_due(private_postgres.url))

    worker = Worker(private_postgres.url, tmp_path)
    try:
        worker.start()
        asyncio.run(_until(private_postgres.url, lambda done, _pending: done >= 5))
        worker.kill()
        _done, pending = asyncio.run(_job_counts(private_postgres.url))
        assert pending > 0, "the worker finished before it was killed: nothing was proven"

        worker.start()
        asyncio.run(_until(private_postgres.url, lambda _done, pending: pending == 0))
    finally:
        worker.stop()

    books = asyncio.run(_effects(private_postgres.url, payer["id"], sku_id))
    assert books["jobs"] == {"done": TRANSFERS + ORDERS}
    assert books["transfers"] == {"expired": TRANSFERS}
    assert books["refunds_per_transfer"] == {1}  # each refunded once
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
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.execute("UPDATE wallet_transfers SET expires_at = now() - interval '1 second'")
            await connection.execute("UPDATE commerce_orders SET created_at = now() - interval '31 minutes'")
            updated = await connection.execute(
                "UPDATE jobs SET run_at = now() - interval '1 second'"
                " WHERE status = 'pending' AND kind = ANY($1::text[])",
                list(JOB_KINDS),
            )
        assert updated == f"UPDATE {TRANSFERS + ORDERS}", updated
    finally:
        await connection.close()


async def _job_counts(url: str) -> tuple[int, int]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT status, count(*) AS n FROM jobs WHERE kind = ANY($1::text[]) GROUP BY status",
            list(JOB_KINDS),
        )
    finally:
        await connection.close()
    counts = {r["status"]: r["n"] for r in rows}
    assert set(counts) <= {"done", "pending"}, counts  # none failed
    return counts.get("done", 0), counts.get("pending", 0)


async def _until(url: str, condition: Any) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition(*await _job_counts(url)):
        assert time.monotonic() < deadline, f"the jobs did not get there: {await _job_counts(url)}"
        await asyncio.sleep(0.02)


async def _effects(url: str, payer_id: str, sku_id: int) -> dict[str, Any]:
    connection = await asyncpg.connect(url)
    try:
        jobs = await connection.fetch(
            "SELECT status, count(*) AS n FROM jobs WHERE kind = ANY($1::text[]) GROUP BY status",
            list(JOB_KINDS),
        )
        transfers = await connection.fetch(
            "SELECT status, count(*) AS n FROM wallet_transfers GROUP BY status"
        )
        refunds = await connection.fetch(
            "SELECT count(*) AS n FROM wallet_journal_entries WHERE kind = 'transfer_refunded'"
            " GROUP BY reference_id"
        )
        orders = await connection.fetch("SELECT status, count(*) AS n FROM commerce_orders GROUP BY status")
        stock = await connection.fetchval("SELECT stock FROM commerce_skus WHERE id = $1", sku_id)
        balance = await connection.fetchval(
            "SELECT balance FROM wallet_accounts WHERE owner_id = $1 AND kind = 'wallet'", int(payer_id)
        )
    finally:
        await connection.close()
    return {
        "jobs": {r["status"]: r["n"] for r in jobs},
        "transfers": {r["status"]: r["n"] for r in transfers},
        "refunds_per_transfer": {r["n"] for r in refunds} | ({0} if len(refunds) != TRANSFERS else set()),
        "orders": {r["status"]: r["n"] for r in orders},
        "stock": stock,
        "balance": balance,
    }
