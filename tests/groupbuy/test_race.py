"""GRP-4: many people racing for a team's last place — exactly one gets it, the others are refused
before any money moves, and neither the team nor the stock ever goes over."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from quanzi.core.actor import Actor
from quanzi.core.clock import now
from quanzi.core.idempotency import execute
from quanzi.groupbuy import service
from quanzi.groupbuy.schemas import AddressIn
from quanzi.wallet.check import check_ledger
from quanzi.wallet.ledger import balance_of, move
from quanzi.wallet.models import BANK_CLEARING, PLATFORM, WALLET, PaymentPin
from quanzi.wallet.pins import PinProof
from tests.databases import on_postgres
from tests.groupbuy.conftest import ADDRESS, V1, GroupDriver

needs_postgres = pytest.mark.skipif(
    not on_postgres(),
    reason="a real race for the last place needs PostgreSQL (QUANZI_TEST_DATABASE_URL); SQLite's single "
    "writer runs the joins one after another (test_ten_http_joiners_race covers it there)",
)


async def _crowd(group: GroupDriver, count: int, money: int) -> list[Actor]:
    """Accounts with a PIN row and money, inserted directly (no password or PIN hashing)."""
    crowd = await group.wallet.fast_users(count)
    async with group.wallet.db.transaction() as session:
        for actor in crowd:
            session.add(
                PaymentPin(
                    user_id=actor.user_id,
                    pin_hash="unused",
                    failed_attempts=0,
                    locked_until=None,
                    version=1,
                    updated_at=now(),
                )
            )
        await session.flush()
        for actor in crowd:
            await move(
                session,
                "topup",
                source=(PLATFORM, BANK_CLEARING),
                target=(actor.user_id, WALLET),
                amount=money,
                reference_type="test",
                reference_id=1,
            )
    return crowd


@needs_postgres
async def test_hundred_concurrent_joiners_for_the_last_place(group: GroupDriver, frozen_clock: Any) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=3, stock=10)
    alice, bob = await group.shop.buyer(), await group.shop.buyer()
    team = await group.opened(alice, deal["id"])
    assert (await group.join(bob, team["id"])).status_code == 200
    crowd = await _crowd(group, 100, 100_00)
    address = AddressIn(**ADDRESS)

    async def join(actor: Actor) -> tuple[int, str]:
        proof = PinProof(user_id=actor.user_id, version=1)

        async def action(session: Any, _proof: Any) -> tuple[int, dict[str, Any]]:
            joined = await service.join_team(session, actor, team["id"], address=address, proof=proof)
            return 200, {"id": str(joined.id)}

        outcome = await execute(
            group.wallet.db,
            actor,
            key=uuid.uuid4().hex,
            scope="groupbuy.team.join",
            payload={"team_id": team["id"]},
            action=action,
        )
        code = "" if outcome.status_code == 200 else outcome.body["error"]["code"]
        return outcome.status_code, code

    results = await asyncio.gather(*(join(actor) for actor in crowd))
    assert [status for status, _ in results].count(200) == 1
    assert sorted({code for status, code in results if status != 200}) == ["team_full"]
    shown = await group.team(alice, team["id"])
    assert shown["status"] == "succeeded" and shown["joined_count"] == 3 and len(shown["members"]) == 3
    winner = next(actor for actor, (status, _) in zip(crowd, results, strict=True) if status == 200)
    async with group.wallet.db.read() as session:
        for actor in crowd:
            expected = 70_00 if actor is winner else 100_00  # the others paid nothing
            assert await balance_of(session, actor.user_id) == expected
    deal_now = (await group.client.get(f"{V1}/deals/{deal['id']}", headers=merchant.headers)).json()
    assert deal_now["stock"] == 7
    orders = await group.client.get(f"{V1}/orders", params={"role": "merchant"}, headers=merchant.headers)
    assert len(orders.json()["items"]) == 3
    assert await check_ledger(group.wallet.db) == []


@needs_postgres
async def test_concurrent_openers_never_take_more_than_the_deal_stock(
    group: GroupDriver, frozen_clock: Any
) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=2, stock=5)
    crowd = await _crowd(group, 30, 100_00)
    address = AddressIn(**ADDRESS)

    async def open_one(actor: Actor) -> int:
        proof = PinProof(user_id=actor.user_id, version=1)

        async def action(session: Any, _proof: Any) -> tuple[int, dict[str, Any]]:
            team = await service.open_team(session, actor, deal["id"], address=address, proof=proof)
            return 201, {"id": str(team.id)}

        outcome = await execute(
            group.wallet.db, actor, key=uuid.uuid4().hex, scope="open", payload={}, action=action
        )
        return outcome.status_code

    statuses = await asyncio.gather(*(open_one(actor) for actor in crowd))
    assert statuses.count(201) == 5 and statuses.count(409) == 25
    deal_now = (await group.client.get(f"{V1}/deals/{deal['id']}", headers=merchant.headers)).json()
    assert deal_now["stock"] == 0
    assert await check_ledger(group.wallet.db) == []


async def test_ten_http_joiners_race_for_the_last_place(group: GroupDriver) -> None:
    """The same race through the API (on SQLite the writer serializes it; the answers are the same)."""
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=2)
    alice = await group.shop.buyer()
    team = await group.opened(alice, deal["id"])
    racers = [await group.shop.buyer() for _ in range(10)]
    answers = await asyncio.gather(*(group.join(racer, team["id"]) for racer in racers))
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) == 1 and statuses.count(409) == 9, [a.text for a in answers]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"team_full"}
    balances = [await group.wallet.balance(racer) for racer in racers]
    assert sorted(balances) == [70_00] + [100_00] * 9
    await group.wallet.assert_books_balance()
