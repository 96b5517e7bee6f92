"""Orders under concurrency (ORD-2): a flash-sale stampede never oversells nor charges a buyer without
an order (PostgreSQL, where transactions really interleave); racing completions settle once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from quanzi.commerce import orders, rules
from quanzi.commerce.models.orders import Order
from quanzi.core.actor import Actor
from quanzi.core.clock import now
from quanzi.core.idempotency import execute
from quanzi.wallet.ledger import balance_of, move
from quanzi.wallet.models import BANK_CLEARING, ESCROW, PLATFORM, WALLET, Payment, PaymentPin
from quanzi.wallet.pins import PinProof, hash_pin
from tests.commerce.conftest import PIN, ShopDriver
from tests.commerce.orders_helpers import ADDRESS, scene
from tests.databases import on_postgres

UNITS, BUYERS, PRICE, FUNDS = 60, 300, 9_90, 50_00
IN_FLIGHT = 12  # a winner pays twice at once: at most 24 of the pool's 30 connections


async def _crowd(shop: ShopDriver, count: int) -> list[Actor]:
    """`count` consumers with a PIN and FUNDS in their wallet, inserted directly (no hashing each)."""
    crowd = await shop.wallet.fast_users(count)
    pin_hash = await hash_pin(PIN)
    async with shop.wallet.db.transaction() as session:
        for actor in crowd:
            session.add(
                PaymentPin(
                    user_id=actor.user_id,
                    pin_hash=pin_hash,
                    failed_attempts=0,
                    locked_until=None,
                    version=0,
                    updated_at=now(),
                )
            )
            await move(
                session,
                "topup",
                source=(PLATFORM, BANK_CLEARING),
                target=(actor.user_id, WALLET),
                amount=FUNDS,
                reference_type="test",
                reference_id=1,
            )
    return crowd


@pytest.mark.postgres
@pytest.mark.skipif(
    not on_postgres(),
    reason="a flash sale needs truly concurrent transactions: set QUANZI_TEST_DATABASE_URL=postgresql://…",
)
async def test_flash_sale_sells_exactly_the_stock(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop, price=PRICE, stock=UNITS, money=0)
    crowd = await _crowd(shop, BUYERS)
    db = shop.wallet.db

    # As many buyers in flight as the server's pool has connections; each one's transactions
    # still interleave with the others' on PostgreSQL.
    in_flight = asyncio.Semaphore(IN_FLIGHT)

    async def buy(actor: Actor) -> tuple[int, list[int]]:
        async with in_flight:
            return await _buy(actor)

    async def _buy(actor: Actor) -> tuple[int, list[int]]:
        async def checkout(session: Any, _proof: Any) -> tuple[int, dict[str, Any]]:
            made = await orders.create_orders(
                session, actor, items=[(s.sku_id, 1)], address=dict(ADDRESS), note=""
            )
            return 201, {"order_id": str(made.orders[0].id)}

        created = await execute(
            db, actor, key=uuid.uuid4().hex, scope="commerce.order.create", payload={}, action=checkout
        )
        if created.status_code != 201:
            assert created.body["error"]["code"] == "out_of_stock", created.body
            return created.status_code, []
        order_id = created.body["order_id"]
        proof = PinProof(user_id=actor.user_id, version=0)

        async def pay(session: Any, _proof: Any) -> tuple[int, dict[str, Any]]:
            await orders.pay_order(session, actor, order_id, proof=proof)
            return 200, {}

        # Each winner taps "pay" twice with two keys at once: one charge.
        paid = await asyncio.gather(
            *(
                execute(db, actor, key=uuid.uuid4().hex, scope="commerce.order.pay", payload={}, action=pay)
                for _ in range(2)
            )
        )
        return 201, sorted(outcome.status_code for outcome in paid)

    results = await asyncio.gather(*(buy(actor) for actor in crowd))
    assert sum(1 for status, _ in results if status == 201) == UNITS
    assert sum(1 for status, _ in results if status == 409) == BUYERS - UNITS
    assert all(pays == [200, 409] for status, pays in results if status == 201)
    assert await s.stock() == (0, UNITS)
    assert await s.sales_count() == UNITS
    async with db.read() as session:
        assert (
            await session.scalar(select(func.count()).select_from(Order).where(Order.status == "paid"))
            == UNITS
        )
        assert await session.scalar(select(func.count()).select_from(Order)) == UNITS
        assert await session.scalar(select(func.count()).select_from(Payment)) == UNITS
        buyers_with_orders = set(await session.scalars(select(Order.buyer_id)))
        for actor in crowd:
            expected = FUNDS - PRICE if actor.user_id in buyers_with_orders else FUNDS
            assert await balance_of(session, actor.user_id) == expected
        assert await balance_of(session, int(s.merchant.id), ESCROW) == UNITS * PRICE
    await s.assert_books_balance()


async def test_confirm_racing_the_auto_complete_job_settles_once(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop, price=60_00)
    order = await shop.paid_order(s.buyer, s.sku_id)
    assert (await s.ship(order["id"])).status_code == 200
    frozen_clock.advance(timedelta(days=7, seconds=1))
    confirmed, _ran = await asyncio.gather(s.post(f"/orders/{order['id']}/confirm", s.buyer), s.run_jobs())
    assert confirmed.status_code in (200, 409), confirmed.text
    fee = rules.platform_fee(60_00)
    assert (await s.order(order["id"]))["status"] == "completed"
    assert await s.money() == (40_00, 0, 60_00 - fee, fee)
    await s.assert_books_balance()


async def test_the_last_unit_goes_to_one_of_two_buyers(shop: ShopDriver, frozen_clock: Any) -> None:
    s = await scene(shop, stock=1)
    other = await shop.buyer()
    first, second = await asyncio.gather(shop.order(s.buyer, s.sku_id), shop.order(other, s.sku_id))
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    assert await s.stock() == (0, 0)
    assert await s.order_count() == 1


async def test_a_per_buyer_limit_holds_across_orders_and_racing_checkouts(shop: ShopDriver) -> None:
    """API6: "limit 2 per person" counts every order of the buyer that is not cancelled, also when the
    buyer's checkouts race each other; a cancelled order gives its units back to the buyer's limit."""
    s = await scene(shop, stock=50)
    limited = await s.client.patch(
        f"/api/v1/skus/{s.sku_id}", json={"per_buyer_limit": 2}, headers=s.merchant.headers
    )
    assert limited.status_code == 200, limited.text
    assert limited.json()["per_buyer_limit"] == 2

    first = await shop.ordered(s.buyer, s.sku_id)
    over = await shop.order(s.buyer, s.sku_id, 2)
    assert over.status_code == 409, over.text
    assert over.json()["error"]["code"] == "purchase_limit"
    assert over.json()["error"]["details"] == {"sku_id": s.sku_id, "limit": 2}
    assert await s.stock() == (49, 0)  # the refused checkout kept nothing

    # Five racing checkouts of one unit each: exactly one more fits under the limit.
    racing = await asyncio.gather(*(shop.order(s.buyer, s.sku_id) for _ in range(5)))
    assert sorted(r.status_code for r in racing) == [201, 409, 409, 409, 409]
    assert await s.stock() == (48, 0)

    cancelled = await s.post(f"/orders/{first['id']}/cancel", s.buyer)
    assert cancelled.status_code == 200, cancelled.text
    assert (await shop.order(s.buyer, s.sku_id)).status_code == 201  # the cancelled unit is free again
    other = await shop.buyer()
    assert (await shop.order(other, s.sku_id, 2)).status_code == 201  # the limit is per buyer

    lifted = await s.client.patch(
        f"/api/v1/skus/{s.sku_id}", json={"per_buyer_limit": None}, headers=s.merchant.headers
    )
    assert lifted.json()["per_buyer_limit"] is None
    assert (await shop.order(s.buyer, s.sku_id, 5)).status_code == 201
