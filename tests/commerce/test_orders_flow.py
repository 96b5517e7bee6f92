"""The order lifecycle through the API, with the clock (ORD-1, ORD-2): checkout reserves stock, payment
goes to escrow, shipping, delivery and confirmation settle to the merchant less the platform fee;
unpaid orders cancel after 30 minutes and shipped ones complete after 7 days, by durable jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from quanzi.commerce import rules
from tests.commerce.conftest import V1, ShopDriver
from tests.commerce.orders_helpers import ADDRESS, key, order_sources, scene


async def test_checkout_pay_ship_deliver_confirm_settles_minus_fee(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    s = await scene(shop, price=19_99, stock=10)
    created = await s.post(
        "/orders", s.buyer, {"items": [{"sku_id": s.sku_id, "quantity": 2}], "address": ADDRESS}, **key()
    )
    assert created.status_code == 201, created.text
    [order] = created.json()["orders"]
    assert order["status"] == "pending_payment"
    assert order["total"] == 39_98
    assert order["shop"]["id"] == s.merchant.id
    assert order["buyer"]["id"] == s.buyer.id
    assert order["items"][0]["quantity"] == 2 and order["items"][0]["unit_price"] == 19_99
    assert order["pay_deadline"] is not None and order["auto_complete_at"] is None
    assert await s.stock() == (8, 0)

    paid = await s.shop.pay(s.buyer, order["id"])
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["pay_deadline"] is None
    assert await s.money() == (100_00 - 39_98, 39_98, 0, 0)
    assert await s.stock() == (8, 2)
    assert await s.sales_count() == 2

    shipped = await s.ship(order["id"])
    assert shipped.status_code == 200, shipped.text
    body = shipped.json()
    assert (body["status"], body["carrier"], body["tracking_number"]) == (
        "shipped",
        "SF Express",
        "SF1234567890",
    )
    assert body["auto_complete_at"] is not None

    delivered = await s.post(f"/orders/{order['id']}/deliver", s.merchant)
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"

    confirmed = await s.post(f"/orders/{order['id']}/confirm", s.buyer)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "completed"
    fee = 39_98 * rules.PLATFORM_FEE_BPS // 10_000
    assert fee == 23
    assert await s.money() == (100_00 - 39_98, 0, 39_98 - fee, fee)
    assert await s.topics() == [
        "commerce.order.created",
        "commerce.order.paid",
        "commerce.order.shipped",
        "commerce.order.delivered",
        "commerce.order.completed",
    ]
    # The merchant sees it too; lists are scoped by role.
    merchant_view = await s.get("/orders", s.merchant, role="merchant")
    assert [o["id"] for o in merchant_view.json()["items"]] == [order["id"]]
    assert (await s.get("/orders", s.merchant, role="buyer")).json()["items"] == []
    assert [o["id"] for o in (await s.get("/orders", s.buyer, status="completed")).json()["items"]] == [
        order["id"]
    ]
    # The auto-complete job, due later, finds nothing to do.
    frozen_clock.advance(days=8)
    await s.run_jobs()
    assert await s.money() == (100_00 - 39_98, 0, 39_98 - fee, fee)
    await s.assert_books_balance()


async def test_unpaid_order_cancels_after_thirty_minutes_and_releases_stock(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    s = await scene(shop, stock=3)
    order = await shop.ordered(s.buyer, s.sku_id, 3)
    assert await s.stock() == (0, 0)
    frozen_clock.advance(minutes=29)
    await s.run_jobs()
    assert (await s.order(order["id"]))["status"] == "pending_payment"

    frozen_clock.advance(minutes=1, seconds=1)
    await s.run_jobs()
    cancelled = await s.order(order["id"])
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "payment_timeout")
    assert cancelled["cancelled_at"] is not None
    assert await s.stock() == (3, 0)
    late = await shop.pay(s.buyer, order["id"])
    assert late.status_code == 409 and late.json()["error"]["code"] == "order_cancelled"
    assert await s.money() == (100_00, 0, 0, 0)
    # Running the job again changes nothing.
    frozen_clock.advance(hours=1)
    await s.run_jobs()
    assert await s.stock() == (3, 0)
    assert await s.topics() == ["commerce.order.created", "commerce.order.cancelled"]
    await s.assert_books_balance()


async def test_payment_after_the_window_but_before_the_job_is_refused(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    s = await scene(shop)
    order = await shop.ordered(s.buyer, s.sku_id)
    frozen_clock.advance(minutes=30)
    late = await shop.pay(s.buyer, order["id"])
    assert late.status_code == 409 and late.json()["error"]["code"] == "payment_window_closed"
    assert await s.money() == (100_00, 0, 0, 0)
    await s.run_jobs()
    assert (await s.order(order["id"]))["status"] == "cancelled"
    await s.assert_books_balance()


async def test_buyer_cancels_an_unpaid_order(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop, stock=5)
    order = await shop.ordered(s.buyer, s.sku_id, 2)
    assert (await s.post(f"/orders/{order['id']}/cancel", s.merchant)).status_code == 403
    cancelled = await s.post(f"/orders/{order['id']}/cancel", s.buyer)
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == ("cancelled", "buyer_cancelled")
    assert await s.stock() == (5, 0)
    again = await s.post(f"/orders/{order['id']}/cancel", s.buyer)
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_order_state"
    assert (await shop.pay(s.buyer, order["id"])).status_code == 409
    frozen_clock.advance(minutes=31)
    await s.run_jobs()
    assert await s.stock() == (5, 0)  # the expiry job does not release twice
    await s.assert_books_balance()


async def test_shipped_order_completes_itself_after_seven_days(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop, price=50_00)
    order = await shop.paid_order(s.buyer, s.sku_id)
    frozen_clock.advance(days=2)
    assert (await s.ship(order["id"])).status_code == 200
    frozen_clock.advance(timedelta(days=7, minutes=-1))
    await s.run_jobs()
    assert (await s.order(order["id"]))["status"] == "shipped"
    frozen_clock.advance(minutes=2)
    await s.run_jobs()
    done = await s.order(order["id"])
    assert done["status"] == "completed" and done["completed_at"] is not None
    fee = 50_00 * rules.PLATFORM_FEE_BPS // 10_000
    assert await s.money() == (50_00, 0, 50_00 - fee, fee)
    late = await s.post(f"/orders/{order['id']}/confirm", s.buyer)
    assert late.status_code == 409
    assert await s.money() == (50_00, 0, 50_00 - fee, fee)
    await s.assert_books_balance()


async def test_refused_transitions_and_strangers(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop)
    stranger = await shop.buyer(money=0)
    order = await shop.ordered(s.buyer, s.sku_id)
    oid = order["id"]

    ship_unpaid = await s.ship(oid)
    assert ship_unpaid.status_code == 409 and ship_unpaid.json()["error"]["code"] == "invalid_order_state"
    assert (await s.post(f"/orders/{oid}/confirm", s.buyer)).status_code == 409
    for path in ("confirm", "cancel", "deliver"):
        assert (await s.post(f"/orders/{oid}/{path}", stranger)).status_code == 404
    assert (await s.ship(oid, stranger)).status_code == 404
    assert (await s.get(f"/orders/{oid}", stranger)).status_code == 404
    assert (await shop.pay(stranger, oid)).status_code == 404
    assert (await s.get("/orders/12345", s.buyer)).status_code == 404
    assert (await s.get("/orders/not-an-id", s.buyer)).status_code == 404

    # Paying twice: the same key replays, another key is refused; one charge either way.
    first_key = key()
    paid = await s.post(f"/orders/{oid}/pay", s.buyer, {"pin": "135790"}, **first_key)
    assert paid.status_code == 200, paid.text
    replay = await s.post(f"/orders/{oid}/pay", s.buyer, {"pin": "135790"}, **first_key)
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    second = await shop.pay(s.buyer, oid)
    assert second.status_code == 409 and second.json()["error"]["code"] == "order_already_paid"
    assert await s.money() == (100_00 - 19_99, 19_99, 0, 0)

    assert (await s.post(f"/orders/{oid}/cancel", s.buyer)).status_code == 409
    assert (await s.ship(oid, s.buyer)).status_code == 403
    assert (await s.post(f"/orders/{oid}/deliver", s.merchant)).status_code == 409
    assert (await s.post(f"/orders/{oid}/confirm", s.merchant)).status_code == 403
    # A wrong PIN moves nothing.
    other = await shop.ordered(s.buyer, s.sku_id)
    wrong = await shop.pay(s.buyer, other["id"], pin="000000")
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_pin", wrong.text
    assert (await s.order(other["id"]))["status"] == "pending_payment"
    assert await s.money() == (100_00 - 19_99, 19_99, 0, 0)
    await s.assert_books_balance()


async def test_a_buyer_who_cannot_afford_it_keeps_an_unpaid_order(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    s = await scene(shop, price=80_00, money=50_00)
    order = await shop.ordered(s.buyer, s.sku_id)
    poor = await shop.pay(s.buyer, order["id"])
    assert poor.status_code == 409 and poor.json()["error"]["code"] == "insufficient_balance"
    assert (await s.order(order["id"]))["status"] == "pending_payment"
    assert await s.money() == (50_00, 0, 0, 0)
    assert await s.stock() == (9, 0)
    await s.assert_books_balance()


async def test_out_of_stock_refuses_the_whole_checkout(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop, stock=5)
    scarce = await shop.product(s.merchant, stock=1)
    scarce_sku = str(scarce["skus"][0]["id"])
    response = await s.post(
        "/orders",
        s.buyer,
        {
            "items": [{"sku_id": s.sku_id, "quantity": 2}, {"sku_id": scarce_sku, "quantity": 2}],
            "address": ADDRESS,
        },
        **key(),
    )
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "out_of_stock"
    assert error["details"]["sku_id"] == scarce_sku and error["details"]["stock"] == 1
    assert await s.stock() == (5, 0)
    assert await s.stock(scarce_sku) == (1, 0)
    assert await s.order_count() == 0
    assert await s.topics() == []


async def test_checkout_input_is_checked(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop)
    bad_bodies: list[dict[str, Any]] = [
        {"items": [{"sku_id": s.sku_id, "quantity": 0}], "address": ADDRESS},
        {"items": [{"sku_id": s.sku_id, "quantity": 1.5}], "address": ADDRESS},
        {"items": [{"sku_id": s.sku_id, "quantity": rules.MAX_QUANTITY_PER_LINE + 1}], "address": ADDRESS},
        {"items": [], "address": ADDRESS},
        {"address": ADDRESS},
        {"items": [{"sku_id": s.sku_id, "quantity": 1}], "cart_item_ids": ["1"], "address": ADDRESS},
        {"items": [{"sku_id": s.sku_id, "quantity": 1}], "address": {"name": "x"}},
        {"items": [{"sku_id": s.sku_id, "quantity": 1}], "address": ADDRESS, "total": 1},
        {"items": [{"sku_id": s.sku_id, "quantity": 1}], "address": ADDRESS, "note": "bad\x00note"},
        {"items": [{"sku_id": s.sku_id, "quantity": 1}], "address": {**ADDRESS, "name": "   "}},
    ]
    for body in bad_bodies:
        response = await s.post("/orders", s.buyer, body, **key())
        assert response.status_code == 422, (body, response.text)
    no_key = await s.client.post(
        f"{V1}/orders",
        json={"items": [{"sku_id": s.sku_id, "quantity": 1}], "address": ADDRESS},
        headers=s.buyer.headers,
    )
    assert no_key.status_code == 400 and no_key.json()["error"]["code"] == "idempotency_key_required"
    unknown = await s.post(
        "/orders", s.buyer, {"items": [{"sku_id": "123", "quantity": 1}], "address": ADDRESS}, **key()
    )
    assert unknown.status_code == 404
    own = await s.post(
        "/orders", s.merchant, {"items": [{"sku_id": s.sku_id, "quantity": 1}], "address": ADDRESS}, **key()
    )
    assert own.status_code == 422 and own.json()["error"]["code"] == "cannot_buy_own_product"
    # The same key sent twice makes one order.
    same = key()
    body = {"items": [{"sku_id": s.sku_id, "quantity": 1}], "address": ADDRESS}
    first, again = (
        await s.post("/orders", s.buyer, body, **same),
        await s.post("/orders", s.buyer, body, **same),
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await s.order_count() == 1 and await s.stock() == (9, 0)


async def test_cart_checkout_makes_one_order_per_shop(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop, price=10_00, stock=10)
    other_merchant = await shop.merchant()
    other = await shop.product(other_merchant, price=5_00, stock=4)
    other_sku = str(other["skus"][0]["id"])

    added = await s.post("/cart/items", s.buyer, {"sku_id": s.sku_id, "quantity": 1})
    assert added.status_code == 200, added.text
    again = await s.post("/cart/items", s.buyer, {"sku_id": s.sku_id, "quantity": 2})
    assert [line["quantity"] for shop_ in again.json()["shops"] for line in shop_["items"]] == [3]
    cart = (await s.post("/cart/items", s.buyer, {"sku_id": other_sku, "quantity": 5})).json()
    assert len(cart["shops"]) == 2
    lines = {line["sku_id"]: line for shop_ in cart["shops"] for line in shop_["items"]}
    assert lines[other_sku]["available"] is False  # 5 wanted, 4 left
    assert cart["total"] == 30_00
    patched = await s.client.patch(
        f"/api/v1/cart/items/{lines[other_sku]['id']}", json={"quantity": 4}, headers=s.buyer.headers
    )
    assert patched.status_code == 200 and patched.json()["total"] == 50_00
    # Someone else's cart line is not there for them.
    stranger = await shop.buyer(money=0)
    assert (
        await s.client.patch(
            f"/api/v1/cart/items/{lines[other_sku]['id']}", json={"quantity": 1}, headers=stranger.headers
        )
    ).status_code == 404
    assert (
        await s.client.delete(f"/api/v1/cart/items/{lines[s.sku_id]['id']}", headers=stranger.headers)
    ).status_code == 404
    too_many = await s.post(
        "/cart/items", s.buyer, {"sku_id": s.sku_id, "quantity": rules.MAX_QUANTITY_PER_LINE}
    )
    assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "quantity_too_large"

    checkout = await s.post(
        "/orders",
        s.buyer,
        {
            "cart_item_ids": [lines[s.sku_id]["id"], lines[other_sku]["id"]],
            "address": ADDRESS,
            "note": "门口",
        },
        **key(),
    )
    assert checkout.status_code == 201, checkout.text
    orders = checkout.json()["orders"]
    assert sorted((o["shop"]["id"], o["total"]) for o in orders) == sorted(
        [(s.merchant.id, 30_00), (other_merchant.id, 20_00)]
    )
    assert all(o["note"] == "门口" for o in orders)
    assert set((await order_sources(s.db, [o["id"] for o in orders])).values()) == {"cart"}
    assert (await s.get("/cart", s.buyer)).json() == {"shops": [], "total": 0}
    assert await s.stock() == (7, 0) and await s.stock(other_sku) == (0, 0)
    # Lines of another user's cart cannot be checked out.
    await s.post("/cart/items", stranger, {"sku_id": s.sku_id, "quantity": 1})
    stranger_line = (await s.get("/cart", stranger)).json()["shops"][0]["items"][0]["id"]
    stolen = await s.post("/orders", s.buyer, {"cart_item_ids": [stranger_line], "address": ADDRESS}, **key())
    assert stolen.status_code == 404
    removed = await s.client.delete(f"/api/v1/cart/items/{stranger_line}", headers=stranger.headers)
    assert removed.status_code == 200 and removed.json()["shops"] == []
