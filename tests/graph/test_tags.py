"""Tags (GRA-4): private labels on friends; members must be friends and leave with the friendship."""

from __future__ import annotations

from typing import Any

import httpx

V1 = "/api/v1"


async def befriend(client: httpx.AsyncClient, a: Any, b: Any) -> None:
    response = await client.post(f"{V1}/friend-requests", json={"to_user_id": b.id}, headers=a.headers)
    assert response.status_code == 201, response.text
    response = await client.post(f"{V1}/friend-requests/{response.json()['id']}/accept", headers=b.headers)
    assert response.status_code == 200, response.text


async def tags(client: httpx.AsyncClient, user: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{V1}/tags", headers=user.headers)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"items"}
    return response.json()["items"]  # type: ignore[no-any-return]


async def members(client: httpx.AsyncClient, user: Any, tag_id: str) -> list[str]:
    response = await client.get(f"{V1}/tags/{tag_id}/members", params={"limit": 100}, headers=user.headers)
    assert response.status_code == 200, response.text
    return [card["id"] for card in response.json()["items"]]


async def test_tag_lifecycle(client: httpx.AsyncClient, users: Any) -> None:
    me, mum, dad, boss = [await users.create() for _ in range(4)]
    for friend in (mum, dad, boss):
        await befriend(client, me, friend)

    response = await client.post(
        f"{V1}/tags", json={"name": " 家人 family ", "member_ids": [mum.id, dad.id]}, headers=me.headers
    )
    assert response.status_code == 201, response.text
    family = response.json()
    assert set(family) == {"id", "name", "member_count"}
    assert family["name"] == "家人 family"
    assert family["member_count"] == 2

    response = await client.post(f"{V1}/tags", json={"name": "同事 colleagues"}, headers=me.headers)
    assert response.status_code == 201
    work = response.json()
    assert work["member_count"] == 0

    assert await tags(client, me) == [
        {"id": family["id"], "name": "家人 family", "member_count": 2},
        {"id": work["id"], "name": "同事 colleagues", "member_count": 0},
    ]
    assert sorted(await members(client, me, family["id"])) == sorted([mum.id, dad.id])

    for _ in range(2):  # idempotent
        response = await client.put(f"{V1}/tags/{work['id']}/members/{boss.id}", headers=me.headers)
        assert response.status_code == 204
    await client.put(f"{V1}/tags/{work['id']}/members/{dad.id}", headers=me.headers)
    assert await members(client, me, work["id"]) == [dad.id, boss.id]  # most recently added first

    # The friend list carries each friend's tags.
    friends = (await client.get(f"{V1}/friends", headers=me.headers)).json()["items"]
    by_id = {f["user"]["id"]: [t["name"] for t in f["tags"]] for f in friends}
    assert by_id == {
        mum.id: ["家人 family"],
        dad.id: ["家人 family", "同事 colleagues"],
        boss.id: ["同事 colleagues"],
    }

    response = await client.patch(f"{V1}/tags/{work['id']}", json={"name": "同事"}, headers=me.headers)
    assert response.status_code == 200
    assert response.json() == {"id": work["id"], "name": "同事", "member_count": 2}

    for _ in range(2):  # idempotent
        response = await client.delete(f"{V1}/tags/{work['id']}/members/{dad.id}", headers=me.headers)
        assert response.status_code == 204
    assert await members(client, me, work["id"]) == [boss.id]

    response = await client.delete(f"{V1}/tags/{family['id']}", headers=me.headers)
    assert response.status_code == 204
    assert [t["id"] for t in await tags(client, me)] == [work["id"]]
    response = await client.get(f"{V1}/tags/{family['id']}/members", headers=me.headers)
    assert response.status_code == 404
    # The friends stay friends.
    assert len((await client.get(f"{V1}/friends", headers=me.headers)).json()["items"]) == 3


async def test_names_are_unique_per_owner(client: httpx.AsyncClient, users: Any) -> None:
    me, other = await users.create(), await users.create()
    first = (await client.post(f"{V1}/tags", json={"name": "family"}, headers=me.headers)).json()
    second = (await client.post(f"{V1}/tags", json={"name": "friends"}, headers=me.headers)).json()

    response = await client.post(f"{V1}/tags", json={"name": "family"}, headers=me.headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "tag_name_taken"
    response = await client.patch(f"{V1}/tags/{second['id']}", json={"name": "family"}, headers=me.headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "tag_name_taken"
    # Renaming to its own name is fine; another user may use the same name.
    assert (
        await client.patch(f"{V1}/tags/{first['id']}", json={"name": "family"}, headers=me.headers)
    ).status_code == 200
    response = await client.post(f"{V1}/tags", json={"name": "family"}, headers=other.headers)
    assert response.status_code == 201
    assert [t["name"] for t in await tags(client, me)] == ["family", "friends"]


async def test_name_and_body_validation(client: httpx.AsyncClient, users: Any) -> None:
    me = await users.create()
    for body in (
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 21},
        {"name": "a\nb"},
        {},
        {"name": "ok", "owner_id": "1"},
        {"name": "ok", "member_ids": ["abc"]},
    ):
        response = await client.post(f"{V1}/tags", json=body, headers=me.headers)
        assert response.status_code == 422, body
    assert (await client.post(f"{V1}/tags", json={"name": "标" * 20}, headers=me.headers)).status_code == 201
    response = await client.post(
        f"{V1}/tags", content=b"[", headers={**me.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert [t["name"] for t in await tags(client, me)] == ["标" * 20]


async def test_members_must_be_friends(client: httpx.AsyncClient, users: Any) -> None:
    me, friend, stranger = await users.create(), await users.create(), await users.create()
    await befriend(client, me, friend)

    response = await client.post(
        f"{V1}/tags", json={"name": "mixed", "member_ids": [friend.id, stranger.id]}, headers=me.headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "not_a_friend"
    assert response.json()["error"]["details"] == {"user_ids": [stranger.id]}
    assert await tags(client, me) == []  # nothing was made

    tag = (await client.post(f"{V1}/tags", json={"name": "ok"}, headers=me.headers)).json()
    for target in (stranger.id, me.id, "7393021983232000001", "abc"):
        response = await client.put(f"{V1}/tags/{tag['id']}/members/{target}", headers=me.headers)
        assert response.status_code == 404, target
        assert response.json()["error"]["code"] == "friend_not_found"
    assert await members(client, me, tag["id"]) == []


async def test_unfriending_removes_from_tags_on_both_sides(client: httpx.AsyncClient, users: Any) -> None:
    a, b, c = await users.create(), await users.create(), await users.create()
    await befriend(client, a, b)
    await befriend(client, a, c)
    a_tag = (
        await client.post(f"{V1}/tags", json={"name": "t", "member_ids": [b.id, c.id]}, headers=a.headers)
    ).json()
    b_tag = (
        await client.post(f"{V1}/tags", json={"name": "t", "member_ids": [a.id]}, headers=b.headers)
    ).json()

    await client.delete(f"{V1}/friends/{a.id}", headers=b.headers)
    assert await members(client, a, a_tag["id"]) == [c.id]
    assert await members(client, b, b_tag["id"]) == []
    assert [t["member_count"] for t in await tags(client, a)] == [1]

    # Friends again: not back under the tags until put there again.
    await befriend(client, a, b)
    assert await members(client, a, a_tag["id"]) == [c.id]


async def test_tags_are_private(client: httpx.AsyncClient, users: Any) -> None:
    owner, friend, other = await users.create(), await users.create(), await users.create()
    await befriend(client, owner, friend)
    await befriend(client, other, friend)
    tag = (
        await client.post(
            f"{V1}/tags", json={"name": "secret 秘密", "member_ids": [friend.id]}, headers=owner.headers
        )
    ).json()
    other_tag = (await client.post(f"{V1}/tags", json={"name": "mine"}, headers=other.headers)).json()

    assert [t["id"] for t in await tags(client, other)] == [other_tag["id"]]
    assert await tags(client, friend) == []
    # The friend never sees how they are tagged; nor does anyone else.
    for viewer in (friend, other):
        friends = (await client.get(f"{V1}/friends", headers=viewer.headers)).json()["items"]
        assert all(f["tags"] == [] for f in friends)
        for path in (f"/users/{friend.id}", f"/users/{owner.id}"):
            assert "secret" not in (await client.get(f"{V1}{path}", headers=viewer.headers)).text

    # Another user's tag id answers 404 on every route, and changes nothing.
    tag_url = f"{V1}/tags/{tag['id']}"
    attempts = [
        ("GET", f"{tag_url}/members", None),
        ("PATCH", tag_url, {"name": "hijacked"}),
        ("DELETE", tag_url, None),
        ("PUT", f"{tag_url}/members/{friend.id}", None),
        ("DELETE", f"{tag_url}/members/{friend.id}", None),
    ]
    for method, url, body in attempts:
        response = await client.request(method, url, json=body, headers=other.headers)
        assert response.status_code == 404, (method, url)
        assert response.json()["error"]["code"] == "tag_not_found"
    for bad in ("7393021983232000001", "abc"):
        response = await client.get(f"{V1}/tags/{bad}/members", headers=owner.headers)
        assert response.status_code == 404
    assert await tags(client, owner) == [{"id": tag["id"], "name": "secret 秘密", "member_count": 1}]
    assert await members(client, owner, tag["id"]) == [friend.id]


async def test_member_pagination(client: httpx.AsyncClient, users: Any) -> None:
    me = await users.create()
    tag = (await client.post(f"{V1}/tags", json={"name": "many"}, headers=me.headers)).json()
    added = []
    for _ in range(5):
        friend = await users.create()
        await befriend(client, friend, me)
        await client.put(f"{V1}/tags/{tag['id']}/members/{friend.id}", headers=me.headers)
        added.append(friend.id)
    seen: list[str] = []
    cursor = None
    sizes = []
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = (await client.get(f"{V1}/tags/{tag['id']}/members", params=params, headers=me.headers)).json()
        sizes.append(len(body["items"]))
        seen.extend(c["id"] for c in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sizes == [2, 2, 1]
    assert seen == list(reversed(added))
    assert (await client.get(f"{V1}/tags")).status_code == 401
