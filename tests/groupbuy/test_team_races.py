"""GRP-3, GRP-5: joining a team while its expiry job runs, at the deadline, many times.

Each attempt ends one of two ways, never in between:

- joined: the join took a place before the job. A team of two is then full and succeeded (both
  members charged once, their orders made; the job does nothing); a team of three is still short at
  the deadline, so the job fails it and refunds both members, once each.
- refused: the job failed the team first; the join is answered 409 ``team_expired`` and the joiner's
  money never moved. The leader is refunded once.

In every case the team's count equals its member rows, no member paid without a place, every refund
happens exactly once (running the job again changes nothing), the deal's units come back exactly when
the team fails, and the books balance.

The joiner's request runs a second before the deadline and the job at it (`tests.clocks.TaskClock`),
as on two machines: only the database decides. On PostgreSQL the transactions really interleave; on
SQLite the single writer takes them in either order.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from quanzi.core.clock import FrozenClock, use_clock
from quanzi.groupbuy.models import Member
from quanzi.wallet.models import Refund
from tests.clocks import TaskClock, late_start
from tests.conftest import job_runner
from tests.databases import on_postgres
from tests.groupbuy.conftest import V1, GroupDriver

ROUNDS = 12 if on_postgres() else 3
PRICE = 30_00
SECOND = timedelta(seconds=1)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("size", [2, 3])
async def test_joining_a_team_while_its_expiry_job_runs(
    group: GroupDriver, frozen_clock: FrozenClock, size: int
) -> None:
    merchant = await group.shop.merchant()
    # The deal outlives every round's team: only the team's own deadline is raced here.
    ends = (frozen_clock.now() + timedelta(days=ROUNDS + 7)).isoformat()
    deal = await group.deal(merchant, team_size=size, group_price=PRICE, stock=ROUNDS * size, ends_at=ends)
    leader = await group.shop.buyer(money=ROUNDS * PRICE)
    joiner = await group.shop.buyer(money=ROUNDS * PRICE)
    runner = job_runner(group.wallet.db)
    clocks = TaskClock(frozen_clock)
    outcomes: Counter[str] = Counter()
    with use_clock(clocks):
        for round_ in range(ROUNDS):
            before = (
                await group.wallet.balance(leader),
                await group.wallet.balance(joiner),
                await _stock(group, deal, leader),
            )
            team = await group.opened(leader, deal["id"])
            deadline = _when(team["deadline"])

            async def join(at: datetime = deadline, team_id: str = team["id"]) -> Any:
                clocks.here(at - SECOND)
                return await group.join(joiner, team_id)

            async def expire(at: datetime = deadline, round_: int = round_) -> int:
                clocks.here(at)
                await late_start(round_)
                return await runner.run_due()

            joined, ran = await asyncio.gather(join(), expire())
            assert ran >= 1  # the expiry job ran in the race
            outcome = await _consistent(group, leader, joiner, deal, team["id"], joined, before, size)
            outcomes[outcome] += 1
            # The job again, later: nothing is refunded twice.
            frozen_clock.set(deadline + SECOND)
            await runner.run_due()
            assert await _consistent(group, leader, joiner, deal, team["id"], joined, before, size) == outcome
    assert sum(outcomes.values()) == ROUNDS, outcomes
    await group.wallet.assert_books_balance()


async def _stock(group: GroupDriver, deal: dict[str, Any], viewer: Any) -> int:
    response = await group.client.get(f"{V1}/deals/{deal['id']}", headers=viewer.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["stock"])


async def _consistent(
    group: GroupDriver,
    leader: Any,
    joiner: Any,
    deal: dict[str, Any],
    team_id: str,
    joined: Any,
    before: tuple[int, int, int],
    size: int,
) -> str:
    leader_before, joiner_before, stock_before = before
    team = await group.team(leader, team_id)
    async with group.wallet.db.read() as session:
        members = list((await session.scalars(select(Member).where(Member.team_id == int(team_id)))).all())
        refunds = {
            member.user_id: [
                r.amount
                for r in await session.scalars(select(Refund).where(Refund.payment_id == member.payment_id))
            ]
            for member in members
        }
    assert team["joined_count"] == len(members) == len(team["members"])
    in_team = {str(m.user_id) for m in members}
    if joined.status_code == 200:
        assert in_team == {leader.id, joiner.id}
        if size == 2:
            # Full before the deadline: succeeded, both charged once, no refund; the job did nothing.
            assert team["status"] == "succeeded"
            assert all(m.order_id is not None for m in members)
            assert refunds == {m.user_id: [] for m in members}
            assert (await group.wallet.balance(leader), await group.wallet.balance(joiner)) == (
                leader_before - PRICE,
                joiner_before - PRICE,
            )
            assert await _stock(group, deal, leader) == stock_before - size
            return "joined, team succeeded"
        outcome = "joined, then the team failed"
    else:
        assert (joined.status_code, joined.json()["error"]["code"]) == (409, "team_expired"), joined.text
        assert in_team == {leader.id}
        outcome = "refused, team failed"
    # Failed at the deadline: every member refunded in full, exactly once; the units are back.
    assert team["status"] == "failed"
    assert all(m.refunded and m.order_id is None for m in members)
    assert refunds == {m.user_id: [PRICE] for m in members}
    assert (await group.wallet.balance(leader), await group.wallet.balance(joiner)) == (
        leader_before,
        joiner_before,
    )
    assert await _stock(group, deal, leader) == stock_before
    return outcome
