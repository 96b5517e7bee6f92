"""Group buying throughput: teams formed per second and join latency, and a last-place race.

    .venv/bin/python bench/groupbuy.py [--database postgresql://...] [--users 10000] [--quick]

On a scratch PostgreSQL database (default ``quanzi_groupbuy_bench``, dropped and created again) with
one merchant, one product and one group deal for 2-person teams, it measures:

- service: `--users` (10,000) users, in pairs, open a team and join it, over `--connections` (64)
  concurrent clients each holding its own database connection (a pool of 64). Each open and join goes
  through `idempotency.execute` as the routes do (key row, PIN proof check, team and stock updates,
  escrow payment, member row; the join that fills a team creates both members' paid orders). The PIN
  proof is made once per user, so the PIN check is not counted.
- http: `--http-users` (2,000) users do the same through ``POST /deals/{id}/teams`` and
  ``POST /teams/{id}/join`` against a `quanzi serve` process (one uvicorn worker) over 64 concurrent
  connections; the server verifies the PIN on every request, as for clients.
- race: a 2-person team with one place left and 100 users joining it at once (service layer, and
  through HTTP unless --skip-http): exactly one joins, the others are refused before paying.

Teams formed per second = pairs completed / wall time; latency = each request's own time (the p99 of
joins). After each run the ledger check must pass and every succeeded team must have two paid orders.
Everything binds to loopback; --quick runs 1,000 service users and 400 http users.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from benchkit import PIN, percentile, quanzi_serve, recreate_pg, seed_users
from quanzi.commerce import catalog, shops
from quanzi.commerce.models.orders import Order
from quanzi.commerce.schemas.catalog import ProductIn, ShopIn, SkuIn
from quanzi.core.actor import Actor
from quanzi.core.db import Database, normalize_url
from quanzi.core.idempotency import execute
from quanzi.core.migrate import upgrade
from quanzi.groupbuy import service
from quanzi.groupbuy.models import Team
from quanzi.groupbuy.schemas import AddressIn, DealIn
from quanzi.identity.models import User
from quanzi.wallet.check import check_ledger
from quanzi.wallet.pins import PinProof, hash_pin

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/quanzi_groupbuy_bench"
ADDRESS = {"name": "Lin Mei", "phone": "13800000000", "line": "1 Nanjing Road, Shanghai"}
GROUP_PRICE = 9_90
MONEY = 1_000_00


def database(url: str, connections: int) -> Database:
    """A Database whose pool holds `connections` connections (the app's default pool is smaller)."""
    db = Database(url)
    engine = create_async_engine(normalize_url(url), pool_size=connections, max_overflow=0)
    db.engine = db.read_engine = engine
    db._sessions = async_sessionmaker(engine, expire_on_commit=False)
    db._read_sessions = async_sessionmaker(engine, expire_on_commit=False)
    return db


async def seed_deal(db: Database, pin_hash: str, units: int) -> str:
    """A merchant with a shop, one product with one SKU, and a group deal for 2-person teams."""
    (merchant,) = await seed_users(db, 1, pin_hash, prefix="merchant", money=MONEY)
    async with db.transaction() as session:
        user = await session.get(User, merchant.user_id)
        assert user is not None
        user.kind = "merchant"
    actor = Actor(user_id=merchant.user_id, session_id=0, kind="merchant")
    async with db.transaction() as session:
        await shops.save_my_shop(session, actor, ShopIn(name="Bench shop"))
        product = await catalog.create_product(
            session,
            actor,
            ProductIn(title="拼团 thermos", skus=[SkuIn(name="Standard", price=19_90, stock=units)]),
        )
        deal = await service.create_deal(
            session,
            actor,
            DealIn(sku_id=str(product.skus[0].id), group_price=GROUP_PRICE, team_size=2, stock=units),
        )
        return str(deal.id)


# --- service layer ------------------------------------------------------------------------------------


async def _service_call(db: Database, actor: Actor, scope: str, action: Any) -> tuple[int, dict[str, Any]]:
    outcome = await execute(db, actor, key=uuid.uuid4().hex, scope=scope, payload={}, action=action)
    return outcome.status_code, outcome.body


async def service_open(db: Database, actor: Actor, deal_id: str) -> tuple[int, dict[str, Any]]:
    proof, address = PinProof(user_id=actor.user_id, version=1), AddressIn(**ADDRESS)

    async def action(session: Any, _proof: Any) -> tuple[int, dict[str, Any]]:
        team = await service.open_team(session, actor, deal_id, address=address, proof=proof)
        return 201, {"id": str(team.id)}

    return await _service_call(db, actor, "open", action)


async def service_join(db: Database, actor: Actor, team_id: str) -> tuple[int, dict[str, Any]]:
    proof, address = PinProof(user_id=actor.user_id, version=1), AddressIn(**ADDRESS)

    async def action(session: Any, _proof: Any) -> tuple[int, dict[str, Any]]:
        team = await service.join_team(session, actor, team_id, address=address, proof=proof)
        return 200, {"id": str(team.id), "status": team.status}

    return await _service_call(db, actor, "join", action)


async def run_pairs(pairs: list[Any], connections: int, open_one: Any, join_one: Any) -> dict[str, Any]:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for pair in pairs:
        queue.put_nowait(pair)
    open_latency: list[float] = []
    join_latency: list[float] = []
    formed = 0

    async def worker() -> None:
        nonlocal formed
        while not queue.empty():
            leader, joiner = queue.get_nowait()
            started = time.perf_counter()
            team_id = await open_one(leader)
            opened = time.perf_counter()
            status = await join_one(joiner, team_id)
            open_latency.append(opened - started)
            join_latency.append(time.perf_counter() - opened)
            if status == "succeeded":
                formed += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {
        "users": 2 * len(pairs),
        "teams": formed,
        "seconds": elapsed,
        "teams_per_s": formed / elapsed,
        "open_p50": percentile(open_latency, 0.5),
        "join_p50": percentile(join_latency, 0.5),
        "join_p99": percentile(join_latency, 0.99),
    }


async def bench_service(
    url: str, users: int, connections: int, pin_hash: str, deal_id: str
) -> dict[str, Any]:
    db = database(url, connections)
    try:
        people = [user.actor for user in await seed_users(db, users, pin_hash, prefix="s", money=MONEY)]
        pairs = list(zip(people[0::2], people[1::2], strict=True))

        async def open_one(actor: Actor) -> str:
            status, body = await service_open(db, actor, deal_id)
            assert status == 201, body
            return str(body["id"])

        async def join_one(actor: Actor, team_id: str) -> str:
            status, body = await service_join(db, actor, team_id)
            assert status == 200, body
            return str(body["status"])

        return await run_pairs(pairs, connections, open_one, join_one)
    finally:
        await db.dispose()


async def race_service(url: str, racers: int, pin_hash: str, deal_id: str) -> dict[str, Any]:
    db = database(url, min(racers + 2, 64))
    try:
        people = [user.actor for user in await seed_users(db, racers + 1, pin_hash, prefix="r", money=MONEY)]
        status, body = await service_open(db, people[0], deal_id)
        assert status == 201, body
        started = time.perf_counter()
        results = await asyncio.gather(*(service_join(db, actor, str(body["id"])) for actor in people[1:]))
        return _race_result(results, time.perf_counter() - started)
    finally:
        await db.dispose()


def _race_result(results: list[tuple[int, dict[str, Any]]], elapsed: float) -> dict[str, Any]:
    won = sum(1 for status, _ in results if status == 200)
    full = sum(1 for status, body in results if status == 409 and body["error"]["code"] == "team_full")
    assert won == 1 and full == len(results) - 1, results
    return {"racers": len(results), "won": won, "refused": full, "ms": elapsed * 1000}


# --- http layer ---------------------------------------------------------------------------------------


async def http_post(http: httpx.AsyncClient, path: str, token: str) -> tuple[int, dict[str, Any]]:
    answer = await http.post(
        path,
        json={"pin": PIN, "address": ADDRESS},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
    )
    return answer.status_code, answer.json()


async def bench_http(
    url: str, users: int, racers: int, connections: int, pin_hash: str, deal_id: str, workdir: Path
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    db = database(url, 8)
    people = await seed_users(db, users + racers + 1, pin_hash, prefix="h", money=MONEY)
    await db.dispose()
    with quanzi_serve(url, workdir) as base:
        async with httpx.AsyncClient(
            base_url=base,
            timeout=120,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        ) as http:
            tokens = [user.token for user in people]
            pairs = list(zip(tokens[0:users:2], tokens[1:users:2], strict=True))

            async def open_one(token: str) -> str:
                status, body = await http_post(http, f"/deals/{deal_id}/teams", token)
                assert status == 201, body
                return str(body["id"])

            async def join_one(token: str, team_id: str) -> str:
                status, body = await http_post(http, f"/teams/{team_id}/join", token)
                assert status == 200, body
                return str(body["status"])

            row = await run_pairs(pairs, connections, open_one, join_one)
            race = None
            if racers:
                racer_tokens = tokens[users:]
                status, body = await http_post(http, f"/deals/{deal_id}/teams", racer_tokens[0])
                assert status == 201, body
                started = time.perf_counter()
                results = await asyncio.gather(
                    *(http_post(http, f"/teams/{body['id']}/join", token) for token in racer_tokens[1:])
                )
                race = _race_result(list(results), time.perf_counter() - started)
            return row, race


async def verify(url: str) -> tuple[int, int, int]:
    db = Database(url)
    try:
        problems = await check_ledger(db)
        assert problems == [], problems
        async with db.read() as session:
            succeeded = int(await session.scalar(select(func.count()).where(Team.status == "succeeded")) or 0)
            orders = int(await session.scalar(select(func.count()).select_from(Order)) or 0)
            forming = int(await session.scalar(select(func.count()).where(Team.status == "forming")) or 0)
        assert orders == 2 * succeeded, (orders, succeeded)
        return succeeded, orders, forming
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default=os.environ.get("QUANZI_BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--users", type=int, default=10_000, help="service layer: users, in pairs")
    parser.add_argument("--http-users", type=int, default=2_000, help="http layer: users, in pairs")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--racers", type=int, default=100)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--quick", action="store_true", help="1,000 service users and 400 http users")
    args = parser.parse_args()
    if args.quick:
        args.users, args.http_users = 1_000, 400
    if not args.database.startswith(("postgres://", "postgresql")):
        parser.error("--database must be a PostgreSQL URL (the bench drops and recreates it)")
    url = normalize_url(args.database)
    pin_hash = asyncio.run(hash_pin(PIN))
    units = args.users + args.http_users + 2 * (args.racers + 1) + 10
    asyncio.run(recreate_pg(url))
    asyncio.run(upgrade(url))
    deal_id = asyncio.run(seed_deal(Database(url), pin_hash, units))
    print(f"service: {args.users} users, {args.connections} connections ...", flush=True)
    service_row = asyncio.run(bench_service(url, args.users, args.connections, pin_hash, deal_id))
    print(f"service: last-place race of {args.racers} ...", flush=True)
    service_race = asyncio.run(race_service(url, args.racers, pin_hash, deal_id))
    http_row = http_race = None
    if not args.skip_http:
        print(f"http: {args.http_users} users, {args.connections} connections ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="quanzi-bench-groupbuy-") as tmp:
            http_row, http_race = asyncio.run(
                bench_http(url, args.http_users, args.racers, args.connections, pin_hash, deal_id, Path(tmp))
            )
    succeeded, orders, forming = asyncio.run(verify(url))

    print()
    print(
        f"PostgreSQL, one deal of 2-person teams, {args.connections} concurrent connections; "
        f"ledger check passed; {succeeded} teams succeeded, {orders} paid orders, {forming} forming"
    )
    header = (
        "layer",
        "users",
        "teams formed",
        "seconds",
        "teams/s",
        "open p50 ms",
        "join p50 ms",
        "join p99 ms",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, row in (("service", service_row), ("http", http_row)):
        if row is None:
            continue
        cells = [
            label,
            f"{row['users']:,}",
            f"{row['teams']:,}",
            f"{row['seconds']:.1f}",
            f"{row['teams_per_s']:.0f}",
            f"{row['open_p50'] * 1000:.0f}",
            f"{row['join_p50'] * 1000:.0f}",
            f"{row['join_p99'] * 1000:.0f}",
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    print("| last-place race | racers | joined | refused (team_full, nothing paid) | wall ms |")
    print("|---|---|---|---|---|")
    for label, race in (("service", service_race), ("http", http_race)):
        if race is not None:
            print(f"| {label} | {race['racers']} | {race['won']} | {race['refused']} | {race['ms']:.0f} |")


if __name__ == "__main__":
    main()
