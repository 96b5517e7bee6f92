"""Crash test (issue 5): a `quanzi serve` process is killed with SIGKILL in the middle of a burst of
transfers. After a restart `quanzi ledger check` passes, every transfer acknowledged before the kill
is in the books, and retrying the unacknowledged requests with their keys moves each at most once.

On PostgreSQL (QUANZI_TEST_DATABASE_URL) the server gets its own scratch database beside the test
database (``<name>_crash``), so the suite's schema is left alone.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.databases import on_postgres
from tests.wallet.conftest import PIN
from tests.wallet.processes import Server, scratch_postgres

V1 = "/api/v1"
ACKS_BEFORE_KILL = 15


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    if on_postgres():
        database_url = scratch_postgres("_crash")
    else:
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    running = Server(database_url, tmp_path)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _signup(http: httpx.Client, name: str) -> dict[str, str]:
    body = {"username": f"{name}{uuid.uuid4().hex[:6]}", "password": "correct horse 1", "display_name": name}
    answer = http.post(f"{V1}/auth/signup", json=body)
    assert answer.status_code == 201, answer.text
    return {"id": answer.json()["user"]["id"], "Authorization": f"Bearer {answer.json()['token']}"}


def _auth(user: dict[str, str]) -> dict[str, str]:
    return {"Authorization": user["Authorization"]}


def test_sigkill_during_a_burst_of_transfers(server: Server) -> None:
    from quanzi.wallet.bank import sandbox_card_number

    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        sender, receiver = _signup(http, "sender"), _signup(http, "receiver")
        request = http.post(
            f"{V1}/friend-requests", json={"to_user_id": receiver["id"]}, headers=_auth(sender)
        )
        assert http.post(
            f"{V1}/friend-requests/{request.json()['id']}/accept", headers=_auth(receiver)
        ).is_success
        assert http.put(f"{V1}/wallet/pin", json={"new_pin": PIN}, headers=_auth(sender)).status_code == 204
        card = http.post(
            f"{V1}/wallet/cards",
            json={"number": sandbox_card_number("4242"), "holder_name": "S"},
            headers=_auth(sender),
        ).json()
        topup = http.post(
            f"{V1}/wallet/topups",
            json={"card_id": card["id"], "amount": 1_000_00, "pin": PIN},
            headers=_auth(sender) | {"Idempotency-Key": "topup-1"},
        )
        assert topup.status_code == 201, topup.text
        deadline = time.monotonic() + 30
        while http.get(f"{V1}/wallet", headers=_auth(sender)).json()["balance"] != 1_000_00:
            assert time.monotonic() < deadline, "the sandbox bank never credited the top-up"
            time.sleep(0.2)

    acknowledged: dict[str, str] = {}  # idempotency key -> transfer id
    unanswered: list[str] = []

    async def burst() -> None:
        stop = asyncio.Event()

        async def client_loop(worker: int) -> None:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=20) as http:
                sequence = 0
                while not stop.is_set():
                    sequence += 1
                    key = f"crash-{worker}-{sequence}"
                    try:
                        answer = await http.post(
                            f"{V1}/wallet/transfers",
                            json={"to_user_id": receiver["id"], "amount": 1, "pin": PIN},
                            headers=_auth(sender) | {"Idempotency-Key": key},
                        )
                    except httpx.HTTPError:
                        unanswered.append(key)
                        return
                    assert answer.status_code == 201, answer.text
                    acknowledged[key] = answer.json()["id"]
                    if len(acknowledged) >= ACKS_BEFORE_KILL and not stop.is_set():
                        stop.set()
                        server.kill()  # while the other clients' requests are in flight

        await asyncio.gather(*(client_loop(worker) for worker in range(8)))

    asyncio.run(burst())
    assert len(acknowledged) >= ACKS_BEFORE_KILL

    server.start()
    env = server.env
    check = subprocess.run(
        [sys.executable, "-m", "quanzi.cli", "ledger", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr

    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        for key, transfer_id in acknowledged.items():
            found = http.get(f"{V1}/wallet/transfers/{transfer_id}", headers=_auth(sender))
            assert found.status_code == 200, (key, found.text)
            retry = http.post(
                f"{V1}/wallet/transfers",
                json={"to_user_id": receiver["id"], "amount": 1, "pin": PIN},
                headers=_auth(sender) | {"Idempotency-Key": key},
            )
            assert retry.json()["id"] == transfer_id  # replayed, not moved again
        retried: set[str] = set()
        for key in unanswered:
            retry = http.post(
                f"{V1}/wallet/transfers",
                json={"to_user_id": receiver["id"], "amount": 1, "pin": PIN},
                headers=_auth(sender) | {"Idempotency-Key": key},
            )
            assert retry.status_code == 201, retry.text
            retried.add(retry.json()["id"])
        distinct = set(acknowledged.values()) | retried
        statement = http.get(f"{V1}/wallet/statement", params={"limit": 100}, headers=_auth(sender)).json()[
            "items"
        ]
        sent = [item for item in statement if item["kind"] == "transfer_sent"]
        balance = http.get(f"{V1}/wallet", headers=_auth(sender)).json()["balance"]
    # Every request carried a key, so the books hold exactly one transfer per key: none lost, none doubled.
    expected = len(acknowledged) + len(unanswered)
    assert len(distinct) == expected
    assert len(sent) == expected
    assert balance == 1_000_00 - expected
    again = subprocess.run(
        [sys.executable, "-m", "quanzi.cli", "ledger", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stdout + again.stderr
