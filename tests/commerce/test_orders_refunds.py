"""Refund requests (ORD-3, WAL-6): the buyer asks, the merchant approves (money back through the ledger:
from escrow before settlement, from the merchant's account after) or refuses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from quanzi.commerce import rules
from tests.commerce.conftest import ShopDriver
from tests.commerce.orders_helpers import Scene, key, scene


async def _ask(s: Scene, order_id: str, amount: int, reason: str = "Broken on arrival") -> Any:
    return await s.post(f"/orders/{order_id}/refund", s.buyer, {"amount": amount, "reason": reason})


async def _approve(s: Scene, refund_id: str, user: Any | None = None, **headers: str) -> Any:
    return await s.post(f"/refunds/{refund_id}/approve", user or s.merchant, **(headers or key()))


async def test_partial_refund_before_settlement_comes_from_escrow(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    s = await scene(shop, price=40_00)
    order = await shop.paid_order(s.buyer, s.sku_id)
    assert (await s.ship(order["id"])).status_code == 200
    asked = await _ask(s, order["id"], 10_00)
    assert asked.status_code == 201, asked.text
    refund = asked.json()
    assert (refund["status"], refund["amount"], refund["reason"]) == ("requested", 10_00, "Broken on arrival")
    assert (await s.order(order["id"]))["refund"]["status"] == "requested"

    one_key = key()
    approved = await _approve(s, refund["id"], **one_key)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["decided_at"] is not None
    replay = await _approve(s, refund["id"], **one_key)
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    twice = await _approve(s, refund["id"])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "refund_already_decided"
    assert await s.money() == (60_00 + 10_00, 30_00, 0, 0)
    view = await s.order(order["id"])
    assert (view["status"], view["refunded_amount"]) == ("shipped", 10_00)

    # Completion settles what is left, the fee taken on that.
    assert (await s.post(f"/orders/{order['id']}/confirm", s.buyer)).status_code == 200
    fee = 30_00 * rules.PLATFORM_FEE_BPS // 10_000
    assert await s.money() == (70_00, 0, 30_00 - fee, fee)
    assert await s.topics() == [
        "commerce.order.created",
        "commerce.order.paid",
        "commerce.order.shipped",
        "commerce.refund.requested",
        "commerce.refund.approved",
        "commerce.order.completed",
    ]
    await s.assert_books_balance()


async def test_full_refund_of_an_unshipped_order_cancels_it_and_returns_stock(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    s = await scene(shop, price=25_00, stock=4)
    order = await shop.paid_order(s.buyer, s.sku_id, 2)
    assert await s.stock() == (2, 2) and await s.sales_count() == 2
    refund = (await _ask(s, order["id"], 50_00, "Changed my mind")).json()
    assert (await _approve(s, refund["id"])).status_code == 200
    view = await s.order(order["id"])
    assert (view["status"], view["cancel_reason"], view["refunded_amount"]) == (
        "cancelled",
        "refunded",
        50_00,
    )
    assert view["refund"]["status"] == "approved"
    assert await s.stock() == (4, 0) and await s.sales_count() == 0
    assert await s.money() == (100_00, 0, 0, 0)
    # Nothing more to refund, nothing to ship.
    more = await _ask(s, order["id"], 1)
    assert more.status_code == 409 and more.json()["error"]["code"] == "order_not_refundable"
    assert (await s.ship(order["id"])).status_code == 409
    await s.assert_books_balance()


async def test_refund_after_settlement_comes_from_the_merchant(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop, price=20_00)
    order = await shop.completed_order(s.buyer, s.merchant, s.sku_id)
    fee = 20_00 * rules.PLATFORM_FEE_BPS // 10_000
    assert await s.money() == (80_00, 0, 20_00 - fee, fee)

    # All of it would need the fee the platform kept: the merchant cannot cover it, nothing moves.
    whole = (await _ask(s, order["id"], 20_00)).json()
    short = await _approve(s, whole["id"])
    assert short.status_code == 409 and short.json()["error"]["code"] == "merchant_balance_insufficient"
    assert await s.money() == (80_00, 0, 20_00 - fee, fee)
    still = (await s.get(f"/refunds/{whole['id']}", s.buyer)).json()
    assert still["status"] == "requested"
    refused = await s.post(f"/refunds/{whole['id']}/refuse", s.merchant, {"note": "Please return it first"})
    assert refused.status_code == 200
    assert (refused.json()["status"], refused.json()["merchant_note"]) == (
        "refused",
        "Please return it first",
    )

    partial = (await _ask(s, order["id"], 20_00 - fee)).json()
    approved = await _approve(s, partial["id"])
    assert approved.status_code == 200, approved.text
    assert await s.money() == (80_00 + 20_00 - fee, 0, 0, fee)
    view = await s.order(order["id"])
    assert (view["status"], view["refunded_amount"]) == ("completed", 20_00 - fee)
    await s.assert_books_balance()


async def test_refund_rules_and_who_may_decide(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop, price=30_00)
    stranger = await shop.buyer(money=0)
    unpaid = await shop.ordered(s.buyer, s.sku_id)
    early = await _ask(s, unpaid["id"], 1_00)
    assert early.status_code == 409 and early.json()["error"]["code"] == "order_not_refundable"

    order = await shop.paid_order(s.buyer, s.sku_id)
    too_much = await _ask(s, order["id"], 30_01)
    assert too_much.status_code == 409 and too_much.json()["error"]["code"] == "refund_exceeds_paid"
    assert (await _ask(s, order["id"], 0)).status_code == 422
    assert (await _ask(s, order["id"], "5")).status_code == 422  # type: ignore[arg-type]
    stranger_asks = await s.post(f"/orders/{order['id']}/refund", stranger, {"amount": 1_00})
    assert stranger_asks.status_code == 404
    merchant_asks = await s.post(f"/orders/{order['id']}/refund", s.merchant, {"amount": 1_00})
    assert merchant_asks.status_code == 403

    first = await _ask(s, order["id"], 5_00)
    assert first.status_code == 201
    second = await _ask(s, order["id"], 5_00)
    assert second.status_code == 409 and second.json()["error"]["code"] == "refund_already_requested"
    refund_id = first.json()["id"]
    assert (await _approve(s, refund_id, stranger)).status_code == 404
    assert (await _approve(s, refund_id, s.buyer)).status_code == 403
    assert (await s.post(f"/refunds/{refund_id}/refuse", stranger, {"note": "no"})).status_code == 404
    assert (await s.get(f"/refunds/{refund_id}", stranger)).status_code == 404
    assert await s.money() == (100_00 - 30_00, 30_00, 0, 0)

    mine = await s.get("/refunds", s.buyer)
    theirs = await s.get("/refunds", s.merchant, role="merchant", status="requested")
    assert [r["id"] for r in mine.json()["items"]] == [refund_id]
    assert [r["id"] for r in theirs.json()["items"]] == [refund_id]
    assert (await s.get("/refunds", stranger, role="merchant")).json()["items"] == []

    assert (await s.post(f"/refunds/{refund_id}/refuse", s.merchant, {"note": "No"})).status_code == 200
    assert (await _approve(s, refund_id)).status_code == 409
    # Refused: the buyer may ask again.
    assert (await _ask(s, order["id"], 5_00)).status_code == 201
    await s.assert_books_balance()


async def test_auto_complete_waits_while_a_refund_is_open(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop, price=10_00)
    order = await shop.paid_order(s.buyer, s.sku_id)
    assert (await s.ship(order["id"])).status_code == 200
    refund = (await _ask(s, order["id"], 2_00)).json()
    frozen_clock.advance(timedelta(days=7, minutes=1))
    await s.run_jobs()
    assert (await s.order(order["id"]))["status"] == "shipped"
    assert (await _approve(s, refund["id"])).status_code == 200
    frozen_clock.advance(days=1)
    await s.run_jobs()
    done = await s.order(order["id"])
    assert (done["status"], done["refunded_amount"]) == ("completed", 2_00)
    fee = 8_00 * rules.PLATFORM_FEE_BPS // 10_000
    assert await s.money() == (92_00, 0, 8_00 - fee, fee)
    await s.assert_books_balance()
