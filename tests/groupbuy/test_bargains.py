"""Bargains (BAR-1): friends cut once each, by seeded random amounts that shrink near the floor and
never pass it; the owner buys at the floor within 24 h, not after."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from quanzi.groupbuy.rules import cut_amount
from quanzi.wallet.check import check_ledger
from tests.commerce.orders_helpers import order_sources
from tests.groupbuy.conftest import ADDRESS, PIN, V1, GroupDriver


async def _offer(group: GroupDriver, merchant: Any, **body: Any) -> dict[str, Any]:
    product = await group.shop.product(merchant, price=100_00, stock=5)
    payload = {
        "sku_id": product["skus"][0]["id"],
        "floor_price": 60_00,
        "max_helpers": 4,
        "cut_min": 5_00,
        "cut_max": 15_00,
    } | body
    response = await group.client.post(f"{V1}/bargains/offers", json=payload, headers=merchant.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _start(group: GroupDriver, user: Any, offer_id: str) -> dict[str, Any]:
    response = await group.client.post(f"{V1}/bargains", json={"offer_id": offer_id}, headers=user.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _cut(group: GroupDriver, user: Any, bargain_id: str) -> Any:
    return await group.client.post(f"{V1}/bargains/{bargain_id}/cut", headers=user.headers)


async def _buy(group: GroupDriver, user: Any, bargain_id: str) -> Any:
    return await group.client.post(
        f"{V1}/bargains/{bargain_id}/buy",
        json={"pin": PIN, "address": ADDRESS},
        headers={**user.headers, "Idempotency-Key": uuid.uuid4().hex},
    )


async def test_friends_cut_once_each_down_to_the_floor_and_the_owner_buys_at_the_floor(
    group: GroupDriver, frozen_clock: Any
) -> None:
    merchant = await group.shop.merchant()
    offer = await _offer(group, merchant)
    assert offer["start_price"] == 100_00
    owner = await group.shop.buyer(money=100_00)
    friends = [await group.shop.buyer(money=0) for _ in range(5)]
    for friend in friends:
        await group.wallet.befriend(owner, friend)
    stranger = await group.shop.buyer(money=0)
    bargain = await _start(group, owner, offer["id"])
    assert bargain["current_price"] == 100_00 and bargain["status"] == "active"
    again = await group.client.post(f"{V1}/bargains", json={"offer_id": offer["id"]}, headers=owner.headers)
    assert again.status_code == 409 and again.json()["error"]["details"]["bargain_id"] == bargain["id"]

    own = await _cut(group, owner, bargain["id"])
    assert own.status_code == 422 and own.json()["error"]["code"] == "cannot_cut_own"
    not_friend = await _cut(group, stranger, bargain["id"])
    assert not_friend.status_code == 403 and not_friend.json()["error"]["code"] == "not_a_friend"
    early = await _buy(group, owner, bargain["id"])
    assert early.status_code == 409 and early.json()["error"]["code"] == "bargain_not_at_floor"

    prices = [100_00]
    amounts = []
    for friend in friends[:4]:
        response = await _cut(group, friend, bargain["id"])
        assert response.status_code == 200, response.text
        amounts.append(response.json()["amount"])
        prices.append(response.json()["price_after"])
        assert response.json()["bargain"]["my_cut"] == response.json()["amount"]
        twice = await _cut(group, friend, bargain["id"])
        assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_cut"
    assert all(a > 0 for a in amounts)
    assert prices == sorted(prices, reverse=True) and prices[-1] == 60_00  # the 4th helper reaches the floor
    assert all(p >= 60_00 for p in prices)
    late_helper = await _cut(group, friends[4], bargain["id"])
    assert late_helper.status_code == 409 and late_helper.json()["error"]["code"] == "bargain_at_floor"

    shown = (await group.client.get(f"{V1}/bargains/{bargain['id']}", headers=owner.headers)).json()
    assert shown["at_floor"] is True and shown["can_buy"] is True and len(shown["cuts"]) == 4
    bought = await _buy(group, owner, bargain["id"])
    assert bought.status_code == 201, bought.text
    order_id = bought.json()["order_id"]
    assert bought.json()["bargain"]["status"] == "bought"
    assert await group.wallet.balance(owner) == 40_00
    order = (await group.client.get(f"{V1}/orders/{order_id}", headers=owner.headers)).json()
    assert order["status"] == "paid" and order["total"] == 60_00 and order["items"][0]["unit_price"] == 60_00
    assert await order_sources(group.wallet.db, [order_id]) == {order_id: "bargain"}
    twice = await _buy(group, owner, bargain["id"])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "bargain_bought"
    assert await group.wallet.balance(owner) == 40_00
    assert await check_ledger(group.wallet.db) == []


async def test_a_bargain_past_24_hours_cannot_be_bought_at_the_floor(
    group: GroupDriver, frozen_clock: Any
) -> None:
    merchant = await group.shop.merchant()
    offer = await _offer(group, merchant, max_helpers=1)
    owner, friend, late_friend = (
        await group.shop.buyer(),
        await group.shop.buyer(money=0),
        await group.shop.buyer(money=0),
    )
    await group.wallet.befriend(owner, friend)
    await group.wallet.befriend(owner, late_friend)
    bargain = await _start(group, owner, offer["id"])
    cut = await _cut(group, friend, bargain["id"])
    assert cut.status_code == 200 and cut.json()["price_after"] == 60_00  # the only helper reaches the floor
    frozen_clock.advance(hours=24, seconds=1)
    expired = await _buy(group, owner, bargain["id"])
    assert expired.status_code == 409 and expired.json()["error"]["code"] == "bargain_expired"
    assert await group.wallet.balance(owner) == 100_00
    await group.wallet.run_jobs()
    shown = (await group.client.get(f"{V1}/bargains/{bargain['id']}", headers=owner.headers)).json()
    assert shown["status"] == "expired" and shown["can_buy"] is False
    too_late = await _cut(group, late_friend, bargain["id"])
    assert too_late.status_code == 409 and too_late.json()["error"]["code"] == "bargain_expired"


async def test_offer_rules(group: GroupDriver) -> None:
    merchant = await group.shop.merchant()
    product = await group.shop.product(merchant, price=100_00, stock=5)
    sku_id = product["skus"][0]["id"]

    async def create(**body: Any) -> Any:
        payload = {"sku_id": sku_id, "floor_price": 60_00, "max_helpers": 3, "cut_min": 1_00, "cut_max": 2_00}
        return await group.client.post(f"{V1}/bargains/offers", json=payload | body, headers=merchant.headers)

    assert (await create(floor_price=100_00)).status_code == 422
    assert (await create(cut_min=3_00)).status_code == 422
    assert (await create(max_helpers=0)).status_code == 422
    consumer = await group.shop.buyer()
    refused = await group.client.post(
        f"{V1}/bargains/offers",
        json={"sku_id": sku_id, "floor_price": 60_00, "max_helpers": 3, "cut_min": 1_00, "cut_max": 2_00},
        headers=consumer.headers,
    )
    assert refused.status_code == 403
    offer = (await create()).json()
    own = await group.client.post(f"{V1}/bargains", json={"offer_id": offer["id"]}, headers=merchant.headers)
    assert own.status_code == 422 and own.json()["error"]["code"] == "cannot_bargain_own"
    listed = await group.client.get(
        f"{V1}/bargains/offers", params={"product_id": product["id"]}, headers=consumer.headers
    )
    assert [o["id"] for o in listed.json()["items"]] == [offer["id"]]


async def test_team_and_bargain_cards_in_chat(group: GroupDriver) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant)
    offer = await _offer(group, merchant)
    alice, bob = await group.shop.buyer(), await group.shop.buyer()
    await group.wallet.befriend(alice, bob)
    team = await group.opened(alice, deal["id"])
    bargain = await _start(group, alice, offer["id"])
    chat = await group.client.post(f"{V1}/chats/direct", json={"user_id": bob.id}, headers=alice.headers)
    assert chat.status_code == 200, chat.text
    chat_id = chat.json()["id"]

    async def send(user: Any, kind: str, content: dict[str, Any]) -> Any:
        return await group.client.post(
            f"{V1}/chats/{chat_id}/messages", json={"kind": kind, "content": content}, headers=user.headers
        )

    sent = await send(alice, "group_team", {"team_id": team["id"]})
    assert sent.status_code == 201, sent.text
    assert sent.json()["content"]["group_price"] == 30_00
    help_me = await send(alice, "bargain", {"bargain_id": bargain["id"]})
    assert help_me.status_code == 201, help_me.text
    not_his = await send(bob, "bargain", {"bargain_id": bargain["id"]})
    assert not_his.status_code == 404
    missing = await send(bob, "group_team", {"team_id": "1"})
    assert missing.status_code == 404
    history = await group.client.get(f"{V1}/chats/{chat_id}/messages", headers=bob.headers)
    by_kind = {m["kind"]: m for m in history.json()["items"]}
    assert by_kind["group_team"]["money"]["places_left"] == 1
    assert by_kind["bargain"]["money"]["current_price"] == 100_00


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**62),
    start=st.integers(2, 10**6),
    floor_share=st.floats(0.01, 0.99),
    cut_min=st.integers(1, 10**4),
    spread=st.integers(0, 10**4),
    max_helpers=st.integers(1, 100),
)
def test_cuts_are_deterministic_shrink_and_never_pass_the_floor(
    seed: int, start: int, floor_share: float, cut_min: int, spread: int, max_helpers: int
) -> None:
    floor = max(1, min(start - 1, int(start * floor_share)))
    price, cuts = start, []
    for index in range(max_helpers):
        if price == floor:
            break
        args = dict(
            seed=seed,
            index=index,
            current_price=price,
            start_price=start,
            floor_price=floor,
            cut_min=cut_min,
            cut_max=cut_min + spread,
            max_helpers=max_helpers,
        )
        amount = cut_amount(**args)  # type: ignore[arg-type]
        assert amount == cut_amount(**args)  # type: ignore[arg-type]
        assert 1 <= amount <= price - floor
        if index < max_helpers - 1:
            assert amount <= max(1, (cut_min + spread) * (price - floor) // (start - floor))
        price -= amount
        cuts.append(amount)
    assert price == floor  # the last helper allowed reaches the floor
