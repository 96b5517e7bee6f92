"""Durable jobs of group buying: a team's deadline, a deal's end, a bargain's 24 hours.

Each runs in the job's own transaction and is safe to run twice (its change is a conditional UPDATE
on the state it expects). They live in the jobs table, so a server stopped across a deadline runs
them when it (or a worker) starts again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.jobs import JobHandler
from quanzi.groupbuy import bargains, deals, teams


async def expire_team(session: AsyncSession, payload: dict[str, Any]) -> None:
    await teams.fail_team(session, int(payload["team_id"]))


async def end_deal(session: AsyncSession, payload: dict[str, Any]) -> None:
    await deals.end_deal(session, int(payload["deal_id"]))


async def expire_bargain(session: AsyncSession, payload: dict[str, Any]) -> None:
    await bargains.expire_bargain(session, int(payload["bargain_id"]))


JOBS: dict[str, JobHandler] = {
    teams.TEAM_EXPIRE_JOB: expire_team,
    deals.DEAL_END_JOB: end_deal,
    bargains.BARGAIN_EXPIRE_JOB: expire_bargain,
}
