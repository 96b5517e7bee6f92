"""GRP-3 across a restart: the server is stopped before a team's deadline and started again after it;
the expiry job, kept in the database, fails the team and refunds both members in full."""

from __future__ import annotations

from typing import Any

import httpx

from quanzi.app import create_app
from quanzi.config import Settings
from quanzi.core.db import Database
from quanzi.wallet.check import check_ledger
from tests.commerce.conftest import ShopDriver
from tests.conftest import Users, job_runner
from tests.groupbuy.conftest import V1, GroupDriver
from tests.wallet.conftest import Wallet


def _client(app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://quanzi.test")


async def test_a_team_fails_and_refunds_after_the_server_restarts_past_its_deadline(
    settings: Settings, frozen_clock: Any
) -> None:
    first = create_app(settings)
    async with first.router.lifespan_context(first), _client(first) as http:
        group = GroupDriver(ShopDriver(Wallet(first, http, Users(http))))
        merchant = await group.shop.merchant()
        deal = await group.deal(merchant, team_size=3)
        alice, bob = await group.shop.buyer(money=100_00), await group.shop.buyer(money=100_00)
        team = await group.opened(alice, deal["id"])
        assert (await group.join(bob, team["id"])).status_code == 200
        assert await group.wallet.balance(alice) == await group.wallet.balance(bob) == 70_00
    # The server is down; the deadline passes.
    frozen_clock.advance(hours=24, seconds=1)

    db = Database(settings.database_url)
    try:
        ran = await job_runner(db).run_due()  # a fresh runner, as `quanzi serve` or a worker starts
        assert ran >= 1
        assert await check_ledger(db) == []
    finally:
        await db.dispose()

    second = create_app(settings)
    async with second.router.lifespan_context(second), _client(second) as http:
        wallet = Wallet(second, http, Users(http))
        assert await wallet.balance(alice) == 100_00
        assert await wallet.balance(bob) == 100_00
        shown = await http.get(f"{V1}/teams/{team['id']}", headers=bob.headers)
        assert shown.json()["status"] == "failed" and shown.json()["me"]["refunded"] is True
        assert await job_runner(second.state.db).run_due() == 0  # nothing left to do, nothing twice
        assert await wallet.balance(bob) == 100_00
