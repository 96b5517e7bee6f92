"""Helpers for the commerce tests: a `ShopDriver` that sets up shops, products and funded buyers through
the public API, as clients do, and the wallet driver for money and jobs."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx
import pytest

from tests.wallet.conftest import PIN, Wallet

V1 = "/api/v1"
_names = itertools.count(1)

__all__ = ["PIN", "V1", "ShopDriver", "shop", "wallet"]


class ShopDriver:
    """Merchants with a shop, products with one SKU each, buyers with a PIN and money, orders."""

    def __init__(self, wallet: Wallet) -> None:
        self.wallet = wallet
        self.client: httpx.AsyncClient = wallet.client

    async def merchant(self, name: str | None = None, *, shop_name: str | None = None) -> Any:
        merchant = await self.wallet.user(name or f"shop{next(_names)}", kind="merchant")
        response = await self.client.put(
            f"{V1}/shops/me",
            json={"name": shop_name or f"{merchant.username} 旗舰店", "intro": "Quality goods"},
            headers=merchant.headers,
        )
        assert response.status_code == 200, response.text
        return merchant

    async def product(
        self,
        merchant: Any,
        *,
        price: int = 19_99,
        stock: int = 10,
        title: str | None = None,
        description: str = "A product for testing.",
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"{V1}/products",
            json={
                "title": title or f"Thermos cup {next(_names)}",
                "description": description,
                "skus": [{"name": "Standard", "price": price, "stock": stock}],
            },
            headers=merchant.headers,
        )
        assert response.status_code == 201, response.text
        product: dict[str, Any] = response.json()
        if product["status"] != "active":
            published = await self.client.patch(
                f"{V1}/products/{product['id']}", json={"status": "active"}, headers=merchant.headers
            )
            assert published.status_code == 200, published.text
            product = published.json()
        return product

    async def buyer(self, name: str | None = None, *, money: int = 100_00) -> Any:
        buyer = await self.wallet.user(name or f"buyer{next(_names)}")
        if money:
            await self.wallet.top_up(buyer, money)
        return buyer

    async def order(
        self, buyer: Any, sku_id: str, quantity: int = 1, *, key: str | None = None
    ) -> httpx.Response:
        return await self.client.post(
            f"{V1}/orders",
            json={
                "items": [{"sku_id": sku_id, "quantity": quantity}],
                "address": {"name": "Lin Mei", "phone": "13800000000", "line": "1 Nanjing Road, Shanghai"},
            },
            headers={**buyer.headers, "Idempotency-Key": key or uuid.uuid4().hex},
        )

    async def ordered(self, buyer: Any, sku_id: str, quantity: int = 1) -> dict[str, Any]:
        response = await self.order(buyer, sku_id, quantity)
        assert response.status_code == 201, response.text
        orders: list[dict[str, Any]] = response.json()["orders"]
        assert len(orders) == 1
        return orders[0]

    async def pay(self, buyer: Any, order_id: str, *, pin: str = PIN) -> httpx.Response:
        return await self.client.post(
            f"{V1}/orders/{order_id}/pay",
            json={"pin": pin},
            headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
        )

    async def paid_order(self, buyer: Any, sku_id: str, quantity: int = 1) -> dict[str, Any]:
        order = await self.ordered(buyer, sku_id, quantity)
        response = await self.pay(buyer, order["id"])
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def completed_order(self, buyer: Any, merchant: Any, sku_id: str) -> dict[str, Any]:
        """Bought, paid, shipped by the merchant and confirmed by the buyer."""
        order = await self.paid_order(buyer, sku_id)
        shipped = await self.client.post(
            f"{V1}/orders/{order['id']}/ship",
            json={"carrier": "SF Express", "tracking_number": "SF1234567890"},
            headers=merchant.headers,
        )
        assert shipped.status_code == 200, shipped.text
        confirmed = await self.client.post(
            f"{V1}/orders/{order['id']}/confirm",
            headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert confirmed.status_code == 200, confirmed.text
        return confirmed.json()  # type: ignore[no-any-return]


@pytest.fixture
def wallet(app: Any, client: httpx.AsyncClient, users: Any) -> Wallet:
    return Wallet(app, client, users)


@pytest.fixture
def shop(wallet: Wallet) -> ShopDriver:
    return ShopDriver(wallet)
