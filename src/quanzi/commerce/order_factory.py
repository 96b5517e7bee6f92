"""The one order factory: every order — a checkout's, and those born paid for a group-buy team or a
bargain — is made by `insert_order`, so they all land in the same rows with the same fields, and then
ship, complete, settle and refund through the one declared lifecycle (`orders.LIFECYCLE`).

An order's `source` says where it came from (``cart`` | ``group`` | ``bargain``, `ORDER_SOURCES`). A
checkout's order is born ``pending_payment`` and paid later by its buyer; a team's or a bargain's is
born ``paid``: the other domain moved the money in the same transaction (`create_paid_order`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce.deal_stock import allot_stock
from quanzi.commerce.models.catalog import Product, Sku
from quanzi.commerce.models.orders import ORDER_SOURCES, Order, OrderItem
from quanzi.core import clock
from quanzi.core.db import run_last
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.core.ids import new_id
from quanzi.core.outbox import emit

# The sources whose orders are paid before they exist (a checkout's never is).
BORN_PAID = tuple(source for source in ORDER_SOURCES if source != "cart")


@dataclass(frozen=True)
class OrderLine:
    sku: Sku
    product: Product
    quantity: int
    unit_price: int


async def insert_order(
    session: AsyncSession,
    *,
    buyer_id: int,
    shop_id: int,
    lines: Sequence[OrderLine],
    address: Mapping[str, Any],
    source: str,
    now: datetime,
    note: str = "",
    payment_id: int | None = None,
    share_link_id: int | None = None,
    attribution_chain: Sequence[str] = (),
) -> tuple[Order, list[OrderItem]]:
    """Write an order and its lines (returned, so that an answer needs not read them back). Paid (born
    ``paid`` at `now`) exactly when `payment_id` is given, which only the born-paid sources may do; the
    caller has checked the lines, the stock and the price."""
    if source not in ORDER_SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(ORDER_SOURCES)}.", code="invalid_source")
    if (payment_id is not None) != (source in BORN_PAID):
        raise InvalidInput(f"An order from {source!r} cannot be made in that state.", code="invalid_source")
    order = Order(
        id=new_id(),
        buyer_id=buyer_id,
        shop_id=shop_id,
        status="pending_payment" if payment_id is None else "paid",
        source=source,
        total=sum(line.unit_price * line.quantity for line in lines),
        refunded_amount=0,
        payment_id=payment_id,
        address=dict(address),
        note=note[:200],
        carrier=None,
        tracking_number=None,
        share_link_id=share_link_id,
        attribution_chain=list(attribution_chain),
        created_at=now,
        paid_at=None if payment_id is None else now,
    )
    session.add(order)
    await session.flush()
    items = [
        OrderItem(
            id=new_id(),
            order_id=order.id,
            product_id=line.product.id,
            sku_id=line.sku.id,
            title=line.product.title,
            sku_name=line.sku.name,
            unit_price=line.unit_price,
            quantity=line.quantity,
            image_key=str(line.product.image_keys[0]) if line.product.image_keys else None,
        )
        for line in lines
    ]
    session.add_all(items)
    await session.flush()
    return order, items


async def create_paid_order(
    session: AsyncSession,
    *,
    buyer_id: int,
    shop_id: int,
    sku_id: int,
    quantity: int,
    unit_price: int,
    payment_id: int,
    address: dict[str, Any],
    source: str,
    share_link_id: int | None = None,
    attribution_chain: Sequence[str] = (),
    reserve_stock: bool = False,
) -> Order:
    """A paid order of one line for `buyer_id` from `shop_id`'s SKU at `unit_price` (fen), for a
    group-buy team or a bargain (`source`). With ``reserve_stock=True`` (a bargain) the SKU's stock is
    reserved as a checkout's is; a deal's orders pass False (their unit was allotted to the deal).

    The caller has moved the money (`payment_id`, into the shop's escrow) in the same transaction and
    vouches for the price; this only records the order, counts the sale and tells the shop."""
    if source not in BORN_PAID:
        raise InvalidInput(f"source must be one of {', '.join(BORN_PAID)}.", code="invalid_source")
    if quantity <= 0 or unit_price <= 0:
        raise InvalidInput("Quantity and price must be positive.", code="invalid_quantity")
    row = (
        await session.execute(
            select(Sku, Product).join(Product, Product.id == Sku.product_id).where(Sku.id == sku_id)
        )
    ).first()
    if row is None or row[0].shop_id != shop_id:
        raise NotFound("No such product.", code="sku_not_found")
    sku, product = row
    product_id = product.id

    async def take_and_count(session: AsyncSession) -> None:
        if reserve_stock:
            await allot_stock(session, sku_id, quantity)
        await session.execute(
            update(Sku)
            .where(Sku.id == sku_id)
            .values(sold=Sku.sold + quantity)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(sales_count=Product.sales_count + quantity)
            .execution_options(synchronize_session=False)
        )

    # The SKU's row is shared by every sale of it: written right before the commit, after the
    # payment's escrow posting (the order a refund takes them in). Out of stock still refuses it all.
    await run_last(session, take_and_count)
    order, _items = await insert_order(
        session,
        buyer_id=buyer_id,
        shop_id=shop_id,
        lines=[OrderLine(sku, product, quantity, unit_price)],
        address=address,
        source=source,
        now=clock.now(),
        payment_id=payment_id,
        share_link_id=share_link_id,
        attribution_chain=attribution_chain,
    )
    emit(
        session,
        "commerce.order.paid",
        {
            "order_id": str(order.id),
            "buyer_id": str(buyer_id),
            "shop_id": str(shop_id),
            "status": order.status,
            "total": order.total,
            "refunded_amount": 0,
            "payment_id": str(payment_id),
            "source": source,
        },
    )
    return order
