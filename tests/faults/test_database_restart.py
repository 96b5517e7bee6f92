"""PostgreSQL restarts in the middle of a burst of payments.

A `quanzi serve` process runs on a private PostgreSQL (tests/faults/services.py). Clients pay in a
burst, transfers to a friend and order payments, each request with an idempotency key, and retry a
request that got no answer (or a 5xx) with the same key until it gets one. Mid-burst the database
stops and starts again (a fast shutdown cuts every pooled connection). Afterwards: the same server,
never restarted, answers; the books balance (`quanzi ledger check`); every payment happened exactly
once, and the payer's balance is the top-up less the sum of them.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.faults.processes import PIN, V1, Server, befriend, fund, quanzi, signup
from tests.faults.services import PrivatePostgres

pytestmark = pytest.mark.faults

TRANSFER_CLIENTS, TRANSFERS_AFTER, TRANSFER_AMOUNT = 6, 3, 1
ORDER_CLIENTS, ORDERS_EACH, PRICE = 2, 8, 1_00
TOP_UP = 1_000_00
ACKS_BEFORE_FAULT = 10
DOWN_FOR_S = 1.5  # long enough that requests meet a database that is not there


async def _until_answered(http: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str],
                          failures: list[str]) -> httpx.Response:  # fmt: skip
    """What a careful client does: the same request, with the same key, until the server answers it."""
    while True:
        try:
            answer = await http.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            failures.append(type(exc).__name__)
        else:
            if answer.status_code < 500:
                return answer
            # The server says what happened: the database was out of reach, ask again shortly.
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"]["code"] == "service_unavailable"
            assert answer.headers["retry-after"] == "1"
            failures.append(str(answer.status_code))
        await asyncio.sleep(0.1)


def test_payments_survive_a_database_restart(private_postgres: PrivatePostgres, tmp_path: Path) -> None:
    server = Server(private_postgres.url, tmp_path)
    server.start()
    try:
        _burst_through_a_restart(server, private_postgres)
    finally:
        server.stop()


def _burst_through_a_restart(server: Server, database: PrivatePostgres) -> None:
    orders_wanted = ORDER_CLIENTS * ORDERS_EACH
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        payer, friend = signup(http, "payer"), signup(http, "friend")
        befriend(http, payer, friend)
        fund(http, payer, TOP_UP)
        merchant = signup(http, "shop", kind="merchant")
        shop = http.put(
            f"{V1}/shops/me", json={"name": "Faults 旗舰店", "intro": "x"}, headers=merchant["headers"]
        )
        assert shop.status_code == 200, shop.text
        product = http.post(
            f"{V1}/products",
            json={"title": "Thermos cup", "description": "A cup.",
                  "skus": [{"name": "Standard", "price": PRICE, "stock": orders_wanted}]},
            headers=merchant["headers"],
        ).json()  # fmt: skip
        if product["status"] != "active":
            product = http.patch(
                f"{V1}/products/{product['id']}", json={"status": "active"}, headers=merchant["headers"]
            ).json()
        sku_id = product["skus"][0]["id"]
        order_ids = []
        for _ in range(orders_wanted):
            placed = http.post(
                f"{V1}/orders",
                json={"items": [{"sku_id": sku_id, "quantity": 1}],
                      "address": {"name": "Lin Mei", "phone": "13800000000", "line": "1 Nanjing Road"}},
                headers=payer["headers"] | {"Idempotency-Key": uuid.uuid4().hex},
            )  # fmt: skip
            assert placed.status_code == 201, placed.text
            order_ids.append(placed.json()["orders"][0]["id"])

    transfers: dict[str, str] = {}  # idempotency key -> transfer id
    payments: dict[str, str] = {}  # order id -> the paid order's id
    failures: list[str] = []

    async def burst() -> None:
        acknowledged, restored = asyncio.Event(), asyncio.Event()

        async def transfer_client(client: int) -> None:
            # Paying until the database is back, and a few more: however fast the machine, the
            # restart meets requests in flight and is followed by some.
            after = 0
            async with httpx.AsyncClient(base_url=server.base_url, timeout=20) as http:
                for n in itertools.count():
                    if restored.is_set():
                        after += 1
                        if after > TRANSFERS_AFTER:
                            return
                    key = f"transfer-{client}-{n}"
                    answer = await _until_answered(
                        http,
                        f"{V1}/wallet/transfers",
                        {"to_user_id": friend["id"], "amount": TRANSFER_AMOUNT, "pin": PIN},
                        payer["headers"] | {"Idempotency-Key": key},
                        failures,
                    )
                    assert answer.status_code == 201, answer.text
                    transfers[key] = answer.json()["id"]
                    if len(transfers) + len(payments) >= ACKS_BEFORE_FAULT:
                        acknowledged.set()

        async def order_client(client: int) -> None:
            await acknowledged.wait()  # the orders are paid as the database goes down
            async with httpx.AsyncClient(base_url=server.base_url, timeout=20) as http:
                for order_id in order_ids[client::ORDER_CLIENTS]:
                    answer = await _until_answered(
                        http,
                        f"{V1}/orders/{order_id}/pay",
                        {"pin": PIN},
                        payer["headers"] | {"Idempotency-Key": f"pay-{order_id}"},
                        failures,
                    )
                    assert answer.status_code == 200, answer.text
                    assert answer.json()["status"] == "paid", answer.text
                    payments[order_id] = answer.json()["id"]

        async def fault() -> None:
            await acknowledged.wait()
            await asyncio.to_thread(database.stop)
            await asyncio.sleep(DOWN_FOR_S)
            await asyncio.to_thread(database.start)
            restored.set()

        await asyncio.gather(
            fault(),
            *(transfer_client(c) for c in range(TRANSFER_CLIENTS)),
            *(order_client(c) for c in range(ORDER_CLIENTS)),
        )

    asyncio.run(burst())
    # The fault met requests in flight (else this proved nothing), and each was answered in the end.
    assert "503" in failures, f"no request met the restart: {failures}"
    assert len(payments) == orders_wanted

    # The same server process answers, on a pool that replaced its cut connections.
    assert server.process is not None and server.process.poll() is None
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        assert http.get("/healthz").status_code == 200
        balance = http.get(f"{V1}/wallet", headers=payer["headers"]).json()["balance"]
        for key, transfer_id in list(transfers.items())[:5]:  # a retry now replays, never moves again
            again = http.post(
                f"{V1}/wallet/transfers",
                json={"to_user_id": friend["id"], "amount": TRANSFER_AMOUNT, "pin": PIN},
                headers=payer["headers"] | {"Idempotency-Key": key},
            )
            assert again.status_code == 201 and again.json()["id"] == transfer_id, again.text

    check = quanzi(server.env, "ledger", "check")
    assert check.returncode == 0, check.stdout + check.stderr

    rows = asyncio.run(_books(database.url, payer["id"]))
    assert sorted(rows["transfers"]) == sorted(int(i) for i in transfers.values())  # none lost, none doubled
    assert rows["payments_by_order"] == {f"order:{o}": 1 for o in order_ids}  # each order paid once
    assert rows["transfer_entries"] == len(transfers)
    spent = len(transfers) * TRANSFER_AMOUNT + len(payments) * PRICE
    assert balance == TOP_UP - spent
    # Where the money went: the merchant's escrow and the transfers' hold hold exactly the accepted sums.
    assert rows["held"]["escrow"] == len(payments) * PRICE
    assert rows["held"]["transfer_hold"] == len(transfers) * TRANSFER_AMOUNT


async def _books(url: str, payer_id: str) -> dict[str, Any]:
    connection = await asyncpg.connect(url)
    try:
        transfers = await connection.fetch(
            "SELECT id FROM wallet_transfers WHERE sender_id = $1", int(payer_id)
        )
        payments = await connection.fetch(
            "SELECT order_ref, count(*) AS n FROM wallet_payments WHERE payer_id = $1 GROUP BY order_ref",
            int(payer_id),
        )
        entries = await connection.fetchval(
            "SELECT count(*) FROM wallet_journal_entries WHERE kind = 'transfer_sent'"
        )
        held = await connection.fetch("SELECT kind, sum(balance) AS total FROM wallet_accounts GROUP BY kind")
    finally:
        await connection.close()
    return {
        "transfers": [r["id"] for r in transfers],
        "payments_by_order": {r["order_ref"]: r["n"] for r in payments},
        "transfer_entries": entries,
        "held": {r["kind"]: r["total"] for r in held},
    }


def test_a_quiet_restart_costs_no_request(private_postgres: PrivatePostgres, tmp_path: Path) -> None:
    """The database restarts while nobody asks: every pooled connection is cut without being used.
    The requests that come next are each answered the first time, not with a 500 from a dead
    connection."""
    server = Server(private_postgres.url, tmp_path)
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            user = signup(http, "quiet")

        async def at_once(count: int) -> list[int]:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
                answers = await asyncio.gather(
                    *(http.get(f"{V1}/wallet", headers=user["headers"]) for _ in range(count))
                )
            return [answer.status_code for answer in answers]

        assert asyncio.run(at_once(8)) == [200] * 8  # several connections in the pool
        private_postgres.restart()
        assert asyncio.run(at_once(8)) == [200] * 8
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            pin = http.put(f"{V1}/wallet/pin", json={"new_pin": PIN}, headers=user["headers"])
            assert pin.status_code == 204, pin.text  # and a write transaction
    finally:
        server.stop()
