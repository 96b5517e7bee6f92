"""Two races of an order against its own timers (ORD-1, ORD-3, WAL-6), run many times.

- Paying an order while its 30-minute expiry job cancels it: the order ends either paid (and the job
  does nothing) or cancelled (and the payment is refused with 409 ``order_cancelled``, no money moved),
  and its unit goes back on sale exactly once.
- The merchant approving a refund while the order settles (the buyer confirming receipt, or the 7-day
  auto-complete job): the money goes exactly once either way — refunded from escrow before the
  settlement, or settled and then refunded from the merchant's account (or refused with 409
  ``merchant_balance_insufficient`` when that account falls short) — never both refunded and settled
  for the same fen, and the books balance.

Each request runs at its own time (`tests.clocks.TaskClock`): the buyer's a second before the deadline,
the job's at it, as on two machines; only the database decides. On PostgreSQL the transactions really
interleave (separate connections); on SQLite the single writer takes them in either order.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from quanzi.commerce import rules
from quanzi.commerce.models.orders import Order
from quanzi.core.clock import FrozenClock, use_clock
from quanzi.wallet.models import Payment, Refund
from tests.clocks import TaskClock, late_start
from tests.commerce.conftest import ShopDriver
from tests.commerce.orders_helpers import Scene, scene
from tests.conftest import job_runner
from tests.databases import on_postgres

ROUNDS = 16 if on_postgres() else 4
SECOND = timedelta(seconds=1)


async def _yield(times: int) -> None:
    """Let the other side of the race start first (varies the interleaving from round to round)."""
    for _ in range(times):
        await asyncio.sleep(0)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_paying_while_the_expiry_job_cancels_the_order(
    shop: ShopDriver, frozen_clock: FrozenClock
) -> None:
    price = 10_00
    s = await scene(shop, price=price, stock=ROUNDS, money=ROUNDS * price)
    runner = job_runner(s.db)
    clocks = TaskClock(frozen_clock)
    outcomes: Counter[str] = Counter()
    with use_clock(clocks):
        for round_ in range(ROUNDS):
            stock, money = await s.stock(), await s.money()
            order = await shop.ordered(s.buyer, s.sku_id)
            deadline = _when(order["created_at"]) + rules.PAY_WINDOW

            async def pay(at: datetime = deadline, order_id: str = order["id"]) -> Any:
                clocks.here(at - SECOND)
                return await shop.pay(s.buyer, order_id)

            async def expire(at: datetime = deadline, round_: int = round_) -> int:
                clocks.here(at)
                await late_start(round_)
                return await runner.run_due()

            paid, ran = await asyncio.gather(pay(), expire())
            assert ran >= 1  # the expiry job ran in the race
            outcome = await _pay_or_cancel(s, order["id"], paid, stock, money, price)
            outcomes[outcome] += 1
            # The job again, later, and a retry of the payment: nothing changes.
            frozen_clock.advance(rules.PAY_WINDOW + SECOND)
            await runner.run_due()
            assert await _pay_or_cancel(s, order["id"], paid, stock, money, price) == outcome
    assert sum(outcomes.values()) == ROUNDS, outcomes
    await s.assert_books_balance()


async def _pay_or_cancel(
    s: Scene, order_id: str, paid: Any, stock: tuple[int, int], money: tuple[int, ...], price: int
) -> str:
    view = await s.order(order_id)
    buyer, escrow, merchant, fees = money
    if paid.status_code == 200:
        assert view["status"] == "paid"
        assert await s.money() == (buyer - price, escrow + price, merchant, fees)
        assert await s.stock() == (stock[0] - 1, stock[1] + 1)  # reserved at checkout, now sold
        return "paid"
    assert (paid.status_code, paid.json()["error"]["code"]) == (409, "order_cancelled"), paid.text
    assert (view["status"], view["cancel_reason"]) == ("cancelled", "payment_timeout")
    assert await s.money() == money  # no money moved
    assert await s.stock() == stock  # the unit is back on sale, once
    async with s.db.read() as session:
        assert (await session.get(Order, int(order_id))).payment_id is None  # type: ignore[union-attr]
    return "cancelled"


@pytest.mark.parametrize("settle_by", ["confirm", "auto-complete job"])
@pytest.mark.parametrize("part", ["half", "all"])
async def test_approving_a_refund_while_the_order_settles(
    shop: ShopDriver, frozen_clock: FrozenClock, settle_by: str, part: str
) -> None:
    price, rounds = 20_00, max(2, ROUNDS // 2)
    amount = price // 2 if part == "half" else price
    s = await scene(shop, price=price, stock=rounds, money=rounds * price)
    runner = job_runner(s.db)
    start = await s.money()
    # Every order paid, shipped a minute after the previous one, and a refund asked for; then each
    # order's race at its own 7-day mark (the clock moves once, so the sessions stay valid).
    placed = []
    for _ in range(rounds):
        order = await shop.paid_order(s.buyer, s.sku_id)
        assert (await s.ship(order["id"])).status_code == 200
        asked = await s.post(f"/orders/{order['id']}/refund", s.buyer, {"amount": amount, "reason": "Broken"})
        assert asked.status_code == 201, asked.text
        shipped = _when((await s.order(order["id"]))["shipped_at"])
        placed.append((order["id"], asked.json()["id"], shipped + rules.AUTO_COMPLETE_AFTER))
        frozen_clock.advance(minutes=1)
    answers = {}
    for round_, (order_id, refund_id, due) in enumerate(placed):
        frozen_clock.set(due)
        merchant_before = (await s.money())[2]

        async def approve(refund_id: str = refund_id, turns: int = round_ % 3) -> Any:
            await _yield(turns)
            return await s.post(f"/refunds/{refund_id}/approve", s.merchant)

        async def settle(order_id: str = order_id) -> Any:
            if settle_by == "confirm":
                return await s.post(f"/orders/{order_id}/confirm", s.buyer)
            return await runner.run_due()

        approved, settled = await asyncio.gather(approve(), settle())
        if settle_by == "confirm":
            assert settled.status_code == 200, settled.text
        answers[order_id] = (approved, merchant_before)
    # A job that found its order's request open looks again a day later: let every one finish.
    frozen_clock.advance(rules.AUTO_COMPLETE_RETRY + SECOND)
    await runner.run_due()
    outcomes = Counter(
        [await _settled_once(s, order_id, price, amount, *answers[order_id]) for order_id in answers]
    )
    if settle_by == "auto-complete job":
        # The job never settles while a refund request is open: the refund always comes from escrow.
        assert set(outcomes) == {"refunded from escrow, then settled"}, outcomes
    # Across all orders: what the buyer got back and what the merchant and the platform got add up
    # to what was paid, each fen once; nothing is left in escrow.
    buyer, escrow, merchant, fees = start
    async with s.db.read() as session:
        payments = [await _payment_of(session, order_id) for order_id in answers]
    refunded = sum(r.amount for _, refunds in payments for r in refunds)
    charged = sum(p.fee for p, _ in payments)
    assert await s.money() == (
        buyer - rounds * price + refunded,
        escrow,
        merchant + rounds * price - refunded - charged,
        fees + charged,
    )
    await s.assert_books_balance()


async def _payment_of(session: Any, order_id: str) -> tuple[Payment, list[Refund]]:
    payment_id = await session.scalar(select(Order.payment_id).where(Order.id == int(order_id)))
    payment = await session.get(Payment, payment_id)
    refunds = list((await session.scalars(select(Refund).where(Refund.payment_id == payment_id))).all())
    return payment, refunds


async def _settled_once(
    s: Scene, order_id: str, price: int, amount: int, approved: Any, merchant_before: int
) -> str:
    """The order is completed and settled once, and the refund was paid once from where the order
    stood when it was approved."""
    view = await s.order(order_id)
    assert view["status"] == "completed"
    async with s.db.read() as session:
        payment, refunds = await _payment_of(session, order_id)
    assert payment.status == "settled"
    if approved.status_code != 200:
        # Settled first, and the merchant's account, even with this order's money, could not cover it.
        assert (approved.status_code, approved.json()["error"]["code"]) == (
            409,
            "merchant_balance_insufficient",
        )
        assert merchant_before + price - rules.platform_fee(price) < amount
        assert refunds == [] and view["refunded_amount"] == 0 and payment.refunded_amount == 0
        assert payment.fee == rules.platform_fee(price)
        return "settled, refund refused"
    assert [r.amount for r in refunds] == [amount] and view[
        "refunded_amount"
    ] == payment.refunded_amount == amount
    if refunds[0].source == "escrow":
        # Refunded before the settlement: the merchant is paid what was left, the fee on that.
        assert payment.fee == rules.platform_fee(price - amount)
        return "refunded from escrow, then settled"
    # Settled in full first, then refunded from the merchant's account (the platform keeps its fee).
    assert payment.fee == rules.platform_fee(price)
    return "settled, then refunded from the merchant"
