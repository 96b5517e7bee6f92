"""Wallet ledger throughput: transfers/s and red-packet grabs/s, beside pgbench's TPC-B as the floor.

    .venv/bin/python bench/ledger.py [--database sqlite] [--database postgresql://...] [--seconds 10]

For each database (default: a scratch SQLite file and the scratch PostgreSQL database
``quanzi_wallet_bench``, dropped and created again), it measures with 32 concurrent clients:

- service: `send_transfer` through `idempotency.execute` (the routes' entry point: key row, PIN
  proof check, friendship, daily cap, transfer row, ledger entry, expiry job, outbox event, stored
  answer), one sender per client. The PIN proof is made once per sender, so the PIN check is not counted.
- http: ``POST /api/v1/wallet/transfers`` against a `quanzi serve` process (one uvicorn worker),
  which verifies the PIN on every request as clients do.
- grabs: 200 concurrent grabbers on a 100-share red packet, several rounds (service layer).

On PostgreSQL it also runs ``pgbench -i`` and ``pgbench -c 32 -j 2 -T <seconds>`` (built-in TPC-B-like
script) on a scratch database of the same server, in the same run, and prints the ratio of transfers/s
to pgbench's TPS. Everything binds to loopback; every run is bounded by --seconds.
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

from benchkit import PIN, fund, pgbench_floor, prepare, quanzi_serve, seed_users
from quanzi.core.actor import Actor
from quanzi.core.db import Database
from quanzi.core.errors import AppError
from quanzi.core.idempotency import execute
from quanzi.graph import service as graph
from quanzi.wallet import service
from quanzi.wallet.pins import PinProof, hash_pin

CLIENTS = 32
GRABBERS = 200
SHARES = 100
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/quanzi_wallet_bench"


async def befriend(db: Database, a: Actor, b: Actor) -> None:
    async with db.transaction() as session:
        request = await graph.send_friend_request(session, a, b.user_id, None)
    async with db.transaction() as session:
        await graph.accept_friend_request(session, b, request.id)


async def bench_service_transfers(url: str, seconds: float, pin_hash: str) -> float:
    db = Database(url)
    try:
        senders = [user.actor for user in await seed_users(db, CLIENTS, pin_hash, prefix="s")]
        receivers = [user.actor for user in await seed_users(db, CLIENTS, pin_hash, prefix="r")]
        for sender, receiver in zip(senders, receivers, strict=True):
            await befriend(db, sender, receiver)
            await fund(db, sender.user_id, 10_000_000_00)
        done = 0
        deadline = time.perf_counter() + seconds

        async def client(sender: Actor, receiver: Actor) -> None:
            nonlocal done
            proof = PinProof(user_id=sender.user_id, version=1)
            while time.perf_counter() < deadline:

                async def action(session: Any, _proof: Any) -> tuple[int, dict[str, Any]]:
                    transfer = await service.send_transfer(session, sender, receiver.user_id, 1, proof=proof)
                    return 201, {"id": str(transfer.id)}

                outcome = await execute(
                    db,
                    sender,
                    key=uuid.uuid4().hex,
                    scope="wallet.transfer",
                    payload={"to": receiver.user_id},
                    action=action,
                )
                assert outcome.status_code == 201, outcome.body
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(client(s, r) for s, r in zip(senders, receivers, strict=True)))
        return done / (time.perf_counter() - started)
    finally:
        await db.dispose()


async def bench_grabs(url: str, rounds: int, pin_hash: str) -> float:
    db = Database(url)
    try:
        sender = (await seed_users(db, 1, pin_hash, prefix="g"))[0].actor
        crowd = [user.actor for user in await seed_users(db, GRABBERS, pin_hash, prefix="c")]
        await fund(db, sender.user_id, rounds * 200_00)
        proof = PinProof(user_id=sender.user_id, version=1)
        grabbed = 0
        elapsed = 0.0
        for _ in range(rounds):
            async with db.transaction() as session:
                packet = await service.create_red_packet(
                    session,
                    sender,
                    kind="group",
                    total=200_00,
                    count=SHARES,
                    audience=[a.user_id for a in crowd],
                    proof=proof,
                )

            async def grab(actor: Actor, packet_id: int = packet.id) -> bool:
                try:
                    async with db.transaction() as session:
                        await service.grab_red_packet(session, actor, packet_id)
                except AppError:
                    return False
                return True

            started = time.perf_counter()
            results = await asyncio.gather(*(grab(a) for a in crowd))
            elapsed += time.perf_counter() - started
            assert sum(results) == SHARES, sum(results)
            grabbed += SHARES
        return grabbed / elapsed
    finally:
        await db.dispose()


async def bench_http_transfers(url: str, seconds: float, workdir: Path) -> float:
    with quanzi_serve(url, workdir) as base:
        db = Database(url)
        try:
            async with httpx.AsyncClient(
                base_url=base, timeout=60, limits=httpx.Limits(max_connections=CLIENTS * 2)
            ) as http:

                async def signup(name: str) -> dict[str, str]:
                    answer = await http.post(
                        "/auth/signup",
                        json={"username": name, "password": "bench pass 1", "display_name": name},
                    )
                    assert answer.status_code == 201, answer.text
                    return {"id": answer.json()["user"]["id"], "auth": f"Bearer {answer.json()['token']}"}

                pairs = []
                for index in range(CLIENTS):
                    sender, receiver = await signup(f"hs{index}"), await signup(f"hr{index}")
                    request = await http.post(
                        "/friend-requests",
                        json={"to_user_id": receiver["id"]},
                        headers={"Authorization": sender["auth"]},
                    )
                    await http.post(
                        f"/friend-requests/{request.json()['id']}/accept",
                        headers={"Authorization": receiver["auth"]},
                    )
                    assert (
                        await http.put(
                            "/wallet/pin", json={"new_pin": PIN}, headers={"Authorization": sender["auth"]}
                        )
                    ).status_code == 204
                    await fund(db, int(sender["id"]), 10_000_000_00)
                    pairs.append((sender, receiver))
                done = 0
                deadline = time.perf_counter() + seconds

                async def client(sender: dict[str, str], receiver: dict[str, str]) -> None:
                    nonlocal done
                    while time.perf_counter() < deadline:
                        answer = await http.post(
                            "/wallet/transfers",
                            json={"to_user_id": receiver["id"], "amount": 1, "pin": PIN},
                            headers={"Authorization": sender["auth"], "Idempotency-Key": uuid.uuid4().hex},
                        )
                        assert answer.status_code == 201, answer.text
                        done += 1

                started = time.perf_counter()
                await asyncio.gather(*(client(s, r) for s, r in pairs))
                return done / (time.perf_counter() - started)
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", action="append", help="sqlite or a PostgreSQL URL (repeatable)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=5, help="red packets of 100 shares, 200 grabbers each")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    databases = args.database or ["sqlite", os.environ.get("QUANZI_BENCH_POSTGRES_URL", DEFAULT_PG)]
    pin_hash = asyncio.run(hash_pin(PIN))
    rows = []
    with tempfile.TemporaryDirectory(prefix="quanzi-bench-") as tmp:
        for database in databases:
            label = "SQLite" if database == "sqlite" else "PostgreSQL"
            workdir = Path(tmp) / label
            workdir.mkdir()
            url = asyncio.run(prepare(database, workdir))
            print(f"{label}: service transfers ...", flush=True)
            service_rate = asyncio.run(bench_service_transfers(url, args.seconds, pin_hash))
            print(f"{label}: grabs ...", flush=True)
            grab_rate = asyncio.run(bench_grabs(url, args.rounds, pin_hash))
            http_rate = None
            if not args.skip_http:
                print(f"{label}: http transfers ...", flush=True)
                http_rate = asyncio.run(bench_http_transfers(url, args.seconds, workdir))
            floor = None
            if database != "sqlite":
                print(f"{label}: pgbench TPC-B ...", flush=True)
                measured = pgbench_floor(url, int(args.seconds), CLIENTS)
                floor = measured[0] if measured else None
            rows.append((label, service_rate, http_rate, grab_rate, floor))

    print()
    print(
        f"{CLIENTS} clients, {args.seconds:.0f} s each; "
        f"grabs: {GRABBERS} grabbers x {SHARES} shares x {args.rounds} rounds"
    )
    header = (
        "database",
        "transfers/s service",
        "transfers/s http",
        "grabs/s",
        "pgbench TPC-B tps",
        "service/pgbench",
        "http/pgbench",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, service_rate, http_rate, grab_rate, floor in rows:
        cells = [
            label,
            f"{service_rate:.0f}",
            f"{http_rate:.0f}" if http_rate else "-",
            f"{grab_rate:.0f}",
            f"{floor:.0f}" if floor else "-",
            f"{service_rate / floor:.2f}" if floor else "-",
            f"{http_rate / floor:.2f}" if floor and http_rate else "-",
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
