"""Broadcasts (SHP-2): articles an official account sends to its followers.

- A shop sends at most `MAX_BROADCASTS_PER_DAY` broadcasts per calendar day (UTC); one more is 429
  ``broadcast_limit`` with ``retry_after`` the seconds until the next day begins. The shop's row is
  locked while counting, so two racing sends cannot both pass the limit.
- A sent broadcast is the event ``commerce.broadcast.sent`` {broadcast_id, shop_id, title}; the
  subscription feed is read, not fanned out: the broadcasts of the shops the viewer follows, newest
  first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce.models.catalog import Broadcast
from quanzi.commerce.schemas.catalog import BroadcastIn, BroadcastOut
from quanzi.commerce.shops import clean_text, get_shop, require_shop_owner, shop_refs
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import InvalidInput, TooManyRequests
from quanzi.core.ids import new_id
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.graph import service as graph

MAX_BROADCASTS_PER_DAY = 1


def _day_start(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


async def _out(session: AsyncSession, broadcasts: Sequence[Broadcast]) -> list[BroadcastOut]:
    refs = await shop_refs(session, {broadcast.shop_id for broadcast in broadcasts})
    return [
        BroadcastOut(
            id=broadcast.id,
            shop=refs[broadcast.shop_id],
            title=broadcast.title,
            body=broadcast.body,
            created_at=broadcast.created_at,
        )
        for broadcast in broadcasts
    ]


async def send_broadcast(session: AsyncSession, actor: Actor, data: BroadcastIn) -> BroadcastOut:
    shop = await require_shop_owner(session, actor, lock=True)
    title = clean_text(data.title, "title")
    body = clean_text(data.body, "body")
    now = clock.now()
    day_start = _day_start(now)
    sent_today = await session.scalar(
        select(func.count())
        .select_from(Broadcast)
        .where(Broadcast.shop_id == shop.merchant_id, Broadcast.created_at >= day_start)
    )
    if int(sent_today or 0) >= MAX_BROADCASTS_PER_DAY:
        retry_after = int((day_start + timedelta(days=1) - now).total_seconds()) + 1
        raise TooManyRequests(
            f"A shop sends at most {MAX_BROADCASTS_PER_DAY} broadcast a day (UTC).",
            code="broadcast_limit",
            retry_after=retry_after,
        )
    broadcast = Broadcast(id=new_id(), shop_id=shop.merchant_id, title=title, body=body, created_at=now)
    session.add(broadcast)
    emit(
        session,
        "commerce.broadcast.sent",
        {"broadcast_id": str(broadcast.id), "shop_id": str(shop.merchant_id), "title": title},
    )
    return (await _out(session, [broadcast]))[0]


async def _page(session: AsyncSession, stmt: Any, page: PageRequest) -> tuple[list[BroadcastOut], str | None]:
    if page.after:
        if len(page.after) != 1 or not isinstance(page.after[0], int):
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        stmt = stmt.where(Broadcast.id < page.after[0])
    rows = list((await session.scalars(stmt.order_by(Broadcast.id.desc()).limit(page.limit + 1))).all())
    kept, next_cursor = page_of(rows, page, key=lambda broadcast: broadcast.id)
    return await _out(session, kept), next_cursor


async def list_shop_broadcasts(
    session: AsyncSession, actor: Actor, shop_id: int | str, page: PageRequest
) -> tuple[list[BroadcastOut], str | None]:
    shop = await get_shop(session, shop_id)
    return await _page(session, select(Broadcast).where(Broadcast.shop_id == shop.merchant_id), page)


async def subscription_feed(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[BroadcastOut], str | None]:
    """Broadcasts of the shops the actor follows, newest first."""
    followed = await graph.following_ids(session, actor.user_id)
    if not followed:
        return [], None
    return await _page(session, select(Broadcast).where(Broadcast.shop_id.in_(followed)), page)
