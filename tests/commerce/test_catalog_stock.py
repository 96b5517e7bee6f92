"""Stock never goes below zero, also when many adjustments race (run it on PostgreSQL too).

Twenty at once: enough to race, and within the PostgreSQL pool (30 connections) so that no request
waits out the pool timeout on a busy machine."""

from __future__ import annotations

import asyncio

from tests.commerce.catalog_helpers import Catalog, catalog_fixture, error_code  # noqa: F401


async def test_concurrent_stock_removals_never_oversell(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    product = await catalog.product(merchant, skus=[{"name": "Only", "price": 100, "stock": 10}])
    sku = product["skus"][0]["id"]

    async def remove(units: int) -> tuple[int, bool]:
        response = await catalog.post(merchant, f"/skus/{sku}/stock", {"delta": -units})
        assert response.status_code in {200, 409}, response.text
        if response.status_code == 409:
            assert error_code(response) == "insufficient_stock"
        return units, response.status_code == 200

    outcomes = await asyncio.gather(*(remove(1 + i % 3) for i in range(20)))
    stock = (await catalog.get(merchant, f"/products/{product['id']}")).json()["skus"][0]["stock"]
    assert stock >= 0
    assert sum(units for units, done in outcomes if done) + stock == 10
    # A removal was refused only when less than it asked for was left (stock only went down since).
    assert all(stock < units for units, done in outcomes if not done)
    assert any(not done for _, done in outcomes)


async def test_concurrent_restocks_and_removals_add_up(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    product = await catalog.product(merchant, skus=[{"name": "Only", "price": 100, "stock": 0}])
    sku = product["skus"][0]["id"]

    async def adjust(delta: int) -> int:
        response = await catalog.post(merchant, f"/skus/{sku}/stock", {"delta": delta})
        assert response.status_code in {200, 409}, response.text
        return delta if response.status_code == 200 else 0

    applied = await asyncio.gather(*(adjust(5 if i % 2 else -3) for i in range(20)))
    stock = (await catalog.get(merchant, f"/products/{product['id']}")).json()["skus"][0]["stock"]
    assert stock == sum(applied) >= 0
