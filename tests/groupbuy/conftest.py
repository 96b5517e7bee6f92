"""Helpers for the group-buy tests: the commerce `ShopDriver` (merchants, products, funded buyers) and a
`GroupDriver` over the group-buy routes, as clients use them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.commerce.conftest import PIN, V1, ShopDriver, shop, wallet
from tests.wallet.conftest import Wallet

__all__ = ["ADDRESS", "PIN", "V1", "GroupDriver", "group", "shop", "wallet"]

ADDRESS = {"name": "Lin Mei", "phone": "13800000000", "line": "1 Nanjing Road, Shanghai"}


class GroupDriver:
    def __init__(self, shop: ShopDriver) -> None:
        self.shop = shop
        self.wallet: Wallet = shop.wallet
        self.client: httpx.AsyncClient = shop.client

    async def deal(
        self,
        merchant: Any,
        *,
        price: int = 50_00,
        group_price: int = 30_00,
        team_size: int = 2,
        stock: int = 10,
        product_stock: int = 100,
        **extra: Any,
    ) -> dict[str, Any]:
        product = await self.shop.product(merchant, price=price, stock=product_stock)
        response = await self.client.post(
            f"{V1}/deals",
            json={
                "sku_id": product["skus"][0]["id"],
                "group_price": group_price,
                "team_size": team_size,
                "stock": stock,
                **extra,
            },
            headers={**merchant.headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def open(
        self, user: Any, deal_id: str, *, key: str | None = None, pin: str = PIN
    ) -> httpx.Response:
        return await self.client.post(
            f"{V1}/deals/{deal_id}/teams",
            json={"pin": pin, "address": ADDRESS},
            headers={**user.headers, "Idempotency-Key": key or uuid.uuid4().hex},
        )

    async def opened(self, user: Any, deal_id: str) -> dict[str, Any]:
        response = await self.open(user, deal_id)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def join(
        self, user: Any, team_id: str, *, key: str | None = None, pin: str = PIN
    ) -> httpx.Response:
        return await self.client.post(
            f"{V1}/teams/{team_id}/join",
            json={"pin": pin, "address": ADDRESS},
            headers={**user.headers, "Idempotency-Key": key or uuid.uuid4().hex},
        )

    async def team(self, user: Any, team_id: str) -> dict[str, Any]:
        response = await self.client.get(f"{V1}/teams/{team_id}", headers=user.headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def sku_stock(self, merchant: Any, product_id: str) -> int:
        response = await self.client.get(f"{V1}/products/{product_id}", headers=merchant.headers)
        assert response.status_code == 200, response.text
        return int(response.json()["skus"][0]["stock"])


@pytest.fixture
def group(shop: ShopDriver) -> GroupDriver:
    return GroupDriver(shop)
