"""Group deals (GRP-1): a merchant offers one SKU at a group price for teams of 2–10.

Creating a deal sets its stock aside from the SKU's sellable stock (commerce's `allot_stock`), so
whatever teams form, the SKU is never oversold; each team place then reserves one unit of the deal's
stock. At `ends_at` the durable job ``groupbuy.deal.end`` ends the deal once and hands what is left
back to the SKU (a team that fails later returns its units to the SKU directly).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import service as commerce
from quanzi.commerce.schemas.shares import SharedProduct
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import table_of
from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.jobs import schedule
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.groupbuy import rules
from quanzi.groupbuy.models import Deal, Member, Team
from quanzi.groupbuy.schemas import DealIn, DealOut, DealStats

_deals = table_of(Deal)
DEAL_END_JOB = "groupbuy.deal.end"


def deal_not_found() -> NotFound:
    return NotFound("No such group deal.", code="deal_not_found")


def seconds_until(moment: datetime, now: datetime) -> int:
    return max(0, int((moment - now).total_seconds()))


def _event(deal: Deal) -> dict[str, Any]:
    return {
        "deal_id": str(deal.id),
        "merchant_id": str(deal.merchant_id),
        "product_id": str(deal.product_id),
        "sku_id": str(deal.sku_id),
        "group_price": deal.group_price,
        "team_size": deal.team_size,
        "stock": deal.stock,
    }


async def create_deal(session: AsyncSession, actor: Actor, data: DealIn) -> Deal:
    """A deal on an active SKU of the actor's own shop; its stock leaves the SKU's stock at once
    (409 ``out_of_stock`` when the SKU has less)."""
    shop = await commerce.require_shop_owner(session, actor)
    sku, product = await commerce.get_sku_for_sale(session, data.sku_id)
    if sku.shop_id != shop.merchant_id:
        raise NotFound("No such SKU.", code="sku_not_found")
    if data.group_price >= sku.price:
        raise InvalidInput(
            "The group price must be below the single price.",
            code="group_price_not_lower",
            details={"single_price": sku.price},
        )
    now = clock.now()
    starts_at = clock.as_utc(data.starts_at) if data.starts_at else now
    ends_at = clock.as_utc(data.ends_at) if data.ends_at else starts_at + rules.DEFAULT_DEAL_PERIOD
    if ends_at <= starts_at or ends_at <= now:
        raise InvalidInput("The deal must end after it starts, in the future.", code="invalid_period")
    await commerce.allot_stock(session, sku.id, data.stock)
    deal = Deal(
        id=new_id(),
        merchant_id=shop.merchant_id,
        product_id=product.id,
        sku_id=sku.id,
        title=product.title[:120],
        group_price=data.group_price,
        team_size=data.team_size,
        time_limit_seconds=data.time_limit_minutes * 60,
        initial_stock=data.stock,
        stock=data.stock,
        returned_stock=0,
        starts_at=starts_at,
        ends_at=ends_at,
        status="active",
        created_at=now,
        ended_at=None,
    )
    session.add(deal)
    await session.flush()
    await schedule(
        session,
        DEAL_END_JOB,
        {"deal_id": str(deal.id)},
        run_at=ends_at,
        dedupe_key=f"{DEAL_END_JOB}:{deal.id}",
    )
    emit(session, "groupbuy.deal.created", _event(deal))
    return deal


async def get_deal(session: AsyncSession, deal_id: int | str, *, lock: bool = False) -> Deal:
    parsed = parse_id(deal_id)
    if parsed is None:
        raise deal_not_found()
    stmt = select(Deal).where(Deal.id == parsed).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    deal = await session.scalar(stmt)
    if deal is None:
        raise deal_not_found()
    return deal


async def reserve_place(session: AsyncSession, deal: Deal, *, opening: bool) -> None:
    """Take one unit of the deal's stock for a team place. Opening a team also needs the deal to
    be running now; a join needs only stock (its team's deadline is within the deal's period)."""
    now = clock.now()
    conditions = [_deals.c.id == deal.id, _deals.c.stock >= 1, _deals.c.status == "active"]
    if opening:
        conditions += [_deals.c.starts_at <= now, _deals.c.ends_at > now]
    result = await session.execute(
        update(_deals).where(*conditions).values(stock=_deals.c.stock - 1).returning(_deals.c.stock)
    )
    if result.scalar() is not None:
        return
    fresh = await get_deal(session, deal.id)
    if fresh.status != "active" or fresh.ends_at <= now:
        raise Conflict("This group deal has ended.", code="deal_ended")
    if fresh.starts_at > now:
        raise Conflict("This group deal has not started yet.", code="deal_not_started")
    raise Conflict("This group deal is sold out.", code="deal_sold_out")


async def release_to_deal(session: AsyncSession, deal_id: int, count: int) -> bool:
    """Give `count` units back to the deal while it runs; False when it has ended (the caller then
    returns them to the SKU, after its other work: the SKU's row is locked last)."""
    if count <= 0:
        return True
    result = await session.execute(
        update(_deals)
        .where(_deals.c.id == deal_id, _deals.c.status == "active")
        .values(stock=_deals.c.stock + count)
        .returning(_deals.c.id)
    )
    return result.scalar() is not None


async def end_deal(session: AsyncSession, deal_id: int) -> bool:
    """The deal's end (job at `ends_at`): once, hand its unreserved stock back to the SKU."""
    now = clock.now()
    result = await session.execute(
        update(_deals)
        .where(_deals.c.id == deal_id, _deals.c.status == "active", _deals.c.ends_at <= now)
        .values(status="ended", ended_at=now, returned_stock=_deals.c.stock, stock=0)
        .returning(_deals.c.returned_stock, _deals.c.sku_id)
    )
    row = result.first()
    if row is None:
        return False
    await commerce.return_stock(session, int(row.sku_id), int(row.returned_stock))
    deal = await get_deal(session, deal_id)
    emit(session, "groupbuy.deal.ended", {**_event(deal), "returned_stock": int(row.returned_stock)})
    return True


def deal_status(deal: Deal, now: datetime) -> str:
    if deal.status != "active" or deal.ends_at <= now:
        return "ended"
    return "upcoming" if deal.starts_at > now else "active"


async def deal_stats(session: AsyncSession, deal_id: int) -> DealStats:
    counts = dict(
        (
            await session.execute(
                select(Team.status, func.count()).where(Team.deal_id == deal_id).group_by(Team.status)
            )
        ).all()
    )
    paid = (
        await session.execute(
            select(func.count(Member.id), func.coalesce(func.sum(Member.amount), 0))
            .join(Team, Team.id == Member.team_id)
            .where(Team.deal_id == deal_id, Team.status == "succeeded")
        )
    ).one()
    return DealStats(
        teams_forming=int(counts.get("forming", 0)),
        teams_succeeded=int(counts.get("succeeded", 0)),
        teams_failed=int(counts.get("failed", 0)),
        members_paid=int(paid[0]),
        revenue=int(paid[1]),
    )


async def deals_out(
    session: AsyncSession, actor: Actor, deals: list[Deal], *, with_stats: bool
) -> list[DealOut]:
    now = clock.now()
    out = []
    for deal in deals:
        sku, _product = await commerce.sku_and_product(session, deal.sku_id)
        summary = await commerce.product_summary(session, deal.product_id)
        stats = None
        if with_stats and actor.user_id == deal.merchant_id:
            stats = await deal_stats(session, deal.id)
        out.append(
            DealOut(
                id=deal.id,
                merchant_id=deal.merchant_id,
                product=SharedProduct.model_validate(summary),
                sku_id=deal.sku_id,
                sku_name=sku.name,
                title=deal.title,
                single_price=sku.price,
                group_price=deal.group_price,
                team_size=deal.team_size,
                time_limit_minutes=deal.time_limit_seconds // 60,
                initial_stock=deal.initial_stock,
                stock=deal.stock,
                status=deal_status(deal, now),  # type: ignore[arg-type]
                starts_at=deal.starts_at,
                ends_at=deal.ends_at,
                seconds_left=seconds_until(deal.ends_at, now) if deal.status == "active" else 0,
                created_at=deal.created_at,
                stats=stats,
            )
        )
    return out


async def my_deals(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[DealOut], str | None]:
    """The merchant console: the actor's deals, newest first, with their results."""
    await commerce.require_shop_owner(session, actor)
    stmt = select(Deal).where(Deal.merchant_id == actor.user_id)
    if page.after:
        stmt = stmt.where(Deal.id < int(page.after[0]))
    rows = list((await session.scalars(stmt.order_by(Deal.id.desc()).limit(page.limit + 1))).all())
    kept, cursor = page_of(rows, page, lambda deal: deal.id)
    return await deals_out(session, actor, kept, with_stats=True), cursor


async def list_deals(
    session: AsyncSession, actor: Actor, *, mine: bool, product_id: str | None, page: PageRequest
) -> tuple[list[DealOut], str | None]:
    """``mine``: the merchant console; else a product's running deals (one page)."""
    if mine:
        return await my_deals(session, actor, page)
    if product_id is None:
        raise InvalidInput("Name a product_id (or mine=true).", code="product_id_required")
    return await product_deals(session, actor, product_id), None


async def product_deals(session: AsyncSession, actor: Actor, product_id: int | str) -> list[DealOut]:
    """The running (and upcoming) deals of a product, soonest ending first."""
    parsed = parse_id(product_id)
    if parsed is None:
        raise NotFound("No such product.", code="product_not_found")
    now = clock.now()
    rows = (
        await session.scalars(
            select(Deal)
            .where(Deal.product_id == parsed, Deal.status == "active", Deal.ends_at > now)
            .order_by(case((Deal.starts_at <= now, 0), else_=1), Deal.ends_at, Deal.id)
            .limit(20)
        )
    ).all()
    return await deals_out(session, actor, list(rows), with_stats=False)


def deadline_for(deal: Deal, now: datetime) -> datetime:
    """A new team's deadline: its time limit, but never past the deal's end."""
    return min(now + timedelta(seconds=deal.time_limit_seconds), deal.ends_at)
