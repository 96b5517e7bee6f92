"""Friends and remarks (GRA-1, GRA-5): the list, private remarks, removal by either side."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import publish_events

V1 = "/api/v1"


async def befriend(client: httpx.AsyncClient, a: Any, b: Any) -> None:
    response = await client.post(f"{V1}/friend-requests", json={"to_user_id": b.id}, headers=a.headers)
    assert response.status_code == 201, response.text
    response = await client.post(f"{V1}/friend-requests/{response.json()['id']}/accept", headers=b.headers)
    assert response.status_code == 200, response.text


async def friends(client: httpx.AsyncClient, user: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{V1}/friends", params={"limit": 100}, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def test_friend_list_shape_and_order(client: httpx.AsyncClient, users: Any, frozen_clock: Any) -> None:
    me = await users.create("lin_xiaomei", display_name="林小美")
    first, second = await users.create("first_friend"), await users.create("second_friend")
    await befriend(client, me, first)
    frozen_clock.advance(minutes=5)
    await befriend(client, second, me)

    items = await friends(client, me)
    assert [f["user"]["id"] for f in items] == [second.id, first.id]  # newest first
    newest = items[0]
    assert set(newest) == {"user", "remark", "tags", "since"}
    assert newest["user"] == {
        "id": second.id,
        "username": "second_friend",
        "display_name": "Second_Friend",
        "avatar_url": None,
        "kind": "consumer",
        "is_kol": False,
        "merchant_verified": False,
    }
    assert newest["remark"] is None
    assert newest["tags"] == []
    assert newest["since"].startswith("2026-11-11T12:05:00")
    assert items[1]["since"].startswith("2026-11-11T12:00:00")
    assert [f["user"]["id"] for f in await friends(client, first)] == [me.id]


async def test_remark_is_private_to_the_setter(client: httpx.AsyncClient, users: Any) -> None:
    me, friend, other = await users.create(), await users.create(), await users.create()
    await befriend(client, me, friend)
    await befriend(client, other, friend)

    response = await client.patch(
        f"{V1}/friends/{friend.id}", json={"remark": "  大学室友 Roomie  "}, headers=me.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["remark"] == "大学室友 Roomie"
    assert response.json()["user"]["id"] == friend.id

    assert [f["remark"] for f in await friends(client, me)] == ["大学室友 Roomie"]
    profile = (await client.get(f"{V1}/users/{friend.id}", headers=me.headers)).json()
    assert profile["relation"]["remark"] == "大学室友 Roomie"
    assert profile["display_name"] == friend.username.title()

    # Nobody else sees it: not the friend, not a common friend.
    assert all(f["remark"] is None for f in await friends(client, friend))
    for viewer in (friend, other):
        for target in (me, friend):
            body = (await client.get(f"{V1}/users/{target.id}", headers=viewer.headers)).json()
            assert body["relation"]["remark"] is None
            assert "大学室友" not in str(body)

    # "" clears it.
    response = await client.patch(f"{V1}/friends/{friend.id}", json={"remark": ""}, headers=me.headers)
    assert response.status_code == 200
    assert response.json()["remark"] is None
    assert [f["remark"] for f in await friends(client, me)] == [None]


async def test_remark_bad_input(client: httpx.AsyncClient, users: Any) -> None:
    me, friend, stranger = await users.create(), await users.create(), await users.create()
    await befriend(client, me, friend)
    await client.patch(f"{V1}/friends/{friend.id}", json={"remark": "keep"}, headers=me.headers)

    url = f"{V1}/friends/{friend.id}"
    for body in ({"remark": "x" * 33}, {"remark": "a\nb"}, {}, {"remark": None}, {"remark": "ok", "x": 1}):
        response = await client.patch(url, json=body, headers=me.headers)
        assert response.status_code == 422, body
    response = await client.patch(url, json={"remark": "好" * 32}, headers=me.headers)
    assert response.status_code == 200
    response = await client.patch(
        url, content=b"{remark", headers={**me.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert [f["remark"] for f in await friends(client, me)] == ["好" * 32]

    # Not a friend, unknown, malformed: all 404.
    for target in (stranger.id, "7393021983232000001", "nope"):
        response = await client.patch(f"{V1}/friends/{target}", json={"remark": "x"}, headers=me.headers)
        assert response.status_code == 404, target
        assert response.json()["error"]["code"] == "friend_not_found"


async def test_either_side_removes(client: httpx.AsyncClient, users: Any, app: Any) -> None:
    a, b, c = await users.create(), await users.create(), await users.create()
    await befriend(client, a, b)
    await befriend(client, c, a)
    seen: list[tuple[str, Any]] = []

    async def record(topic: str, envelope: dict[str, Any]) -> None:
        seen.append((topic, envelope["data"]))

    await app.state.bus.subscribe("graph.friendship.>", record)

    response = await client.delete(f"{V1}/friends/{a.id}", headers=b.headers)  # the accepter removes
    assert response.status_code == 204
    assert response.content == b""
    assert [f["user"]["id"] for f in await friends(client, a)] == [c.id]
    assert await friends(client, b) == []

    response = await client.delete(f"{V1}/friends/{c.id}", headers=a.headers)  # the requester removes
    assert response.status_code == 204
    assert await friends(client, a) == []
    assert await friends(client, c) == []

    # Gone is gone: a second removal, a stranger, junk ids.
    for target in (b.id, "7393021983232000001", "abc"):
        response = await client.delete(f"{V1}/friends/{target}", headers=a.headers)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "friend_not_found"

    await publish_events(app)
    assert seen == [
        ("graph.friendship.removed", {"user_id": b.id, "friend_id": a.id, "reason": "removed"}),
        ("graph.friendship.removed", {"user_id": a.id, "friend_id": c.id, "reason": "removed"}),
    ]

    # They can be friends again.
    await befriend(client, b, a)
    assert [f["user"]["id"] for f in await friends(client, a)] == [b.id]


async def test_removal_leaves_other_friendships_alone(client: httpx.AsyncClient, users: Any) -> None:
    a, b, c = await users.create(), await users.create(), await users.create()
    await befriend(client, a, b)
    await befriend(client, b, c)
    await befriend(client, a, c)
    await client.delete(f"{V1}/friends/{b.id}", headers=a.headers)
    assert [f["user"]["id"] for f in await friends(client, a)] == [c.id]
    assert sorted(f["user"]["id"] for f in await friends(client, b)) == [c.id]
    assert sorted(f["user"]["id"] for f in await friends(client, c)) == sorted([a.id, b.id])


async def test_friend_pagination_walks_everyone_once(client: httpx.AsyncClient, users: Any) -> None:
    me = await users.create()
    added = []
    for _ in range(5):
        friend = await users.create()
        await befriend(client, friend, me)
        added.append(friend.id)

    seen: list[str] = []
    cursor = None
    sizes = []
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = (await client.get(f"{V1}/friends", params=params, headers=me.headers)).json()
        sizes.append(len(body["items"]))
        seen.extend(f["user"]["id"] for f in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sizes == [2, 2, 1]
    assert seen == list(reversed(added))

    # Exactly a full last page: no empty extra page.
    body = (await client.get(f"{V1}/friends", params={"limit": 5}, headers=me.headers)).json()
    assert len(body["items"]) == 5
    assert body["next_cursor"] is None


async def test_page_parameters_are_checked(client: httpx.AsyncClient, users: Any) -> None:
    me = await users.create()
    for params in ({"limit": 0}, {"limit": 101}, {"limit": "many"}, {"cursor": "!!!"}, {"cursor": "WyJ4Il0"}):
        response = await client.get(f"{V1}/friends", params=params, headers=me.headers)
        assert response.status_code == 422, params
    assert (await client.get(f"{V1}/friends")).status_code == 401
