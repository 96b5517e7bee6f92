"""Profiles with the viewer's relation, and people search (GRA-3, GRA-6)."""

from __future__ import annotations

from typing import Any

import httpx

V1 = "/api/v1"
NO_RELATION = {
    "is_self": False,
    "is_friend": False,
    "is_following": False,
    "follows_me": False,
    "blocked_by_me": False,
    "remark": None,
    "pending_request": None,
    "pending_request_id": None,
}


async def profile(client: httpx.AsyncClient, viewer: Any, user: Any) -> dict[str, Any]:
    response = await client.get(f"{V1}/users/{user.id}", headers=viewer.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def search(client: httpx.AsyncClient, viewer: Any, q: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{V1}/users/search", params={"q": q, **params}, headers=viewer.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_profile_shape(client: httpx.AsyncClient, users: Any) -> None:
    viewer = await users.create()
    user = await users.create("wang_fang", display_name="王芳")
    await client.patch(f"{V1}/me", json={"bio": "爱喝茶", "region": "杭州"}, headers=user.headers)

    body = await profile(client, viewer, user)
    assert body == {
        "id": user.id,
        "username": "wang_fang",
        "display_name": "王芳",
        "avatar_url": None,
        "kind": "consumer",
        "is_kol": False,
        "merchant_verified": False,
        "bio": "爱喝茶",
        "region": "杭州",
        "follower_count": 0,
        "following_count": 0,
        "relation": NO_RELATION,
    }
    # Private fields of the account never show.
    assert "phone" not in body and "discoverable_by_phone" not in body


async def test_own_profile(client: httpx.AsyncClient, users: Any) -> None:
    me = await users.create()
    relation = (await profile(client, me, me))["relation"]
    assert relation == {**NO_RELATION, "is_self": True}


async def test_relation_follows_each_change(client: httpx.AsyncClient, users: Any) -> None:
    a, b = await users.create(), await users.create()
    response = await client.post(f"{V1}/friend-requests", json={"to_user_id": b.id}, headers=a.headers)
    request = response.json()
    assert (await profile(client, a, b))["relation"] == {
        **NO_RELATION,
        "pending_request": "outgoing",
        "pending_request_id": request["id"],
    }
    assert (await profile(client, b, a))["relation"] == {
        **NO_RELATION,
        "pending_request": "incoming",
        "pending_request_id": request["id"],
    }
    await client.post(f"{V1}/friend-requests/{request['id']}/accept", headers=b.headers)
    await client.patch(f"{V1}/friends/{b.id}", json={"remark": "B哥"}, headers=a.headers)
    await client.put(f"{V1}/following/{b.id}", headers=a.headers)
    assert (await profile(client, a, b))["relation"] == {
        **NO_RELATION,
        "is_friend": True,
        "is_following": True,
        "remark": "B哥",
    }
    assert (await profile(client, b, a))["relation"] == {**NO_RELATION, "is_friend": True, "follows_me": True}
    assert (await profile(client, b, b))["follower_count"] == 1
    assert (await profile(client, b, a))["following_count"] == 1

    await client.put(f"{V1}/blocks/{b.id}", headers=a.headers)
    assert (await profile(client, a, b))["relation"] == {**NO_RELATION, "blocked_by_me": True}
    assert (await client.get(f"{V1}/users/{a.id}", headers=b.headers)).status_code == 404


async def test_profile_bad_ids(client: httpx.AsyncClient, users: Any) -> None:
    me = await users.create()
    for bad in ("7393021983232000001", "abc", "0", "-1", "1.5", "99999999999999999999"):
        response = await client.get(f"{V1}/users/{bad}", headers=me.headers)
        assert response.status_code == 404, bad
        assert response.json()["error"]["code"] == "user_not_found"
    assert (await client.get(f"{V1}/users/{me.id}")).status_code == 401


async def test_search_by_username_prefix(client: httpx.AsyncClient, users: Any) -> None:
    me = await users.create("chen_me")
    chen_a = await users.create("chen_a", display_name="陈安")
    chen_b = await users.create("chen_b")
    await users.create("lee_c")

    body = await search(client, me, "chen")
    assert [card["id"] for card in body["items"]] == [chen_a.id, chen_b.id]  # never the searcher
    assert body["next_cursor"] is None
    assert body["items"][0] == {
        "id": chen_a.id,
        "username": "chen_a",
        "display_name": "陈安",
        "avatar_url": None,
        "kind": "consumer",
        "is_kol": False,
        "merchant_verified": False,
    }
    assert [c["id"] for c in (await search(client, me, "CHEN_B"))["items"]] == [chen_b.id]
    assert (await search(client, me, "nobody"))["items"] == []
    assert await search(client, me, "") == {"items": [], "next_cursor": None}
    assert (await search(client, me, "%"))["items"] == []
    assert (await search(client, me, "_"))["items"] == []

    # Paging through the matches.
    first = await search(client, me, "chen", limit=1)
    second = await search(client, me, "chen", limit=1, cursor=first["next_cursor"])
    assert [c["id"] for c in first["items"] + second["items"]] == [chen_a.id, chen_b.id]
    assert second["next_cursor"] is None

    assert (await client.get(f"{V1}/users/search", params={"q": "chen"})).status_code == 401
    response = await client.get(f"{V1}/users/search", params={"q": "x" * 65}, headers=me.headers)
    assert response.status_code == 422


async def test_search_respects_discoverability(client: httpx.AsyncClient, users: Any) -> None:
    me = await users.create()
    shy = await users.create("shy_sun", phone="13900001111")

    assert [c["id"] for c in (await search(client, me, "shy"))["items"]] == [shy.id]
    assert [c["id"] for c in (await search(client, me, "139 0000 1111"))["items"]] == [shy.id]

    await client.patch(f"{V1}/me", json={"discoverable_by_username": False}, headers=shy.headers)
    assert (await search(client, me, "shy"))["items"] == []
    assert [c["id"] for c in (await search(client, me, "13900001111"))["items"]] == [shy.id]

    await client.patch(f"{V1}/me", json={"discoverable_by_phone": False}, headers=shy.headers)
    assert (await search(client, me, "13900001111"))["items"] == []
    # The profile itself is still reachable by id (e.g. from a friend's list).
    assert (await profile(client, me, shy))["id"] == shy.id
