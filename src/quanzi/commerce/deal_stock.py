"""The SKU stock a group deal sets aside, for group buying.

`allot_stock` / `return_stock`: a deal takes its units out of the SKU's sellable stock when it is
created (``stock = stock - :q WHERE stock >= :q``) and gives back what it did not sell; so a succeeded
team's orders never need stock that is no longer there, and the SKU is never oversold. The orders
themselves come from the one order factory (`order_factory.create_paid_order`).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce.models.catalog import Product, Sku
from quanzi.core.errors import Conflict, InvalidInput, NotFound


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
