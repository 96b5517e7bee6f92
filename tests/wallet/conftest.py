"""Helpers for the wallet tests: a `Wallet` driver over the public API plus the ledger check."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx
import pytest

from quanzi.core.actor import Actor
from quanzi.core.clock import as_utc, now
from quanzi.core.ids import new_id
from quanzi.identity.models import User
from quanzi.identity.service.accounts import _DUMMY_HASH
from quanzi.wallet.bank import sandbox_card_number
from quanzi.wallet.check import check_ledger
from tests.conftest import job_runner, publish_events

V1 = "/api/v1"
PIN = "135790"
_fast = itertools.count(1)


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


class Wallet:
    """Drives the wallet as clients do (HTTP through the ASGI app) and runs due jobs like a worker."""

    def __init__(self, app: Any, client: httpx.AsyncClient, users: Any) -> None:
        self.app = app
        self.client = client
        self.users = users
        self.db = app.state.db

    @staticmethod
    def actor(user: Any) -> Actor:
        return Actor(user_id=int(user.id), session_id=int(user.session_id), kind="consumer")

    async def user(self, name: str | None = None, *, pin: str | None = PIN, kind: str = "consumer") -> Any:
        created = await self.users.create(name, kind=kind)
        if pin is not None:
            await self.set_pin(created, pin)
        return created

    async def set_pin(self, user: Any, pin: str = PIN, current: str | None = None) -> httpx.Response:
        body = {"new_pin": pin} | ({"current_pin": current} if current else {})
        response = await self.client.put(f"{V1}/wallet/pin", json=body, headers=user.headers)
        assert response.status_code == 204, response.text
        return response

    async def befriend(self, a: Any, b: Any) -> None:
        response = await self.client.post(
            f"{V1}/friend-requests", json={"to_user_id": b.id}, headers=a.headers
        )
        assert response.status_code == 201, response.text
        accepted = await self.client.post(
            f"{V1}/friend-requests/{response.json()['id']}/accept", headers=b.headers
        )
        assert accepted.status_code == 200, accepted.text

    async def post(
        self, path: str, user: Any, body: dict[str, Any] | None = None, *, idempotency_key: str | None = None
    ) -> httpx.Response:
        headers = {**user.headers, "Idempotency-Key": idempotency_key or uuid.uuid4().hex}
        return await self.client.post(f"{V1}/wallet{path}", json=body, headers=headers)

    async def get(self, path: str, user: Any, **params: Any) -> httpx.Response:
        return await self.client.get(f"{V1}/wallet{path}", params=params, headers=user.headers)

    async def link_card(self, user: Any, last4: str = "1234") -> str:
        response = await self.client.post(
            f"{V1}/wallet/cards",
            json={"number": sandbox_card_number(last4), "holder_name": "Lin Mei"},
            headers=user.headers,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def run_jobs(self) -> int:
        """Run the due jobs and then the event stream's consumers, as a worker does; returns how many
        jobs ran."""
        ran = await job_runner(self.db).run_due()
        await publish_events(self.app)
        return ran

    async def top_up(self, user: Any, amount: int, card_id: str | None = None) -> dict[str, Any]:
        card_id = card_id or await self.link_card(user, f"{next(_fast) % 9000 + 1000:04d}")
        response = await self.post("/topups", user, {"card_id": card_id, "amount": amount, "pin": PIN})
        assert response.status_code == 201, response.text
        await self.run_jobs()
        order = await self.get(f"/bank-orders/{response.json()['id']}", user)
        assert order.json()["status"] == "succeeded", order.text
        return order.json()  # type: ignore[no-any-return]

    async def balance(self, user: Any) -> int:
        response = await self.get("", user)
        assert response.status_code == 200, response.text
        return int(response.json()["balance"])

    async def statement(self, user: Any) -> list[dict[str, Any]]:
        response = await self.get("/statement", user, limit=100)
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]

    async def assert_books_balance(self) -> None:
        assert await check_ledger(self.db) == []

    async def fast_users(self, count: int) -> list[Actor]:
        """Accounts inserted directly (no password hashing): for tests that need hundreds of people."""
        actors = []
        async with self.db.transaction() as session:
            for _ in range(count):
                user_id = new_id()
                number = next(_fast)
                session.add(
                    User(
                        id=user_id,
                        username=f"crowd{number}_{user_id % 100000}",
                        phone=None,
                        password_hash=_DUMMY_HASH,
                        display_name=f"Crowd {number}",
                        bio="",
                        region="",
                        kind="consumer",
                        is_kol=False,
                        is_operator=False,
                        discoverable_by_username=True,
                        discoverable_by_phone=True,
                        created_at=as_utc(now()),
                        password_changed_at=as_utc(now()),
                    )
                )
                actors.append(Actor(user_id=user_id, session_id=0, kind="consumer"))
        return actors


@pytest.fixture
def wallet(app: Any, client: httpx.AsyncClient, users: Any) -> Wallet:
    return Wallet(app, client, users)
