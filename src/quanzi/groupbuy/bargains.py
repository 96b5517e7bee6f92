"""Bargains, "help me cut" (BAR-1): active → bought | expired.

A merchant sets up an offer on one SKU (start price, floor, helpers allowed, cut range). A user
starts a bargain on it (one per offer) and has 24 hours: each of their friends may cut once (never
the owner; ``(bargain_id, helper_id)`` is unique, so a second cut is refused by the database), each
cut a seeded random amount (`rules.cut_amount`) that shrinks near the floor and never passes it. Cuts
of one bargain are serialized on its row. At the floor and within the 24 hours the owner buys at the
floor price: one conditional UPDATE (``status = 'active' AND current_price = floor_price AND
expires_at > now``: the "buy" transition of the declared `lifecycles.BARGAIN`) marks it bought, the
SKU's stock is reserved, the price is paid into the shop's escrow (PIN) and a paid commerce order is
created — all in one transaction. Past the 24 hours it can no longer be bought (409
``bargain_expired``); the job ``groupbuy.bargain.expire`` marks it expired.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import service as commerce
from quanzi.commerce.schemas.shares import SharedProduct
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import insert_for, table_of
from quanzi.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.jobs import schedule
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.graph import service as graph
from quanzi.groupbuy import rules
from quanzi.groupbuy.deals import seconds_until
from quanzi.groupbuy.lifecycles import BARGAIN
from quanzi.groupbuy.models import Bargain, BargainCut, BargainOffer
from quanzi.groupbuy.schemas import (
    AddressIn,
    BargainCutOut,
    BargainOfferIn,
    BargainOfferOut,
    BargainOut,
    CutOut,
)
from quanzi.groupbuy.teams import _rowcount
from quanzi.identity import service as identity
from quanzi.wallet import service as wallet

_bargains = table_of(Bargain)
_cuts = table_of(BargainCut)
BARGAIN_EXPIRE_JOB = "groupbuy.bargain.expire"


def offer_not_found() -> NotFound:
    return NotFound("No such bargain offer.", code="bargain_offer_not_found")


def bargain_not_found() -> NotFound:
    return NotFound("No such bargain.", code="bargain_not_found")


def _event(bargain: Bargain, **extra: Any) -> dict[str, Any]:
    return {
        "bargain_id": str(bargain.id),
        "offer_id": str(bargain.offer_id),
        "user_id": str(bargain.user_id),
        "product_id": str(bargain.product_id),
        "current_price": bargain.current_price,
        "floor_price": bargain.floor_price,
        "helper_count": bargain.helper_count,
        "status": bargain.status,
        **extra,
    }


# --- offers ----------------------------------------------------------------------------------------------


async def create_offer(session: AsyncSession, actor: Actor, data: BargainOfferIn) -> BargainOffer:
    """A bargain offer on an active SKU of the actor's shop."""
    shop = await commerce.require_shop_owner(session, actor)
    sku, product = await commerce.get_sku_for_sale(session, data.sku_id)
    if sku.shop_id != shop.merchant_id:
        raise NotFound("No such SKU.", code="sku_not_found")
    start = data.start_price if data.start_price is not None else sku.price
    if data.floor_price >= start:
        raise InvalidInput("The floor must be below the start price.", code="invalid_floor")
    offer = BargainOffer(
        id=new_id(),
        merchant_id=shop.merchant_id,
        product_id=product.id,
        sku_id=sku.id,
        title=product.title[:120],
        start_price=start,
        floor_price=data.floor_price,
        max_helpers=data.max_helpers,
        cut_min=data.cut_min,
        cut_max=data.cut_max,
        status="active",
        created_at=clock.now(),
    )
    session.add(offer)
    await session.flush()
    emit(
        session, "groupbuy.bargain_offer.created", {"offer_id": str(offer.id), "product_id": str(product.id)}
    )
    return offer


async def _offer(session: AsyncSession, offer_id: int | str) -> BargainOffer:
    parsed = parse_id(offer_id)
    offer = await session.get(BargainOffer, parsed) if parsed is not None else None
    if offer is None:
        raise offer_not_found()
    return offer


async def end_offer(session: AsyncSession, actor: Actor, offer_id: int | str) -> BargainOffer:
    """The merchant stops new bargains on an offer (bargains already started run their 24 h)."""
    offer = await _offer(session, offer_id)
    if offer.merchant_id != actor.user_id:
        raise offer_not_found()
    offer.status = "ended"
    await session.flush()
    return offer


