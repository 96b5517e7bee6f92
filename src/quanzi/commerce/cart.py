"""The shopping cart (ORD-1): one line per (user, SKU), grouped by shop when shown.

A line keeps only the SKU, the quantity and the share token it was added through; prices, titles and
stock are read live when the cart is shown (a line whose SKU is no longer on sale, or that asks for
more than is left, shows ``available: false`` and is not counted in the total). Adding a SKU already
in the cart adds to its line (one upsert: two quick taps cannot make two lines).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import rules
from quanzi.commerce.catalog import get_sku_for_sale
from quanzi.commerce.models.catalog import Product, Sku
from quanzi.commerce.models.orders import CartItem
from quanzi.commerce.orders import image_url, shop_names
from quanzi.commerce.schemas.orders import CartLineOut, CartOut, CartShop, CartShopOut
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CartItem)


def _too_many(quantity: int = rules.MAX_QUANTITY_PER_LINE) -> InvalidInput:
    return InvalidInput(
        f"At most {quantity} of one item in the cart.",
        code="quantity_too_large",
        details={"max": rules.MAX_QUANTITY_PER_LINE},
    )


async def add_item(
    session: AsyncSession, actor: Actor, sku_id: int | str, quantity: int, *, share_token: str | None = None
) -> CartOut:
    """Put `quantity` of an on-sale SKU in the cart (added to its line if there is one)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput("A quantity is a whole number of at least 1.", code="invalid_quantity")
    if quantity > rules.MAX_QUANTITY_PER_LINE:
        raise _too_many()
    sku, _product = await get_sku_for_sale(session, sku_id)
    if sku.shop_id == actor.user_id:
        raise InvalidInput("You cannot buy from your own shop.", code="cannot_buy_own_product")
    lines = await session.scalar(
        select(func.count()).select_from(CartItem).where(CartItem.user_id == actor.user_id)
    )
    statement = _insert(session).values(
        id=new_id(),
        user_id=actor.user_id,
        sku_id=sku.id,
        quantity=quantity,
        share_token=share_token,
        added_at=clock.now(),
    )
    existing = CartItem.__table__.c  # type: ignore[attr-defined]
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["user_id", "sku_id"],
        set_={
            "quantity": existing.quantity + excluded.quantity,
            "share_token": func.coalesce(excluded.share_token, existing.share_token),
        },
        where=existing.quantity + excluded.quantity <= rules.MAX_QUANTITY_PER_LINE,
    )
    # A new line past the cart's size is refused; adding to an existing line is always fine.
    if (lines or 0) >= rules.MAX_CART_LINES and await _line_for(session, actor, sku.id) is None:
        raise InvalidInput(f"The cart holds at most {rules.MAX_CART_LINES} items.", code="cart_full")
    result = await session.execute(statement)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _too_many()
    return await get_cart(session, actor)


async def _line_for(session: AsyncSession, actor: Actor, sku_id: int) -> CartItem | None:
    line: CartItem | None = await session.scalar(
        select(CartItem).where(CartItem.user_id == actor.user_id, CartItem.sku_id == sku_id)
    )
    return line


async def _own_line(session: AsyncSession, actor: Actor, item_id: int | str) -> CartItem:
    parsed = parse_id(item_id)
    line = await session.get(CartItem, parsed) if parsed is not None else None
    if line is None or line.user_id != actor.user_id:
        raise NotFound("No such cart item.", code="cart_item_not_found")
    return line


async def set_quantity(session: AsyncSession, actor: Actor, item_id: int | str, quantity: int) -> CartOut:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput("A quantity is a whole number of at least 1.", code="invalid_quantity")
    if quantity > rules.MAX_QUANTITY_PER_LINE:
        raise _too_many()
    line = await _own_line(session, actor, item_id)
    await session.execute(
        update(CartItem)
        .where(CartItem.id == line.id)
        .values(quantity=quantity)
        .execution_options(synchronize_session=False)
    )
    return await get_cart(session, actor)


async def remove_item(session: AsyncSession, actor: Actor, item_id: int | str) -> CartOut:
    line = await _own_line(session, actor, item_id)
    await session.execute(
        delete(CartItem).where(CartItem.id == line.id).execution_options(synchronize_session=False)
    )
    return await get_cart(session, actor)


async def get_cart(session: AsyncSession, actor: Actor) -> CartOut:
    """The actor's cart, shops in the order their first line was added, lines newest first."""
    rows = (
        await session.execute(
            select(CartItem, Sku, Product)
            .join(Sku, Sku.id == CartItem.sku_id)
            .join(Product, Product.id == Sku.product_id)
            .where(CartItem.user_id == actor.user_id)
            .order_by(CartItem.id.desc())
            .execution_options(populate_existing=True)
        )
    ).all()
    names = await shop_names(session, {sku.shop_id for _line, sku, _product in rows})
    by_shop: dict[int, list[CartLineOut]] = defaultdict(list)
    total = 0
    for line, sku, product in rows:
        available = bool(sku.active) and product.status == "active" and sku.stock >= line.quantity
        if available:
            total += sku.price * line.quantity
        keys = product.image_keys or []
        by_shop[sku.shop_id].append(
            CartLineOut(
                id=line.id,
                sku_id=sku.id,
                product_id=product.id,
                title=product.title,
                sku_name=sku.name,
                unit_price=sku.price,
                quantity=line.quantity,
                image_url=image_url(str(keys[0])) if keys else None,
                stock=sku.stock,
                available=available,
            )
        )
    return CartOut(
        shops=[
            CartShopOut(shop=CartShop(id=shop_id, name=names.get(shop_id, "")), items=items)
            for shop_id, items in by_shop.items()
        ],
        total=total,
    )
