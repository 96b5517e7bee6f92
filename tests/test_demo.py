"""The demo world: seeded once, as planned, and usable through the API."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
from sqlalchemy import text

from quanzi.config import Settings
from quanzi.core.db import Database
from quanzi.demo import DEMO_PASSWORD, DEMO_PIN, plan_demo_world, seed_demo_world
from quanzi.wallet.check import check_ledger

V1 = "/api/v1"


async def scalar(settings: Settings, sql: str) -> Any:
    db = Database(settings.database_url)
    try:
        async with db.read() as session:
            return await session.scalar(text(sql))
    finally:
        await db.dispose()


def test_plan_is_deterministic_and_clustered() -> None:
    plan = plan_demo_world()
    assert plan == plan_demo_world()
    assert plan != plan_demo_world(seed=7)
    assert len(plan.by_role("merchant")) == 4
    assert len(plan.by_role("kol")) == 3
    consumers = plan.by_role("consumer")
    assert len(consumers) == 40
    usernames = [p.username for p in plan.people]
    assert len(set(usernames)) == len(usernames)
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in p.display_name) for p in consumers)
    assert any(p.display_name.isascii() for p in consumers)

    pairs = [frozenset(pair) for pair in plan.friendships]
    assert len(set(pairs)) == len(pairs) >= 80
    circles = {p.username: set(p.circles) for p in consumers}
    among_consumers = [pair for pair in pairs if pair <= circles.keys()]
    inside = [pair for pair in among_consumers if set.intersection(*(circles[u] for u in pair))]
    assert len(inside) / len(among_consumers) > 0.7  # clustered, not uniform
    degrees = Counter(u for pair in pairs for u in pair)
    assert all(degrees[p.username] >= 1 for p in consumers)

    friends = set(pairs)
    assert all(frozenset((owner, m)) in friends for owner, _, members in plan.tags for m in members)
    assert all(frozenset((owner, f)) in friends for owner, f, _ in plan.remarks)
    assert all(frozenset((a, b)) not in friends for a, b, _ in plan.pending_requests)
    assert len(set(plan.follows)) == len(plan.follows)
    assert {name for _, name, _ in plan.tags} >= {"家人 family", "同事 colleagues"}

    # Content: Moments among friends, public posts with a repost cascade, lin_xiaomei's chats.
    assert len(plan.moments) == 30
    assert 2 <= sum(1 for m in plan.moments if m.audience_tag) <= 4
    for m in plan.moments:
        assert m.audience_tag is None or any(o == m.author and n == m.audience_tag for o, n, _ in plan.tags)
        assert all(frozenset((m.author, u)) in friends for u in m.likers)
        assert all(frozenset((m.author, u)) in friends for u, _ in m.comments)
    assert len(plan.posts) == 18
    assert [p.repost_of for p in plan.posts if p.repost_of is not None] == [0, 14, 15, 2]
    assert {p.author for p in plan.posts if p.repost_of is None} == {
        p.username for p in plan.people if p.role in ("merchant", "kol")
    }
    assert all("lin_xiaomei" in chat.members for chat in plan.chats)
    assert [len(chat.members) for chat in plan.chats] == [2, 2, 2, 6]
    assert all(frozenset(("lin_xiaomei", u)) in friends for c in plan.chats for u in c.members[1:])


async def test_seeding_creates_the_world_once_and_users_can_log_in(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    plan = plan_demo_world()
    assert await seed_demo_world(settings) is True
    assert await seed_demo_world(settings) is False

    assert await scalar(settings, "SELECT count(*) FROM users") == 47
    assert (
        await scalar(
            settings,
            "SELECT count(*) FROM users WHERE kind = 'merchant' AND merchant_verified_at IS NOT NULL",
        )
        == 4
    )
    assert await scalar(settings, "SELECT count(*) FROM users WHERE is_kol") == 3
    assert await scalar(settings, "SELECT count(*) FROM users WHERE kind = 'consumer' AND NOT is_kol") == 40
    assert await scalar(settings, "SELECT count(*) FROM friendships") == 2 * len(plan.friendships)
    assert await scalar(settings, "SELECT count(*) FROM friend_requests WHERE status = 'pending'") == 3
    assert await scalar(settings, "SELECT count(*) FROM follows") == len(plan.follows)
    assert await scalar(settings, "SELECT count(*) FROM tags") == len(plan.tags)
    assert await scalar(settings, "SELECT count(*) FROM tag_members") == sum(len(m) for _, _, m in plan.tags)
    remarks = await scalar(settings, "SELECT count(*) FROM friendships WHERE remark IS NOT NULL")
    assert remarks == len(plan.remarks)
    assert await scalar(settings, "SELECT count(*) FROM feed_posts WHERE kind = 'moment'") == 30
    assert await scalar(settings, "SELECT count(*) FROM feed_posts WHERE kind = 'public'") == 18
    assert await scalar(settings, "SELECT count(*) FROM feed_posts WHERE parent_id IS NOT NULL") == 4
    assert await scalar(settings, "SELECT max(depth) FROM feed_posts") == 3
    likes = sum(len(m.likers) for m in plan.moments) + sum(len(p.likers) for p in plan.posts)
    assert await scalar(settings, "SELECT count(*) FROM feed_likes") == likes
    assert await scalar(settings, "SELECT count(*) FROM chat_conversations WHERE kind = 'direct'") == 3
    assert await scalar(settings, "SELECT count(*) FROM chat_conversations WHERE kind = 'group'") == 1
    lines = sum(len(chat.lines) for chat in plan.chats)
    assert await scalar(settings, "SELECT count(*) FROM chat_messages WHERE kind = 'text'") == lines
    db = Database(settings.database_url)
    try:
        assert await check_ledger(db) == []
    finally:
        await db.dispose()
    # Every consumer and KOL topped up through the sandbox bank, so they can buy at once.
    funded = "SELECT count(*) FROM wallet_accounts WHERE kind = 'wallet' AND balance = 200000"
    assert await scalar(settings, funded) == 43
    assert await scalar(settings, "SELECT count(*) FROM wallet_bank_orders WHERE status = 'succeeded'") == 43
    assert await scalar(settings, "SELECT count(*) FROM groupbuy_deals") == 4
    # The sign-up sessions were closed: nobody is logged in until they log in.
    assert await scalar(settings, "SELECT count(*) FROM auth_sessions WHERE revoked_at IS NULL") == 0

    # A demo user logs in through the API and finds their world as planned.
    response = await client.post(f"{V1}/auth/login", json={"login": "lin_xiaomei", "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    me = response.json()["user"]
    assert me["display_name"] == "林小美"
    headers = {"Authorization": f"Bearer {response.json()['token']}"}

    friends = (await client.get(f"{V1}/friends", params={"limit": 100}, headers=headers)).json()
    expected = {b if a == "lin_xiaomei" else a for a, b in plan.friendships if "lin_xiaomei" in (a, b)}
    assert {f["user"]["username"] for f in friends["items"]} == expected
    incoming = (await client.get(f"{V1}/friend-requests", headers=headers)).json()["items"]
    assert len(incoming) == 3
    tags = (await client.get(f"{V1}/tags", headers=headers)).json()["items"]
    assert [t["name"] for t in tags] == [name for owner, name, _ in plan.tags if owner == "lin_xiaomei"]

    moments = (await client.get(f"{V1}/moments", params={"limit": 50}, headers=headers)).json()["items"]
    assert len(moments) >= 10
    assert any(m["author"]["username"] != "lin_xiaomei" for m in moments)
    chats = (await client.get(f"{V1}/chats", headers=headers)).json()["items"]
    assert len(chats) == 4

    found = (await client.get(f"{V1}/users/search", params={"q": "brand_"}, headers=headers)).json()["items"]
    assert [card["username"] for card in found] == sorted(p.username for p in plan.by_role("merchant"))
    assert all(card["merchant_verified"] and card["kind"] == "merchant" for card in found)

    # She can pay with the published PIN: an order of a demo product, paid from the seeded money.
    shop_products = await client.get(f"{V1}/shops/{found[0]['id']}/products", headers=headers)
    product = shop_products.json()["items"][0]
    sku = min(product["skus"], key=lambda s: s["price"])
    order = await client.post(
        f"{V1}/orders",
        json={
            "items": [{"sku_id": sku["id"], "quantity": 1}],
            "address": {"name": "林小美", "phone": "13800000000", "line": "上海市南京路 1 号"},
        },
        headers=headers | {"Idempotency-Key": "demo-order-1"},
    )
    assert order.status_code == 201, order.text
    paid = await client.post(
        f"{V1}/orders/{order.json()['orders'][0]['id']}/pay",
        json={"pin": DEMO_PIN},
        headers=headers | {"Idempotency-Key": "demo-pay-1"},
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"

    response = await client.get(f"{V1}/users/search", params={"q": "kol_taozi"}, headers=headers)
    kol = response.json()["items"][0]
    assert kol["is_kol"] is True
    profile = (await client.get(f"{V1}/users/{kol['id']}", headers=headers)).json()
    assert profile["follower_count"] == sum(1 for _, followee in plan.follows if followee == "kol_taozi")

    login = {"login": "brand_huaxia", "password": DEMO_PASSWORD}
    response = await client.post(f"{V1}/auth/login", json=login)
    assert response.status_code == 200
    assert response.json()["user"]["merchant_verified"] is True