async def offers_out(session: AsyncSession, offers: Sequence[BargainOffer]) -> list[BargainOfferOut]:
    out = []
    for offer in offers:
        summary = await commerce.product_summary(session, offer.product_id)
        out.append(
            BargainOfferOut(
                id=offer.id,
                merchant_id=offer.merchant_id,
                product=SharedProduct.model_validate(summary),
                sku_id=offer.sku_id,
                title=offer.title,
                start_price=offer.start_price,
                floor_price=offer.floor_price,
                max_helpers=offer.max_helpers,
                cut_min=offer.cut_min,
                cut_max=offer.cut_max,
                status=offer.status,  # type: ignore[arg-type]
                created_at=offer.created_at,
            )
        )
    return out


async def list_offers(
    session: AsyncSession, actor: Actor, *, product_id: int | str | None, mine: bool, page: PageRequest
) -> tuple[list[BargainOfferOut], str | None]:
    """A product's active offers, or (``mine``) the merchant's own offers, newest first."""
    stmt = select(BargainOffer)
    if mine:
        await commerce.require_shop_owner(session, actor)
        stmt = stmt.where(BargainOffer.merchant_id == actor.user_id)
    else:
        parsed = parse_id(product_id) if product_id is not None else None
        if parsed is None:
            raise InvalidInput("Name a product_id (or mine=true).", code="product_id_required")
        stmt = stmt.where(BargainOffer.product_id == parsed, BargainOffer.status == "active")
    if page.after:
        stmt = stmt.where(BargainOffer.id < int(page.after[0]))
    rows = list((await session.scalars(stmt.order_by(BargainOffer.id.desc()).limit(page.limit + 1))).all())
    kept, cursor = page_of(rows, page, lambda offer: offer.id)
    return await offers_out(session, kept), cursor


# --- bargains --------------------------------------------------------------------------------------------


async def start_bargain(session: AsyncSession, actor: Actor, offer_id: int | str) -> Bargain:
    """The actor's bargain on an active offer whose SKU is for sale; one per user and offer (409
    ``bargain_exists`` with its id)."""
    offer = await _offer(session, offer_id)
    if offer.status != "active":
        raise Conflict("This bargain offer has ended.", code="bargain_offer_ended")
    if offer.merchant_id == actor.user_id:
        raise InvalidInput("You cannot bargain in your own shop.", code="cannot_bargain_own")
    await commerce.get_sku_for_sale(session, offer.sku_id)
    now = clock.now()
    bargain_id = new_id()
    inserted = await session.execute(
        insert_for(session, _bargains)
        .values(
            id=bargain_id,
            offer_id=offer.id,
            user_id=actor.user_id,
            merchant_id=offer.merchant_id,
            product_id=offer.product_id,
            sku_id=offer.sku_id,
            start_price=offer.start_price,
            floor_price=offer.floor_price,
            current_price=offer.start_price,
            max_helpers=offer.max_helpers,
            helper_count=0,
            cut_min=offer.cut_min,
            cut_max=offer.cut_max,
            seed=secrets.randbits(62),
            status="active",
            created_at=now,
            expires_at=now + rules.BARGAIN_TTL,
            bought_at=None,
            order_id=None,
        )
        .on_conflict_do_nothing(index_elements=["offer_id", "user_id"])
    )
    if _rowcount(inserted) != 1:
        existing = await session.scalar(
            select(Bargain.id).where(Bargain.offer_id == offer.id, Bargain.user_id == actor.user_id)
        )
        raise Conflict(
            "You already started a bargain on this offer.",
            code="bargain_exists",
            details={"bargain_id": str(existing)},
        )
    bargain = await get_bargain(session, bargain_id)
    await schedule(
        session,
        BARGAIN_EXPIRE_JOB,
        {"bargain_id": str(bargain.id)},
        run_at=bargain.expires_at,
        dedupe_key=f"{BARGAIN_EXPIRE_JOB}:{bargain.id}",
    )
    emit(session, "groupbuy.bargain.started", _event(bargain))
    return bargain


