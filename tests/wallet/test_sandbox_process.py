"""The sandbox bank as its own process (`quanzi sandbox-bank`): the server reaches it through
QUANZI_WALLET_BANK_URL with signed requests, and it answers with signed HTTP callbacks."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from quanzi.wallet.bank import sandbox_card_number, signed_headers
from tests.databases import on_postgres
from tests.live import free_port
from tests.wallet.conftest import PIN
from tests.wallet.processes import Server, scratch_postgres

SECRET = "test-shared-secret-" + uuid.uuid4().hex
V1 = "/api/v1"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    database_url = (
        scratch_postgres("_bankproc") if on_postgres() else f"sqlite+aiosqlite:///{tmp_path / 'q.db'}"
    )
    server_port, bank_port = free_port(), free_port()
    bank = Server(
        f"sqlite+aiosqlite:///{tmp_path / 'bank.db'}",
        tmp_path,
        command=(
            "sandbox-bank",
            "--database",
            f"sqlite+aiosqlite:///{tmp_path / 'bank.db'}",
            "--callback-url",
            f"http://127.0.0.1:{server_port}{V1}/wallet/bank/callback",
        ),
        port=bank_port,
        QUANZI_WALLET_BANK_SECRET=SECRET,
    )
    server = Server(
        database_url,
        tmp_path,
        port=server_port,
        QUANZI_WALLET_BANK_URL=f"http://127.0.0.1:{bank_port}",
        QUANZI_WALLET_BANK_SECRET=SECRET,
    )
    bank.start()
    try:
        server.start()
        try:
            yield server, bank
        finally:
            server.stop()
    finally:
        bank.stop()


def _wait_for(
    http: httpx.Client, path: str, headers: dict[str, str], field: str, value: Any
) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        answer = http.get(path, headers=headers).json()
        if answer[field] == value:
            return answer  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, answer
        time.sleep(0.2)


def test_top_up_and_reversed_withdrawal_through_the_bank_process(servers: tuple[Server, Server]) -> None:
    server, bank = servers
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        signup = http.post(
            f"{V1}/auth/signup",
            json={"username": "bankproc", "password": "correct horse 1", "display_name": "B"},
        ).json()
        auth = {"Authorization": f"Bearer {signup['token']}"}
        assert http.put(f"{V1}/wallet/pin", json={"new_pin": PIN}, headers=auth).status_code == 204
        cards = {}
        for last4 in ("4242", "0077"):
            linked = http.post(
                f"{V1}/wallet/cards",
                json={"number": sandbox_card_number(last4), "holder_name": "B"},
                headers=auth,
            )
            assert linked.status_code == 201, linked.text + server.log_tail()
            cards[last4] = linked.json()["id"]
        topup = http.post(
            f"{V1}/wallet/topups",
            json={"card_id": cards["4242"], "amount": 50_00, "pin": PIN},
            headers=auth | {"Idempotency-Key": "t1"},
        )
        assert topup.status_code == 201, topup.text
        _wait_for(http, f"{V1}/wallet/bank-orders/{topup.json()['id']}", auth, "status", "succeeded")
        assert http.get(f"{V1}/wallet", headers=auth).json()["balance"] == 50_00

        withdrawal = http.post(
            f"{V1}/wallet/withdrawals",
            json={"card_id": cards["0077"], "amount": 20_00, "pin": PIN},
            headers=auth | {"Idempotency-Key": "w1"},
        )
        assert withdrawal.status_code == 201, withdrawal.text
        failed = _wait_for(
            http, f"{V1}/wallet/bank-orders/{withdrawal.json()['id']}", auth, "status", "failed"
        )
        assert failed["failure_reason"] == "account_closed"
        assert http.get(f"{V1}/wallet", headers=auth).json()["balance"] == 50_00

    # The bank process refuses requests that are not signed with the shared secret.
    body = json.dumps({"number": sandbox_card_number("1111")}).encode()
    forged = httpx.post(f"{bank.base_url}/cards", content=body, headers=signed_headers(body, secret=b"wrong"))
    assert forged.status_code == 401
    assert httpx.post(f"{bank.base_url}/cards", content=body).status_code == 401
