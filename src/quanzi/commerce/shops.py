"""Shops (SHP-1, SHP-2): a merchant's shop is its official account, one per merchant, keyed by the
merchant's user id.

- Only accounts of kind ``merchant`` have a shop; ``PUT /shops/me`` creates it on the first call and
  updates it afterwards. Anyone else managing a shop is 403 ``not_a_merchant``; a merchant acting on
  its shop before creating it is 409 ``shop_required``.
- Following a shop is following the merchant's account in the social graph (`graph.service.follow`),
  so blocks and the follow events work as for any account; the shop's follower count is the
  merchant's follower count.
- The public list of shops (``GET /shops``) shows verified merchants' shops only; a shop's own page
  answers for any merchant's shop.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce.models.catalog import Product, Shop
from quanzi.commerce.schemas.catalog import ShopIn, ShopOut, ShopRef
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from quanzi.core.ids import parse_id
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, encode_cursor
from quanzi.graph import service as graph
from quanzi.identity import service as identity
from quanzi.identity.schemas import UserCard


def clean_text(value: str, field: str, *, required: bool = True) -> str:
    """`value` trimmed; InvalidInput ``<field>_required`` when it is blank and must not be."""
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidInput(f"{field} must not be blank.", code=f"{field}_required")
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in cleaned):
        raise InvalidInput(f"{field} contains control characters.", code=f"invalid_{field}")
    return cleaned


def _shop_not_found() -> NotFound:
    return NotFound("No such shop.", code="shop_not_found")


async def get_shop(session: AsyncSession, shop_id: int | str, *, lock: bool = False) -> Shop:
    """The shop with this id (its merchant's user id), or 404 ``shop_not_found``."""
    parsed = parse_id(shop_id)
    if parsed is None:
        raise _shop_not_found()
    stmt = select(Shop).where(Shop.merchant_id == parsed)
    if lock:
        stmt = stmt.with_for_update()
    shop = await session.scalar(stmt)
    if shop is None:
        raise _shop_not_found()
    return shop


async def require_shop_owner(
    session: AsyncSession, actor: Actor, shop_id: int | str | None = None, *, lock: bool = False
) -> Shop:
    """The actor's own shop: 403 ``not_a_merchant`` for non-merchants, 409 ``shop_required`` before
    the merchant has created it, 403 ``not_shop_owner`` when `shop_id` names another shop. `lock`
    holds the shop row until the transaction ends (serializes the shop's own changes)."""
    if actor.kind != "merchant":
        raise Forbidden("Only merchant accounts run a shop.", code="not_a_merchant")
    if shop_id is not None and parse_id(shop_id) != actor.user_id:
        raise Forbidden("This is not your shop.", code="not_shop_owner")
    stmt = select(Shop).where(Shop.merchant_id == actor.user_id)
    if lock:
        stmt = stmt.with_for_update()
    shop = await session.scalar(stmt)
    if shop is None:
        raise Conflict("Create your shop first (PUT /shops/me).", code="shop_required")
    return shop


def _ref(shop: Shop, card: UserCard | None) -> ShopRef:
    return ShopRef(
        id=shop.merchant_id,
        name=shop.name,
        avatar_url=card.avatar_url if card else None,
        verified=bool(card and card.merchant_verified),
    )


async def shop_refs(
    session: AsyncSession, shop_ids: Iterable[int], *, shops: Iterable[Shop] | None = None
) -> dict[int, ShopRef]:
    """What a product card or a broadcast shows of its shop, per shop id: the owners' cards, and the
    shops unless the caller read them with its own rows (`shops`)."""
    ids = set(shop_ids)
    if not ids:
        return {}
    if shops is None:
        shops = (await session.scalars(select(Shop).where(Shop.merchant_id.in_(ids)))).all()
    cards = await identity.get_cards(session, ids)
    return {shop.merchant_id: _ref(shop, cards.get(shop.merchant_id)) for shop in shops}


def _active_products() -> ColumnElement[int]:
    """A shop's active products, counted in the query that reads the shop."""
    return (
        select(func.count())
        .select_from(Product)
        .where(Product.shop_id == Shop.merchant_id, Product.status == "active")
        .scalar_subquery()
    )


async def shops_out(
    session: AsyncSession, actor: Actor | None, shops: list[tuple[Shop, int]]
) -> list[ShopOut]:
    """Views of (shop, active product count) pairs: two queries whatever their number (owners'
    cards, followers and whether the actor follows)."""
    ids = [shop.merchant_id for shop, _ in shops]
    cards = await identity.get_cards(session, ids)
    stats = await graph.follower_stats(session, ids, actor.user_id if actor else None)
    return [
        ShopOut(
            **_ref(shop, cards.get(shop.merchant_id)).model_dump(),
            intro=shop.intro,
            follower_count=stats[shop.merchant_id][0],
            product_count=int(products or 0),
            following=stats[shop.merchant_id][1],
            created_at=shop.created_at,
        )
        for shop, products in shops
    ]


async def shop_out(session: AsyncSession, actor: Actor | None, shop: Shop) -> ShopOut:
    products = await session.scalar(
        select(func.count())
        .select_from(Product)
        .where(Product.shop_id == shop.merchant_id, Product.status == "active")
    )
    return (await shops_out(session, actor, [(shop, int(products or 0))]))[0]


async def set_verified(session: AsyncSession, merchant_id: int, verified: bool) -> None:
    """Follow an operator's verification of the merchant (the identity domain's event)."""
    await session.execute(update(Shop).where(Shop.merchant_id == merchant_id).values(verified=verified))


async def save_my_shop(session: AsyncSession, actor: Actor, data: ShopIn) -> ShopOut:
    """Create the merchant's shop on the first call, update its name and intro afterwards."""
    if actor.kind != "merchant":
        raise Forbidden("Only merchant accounts run a shop.", code="not_a_merchant")
    name = clean_text(data.name, "name")
    intro = clean_text(data.intro, "intro", required=False)
    now = clock.now()
    shop = await session.scalar(select(Shop).where(Shop.merchant_id == actor.user_id).with_for_update())
    if shop is None:
        await identity.lock_users(session, [actor.user_id])  # two first calls: one creates, one updates
        shop = await session.get(Shop, actor.user_id)
    if shop is None:
        verified = (await identity.require_user(session, actor.user_id)).merchant_verified_at is not None
        shop = Shop(
            merchant_id=actor.user_id,
            name=name,
            intro=intro,
            verified=verified,
            created_at=now,
            updated_at=now,
        )
        session.add(shop)
        await session.flush()
        emit(session, "commerce.shop.created", {"shop_id": str(actor.user_id)})
    else:
        shop.name, shop.intro, shop.updated_at = name, intro, now
        emit(session, "commerce.shop.updated", {"shop_id": str(actor.user_id)})
    return await shop_out(session, actor, shop)


async def view_shop(session: AsyncSession, actor: Actor, shop_id: int | str) -> ShopOut:
    parsed = parse_id(shop_id)
    row = (
        (await session.execute(select(Shop, _active_products()).where(Shop.merchant_id == parsed))).first()
        if parsed is not None
        else None
    )
    if row is None:
        raise _shop_not_found()
    return (await shops_out(session, actor, [(row[0], row[1])]))[0]


async def list_shops(
    session: AsyncSession, actor: Actor, query: str | None, page: PageRequest
) -> tuple[list[ShopOut], str | None]:
    """Verified merchants' shops, newest first, optionally whose name contains `query`: three
    queries whatever the page's length."""
    after: int | None = None
    if page.after:
        if len(page.after) != 1 or not isinstance(page.after[0], int):
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        after = page.after[0]
    needle = "".join(ch for ch in query or "" if unicodedata.category(ch) not in ("Cc", "Cs"))
    needle = needle.strip().casefold()
    stmt = (
        select(Shop, _active_products())
        .where(Shop.verified.is_(True))
        .order_by(Shop.merchant_id.desc())
        .limit(page.limit + 1)
    )
    if after is not None:
        stmt = stmt.where(Shop.merchant_id < after)
    if needle:
        stmt = stmt.where(func.lower(Shop.name).contains(needle, autoescape=True))
    rows = [(shop, int(products or 0)) for shop, products in (await session.execute(stmt)).all()]
    next_cursor = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        next_cursor = encode_cursor(rows[-1][0].merchant_id)
    return await shops_out(session, actor, rows), next_cursor


async def follow_shop(session: AsyncSession, actor: Actor, shop_id: int | str) -> ShopOut:
    """Follow the shop's official account (idempotent). Your own shop: 422 ``cannot_follow_self``."""
    shop = await get_shop(session, shop_id)
    await graph.follow(session, actor, shop.merchant_id)
    return await shop_out(session, actor, shop)


async def unfollow_shop(session: AsyncSession, actor: Actor, shop_id: int | str) -> ShopOut:
    shop = await get_shop(session, shop_id)
    await graph.unfollow(session, actor, shop.merchant_id)
    return await shop_out(session, actor, shop)


async def list_my_followers(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[UserCard], str | None]:
    """The followers of the actor's shop (its merchant account), most recent first."""
    await require_shop_owner(session, actor)
    return await graph.list_followers(session, actor, page)