async def get_bargain(session: AsyncSession, bargain_id: int | str, *, lock: bool = False) -> Bargain:
    """Any bargain by id: it is meant to be shared with the owner's friends."""
    parsed = parse_id(bargain_id)
    if parsed is None:
        raise bargain_not_found()
    stmt = select(Bargain).where(Bargain.id == parsed).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    bargain = await session.scalar(stmt)
    if bargain is None:
        raise bargain_not_found()
    return bargain


def _closed(bargain: Bargain) -> AppError | None:
    if bargain.status == "bought":
        return Conflict("This bargain has been bought.", code="bargain_bought")
    if bargain.status == "expired" or bargain.expires_at <= clock.now():
        return Conflict("This bargain's 24 hours are over.", code="bargain_expired")
    return None


async def cut(session: AsyncSession, actor: Actor, bargain_id: int | str) -> tuple[BargainCut, Bargain]:
    """A friend of the owner cuts the price once (403 ``not_a_friend``, 422 ``cannot_cut_own``,
    409 ``already_cut`` / ``bargain_at_floor`` / ``bargain_helpers_full`` / ``bargain_expired``)."""
    bargain = await get_bargain(session, bargain_id, lock=True)
    if bargain.user_id == actor.user_id:
        raise InvalidInput("Ask your friends: you cannot cut your own bargain.", code="cannot_cut_own")
    if not await graph.are_friends(session, bargain.user_id, actor.user_id):
        raise Forbidden("Only the owner's friends can help cut.", code="not_a_friend")
    closed = _closed(bargain)
    if closed is not None:
        raise closed
    if await session.scalar(
        select(BargainCut.id).where(
            BargainCut.bargain_id == bargain.id, BargainCut.helper_id == actor.user_id
        )
    ):
        raise Conflict("You already helped cut this bargain.", code="already_cut")
    if bargain.current_price <= bargain.floor_price:
        raise Conflict("This bargain is already at the floor price.", code="bargain_at_floor")
    if bargain.helper_count >= bargain.max_helpers:
        raise Conflict("This bargain has all the helpers it can take.", code="bargain_helpers_full")
    amount = rules.cut_amount(
        seed=bargain.seed,
        index=bargain.helper_count,
        current_price=bargain.current_price,
        start_price=bargain.start_price,
        floor_price=bargain.floor_price,
        cut_min=bargain.cut_min,
        cut_max=bargain.cut_max,
        max_helpers=bargain.max_helpers,
    )
    price_after = bargain.current_price - amount
    now = clock.now()
    record_id = new_id()
    inserted = await session.execute(
        insert_for(session, _cuts)
        .values(
            id=record_id,
            bargain_id=bargain.id,
            helper_id=actor.user_id,
            amount=amount,
            price_after=price_after,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["bargain_id", "helper_id"])
    )
    if _rowcount(inserted) != 1:
        raise Conflict("You already helped cut this bargain.", code="already_cut")
    moved = await session.execute(
        update(_bargains)
        .where(
            _bargains.c.id == bargain.id,
            _bargains.c.status == "active",
            _bargains.c.current_price == bargain.current_price,
            _bargains.c.helper_count == bargain.helper_count,
        )
        .values(current_price=price_after, helper_count=_bargains.c.helper_count + 1)
    )
    if _rowcount(moved) != 1:  # only without a row lock (never on PostgreSQL or SQLite's writer)
        raise Conflict("The bargain changed; try again.", code="bargain_changed")
    bargain = await get_bargain(session, bargain.id)
    record = await session.get(BargainCut, record_id)
    assert record is not None
    emit(session, "groupbuy.bargain.cut", _event(bargain, helper_id=str(actor.user_id), amount=amount))
    return record, bargain


