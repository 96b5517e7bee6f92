"""Helpers for the audit log's tests: operators, the log as operators read it, and the stream's
events the log is written from."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from quanzi.audit.consumers import AUDIT_LOG
from quanzi.audit.kinds import KINDS
from quanzi.audit.models import AuditEntry
from quanzi.core import stream
from quanzi.core.outbox import OutboxEvent
from quanzi.identity import service as identity
from tests.commerce.conftest import ShopDriver
from tests.conftest import publish_events
from tests.wallet.conftest import Wallet

V1 = "/api/v1"
USER_AGENT = "QuanziTest/1.0 (audit)"


class AuditDriver:
    def __init__(self, app: Any, client: httpx.AsyncClient, wallet: Wallet) -> None:
        self.app = app
        self.client = client
        self.wallet = wallet
        self.db = app.state.db

    async def operator(self, name: str | None = None) -> Any:
        """An account given the operator role the way `quanzi admin make-operator` gives it."""
        user = await self.wallet.user(name, pin=None)
        async with self.db.transaction() as session:
            await identity.set_operator(session, int(user.id), True)
        await publish_events(self.app)  # the session cache learns of the new role
        return user

    async def page(self, operator: Any, **params: Any) -> httpx.Response:
        return await self.client.get(f"{V1}/admin/audit", params=params, headers=operator.headers)

    async def all(self, operator: Any, **params: Any) -> list[dict[str, Any]]:
        """Every entry the filter matches, following the cursors."""
        await self.settle()
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = params | ({"cursor": cursor} if cursor else {})
            response = await self.page(operator, **query)
            assert response.status_code == 200, response.text
            items += response.json()["items"]
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return items

    async def settle(self) -> None:
        """Wait until the log has read the whole stream. The app's own consumer runner may hold the
        consumer's row at the moment a settle runs (SKIP LOCKED), so settle until the lag is zero."""
        for _ in range(500):
            await publish_events(self.app)
            [state] = await stream.status(self.db, [AUDIT_LOG])
            if state.lag == 0:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"the audit log did not catch up: {state}")

    async def rows(self) -> list[AuditEntry]:
        await self.settle()
        async with self.db.read() as session:
            return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.position))).all())

    async def audited_events(self) -> list[OutboxEvent]:
        """The stream's events of the kinds the log records."""
        async with self.db.read() as session:
            return list(
                (
                    await session.scalars(
                        select(OutboxEvent)
                        .where(OutboxEvent.topic.in_(list(KINDS)), OutboxEvent.position.is_not(None))
                        .order_by(OutboxEvent.position)
                    )
                ).all()
            )


@pytest.fixture
def wallet(app: Any, client: httpx.AsyncClient, users: Any) -> Wallet:
    return Wallet(app, client, users)


@pytest.fixture
def shop(wallet: Wallet) -> ShopDriver:
    return ShopDriver(wallet)


@pytest.fixture
def audit(app: Any, client: httpx.AsyncClient, wallet: Wallet) -> AuditDriver:
    client.headers["User-Agent"] = USER_AGENT
    return AuditDriver(app, client, wallet)
