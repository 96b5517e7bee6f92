"""A join of a team that takes no one more (full, expired) is refused before any write transaction and
before the PIN is checked (docs/architecture.md, "Refused early"), with the answer the join gives
inside its transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from quanzi.wallet.models import PaymentPin
from tests.groupbuy.conftest import GroupDriver
from tests.statements import count_statements


async def _full_team(group: GroupDriver) -> dict[str, Any]:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=2)
    alice, bob = await group.shop.buyer(), await group.shop.buyer()
    team = await group.opened(alice, deal["id"])
    joined = await group.join(bob, team["id"])
    assert joined.status_code == 200, joined.text
    assert joined.json()["status"] == "succeeded"
    return team


async def _failed_pin_attempts(group: GroupDriver, user: Any) -> int:
    async with group.wallet.db.read() as session:
        return int(
            await session.scalar(select(PaymentPin.failed_attempts).where(PaymentPin.user_id == int(user.id)))
            or 0
        )


FULL = {"error": {"code": "team_full", "message": "This team is already full.", "details": None}}


async def test_a_full_team_is_refused_without_a_write_transaction(group: GroupDriver) -> None:
    team = await _full_team(group)
    carol = await group.shop.buyer()
    async with count_statements(group.wallet.app) as counted:
        response = await group.join(carol, team["id"])
    assert response.status_code == 409, response.text
    assert response.json() == FULL
    assert counted.writes() == [], counted.report()
    assert await group.wallet.balance(carol) == 100_00


async def test_a_full_team_answers_before_the_pin_is_checked(group: GroupDriver) -> None:
    # The PIN is not looked at for a join that cannot happen: no hash to verify, no failure counted.
    team = await _full_team(group)
    carol = await group.shop.buyer()
    response = await group.join(carol, team["id"], pin="000000")
    assert response.status_code == 409, response.text
    assert response.json() == FULL
    assert await _failed_pin_attempts(group, carol) == 0


async def test_an_expired_team_is_refused_early(group: GroupDriver, frozen_clock: Any) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=3)
    team = await group.opened(await group.shop.buyer(), deal["id"])
    frozen_clock.advance(hours=24, seconds=1)  # past the deadline, before the job has run
    late = await group.shop.buyer()
    async with count_statements(group.wallet.app) as counted:
        response = await group.join(late, team["id"])
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "team_expired"
    assert counted.writes() == [], counted.report()


async def test_a_repeated_key_gets_the_same_refusal(group: GroupDriver) -> None:
    team = await _full_team(group)
    carol = await group.shop.buyer()
    refused_key = uuid.uuid4().hex
    first = await group.join(carol, team["id"], key=refused_key)
    again = await group.join(carol, team["id"], key=refused_key)
    assert (first.status_code, again.status_code) == (409, 409)
    assert first.json() == again.json() == FULL


async def test_the_key_that_filled_the_team_replays_its_join(group: GroupDriver) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=2)
    team = await group.opened(await group.shop.buyer(), deal["id"])
    bob = await group.shop.buyer()
    filling_key = uuid.uuid4().hex
    joined = await group.join(bob, team["id"], key=filling_key)
    retried = await group.join(bob, team["id"], key=filling_key)
    assert (joined.status_code, retried.status_code) == (200, 200)
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json() == joined.json()
    assert await group.wallet.balance(bob) == 70_00