async def buy(
    session: AsyncSession,
    actor: Actor,
    bargain_id: int | str,
    *,
    address: AddressIn,
    proof: wallet.PinProof | None,
) -> Bargain:
    """The owner buys at the floor price within the 24 hours (see the module docstring)."""
    bargain = await get_bargain(session, bargain_id)
    if bargain.user_id != actor.user_id:
        raise bargain_not_found()
    now = clock.now()
    taken = await BARGAIN.advance(
        session,
        bargain.id,
        "buy",
        where=(_bargains.c.current_price == _bargains.c.floor_price, _bargains.c.expires_at > now),
    )
    if taken is None:
        bargain = await get_bargain(session, bargain.id)
        raise _closed(bargain) or Conflict(
            "Get the price to the floor first.",
            code="bargain_not_at_floor",
            details={"current_price": bargain.current_price, "floor_price": bargain.floor_price},
        )
    sku, _product = await commerce.get_sku_for_sale(session, bargain.sku_id)
    share_link_id, chain = await commerce.attribution_for_purchase(session, actor.user_id, bargain.product_id)
    payment = await wallet.pay_to_escrow(
        session,
        actor,
        bargain.merchant_id,
        bargain.floor_price,
        order_ref=f"bargain:{bargain.id}",
        proof=proof,
    )
    order = await commerce.create_paid_order(
        session,
        buyer_id=actor.user_id,
        shop_id=bargain.merchant_id,
        sku_id=sku.id,
        quantity=1,
        unit_price=bargain.floor_price,
        payment_id=payment.id,
        address=address.model_dump(),
        source="bargain",
        share_link_id=share_link_id,
        attribution_chain=chain,
        reserve_stock=True,
    )
    await session.execute(update(_bargains).where(_bargains.c.id == bargain.id).values(order_id=order.id))
    bargain = await get_bargain(session, bargain.id)
    emit(session, "groupbuy.bargain.bought", _event(bargain, order_id=str(order.id)))
    return bargain


async def expire_bargain(session: AsyncSession, bargain_id: int) -> bool:
    """The 24 hours are over (job): an unbought bargain becomes expired, once."""
    expired = await BARGAIN.advance(
        session, bargain_id, "expire", where=(_bargains.c.expires_at <= clock.now(),)
    )
    if expired is None:
        return False
    emit(session, "groupbuy.bargain.expired", _event(await get_bargain(session, bargain_id)))
    return True


# --- views -----------------------------------------------------------------------------------------------


async def bargain_out(session: AsyncSession, viewer: Actor, bargain: Bargain) -> BargainOut:
    now = clock.now()
    cuts = (
        await session.scalars(
            select(BargainCut).where(BargainCut.bargain_id == bargain.id).order_by(BargainCut.id)
        )
    ).all()
    cards = await identity.get_cards(session, {bargain.user_id} | {c.helper_id for c in cuts})
    summary = await commerce.product_summary(session, bargain.product_id)
    status = bargain.status
    if status == "active" and bargain.expires_at <= now:
        status = "expired"
    at_floor = bargain.current_price <= bargain.floor_price
    is_owner = viewer.user_id == bargain.user_id
    return BargainOut(
        id=bargain.id,
        offer_id=bargain.offer_id,
        owner=cards[bargain.user_id],
        product=SharedProduct.model_validate(summary),
        sku_id=bargain.sku_id,
        start_price=bargain.start_price,
        floor_price=bargain.floor_price,
        current_price=bargain.current_price,
        helper_count=bargain.helper_count,
        max_helpers=bargain.max_helpers,
        status=status,  # type: ignore[arg-type]
        at_floor=at_floor,
        can_buy=is_owner and at_floor and status == "active",
        expires_at=bargain.expires_at,
        seconds_left=seconds_until(bargain.expires_at, now) if status == "active" else 0,
        created_at=bargain.created_at,
        bought_at=bargain.bought_at,
        order_id=bargain.order_id if is_owner else None,
        cuts=[
            BargainCutOut(
                helper=cards[c.helper_id], amount=c.amount, price_after=c.price_after, created_at=c.created_at
            )
            for c in cuts
            if c.helper_id in cards
        ],
        my_cut=next((c.amount for c in cuts if c.helper_id == viewer.user_id), None),
    )


async def view_bargain(session: AsyncSession, viewer: Actor, bargain_id: int | str) -> BargainOut:
    return await bargain_out(session, viewer, await get_bargain(session, bargain_id))


async def cut_out(session: AsyncSession, viewer: Actor, record: BargainCut, bargain: Bargain) -> CutOut:
    return CutOut(
        amount=record.amount,
        price_after=record.price_after,
        bargain=await bargain_out(session, viewer, bargain),
    )


async def my_bargains(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[BargainOut], str | None]:
    stmt = select(Bargain).where(Bargain.user_id == actor.user_id)
    if page.after:
        stmt = stmt.where(Bargain.id < int(page.after[0]))
    rows = list((await session.scalars(stmt.order_by(Bargain.id.desc()).limit(page.limit + 1))).all())
    kept, cursor = page_of(rows, page, lambda bargain: bargain.id)
    return [await bargain_out(session, actor, bargain) for bargain in kept], cursor
