"""Orders that another domain has already been paid for (group-buy teams, bargains), and the SKU
stock a group deal sets aside. Owned by the groupbuy work (H8); the orders land in the same tables as
checkout's, in status ``paid``, so shipping, confirmation, settlement and refunds then follow the
normal order flow (`quanzi.commerce.orders`).

- `allot_stock` / `return_stock`: a deal takes its units out of the SKU's sellable stock when it is
  created (``stock = stock - :q WHERE stock >= :q``) and gives back what it did not sell; so a
  succeeded team's orders never need stock that is no longer there, and the SKU is never oversold.
- `create_paid_order`: one order of one line, paid by `payment_id` (an escrow payment the caller made
  in the same transaction). With ``reserve_stock=True`` (a bargain) it reserves the SKU's stock like
  checkout does; a deal's orders pass False (their unit was allotted to the deal).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce.models.catalog import Product, Sku
from quanzi.commerce.models.orders import Order, OrderItem
from quanzi.core import clock
from quanzi.core.db import run_last
from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.core.ids import new_id
from quanzi.core.outbox import emit

ORDER_SOURCES = ("groupbuy", "bargain")


def _out_of_stock(sku_id: int, stock: int | None) -> Conflict:
    return Conflict(
        "There is not enough stock left.",
        code="out_of_stock",
        details={"sku_id": str(sku_id), "stock": stock or 0},
    )


async def sku_and_product(session: AsyncSession, sku_id: int) -> tuple[Sku, Product]:
    """The SKU and its product whatever their status (for showing a deal or bargain made on it)."""
    row = (
        await session.execute(
            select(Sku, Product).join(Product, Product.id == Sku.product_id).where(Sku.id == sku_id)
        )
    ).first()
    if row is None:
        raise NotFound("No such SKU.", code="sku_not_found")
    return row[0], row[1]


async def allot_stock(session: AsyncSession, sku_id: int, quantity: int) -> None:
    """Take `quantity` units out of the SKU's sellable stock (409 ``out_of_stock`` if it lacks them)."""
    if quantity <= 0:
        raise InvalidInput("The quantity must be positive.", code="invalid_quantity")
    result = await session.execute(
        update(Sku)
        .where(Sku.id == sku_id, Sku.stock >= quantity)
        .values(stock=Sku.stock - quantity)
        .returning(Sku.stock)
        .execution_options(synchronize_session=False)
    )
    if result.scalar() is None:
        raise _out_of_stock(sku_id, await session.scalar(select(Sku.stock).where(Sku.id == sku_id)))


async def return_stock(session: AsyncSession, sku_id: int, quantity: int) -> None:
    """Give `quantity` units back to the SKU's sellable stock."""
    if quantity > 0:
        await session.execute(
            update(Sku)
            .where(Sku.id == sku_id)
            .values(stock=Sku.stock + quantity)
            .execution_options(synchronize_session=False)
        )


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
    """A paid order of one line for `buyer_id` from `shop_id`'s SKU at `unit_price` (fen).

    The caller has moved the money (`payment_id`, into the shop's escrow) in the same transaction and
    vouches for the price; this only records the order, counts the sale and tells the shop."""
    if source not in ORDER_SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(ORDER_SOURCES)}.", code="invalid_source")
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
    now = clock.now()
    order = Order(
        id=new_id(),
        buyer_id=buyer_id,
        shop_id=shop_id,
        status="paid",
        total=unit_price * quantity,
        refunded_amount=0,
        payment_id=payment_id,
        address=dict(address),
        note="",
        carrier=None,
        tracking_number=None,
        share_link_id=share_link_id,
        attribution_chain=list(attribution_chain),
        created_at=now,
        paid_at=now,
        shipped_at=None,
        delivered_at=None,
        completed_at=None,
        cancelled_at=None,
        cancel_reason=None,
    )
    session.add(order)
    await session.flush()
    image_keys = list(product.image_keys or [])
    session.add(
        OrderItem(
            id=new_id(),
            order_id=order.id,
            product_id=product.id,
            sku_id=sku.id,
            title=product.title,
            sku_name=sku.name,
            unit_price=unit_price,
            quantity=quantity,
            image_key=str(image_keys[0]) if image_keys else None,
        )
    )
    await session.flush()
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
