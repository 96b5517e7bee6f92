"""Durable jobs of orders: the unpaid-order expiry (30 minutes after checkout) and the auto-complete
(7 days after shipping). Each runs in the job's own transaction and is safe to run twice: the state
change it makes is one conditional UPDATE on the state it expects (`orders.LIFECYCLE`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import orders
from quanzi.core.jobs import JobHandler


async def expire_order(session: AsyncSession, payload: dict[str, Any]) -> None:
    await orders.expire_order(session, int(payload["order_id"]))


async def auto_complete_order(session: AsyncSession, payload: dict[str, Any]) -> None:
    await orders.auto_complete_order(session, int(payload["order_id"]))


JOBS: dict[str, JobHandler] = {
    orders.EXPIRE_JOB: expire_order,
    orders.AUTO_COMPLETE_JOB: auto_complete_order,
}
