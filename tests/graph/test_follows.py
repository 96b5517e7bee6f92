"""Follows (GRA-2): one-way, no consent, idempotent; lists newest first; counts on the profile."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import publish_events

V1 = "/api/v1"


async def ids(client: httpx.AsyncClient, user: Any, path: str) -> list[str]:
    response = await client.get(f"{V1}{path}", params={"limit": 100}, headers=user.headers)
    assert response.status_code == 200, response.text
    return [card["id"] for card in response.json()["items"]]


async def counts(client: httpx.AsyncClient, viewer: Any, user: Any) -> tuple[int, int]:
    body = (await client.get(f"{V1}/users/{user.id}", headers=viewer.headers)).json()
    return body["follower_count"], body["following_count"]


async def test_follow_and_unfollow(client: httpx.AsyncClient, users: Any, app: Any) -> None:
    fan = await users.create("emma_w")
    brand = await users.create("brand_test", kind="merchant")
    seen: list[tuple[str, Any]] = []

    async def record(topic: str, envelope: dict[str, Any]) -> None:
        seen.append((topic, envelope["data"]))

    await app.state.bus.subscribe("graph.follow.>", record)

    for _ in range(2):  # idempotent
        response = await client.put(f"{V1}/following/{brand.id}", headers=fan.headers)
        assert response.status_code == 204
        assert response.content == b""
    assert await ids(client, fan, "/following") == [brand.id]
    assert await ids(client, brand, "/followers") == [fan.id]
    assert await ids(client, fan, "/followers") == []
    assert await ids(client, brand, "/following") == []
    assert await counts(client, fan, brand) == (1, 0)
    assert await counts(client, brand, fan) == (0, 1)
    relation = (await client.get(f"{V1}/users/{brand.id}", headers=fan.headers)).json()["relation"]
    assert relation["is_following"] is True and relation["follows_me"] is False
    relation = (await client.get(f"{V1}/users/{fan.id}", headers=brand.headers)).json()["relation"]
    assert relation["is_following"] is False and relation["follows_me"] is True
    # Following needs no consent and makes no friendship.
    assert relation["is_friend"] is False

    card = (await client.get(f"{V1}/following", headers=fan.headers)).json()["items"][0]
    assert card == {
        "id": brand.id,
        "username": "brand_test",
        "display_name": "Brand_Test",
        "avatar_url": None,
        "kind": "merchant",
        "is_kol": False,
        "merchant_verified": False,
    }

    for _ in range(2):  # idempotent
        response = await client.delete(f"{V1}/following/{brand.id}", headers=fan.headers)
        assert response.status_code == 204
    assert await ids(client, fan, "/following") == []
    assert await ids(client, brand, "/followers") == []
    assert await counts(client, fan, brand) == (0, 0)

    await publish_events(app)
    assert seen == [
        ("graph.follow.created", {"follower_id": fan.id, "followee_id": brand.id}),
        ("graph.follow.removed", {"follower_id": fan.id, "followee_id": brand.id, "reason": "unfollowed"}),
    ]


async def test_mutual_follows(client: httpx.AsyncClient, users: Any) -> None:
    a, b = await users.create(), await users.create()
    await client.put(f"{V1}/following/{b.id}", headers=a.headers)
    await client.put(f"{V1}/following/{a.id}", headers=b.headers)
    relation = (await client.get(f"{V1}/users/{b.id}", headers=a.headers)).json()["relation"]
    assert relation["is_following"] is True and relation["follows_me"] is True
    await client.delete(f"{V1}/following/{b.id}", headers=a.headers)
    assert await ids(client, b, "/following") == [a.id]
    assert await ids(client, b, "/followers") == []


async def test_bad_targets(client: httpx.AsyncClient, users: Any) -> None:
    me = await users.create()
    response = await client.put(f"{V1}/following/{me.id}", headers=me.headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cannot_follow_self"
    for target in ("7393021983232000001", "abc", "0", "-1", "12345678901234567890123"):
        for method in ("PUT", "DELETE"):
            response = await client.request(method, f"{V1}/following/{target}", headers=me.headers)
            assert response.status_code == 404, (method, target)
            assert response.json()["error"]["code"] == "user_not_found"
    assert await ids(client, me, "/following") == []
    assert (await client.put(f"{V1}/following/{me.id}")).status_code == 401
    assert (await client.get(f"{V1}/followers")).status_code == 401


async def test_follower_pagination_walks_everyone_once(client: httpx.AsyncClient, users: Any) -> None:
    kol = await users.create()
    fans = []
    for _ in range(7):
        fan = await users.create()
        assert (await client.put(f"{V1}/following/{kol.id}", headers=fan.headers)).status_code == 204
        fans.append(fan.id)

    seen: list[str] = []
    sizes = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = (await client.get(f"{V1}/followers", params=params, headers=kol.headers)).json()
        sizes.append(len(body["items"]))
        seen.extend(card["id"] for card in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sizes == [3, 3, 1]
    assert seen == list(reversed(fans))
    assert await counts(client, kol, kol) == (7, 0)


async def test_following_pagination_is_stable_under_new_follows(
    client: httpx.AsyncClient, users: Any
) -> None:
    me = await users.create()
    targets = [await users.create() for _ in range(4)]
    for target in targets:
        await client.put(f"{V1}/following/{target.id}", headers=me.headers)
    first = (await client.get(f"{V1}/following", params={"limit": 2}, headers=me.headers)).json()
    # A follow made between pages lands before the cursor, so the walk neither repeats nor skips.
    late = await users.create()
    await client.put(f"{V1}/following/{late.id}", headers=me.headers)
    second = (
        await client.get(
            f"{V1}/following", params={"limit": 2, "cursor": first["next_cursor"]}, headers=me.headers
        )
    ).json()
    walked = [c["id"] for c in first["items"]] + [c["id"] for c in second["items"]]
    assert walked == [t.id for t in reversed(targets)]
    assert second["next_cursor"] is None
