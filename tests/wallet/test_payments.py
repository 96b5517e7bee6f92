"""Merchant payments, escrow release and refunds (WAL-6), through the service functions commerce uses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from quanzi.core.errors import AppError
from quanzi.wallet import service
from quanzi.wallet.ledger import balance_of
from quanzi.wallet.models import ESCROW, FEE, MERCHANT, PLATFORM
from quanzi.wallet.pins import verify_pin
from tests.wallet.conftest import PIN, Wallet


async def _setup(wallet: Wallet) -> tuple[Any, Any, Any]:
    buyer = await wallet.user("buyer")
    shop = await wallet.user("shop", pin=None, kind="merchant")
    await wallet.top_up(buyer, 500_00)
    return buyer, shop, await verify_pin(wallet.db, wallet.actor(buyer), PIN)


async def _balances(wallet: Wallet, buyer: Any, shop: Any) -> tuple[int, int, int, int]:
    async with wallet.db.read() as session:
        return (
            await balance_of(session, int(buyer.id)),
            await balance_of(session, int(shop.id), ESCROW),
            await balance_of(session, int(shop.id), MERCHANT),
            await balance_of(session, PLATFORM, FEE),
        )


async def test_pay_release_and_refund_from_escrow_then_merchant(wallet: Wallet, frozen_clock: Any) -> None:
    buyer, shop, proof = await _setup(wallet)
    actor = wallet.actor(buyer)
    async with wallet.db.transaction() as session:
        payment = await service.pay_to_escrow(
            session, actor, shop.id, 100_00, order_ref="order-1", proof=proof
        )
    assert await _balances(wallet, buyer, shop) == (400_00, 100_00, 0, 0)
    async with wallet.db.transaction() as session:
        await service.refund(session, None, payment.id, 10_00, reason="one item missing")
    assert await _balances(wallet, buyer, shop) == (410_00, 90_00, 0, 0)
    async with wallet.db.transaction() as session:
        settled = await service.release_escrow_to_merchant(session, None, payment.id, fee=90)
    assert settled.status == "settled"
    assert await _balances(wallet, buyer, shop) == (410_00, 0, 89_10, 90)
    with pytest.raises(AppError) as refused:
        async with wallet.db.transaction() as session:
            await service.release_escrow_to_merchant(session, None, payment.id, fee=0)
    assert refused.value.code == "payment_already_settled"
    async with wallet.db.transaction() as session:
        record = await service.refund(session, wallet.actor(shop), payment.id, 20_00)
    assert record.source == "merchant"
    assert await _balances(wallet, buyer, shop) == (430_00, 0, 69_10, 90)
    with pytest.raises(AppError) as too_much:
        async with wallet.db.transaction() as session:
            await service.refund(session, None, payment.id, 70_01)
    assert too_much.value.code == "refund_exceeds_payment"
    with pytest.raises(AppError) as merchant_short:
        async with wallet.db.transaction() as session:
            await service.refund(session, None, payment.id, 70_00)
    assert merchant_short.value.code == "insufficient_balance"  # the platform kept its 0.90 fee
    assert await _balances(wallet, buyer, shop) == (430_00, 0, 69_10, 90)
    stranger = await wallet.user("stranger", pin=None)
    with pytest.raises(AppError) as hidden:
        async with wallet.db.transaction() as session:
            await service.refund(session, wallet.actor(stranger), payment.id, 1)
    assert hidden.value.status_code == 404
    await wallet.assert_books_balance()


async def test_at_most_fifty_refunds_within_365_days(wallet: Wallet, frozen_clock: Any) -> None:
    buyer, shop, proof = await _setup(wallet)
    async with wallet.db.transaction() as session:
        payment = await service.pay_to_escrow(
            session, wallet.actor(buyer), shop.id, 100_00, order_ref="o", proof=proof
        )
        other = await service.pay_to_escrow(
            session, wallet.actor(buyer), shop.id, 1_00, order_ref="o2", proof=proof
        )
    for _ in range(50):
        async with wallet.db.transaction() as session:
            await service.refund(session, None, payment.id, 1)
    with pytest.raises(AppError) as refused:
        async with wallet.db.transaction() as session:
            await service.refund(session, None, payment.id, 1)
    assert refused.value.code == "too_many_refunds"
    frozen_clock.advance(timedelta(days=365))
    with pytest.raises(AppError) as late:
        async with wallet.db.transaction() as session:
            await service.refund(session, None, other.id, 1)
    assert late.value.code == "refund_window_closed"
    assert (await _balances(wallet, buyer, shop))[:2] == (500_00 - 101_00 + 50, 101_00 - 50)
    await wallet.assert_books_balance()


async def test_payment_refusals(wallet: Wallet, frozen_clock: Any) -> None:
    buyer, shop, proof = await _setup(wallet)
    consumer = await wallet.user("consumer", pin=None)
    for merchant, amount, code in (
        (consumer.id, 1_00, "not_a_merchant"),
        (shop.id, 500_01, "insufficient_balance"),
        (shop.id, 0, "invalid_amount"),
        (shop.id, 1.5, "invalid_amount"),
    ):
        with pytest.raises(AppError) as refused:
            async with wallet.db.transaction() as session:
                await service.pay_to_escrow(
                    session, wallet.actor(buyer), merchant, amount, order_ref="x", proof=proof
                )
        assert refused.value.code == code
    with pytest.raises(AppError) as no_pin:
        async with wallet.db.transaction() as session:
            await service.pay_to_escrow(
                session, wallet.actor(buyer), shop.id, 1_00, order_ref="x", proof=None
            )
    assert no_pin.value.code == "pin_required"
    assert await _balances(wallet, buyer, shop) == (500_00, 0, 0, 0)
