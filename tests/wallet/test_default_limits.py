"""WAL-9 with the limits as shipped (other tests replace `rules.LIMITS` with small numbers): a transfer
of up to ¥50,000 at a time and ¥200,000 a day, a top-up of up to ¥50,000 at a time, and an order no
larger than one payment may be."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from quanzi.commerce import rules as commerce_rules
from quanzi.wallet import rules
from quanzi.wallet.ledger import move
from quanzi.wallet.models import BANK_CLEARING, PLATFORM, WALLET
from tests.commerce.conftest import ShopDriver
from tests.wallet.conftest import PIN, Wallet

YUAN = rules.FEN_PER_YUAN


@pytest.fixture
def shop(wallet: Wallet) -> ShopDriver:
    return ShopDriver(wallet)


async def _fund(wallet: Wallet, user: Any, amount: int) -> None:
    """Money in the wallet without going through the sandbox bank's per-top-up cap."""
    async with wallet.db.transaction() as session:
        await move(
            session,
            "topup",
            source=(PLATFORM, BANK_CLEARING),
            target=(int(user.id), WALLET),
            amount=amount,
            reference_type="test",
            reference_id=1,
        )


def _code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


async def test_transfers_stop_at_50_000_yuan_each_and_200_000_a_day(
    wallet: Wallet, frozen_clock: Any
) -> None:
    assert rules.Limits() == rules.LIMITS  # the shipped limits, not a test's
    mei, lei = await wallet.user("mei"), await wallet.user("lei")
    await wallet.befriend(mei, lei)
    await _fund(wallet, mei, 250_000 * YUAN)

    def send(amount: int) -> Any:
        return wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": amount, "pin": PIN})

    over = await send(50_000 * YUAN + 1)
    assert over.status_code == 422 and _code(over) == "limit_exceeded", over.text
    for _ in range(4):
        assert (await send(50_000 * YUAN)).status_code == 201
    daily = await send(1)
    assert daily.status_code == 422 and _code(daily) == "daily_limit_exceeded", daily.text
    assert await wallet.balance(mei) == 50_000 * YUAN
    await wallet.assert_books_balance()


async def test_a_top_up_stops_at_50_000_yuan(wallet: Wallet) -> None:
    mei = await wallet.user("mei_topup")
    card_id = await wallet.link_card(mei)
    over = await wallet.post("/topups", mei, {"card_id": card_id, "amount": 50_000 * YUAN + 1, "pin": PIN})
    assert over.status_code == 422 and _code(over) == "limit_exceeded", over.text
    assert over.json()["error"]["details"] == {"limit": 50_000 * YUAN}
    at_limit = await wallet.post("/topups", mei, {"card_id": card_id, "amount": 50_000 * YUAN, "pin": PIN})
    assert at_limit.status_code == 201, at_limit.text


async def test_no_checkout_makes_an_order_too_large_to_pay(shop: ShopDriver) -> None:
    # The order cap is the wallet's payment cap: an order that passes checkout can always be paid.
    assert commerce_rules.MAX_ORDER_TOTAL == rules.LIMITS.payment_per_transaction == 200_000 * YUAN
    merchant = await shop.merchant()
    product = await shop.product(merchant, price=100_000 * YUAN, stock=5)
    buyer = await shop.buyer(money=0)
    await _fund(shop.wallet, buyer, 200_000 * YUAN)
    sku_id = product["skus"][0]["id"]
    too_large = await shop.order(buyer, sku_id, quantity=3)
    assert too_large.status_code == 422 and _code(too_large) == "limit_exceeded", too_large.text
    order = await shop.ordered(buyer, sku_id, quantity=2)
    paid = await shop.pay(buyer, order["id"])
    assert paid.status_code == 200, paid.text
    assert await shop.wallet.balance(buyer) == 0
    await shop.wallet.assert_books_balance()
