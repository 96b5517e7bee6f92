"""Teams through the API (GRP-1 … GRP-5): forming, success into merchant orders, failure with full
refunds at the deadline, one place per user, stock, and open teams friends first."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from quanzi.wallet.check import check_ledger
from tests.commerce.orders_helpers import order_sources
from tests.groupbuy.conftest import V1, GroupDriver


async def test_team_of_three_with_two_members_fails_at_24h_and_both_are_refunded_in_full(
    group: GroupDriver, frozen_clock: Any
) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=3, stock=10, product_stock=20)
    assert deal["time_limit_minutes"] == 24 * 60
    assert await group.sku_stock(merchant, deal["product"]["id"]) == 10  # 10 set aside for the deal
    alice, bob = await group.shop.buyer(money=100_00), await group.shop.buyer(money=100_00)
    team = await group.opened(alice, deal["id"])
    assert team["status"] == "forming" and team["places_left"] == 2
    joined = await group.join(bob, team["id"])
    assert joined.status_code == 200, joined.text
    assert joined.json()["joined_count"] == 2
    assert await group.wallet.balance(alice) == 70_00
    assert await group.wallet.balance(bob) == 70_00

    frozen_clock.advance(hours=24, seconds=-1)
    await group.wallet.run_jobs()
    assert (await group.team(alice, team["id"]))["status"] == "forming"

    frozen_clock.advance(seconds=2)
    await group.wallet.run_jobs()
    failed = await group.team(alice, team["id"])
    assert failed["status"] == "failed"
    assert failed["me"]["refunded"] is True
    assert await group.wallet.balance(alice) == 100_00
    assert await group.wallet.balance(bob) == 100_00
    refunds = [line for line in await group.wallet.statement(bob) if line["kind"] == "refund"]
    assert [line["amount"] for line in refunds] == [30_00]
    late = await group.join(await group.shop.buyer(), team["id"])
    assert late.status_code == 409 and late.json()["error"]["code"] == "team_expired"
    deal_now = (await group.client.get(f"{V1}/deals/{deal['id']}", headers=merchant.headers)).json()
    assert deal_now["stock"] == 10  # both units back to the deal
    assert deal_now["stats"]["teams_failed"] == 1
    await group.wallet.run_jobs()  # a second run changes nothing
    assert await group.wallet.balance(alice) == 100_00
    assert await check_ledger(group.wallet.db) == []


async def test_a_full_team_succeeds_and_each_member_order_goes_to_the_merchant(
    group: GroupDriver, frozen_clock: Any
) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=2, stock=4)
    alice, bob = await group.shop.buyer(), await group.shop.buyer()
    team = await group.opened(alice, deal["id"])
    joined = await group.join(bob, team["id"])
    assert joined.status_code == 200, joined.text
    body = joined.json()
    assert body["status"] == "succeeded" and body["places_left"] == 0
    assert [m["user"]["id"] for m in body["members"]] == [alice.id, bob.id]
    assert body["members"][0]["is_leader"] is True
    orders = await group.client.get(f"{V1}/orders", params={"role": "merchant"}, headers=merchant.headers)
    assert orders.status_code == 200, orders.text
    items = orders.json()["items"]
    assert sorted(o["buyer"]["id"] for o in items) == sorted([alice.id, bob.id])
    assert {o["status"] for o in items} == {"paid"} and {o["total"] for o in items} == {30_00}
    mine = await group.team(alice, team["id"])
    assert mine["me"]["order_id"] in {o["id"] for o in items}
    assert await order_sources(group.wallet.db, [o["id"] for o in items]) == {o["id"]: "group" for o in items}

    # The order then follows the normal flow: shipped, confirmed, settled to the merchant.
    order_id = mine["me"]["order_id"]
    shipped = await group.client.post(
        f"{V1}/orders/{order_id}/ship",
        json={"carrier": "SF Express", "tracking_number": "SF1234567890"},
        headers=merchant.headers,
    )
    assert shipped.status_code == 200, shipped.text
    confirmed = await group.client.post(
        f"{V1}/orders/{order_id}/confirm", headers={**alice.headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "completed"

    frozen_clock.advance(days=2)
    await group.wallet.run_jobs()  # the expiry job finds the team succeeded: nothing happens
    assert await group.wallet.balance(bob) == 70_00
    assert await check_ledger(group.wallet.db) == []


async def test_a_user_joins_a_team_once_and_a_full_team_refuses_before_payment(group: GroupDriver) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=3)
    alice, bob, carol, dan = [await group.shop.buyer() for _ in range(4)]
    team = await group.opened(alice, deal["id"])
    again = await group.join(alice, team["id"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_in_team"
    own = await group.join(merchant, team["id"])
    assert own.status_code == 422 and own.json()["error"]["code"] == "cannot_join_own_deal"
    assert (await group.join(bob, team["id"])).status_code == 200
    twice = await group.join(bob, team["id"])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_in_team"
    assert await group.wallet.balance(bob) == 70_00  # charged once
    assert (await group.join(carol, team["id"])).status_code == 200
    full = await group.join(dan, team["id"])
    assert full.status_code == 409 and full.json()["error"]["code"] == "team_full"
    assert await group.wallet.balance(dan) == 100_00
    await group.wallet.assert_books_balance()


async def test_opening_a_team_is_idempotent_and_needs_the_pin(group: GroupDriver) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant)
    alice = await group.shop.buyer()
    first = await group.open(alice, deal["id"], key="open-1")
    again = await group.open(alice, deal["id"], key="open-1")
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    assert await group.wallet.balance(alice) == 70_00
    wrong = await group.open(alice, deal["id"], pin="000000")
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_pin", wrong.text
    assert await group.wallet.balance(alice) == 70_00
    missing = await group.client.post(
        f"{V1}/deals/{deal['id']}/teams",
        json={"pin": "135790", "address": {"name": "x", "phone": "13800000000", "line": "y"}},
        headers=alice.headers,
    )
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "idempotency_key_required"


async def test_deal_stock_caps_places_and_the_sku_is_never_oversold(
    group: GroupDriver, frozen_clock: Any
) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=2, stock=2, product_stock=5, ends_at=None)
    product_id = deal["product"]["id"]
    assert await group.sku_stock(merchant, product_id) == 3
    buyers = [await group.shop.buyer() for _ in range(3)]
    await group.opened(buyers[0], deal["id"])
    await group.opened(buyers[1], deal["id"])
    sold_out = await group.open(buyers[2], deal["id"])
    assert sold_out.status_code == 409 and sold_out.json()["error"]["code"] == "deal_sold_out"
    assert await group.wallet.balance(buyers[2]) == 100_00
    # The deal asks for more than the SKU has left: refused, nothing set aside.
    too_many = await group.client.post(
        f"{V1}/deals",
        json={"sku_id": deal["sku_id"], "group_price": 10_00, "team_size": 2, "stock": 4},
        headers={**merchant.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert too_many.status_code == 409 and too_many.json()["error"]["code"] == "out_of_stock"
    # Both teams fail at 24 h, then the deal ends after 7 days: every unit is back on the SKU.
    frozen_clock.advance(days=8)
    await group.wallet.run_jobs()
    assert await group.sku_stock(merchant, product_id) == 5
    ended = (await group.client.get(f"{V1}/deals/{deal['id']}", headers=merchant.headers)).json()
    assert ended["status"] == "ended" and ended["stock"] == 0
    late = await group.open(buyers[2], deal["id"])
    assert late.status_code == 409 and late.json()["error"]["code"] == "deal_ended"
    await group.wallet.assert_books_balance()


async def test_deal_rules(group: GroupDriver) -> None:
    merchant, other = await group.shop.merchant(), await group.shop.merchant()
    product = await group.shop.product(merchant, price=50_00, stock=10)
    sku_id = product["skus"][0]["id"]

    async def create(user: Any, **body: Any) -> Any:
        payload = {"sku_id": sku_id, "group_price": 30_00, "team_size": 2, "stock": 1} | body
        headers = {**user.headers, "Idempotency-Key": uuid.uuid4().hex}
        return await group.client.post(f"{V1}/deals", json=payload, headers=headers)

    assert (await create(other)).status_code == 404
    consumer = await group.shop.buyer()
    assert (await create(consumer)).status_code == 403
    not_lower = await create(merchant, group_price=50_00)
    assert not_lower.status_code == 422 and not_lower.json()["error"]["code"] == "group_price_not_lower"
    assert (await create(merchant, team_size=11)).status_code == 422
    assert (await create(merchant, team_size=1)).status_code == 422
    assert (await create(merchant, group_price=1.5)).status_code == 422
    created = await create(merchant, time_limit_minutes=60)
    assert created.status_code == 201, created.text
    mine = await group.client.get(f"{V1}/deals", params={"mine": "true"}, headers=merchant.headers)
    assert [d["id"] for d in mine.json()["items"]] == [created.json()["id"]]
    assert mine.json()["items"][0]["stats"]["teams_forming"] == 0
    listed = await group.client.get(f"{V1}/products/{product['id']}/deals", headers=consumer.headers)
    assert [d["id"] for d in listed.json()] == [created.json()["id"]]
    assert listed.json()[0]["stats"] is None


async def test_product_teams_show_friends_first_then_nearest_completion(group: GroupDriver) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant, team_size=3)
    viewer, friend, s1, s2, s3 = [await group.shop.buyer() for _ in range(5)]
    await group.wallet.befriend(viewer, friend)
    nearly = await group.opened(s1, deal["id"])
    assert (await group.join(s2, nearly["id"])).status_code == 200
    friends_team = await group.opened(friend, deal["id"])
    stranger_team = await group.opened(s3, deal["id"])
    response = await group.client.get(f"{V1}/products/{deal['product']['id']}/teams", headers=viewer.headers)
    assert response.status_code == 200, response.text
    assert [t["id"] for t in response.json()] == [friends_team["id"], nearly["id"], stranger_team["id"]]
    assert response.json()[0]["friends_in_team"] == 1
    shown = (await group.client.get(f"{V1}/deals/{deal['id']}", headers=viewer.headers)).json()
    assert [t["id"] for t in shown["open_teams"]] == [friends_team["id"], nearly["id"], stranger_team["id"]]
    assert shown["seconds_left"] == int(timedelta(days=7).total_seconds()) or shown["seconds_left"] > 0


async def test_a_team_can_be_shared_as_a_link(group: GroupDriver) -> None:
    merchant = await group.shop.merchant()
    deal = await group.deal(merchant)
    alice = await group.shop.buyer()
    team = await group.opened(alice, deal["id"])
    shared = await group.client.post(f"{V1}/teams/{team['id']}/share", headers=alice.headers)
    assert shared.status_code == 201, shared.text
    token = shared.json()["token"]
    assert shared.json()["url"] == f"/#/teams/{team['id']}?s={token}"
    # Bob opens the link and joins: his order carries the share chain (ATT-1).
    bob = await group.shop.buyer()
    opened = await group.client.post(f"{V1}/shares/{token}/open", headers=bob.headers)
    assert opened.status_code == 200, opened.text
    assert (await group.join(bob, team["id"])).status_code == 200
    order_id = (await group.team(bob, team["id"]))["me"]["order_id"]
    order = await group.client.get(f"{V1}/orders/{order_id}", headers=bob.headers)
    assert order.json()["attribution_chain"] == [alice.id]
