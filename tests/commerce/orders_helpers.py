"""Helpers of the order tests (test_orders_*.py): a scene of one shop, one product and a funded buyer,
HTTP shortcuts for the order routes, and money and stock read straight from the books."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from quanzi.commerce.models.catalog import Product, Sku
from quanzi.commerce.models.orders import Order
from quanzi.core.outbox import OutboxEvent
from quanzi.wallet.check import check_ledger
from quanzi.wallet.ledger import balance_of
from quanzi.wallet.models import ESCROW, FEE, MERCHANT, PLATFORM
from tests.commerce.conftest import V1, ShopDriver

ADDRESS = {"name": "Lin Mei", "phone": "13800000000", "line": "1 Nanjing Road, Shanghai"}


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


@dataclass
class Scene:
    shop: ShopDriver
    merchant: Any
    buyer: Any
    product: dict[str, Any]

    @property
    def sku_id(self) -> str:
        return str(self.product["skus"][0]["id"])

    @property
    def client(self) -> httpx.AsyncClient:
        return self.shop.client

    @property
    def db(self) -> Any:
        return self.shop.wallet.db

    async def post(
        self, path: str, user: Any, body: dict[str, Any] | None = None, **headers: str
    ) -> httpx.Response:
        # A fresh Idempotency-Key unless the test names one: routes that move money or stock need it.
        return await self.client.post(f"{V1}{path}", json=body, headers={**user.headers, **key(), **headers})

    async def get(self, path: str, user: Any, **params: Any) -> httpx.Response:
        return await self.client.get(f"{V1}{path}", params=params, headers=user.headers)

    async def ship(self, order_id: str, user: Any | None = None) -> httpx.Response:
        return await self.post(
            f"/orders/{order_id}/ship",
            user or self.merchant,
            {"carrier": "SF Express", "tracking_number": "SF1234567890"},
        )

    async def order(self, order_id: str, user: Any | None = None) -> dict[str, Any]:
        response = await self.get(f"/orders/{order_id}", user or self.buyer)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def run_jobs(self) -> int:
        return await self.shop.wallet.run_jobs()

    async def stock(self, sku_id: str | None = None) -> tuple[int, int]:
        """(stock, sold) of the SKU."""
        async with self.db.read() as session:
            row = (
                await session.execute(select(Sku.stock, Sku.sold).where(Sku.id == int(sku_id or self.sku_id)))
            ).one()
        return int(row[0]), int(row[1])

    async def sales_count(self) -> int:
        async with self.db.read() as session:
            return int(
                await session.scalar(select(Product.sales_count).where(Product.id == int(self.product["id"])))
                or 0
            )

    async def money(self, buyer: Any | None = None) -> tuple[int, int, int, int]:
        """(buyer wallet, shop escrow, shop merchant account, platform fees)."""
        buyer = buyer or self.buyer
        merchant_id = int(self.merchant.id)
        async with self.db.read() as session:
            return (
                await balance_of(session, int(buyer.id)),
                await balance_of(session, merchant_id, ESCROW),
                await balance_of(session, merchant_id, MERCHANT),
                await balance_of(session, PLATFORM, FEE),
            )

    async def topics(self) -> list[str]:
        async with self.db.read() as session:
            rows = await session.scalars(
                select(OutboxEvent.topic).where(OutboxEvent.topic.like("commerce.%")).order_by(OutboxEvent.id)
            )
            return [topic for topic in rows if topic.startswith(("commerce.order.", "commerce.refund."))]

    async def order_count(self) -> int:
        async with self.db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(Order)) or 0)

    async def assert_books_balance(self) -> None:
        assert await check_ledger(self.db) == []


async def scene(shop: ShopDriver, *, price: int = 19_99, stock: int = 10, money: int = 100_00) -> Scene:
    merchant = await shop.merchant()
    product = await shop.product(merchant, price=price, stock=stock)
    buyer = await shop.buyer(money=money)
    return Scene(shop, merchant, buyer, product)


async def order_sources(db: Any, order_ids: Any) -> dict[str, str]:
    """Where each order came from (its `source` column), by order id as the API sends it."""
    async with db.read() as session:
        rows = await session.execute(
            select(Order.id, Order.source).where(Order.id.in_([int(i) for i in order_ids]))
        )
        return {str(order_id): source for order_id, source in rows}
