"""Broadcasts (SHP-2): at most one a day per shop, the event, and the subscription feed."""

from __future__ import annotations

import json

from sqlalchemy import text

from quanzi.core.clock import FrozenClock
from tests.commerce.catalog_helpers import Catalog, catalog_fixture, error_code  # noqa: F401


async def test_one_broadcast_a_day(catalog: Catalog, frozen_clock: FrozenClock) -> None:
    merchant = await catalog.merchant(shop="青山茶舍")
    first = await catalog.post(
        merchant, "/shops/me/broadcasts", {"title": "新茶上市", "body": "明前龙井到了"}
    )
    assert first.status_code == 201, first.text
    sent = first.json()
    assert (
        sent["title"] == "新茶上市"
        and sent["shop"]["id"] == merchant.id
        and sent["shop"]["name"] == "青山茶舍"
    )

    frozen_clock.advance(hours=11, minutes=59)  # 23:59 UTC, the same day
    second = await catalog.post(merchant, "/shops/me/broadcasts", {"title": "Again", "body": "More"})
    assert second.status_code == 429 and error_code(second) == "broadcast_limit"
    assert second.json()["error"]["details"] == {"retry_after": 61}
    assert second.headers["Retry-After"] == "61"

    frozen_clock.advance(minutes=1)  # midnight UTC: a new day
    third = await catalog.post(merchant, "/shops/me/broadcasts", {"title": "Day two", "body": "Hello"})
    assert third.status_code == 201, third.text

    async with catalog.app.state.db.read() as session:
        events = (
            (
                await session.execute(
                    text(
                        "SELECT payload FROM outbox_events"
                        " WHERE topic = 'commerce.broadcast.sent' ORDER BY id"
                    )
                )
            )
            .scalars()
            .all()
        )
    payloads = [event if isinstance(event, dict) else json.loads(event) for event in events]
    assert [p["broadcast_id"] for p in payloads] == [sent["id"], third.json()["id"]]
    assert all(p["shop_id"] == merchant.id for p in payloads)

    listed = await catalog.items(merchant, f"/shops/{merchant.id}/broadcasts")
    assert [b["title"] for b in listed] == ["Day two", "新茶上市"]


async def test_broadcast_validation_and_permissions(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    consumer = await catalog.consumer()
    refused = await catalog.post(consumer, "/shops/me/broadcasts", {"title": "Hi", "body": "Hello"})
    assert refused.status_code == 403 and error_code(refused) == "not_a_merchant"
    for body, code in (
        ({"title": " ", "body": "Hello"}, "title_required"),
        ({"title": "Hi", "body": "  \n "}, "body_required"),
        ({"title": "", "body": "Hello"}, "invalid_input"),
        ({"title": "x" * 81, "body": "Hello"}, "invalid_input"),
        ({"title": "Hi", "body": "x" * 10_001}, "invalid_input"),
        ({"title": "Hi"}, "invalid_input"),
    ):
        response = await catalog.post(merchant, "/shops/me/broadcasts", body)
        assert response.status_code == 422 and error_code(response) == code, body
    # None of the refused ones counted against the day's broadcast.
    ok = await catalog.post(merchant, "/shops/me/broadcasts", {"title": "Hi", "body": "Hello"})
    assert ok.status_code == 201


async def test_subscription_feed_shows_followed_shops_only(
    catalog: Catalog, frozen_clock: FrozenClock
) -> None:
    shops = [await catalog.merchant(shop=f"Shop {i}") for i in range(3)]
    reader = await catalog.consumer()
    for shop in shops[:2]:
        assert (await catalog.post(reader, f"/shops/{shop.id}/follow")).status_code == 200
    for day in range(3):
        for i, shop in enumerate(shops):
            response = await catalog.post(
                shop, "/shops/me/broadcasts", {"title": f"D{day} S{i}", "body": "…"}
            )
            assert response.status_code == 201, response.text
            frozen_clock.advance(minutes=1)
        frozen_clock.advance(days=1)

    feed = await catalog.all_pages(reader, "/subscriptions/feed", limit=4)
    assert [b["title"] for b in feed] == ["D2 S1", "D2 S0", "D1 S1", "D1 S0", "D0 S1", "D0 S0"]
    assert await catalog.items(shops[2], "/subscriptions/feed") == []

    await catalog.delete(reader, f"/shops/{shops[0].id}/follow")
    feed = await catalog.items(reader, "/subscriptions/feed")
    assert [b["title"] for b in feed] == ["D2 S1", "D1 S1", "D0 S1"]
