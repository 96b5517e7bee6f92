"""Every POST that moves money or stock keeps the idempotency promise (WAL-7, SECURITY.md), checked the
same way for each: without a key it is refused (400) and changes nothing; with a key it runs once; the
retry replays the first answer; the key on another request, or from another user, is refused (422)
without replaying anything or changing anything. The list of routes is checked against the OpenAPI
document, so a new route that takes an Idempotency-Key cannot be left out."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from tests.groupbuy.conftest import ADDRESS, PIN, V1, GroupDriver, group, shop, wallet

__all__ = ["group", "shop", "wallet"]


@dataclass
class Case:
    user: Any  # who sends the request
    path: str
    body: dict[str, Any] | None
    other_path: str  # the same user's different request (another object, or another body)
    other_body: dict[str, Any] | None
    stranger: Any  # another user who sends the same key


Setup = Callable[[GroupDriver], Awaitable[Case]]


async def _friends(group: GroupDriver, money: int = 100_00) -> tuple[Any, Any]:
    sender = await group.shop.buyer(money=money)
    receiver = await group.shop.buyer(money=0)
    await group.wallet.befriend(sender, receiver)
    return sender, receiver


async def _transfer(group: GroupDriver, sender: Any, receiver: Any, amount: int = 1_00) -> str:
    response = await group.wallet.post(
        "/transfers", sender, {"to_user_id": receiver.id, "amount": amount, "pin": PIN}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def topup(group: GroupDriver) -> Case:
    user = await group.shop.buyer(money=0)
    card = await group.wallet.link_card(user)
    body = {"card_id": card, "amount": 10_00, "pin": PIN}
    return Case(
        user, "/wallet/topups", body, "/wallet/topups", body | {"amount": 11_00}, await group.shop.buyer()
    )


async def withdrawal(group: GroupDriver) -> Case:
    user = await group.shop.buyer(money=50_00)
    card = await group.wallet.link_card(user)
    body = {"card_id": card, "amount": 10_00, "pin": PIN}
    return Case(
        user,
        "/wallet/withdrawals",
        body,
        "/wallet/withdrawals",
        body | {"amount": 9_00},
        await group.shop.buyer(),
    )


async def transfer(group: GroupDriver) -> Case:
    sender, receiver = await _friends(group)
    body = {"to_user_id": receiver.id, "amount": 3_00, "pin": PIN}
    return Case(sender, "/wallet/transfers", body, "/wallet/transfers", body | {"amount": 4_00}, receiver)


async def transfer_accept(group: GroupDriver) -> Case:
    sender, receiver = await _friends(group)
    first, second = await _transfer(group, sender, receiver), await _transfer(group, sender, receiver)
    return Case(
        receiver,
        f"/wallet/transfers/{first}/accept",
        None,
        f"/wallet/transfers/{second}/accept",
        None,
        sender,
    )


async def transfer_decline(group: GroupDriver) -> Case:
    sender, receiver = await _friends(group)
    first, second = await _transfer(group, sender, receiver), await _transfer(group, sender, receiver)
    return Case(
        receiver,
        f"/wallet/transfers/{first}/decline",
        None,
        f"/wallet/transfers/{second}/decline",
        None,
        sender,
    )


async def red_packet(group: GroupDriver) -> Case:
    sender, receiver = await _friends(group)
    body = {"kind": "direct", "total": 2_00, "to_user_id": receiver.id, "greeting": "恭喜发财", "pin": PIN}
    return Case(sender, "/wallet/red-packets", body, "/wallet/red-packets", body | {"total": 3_00}, receiver)


async def red_packet_grab(group: GroupDriver) -> Case:
    sender, receiver = await _friends(group)
    packets = []
    for _ in range(2):
        body = {"kind": "direct", "total": 1_00, "to_user_id": receiver.id, "pin": PIN}
        response = await group.wallet.post("/red-packets", sender, body)
        assert response.status_code == 201, response.text
        packets.append(response.json()["id"])
    first, second = packets
    return Case(
        receiver,
        f"/wallet/red-packets/{first}/grab",
        None,
        f"/wallet/red-packets/{second}/grab",
        None,
        sender,
    )


async def _product(group: GroupDriver, stock: int = 10) -> tuple[Any, str]:
    merchant = await group.shop.merchant()
    product = await group.shop.product(merchant, price=5_00, stock=stock)
    return merchant, str(product["skus"][0]["id"])


async def order_create(group: GroupDriver) -> Case:
    _merchant, sku = await _product(group)
    buyer = await group.shop.buyer()
    body = {"items": [{"sku_id": sku, "quantity": 1}], "address": ADDRESS}
    other = {"items": [{"sku_id": sku, "quantity": 2}], "address": ADDRESS}
    return Case(buyer, "/orders", body, "/orders", other, await group.shop.buyer())


async def _orders(group: GroupDriver, count: int = 2) -> tuple[Any, Any, list[str]]:
    merchant, sku = await _product(group)
    buyer = await group.shop.buyer()
    return merchant, buyer, [str((await group.shop.ordered(buyer, sku))["id"]) for _ in range(count)]


async def order_pay(group: GroupDriver) -> Case:
    _merchant, buyer, (first, second) = await _orders(group)
    stranger = await group.shop.buyer()
    return Case(buyer, f"/orders/{first}/pay", {"pin": PIN}, f"/orders/{second}/pay", {"pin": PIN}, stranger)


async def order_cancel(group: GroupDriver) -> Case:
    merchant, buyer, (first, second) = await _orders(group)
    return Case(buyer, f"/orders/{first}/cancel", None, f"/orders/{second}/cancel", None, merchant)


async def _shipped(group: GroupDriver, merchant: Any, buyer: Any, order_id: str) -> None:
    assert (await group.shop.pay(buyer, order_id)).status_code == 200
    shipped = await group.client.post(
        f"{V1}/orders/{order_id}/ship",
        json={"carrier": "SF Express", "tracking_number": "SF1234567890"},
        headers=merchant.headers,
    )
    assert shipped.status_code == 200, shipped.text


async def order_confirm(group: GroupDriver) -> Case:
    merchant, buyer, orders = await _orders(group)
    for order_id in orders:
        await _shipped(group, merchant, buyer, order_id)
    first, second = orders
    return Case(buyer, f"/orders/{first}/confirm", None, f"/orders/{second}/confirm", None, merchant)


async def refund_approve(group: GroupDriver) -> Case:
    merchant, buyer, orders = await _orders(group)
    refunds = []
    for order_id in orders:
        await _shipped(group, merchant, buyer, order_id)
        response = await group.client.post(
            f"{V1}/orders/{order_id}/refund",
            json={"amount": 2_00, "reason": "scratched"},
            headers=buyer.headers,
        )
        assert response.status_code == 201, response.text
        refunds.append(response.json()["id"])
    first, second = refunds
    return Case(merchant, f"/refunds/{first}/approve", None, f"/refunds/{second}/approve", None, buyer)


async def sku_stock(group: GroupDriver) -> Case:
    merchant, sku = await _product(group)
    return Case(
        merchant,
        f"/skus/{sku}/stock",
        {"delta": 5},
        f"/skus/{sku}/stock",
        {"delta": 6},
        await group.shop.merchant(),
    )


async def deal_create(group: GroupDriver) -> Case:
    merchant, sku = await _product(group)
    body = {"sku_id": sku, "group_price": 3_00, "team_size": 2, "stock": 2}
    return Case(merchant, "/deals", body, "/deals", body | {"stock": 3}, await group.shop.merchant())


async def team_open(group: GroupDriver) -> Case:
    deal = await group.deal(await group.shop.merchant())
    buyer = await group.shop.buyer()
    second = await group.deal(await group.shop.merchant())
    body = {"pin": PIN, "address": ADDRESS}
    return Case(
        buyer,
        f"/deals/{deal['id']}/teams",
        body,
        f"/deals/{second['id']}/teams",
        body,
        await group.shop.buyer(),
    )


async def team_join(group: GroupDriver) -> Case:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=3)
    teams = [await group.opened(await group.shop.buyer(), deal["id"]) for _ in range(2)]
    buyer = await group.shop.buyer()
    body = {"pin": PIN, "address": ADDRESS}
    first, second = (t["id"] for t in teams)
    return Case(buyer, f"/teams/{first}/join", body, f"/teams/{second}/join", body, await group.shop.buyer())


async def bargain_buy(group: GroupDriver) -> Case:
    merchant = await group.shop.merchant()
    owner = await group.shop.buyer()
    helper = await group.shop.buyer(money=0)
    await group.wallet.befriend(owner, helper)
    bargains = []
    for _ in range(2):
        product = await group.shop.product(merchant, price=10_00, stock=5)
        offer = await group.client.post(
            f"{V1}/bargains/offers",
            json={
                "sku_id": product["skus"][0]["id"],
                "floor_price": 6_00,
                "max_helpers": 1,
                "cut_min": 1_00,
                "cut_max": 4_00,
            },
            headers=merchant.headers,
        )
        assert offer.status_code == 201, offer.text
        started = await group.client.post(
            f"{V1}/bargains", json={"offer_id": offer.json()["id"]}, headers=owner.headers
        )
        assert started.status_code == 201, started.text
        cut = await group.client.post(f"{V1}/bargains/{started.json()['id']}/cut", headers=helper.headers)
        assert cut.status_code == 200 and cut.json()["price_after"] == 6_00, cut.text
        bargains.append(started.json()["id"])
    body = {"pin": PIN, "address": ADDRESS}
    first, second = bargains
    return Case(owner, f"/bargains/{first}/buy", body, f"/bargains/{second}/buy", body, helper)


CASES: dict[str, Setup] = {
    "/wallet/topups": topup,
    "/wallet/withdrawals": withdrawal,
    "/wallet/transfers": transfer,
    "/wallet/transfers/{transfer_id}/accept": transfer_accept,
    "/wallet/transfers/{transfer_id}/decline": transfer_decline,
    "/wallet/red-packets": red_packet,
    "/wallet/red-packets/{packet_id}/grab": red_packet_grab,
    "/orders": order_create,
    "/orders/{order_id}/pay": order_pay,
    "/orders/{order_id}/cancel": order_cancel,
    "/orders/{order_id}/confirm": order_confirm,
    "/refunds/{refund_id}/approve": refund_approve,
    "/skus/{sku_id}/stock": sku_stock,
    "/deals": deal_create,
    "/deals/{deal_id}/teams": team_open,
    "/teams/{team_id}/join": team_join,
    "/bargains/{bargain_id}/buy": bargain_buy,
}


async def _effects(group: GroupDriver) -> tuple[int, ...]:
    """Everything a money or stock move changes: events, ledger postings, bank orders, SKU stock,
    deal stock."""
    counts = []
    async with group.wallet.db.read() as session:
        for sql in (
            "SELECT COUNT(*) FROM outbox_events",
            "SELECT COUNT(*) FROM wallet_postings",
            "SELECT COUNT(*) FROM wallet_bank_orders",
            "SELECT COALESCE(SUM(stock), 0) FROM commerce_skus",
            "SELECT COALESCE(SUM(stock), 0) FROM groupbuy_deals",
        ):
            counts.append(int(await session.scalar(text(sql)) or 0))
    return tuple(counts)


async def _post(
    group: GroupDriver, user: Any, path: str, body: dict[str, Any] | None, key: str | None
) -> Any:
    headers = {**user.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return await group.client.post(f"{V1}{path}", json=body, headers=headers)


def test_every_route_that_takes_a_key_is_covered(app: Any) -> None:
    takes_a_key = {
        path.removeprefix("/api/v1")
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if method == "post"
        and any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert takes_a_key == set(CASES)


@pytest.mark.parametrize("route", sorted(CASES))
async def test_idempotency_key_rules(route: str, group: GroupDriver, frozen_clock: Any) -> None:
    case = await CASES[route](group)
    before = await _effects(group)

    missing = await _post(group, case.user, case.path, case.body, None)
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "idempotency_key_required")
    assert await _effects(group) == before

    key = uuid.uuid4().hex
    first = await _post(group, case.user, case.path, case.body, key)
    assert first.status_code in (200, 201), first.text
    assert "idempotent-replayed" not in first.headers
    after = await _effects(group)
    assert after != before  # it moved something

    retry = await _post(group, case.user, case.path, case.body, key)
    assert (retry.status_code, retry.json()) == (first.status_code, first.json())
    assert retry.headers["idempotent-replayed"] == "true"

    other = await _post(group, case.user, case.other_path, case.other_body, key)
    assert (other.status_code, other.json()["error"]["code"]) == (422, "idempotency_key_reused")

    stranger = await _post(group, case.stranger, case.path, case.body, key)
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert set(stranger.json()) == {"error"}  # nothing of the first answer
    assert await _effects(group) == after
    await group.wallet.assert_books_balance()
