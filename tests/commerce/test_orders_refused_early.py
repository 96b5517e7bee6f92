"""A checkout that cannot get its units is refused before any write transaction (docs/architecture.md,
"Refused early"): the answer is the one the checkout gives inside its transaction, read from the
SKU's stock on a read session, and a restock makes the SKU buyable again."""

from __future__ import annotations

import uuid
from typing import Any

from tests.commerce.conftest import ShopDriver
from tests.commerce.orders_helpers import ADDRESS, Scene, scene
from tests.statements import count_statements


def _out_of_stock(sku_id: str, stock: int, requested: int) -> dict[str, Any]:
    return {
        "error": {
            "code": "out_of_stock",
            "message": "Not enough stock left for this item.",
            "details": {"sku_id": sku_id, "stock": stock, "requested": requested},
        }
    }


async def _sold_out(shop: ShopDriver) -> Scene:
    """A SKU whose one unit another buyer took."""
    s = await scene(shop, stock=1)
    await shop.ordered(await shop.buyer(), s.sku_id)
    assert await s.stock() == (0, 0)
    return s


async def test_a_sold_out_sku_is_refused_without_a_write_transaction(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    s = await _sold_out(shop)
    async with count_statements(s.shop.wallet.app) as counted:
        response = await shop.order(s.buyer, s.sku_id)
    assert response.status_code == 409, response.text
    assert response.json() == _out_of_stock(s.sku_id, 0, 1)
    assert counted.writes() == [], counted.report()
    assert await s.order_count() == 1


async def test_more_units_than_are_left_are_refused_early_with_what_is_left(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    s = await scene(shop, stock=3)
    async with count_statements(s.shop.wallet.app) as counted:
        response = await shop.order(s.buyer, s.sku_id, 5)
    assert response.status_code == 409, response.text
    assert response.json() == _out_of_stock(s.sku_id, 3, 5)
    assert counted.writes() == [], counted.report()
    assert await s.stock() == (3, 0)


async def test_a_cart_checkout_of_a_sold_out_line_is_refused_early(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    s = await scene(shop, stock=1)
    added = await s.post("/cart/items", s.buyer, {"sku_id": s.sku_id, "quantity": 1})
    assert added.status_code == 200, added.text
    line_id = added.json()["shops"][0]["items"][0]["id"]
    await shop.ordered(await shop.buyer(), s.sku_id)
    async with count_statements(s.shop.wallet.app) as counted:
        response = await s.post("/orders", s.buyer, {"cart_item_ids": [line_id], "address": ADDRESS})
    assert response.status_code == 409, response.text
    assert response.json() == _out_of_stock(s.sku_id, 0, 1)
    assert counted.writes() == [], counted.report()
    cart = (await s.get("/cart", s.buyer)).json()
    assert [item["id"] for shop_lines in cart["shops"] for item in shop_lines["items"]] == [line_id]


async def test_other_refusals_still_come_from_the_checkout(shop: ShopDriver, frozen_clock: Any) -> None:
    # A merchant's own sold-out product: the checkout's own answer, which comes first, not out_of_stock.
    s = await _sold_out(shop)
    response = await shop.order(s.merchant, s.sku_id)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "cannot_buy_own_product"


async def test_a_repeated_key_gets_the_same_refusal_and_a_restock_makes_it_buyable(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    s = await _sold_out(shop)
    refused_key = uuid.uuid4().hex
    first = await shop.order(s.buyer, s.sku_id, key=refused_key)
    again = await shop.order(s.buyer, s.sku_id, key=refused_key)
    assert (first.status_code, again.status_code) == (409, 409)
    assert first.json() == again.json() == _out_of_stock(s.sku_id, 0, 1)

    restocked = await s.post(f"/skus/{s.sku_id}/stock", s.merchant, {"delta": 2})
    assert restocked.status_code == 200, restocked.text
    bought = await shop.order(s.buyer, s.sku_id)
    assert bought.status_code == 201, bought.text
    # The early refusal stored nothing (it was decided before the request ran): its key now runs.
    retried = await shop.order(s.buyer, s.sku_id, key=refused_key)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert await s.stock() == (0, 0)
    assert await s.order_count() == 3


async def test_the_key_that_took_the_last_unit_replays_its_order(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop, stock=1)
    last_unit_key = uuid.uuid4().hex
    bought = await shop.order(s.buyer, s.sku_id, key=last_unit_key)
    assert bought.status_code == 201, bought.text
    retried = await shop.order(s.buyer, s.sku_id, key=last_unit_key)
    assert retried.status_code == 201, retried.text
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json() == bought.json()
    assert await s.order_count() == 1
