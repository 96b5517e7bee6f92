"""Flash-sale checkout: paid orders/s and checkout latency under a stampede, beside pgbench's TPC-B.

    .venv/bin/python bench/checkout.py [--quick] [--database sqlite] [--database postgresql://...]

For each database (default: a scratch SQLite file, then the scratch PostgreSQL database
``quanzi_checkout_bench``, dropped and created again) a `quanzi serve` process (one uvicorn worker)
sells `--units` (1,000) units of one SKU to `--buyers` (5,000) buyers over HTTP, `--concurrency`
buyers at a time (64 on PostgreSQL, 8 on SQLite). Each buyer checks out as the web client does:
``POST /api/v1/orders`` (Idempotency-Key) for one unit, then ``POST /api/v1/orders/{id}/pay`` with the
PIN (Idempotency-Key; the server verifies the PIN on every payment). A buyer refused with
409 ``out_of_stock`` counts as refused.

Printed per database: paid orders per second (paid orders / wall time of the whole sale), p50/p99
checkout latency (order + payment, paid buyers) and p50 of a refusal, the refusals, the SKU's final
stock (must be 0), the paid-order count (must be `--units`), the buyers charged without a paid order
(must be 0: every buyer's wallet holds what it was funded, less the order it paid for), and whether
the wallet's books balance.
On PostgreSQL it also runs ``pgbench -i`` and ``pgbench -c <concurrency> -j 2 -T <--pgbench-seconds>``
(built-in TPC-B-like script) on a scratch database of the same server in the same run: the floor, with
the ratio paid orders/s ÷ pgbench TPS.

Setup is direct and fast: the merchant, shop and product go through the HTTP API; the buyers are
inserted with their PIN hash and a login session, and funded through the wallet's own ledger `move`
(a top-up from bank clearing), by `seed_users` in bench/benchkit.py. Everything binds to loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from benchkit import PIN, BenchUser, ms, pgbench_floor, prepare, quanzi_serve, seed_users
from quanzi.core.db import Database
from quanzi.wallet.check import check_ledger
from quanzi.wallet.pins import hash_pin

PRICE = 99_00
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/quanzi_checkout_bench"
ADDRESS = {"name": "Lin Mei", "phone": "13800000000", "line": "1 Nanjing Road, Shanghai"}


@dataclass
class Outcome:
    label: str
    buyers: int
    concurrency: int
    seconds: float = 0.0
    paid: list[float] = field(default_factory=list)  # checkout latencies (s) of paid buyers
    refused: list[float] = field(default_factory=list)  # latencies of out-of-stock refusals
    ordering: list[float] = field(default_factory=list)  # POST /orders of paid buyers
    paying: list[float] = field(default_factory=list)  # POST /orders/{id}/pay of paid buyers
    failures: dict[str, int] = field(default_factory=dict)
    final_stock: int = -1
    paid_orders: int = -1
    charged_without_order: int = -1  # buyers whose wallet lost money but who hold no paid order
    books: list[str] = field(default_factory=list)
    floor: float | None = None
    floor_clients: int = 0


async def setup_sale(http: httpx.AsyncClient, units: int) -> str:
    """A merchant, its shop and one active product with one SKU of `units`; returns the SKU id."""
    answer = await http.post(
        "/auth/signup",
        json={
            "username": "flashshop",
            "password": "bench pass 1",
            "display_name": "Flash",
            "kind": "merchant",
        },
    )
    assert answer.status_code == 201, answer.text
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    shop = await http.put(
        "/shops/me", json={"name": "Flash sale shop", "intro": "Today only"}, headers=headers
    )
    assert shop.status_code == 200, shop.text
    created = await http.post(
        "/products",
        json={
            "title": "Limited edition thermos",
            "description": "Flash sale",
            "skus": [{"name": "Standard", "price": PRICE, "stock": units}],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    product = created.json()
    if product["status"] != "active":
        published = await http.patch(f"/products/{product['id']}", json={"status": "active"}, headers=headers)
        assert published.status_code == 200, published.text
    return str(product["skus"][0]["id"])


async def run_sale(
    url: str, workdir: Path, outcome: Outcome, units: int, pin_hash: str, workers: int
) -> None:
    with quanzi_serve(url, workdir, workers) as base:
        db = Database(url)
        try:
            async with httpx.AsyncClient(base_url=base, timeout=120) as http:
                sku_id = await setup_sale(http, units)
            print(f"{outcome.label}: seeding {outcome.buyers} buyers ...", flush=True)
            buyers = await seed_users(db, outcome.buyers, pin_hash, prefix="fan", money=PRICE)
            queue = iter(buyers)
            # A fresh client for the sale: a connection left idle while seeding may have been closed
            # by the server's keep-alive timeout.
            async with httpx.AsyncClient(
                base_url=base,
                timeout=120,
                limits=httpx.Limits(
                    max_connections=outcome.concurrency, max_keepalive_connections=outcome.concurrency
                ),
            ) as http:

                async def checkout(buyer: BenchUser) -> None:
                    started = time.perf_counter()
                    ordered = await http.post(
                        "/orders",
                        json={"items": [{"sku_id": sku_id, "quantity": 1}], "address": ADDRESS},
                        headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
                    )
                    if ordered.status_code == 409 and ordered.json()["error"]["code"] == "out_of_stock":
                        outcome.refused.append(time.perf_counter() - started)
                        return
                    if ordered.status_code != 201:
                        key = f"order {ordered.status_code} {ordered.json().get('error', {}).get('code')}"
                        outcome.failures[key] = outcome.failures.get(key, 0) + 1
                        return
                    order_id = ordered.json()["orders"][0]["id"]
                    ordered_at = time.perf_counter()
                    paid = await http.post(
                        f"/orders/{order_id}/pay",
                        json={"pin": PIN},
                        headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
                    )
                    if paid.status_code == 200 and paid.json()["status"] == "paid":
                        finished = time.perf_counter()
                        outcome.paid.append(finished - started)
                        outcome.ordering.append(ordered_at - started)
                        outcome.paying.append(finished - ordered_at)
                    else:
                        key = f"pay {paid.status_code} {paid.json().get('error', {}).get('code')}"
                        outcome.failures[key] = outcome.failures.get(key, 0) + 1

                async def worker() -> None:
                    for buyer in queue:
                        try:
                            await checkout(buyer)
                        except httpx.TransportError as error:  # counted, so the table still prints
                            key = f"transport {type(error).__name__}"
                            outcome.failures[key] = outcome.failures.get(key, 0) + 1

                print(f"{outcome.label}: sale, {outcome.concurrency} concurrent buyers ...", flush=True)
                started = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(outcome.concurrency)))
                outcome.seconds = time.perf_counter() - started
            async with db.read() as session:
                outcome.final_stock = int(
                    await session.scalar(
                        text("SELECT stock FROM commerce_skus WHERE id = :id"), {"id": int(sku_id)}
                    )
                )
                outcome.paid_orders = int(
                    await session.scalar(text("SELECT count(*) FROM commerce_orders WHERE status = 'paid'"))
                )
                outcome.charged_without_order = int(
                    await session.scalar(
                        text(
                            "SELECT count(*) FROM wallet_accounts a WHERE a.kind = 'wallet'"
                            " AND a.owner_id IN (SELECT id FROM users WHERE username LIKE 'fan%')"
                            " AND a.balance <> :funded AND NOT EXISTS (SELECT 1 FROM commerce_orders o"
                            " WHERE o.buyer_id = a.owner_id AND o.status = 'paid'"
                            " AND a.balance = :funded - o.total)"
                        ),
                        {"funded": PRICE},
                    )
                )
            outcome.books = await check_ledger(db)
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", action="append", help="sqlite or a PostgreSQL URL (repeatable)")
    parser.add_argument("--quick", action="store_true", help="a small run: 100 units, 500 buyers")
    parser.add_argument("--units", type=int, default=None, help="stock of the SKU on sale (1,000)")
    parser.add_argument("--buyers", type=int, default=None, help="buyers in the stampede (5,000)")
    parser.add_argument("--concurrency", type=int, default=None, help="64 on PostgreSQL, 8 on SQLite")
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes on PostgreSQL (1; SQLite always 1)"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=None, help="pgbench run length (20; quick 5)")
    args = parser.parse_args()
    units = args.units or (100 if args.quick else 1000)
    count = args.buyers or (500 if args.quick else 5000)
    pg_seconds = args.pgbench_seconds or (5 if args.quick else 20)
    databases = args.database or ["sqlite", os.environ.get("QUANZI_BENCH_POSTGRES_URL", DEFAULT_PG)]
    pin_hash = asyncio.run(hash_pin(PIN))
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="quanzi-bench-checkout-") as tmp:
        for database in databases:
            sqlite = database == "sqlite"
            workers = 1 if sqlite else args.workers
            label = "SQLite" if sqlite else "PostgreSQL" + (f", {workers} workers" if workers > 1 else "")
            workdir = Path(tmp) / ("SQLite" if sqlite else "PostgreSQL")
            workdir.mkdir()
            url = asyncio.run(prepare(database, workdir))
            outcome = Outcome(label, count, args.concurrency or (8 if sqlite else 64))
            asyncio.run(run_sale(url, workdir, outcome, units, pin_hash, workers))
            if not sqlite and shutil.which("pgbench"):
                print(f"{label}: pgbench TPC-B ...", flush=True)
                floor = pgbench_floor(url, pg_seconds, outcome.concurrency)
                if floor is not None:
                    outcome.floor, outcome.floor_clients = floor
            outcomes.append(outcome)

    print()
    print(f"flash sale: {units} units of one SKU, one unit per buyer; order + PIN payment over HTTP")
    header = (
        "database",
        "buyers / concurrent",
        "sale s",
        "paid orders/s",
        "checkout p50 ms",
        "checkout p99 ms",
        "order / pay p50 ms",
        "refusal p50 ms",
        "refused (out of stock)",
        "other failures",
        "final stock",
        "paid orders",
        "charged, no order",
        "books",
        "pgbench TPC-B tps",
        "paid/s ÷ pgbench",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    ok = True
    for o in outcomes:
        rate = len(o.paid) / o.seconds if o.seconds else 0.0
        expected_paid = min(units, o.buyers)
        good = (
            o.final_stock == units - expected_paid
            and o.paid_orders == expected_paid
            and o.charged_without_order == 0
            and not o.books
        )
        ok = ok and good and not o.failures
        cells = [
            o.label,
            f"{o.buyers:,} / {o.concurrency}",
            f"{o.seconds:.1f}",
            f"{rate:.1f}",
            ms(o.paid, 0.50),
            ms(o.paid, 0.99),
            f"{ms(o.ordering, 0.50)} / {ms(o.paying, 0.50)}",
            ms(o.refused, 0.50),
            f"{len(o.refused):,}",
            ", ".join(f"{k}: {v}" for k, v in sorted(o.failures.items())) or "0",
            f"{o.final_stock}",
            f"{o.paid_orders:,}",
            f"{o.charged_without_order}",
            "balance" if not o.books else f"{len(o.books)} problems",
            f"{o.floor:.0f} (-c {o.floor_clients})" if o.floor else "-",
            f"{rate / o.floor:.3f}" if o.floor else "-",
        ]
        print("| " + " | ".join(cells) + " |")
    for o in outcomes:
        for problem in o.books[:5]:
            print(f"{o.label} books: {problem}")
    if not ok:
        print("FAILED: stock, paid count, charges, books or failures are not as they must be")
        sys.exit(1)


if __name__ == "__main__":
    main()
