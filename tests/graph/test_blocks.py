"""Blocks (GRA-3): what a block ends, what it refuses, and how the blocker disappears for the blocked."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import publish_events

V1 = "/api/v1"
REFUSAL = {
    "code": "friend_request_refused",
    "message": "This user is not accepting friend requests from you.",
    "details": None,
}


async def befriend(client: httpx.AsyncClient, a: Any, b: Any) -> None:
    response = await client.post(f"{V1}/friend-requests", json={"to_user_id": b.id}, headers=a.headers)
    assert response.status_code == 201, response.text
    response = await client.post(f"{V1}/friend-requests/{response.json()['id']}/accept", headers=b.headers)
    assert response.status_code == 200, response.text


async def items(client: httpx.AsyncClient, user: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{V1}{path}", params={"limit": 100, **params}, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def ids(client: httpx.AsyncClient, user: Any, path: str, **params: Any) -> list[str]:
    found = await items(client, user, path, **params)
    return [item["user"]["id"] if "user" in item else item["id"] for item in found]


async def test_block_ends_friendship_follows_tags_and_requests(
    client: httpx.AsyncClient, users: Any, app: Any
) -> None:
    blocker, blocked, bystander = await users.create(), await users.create(), await users.create()
    await befriend(client, blocker, blocked)
    await befriend(client, blocker, bystander)
    await client.put(f"{V1}/following/{blocked.id}", headers=blocker.headers)
    await client.put(f"{V1}/following/{blocker.id}", headers=blocked.headers)
    await client.put(f"{V1}/following/{blocker.id}", headers=bystander.headers)
    tag = (
        await client.post(
            f"{V1}/tags",
            json={"name": "同学", "member_ids": [blocked.id, bystander.id]},
            headers=blocker.headers,
        )
    ).json()
    their_tag = (
        await client.post(
            f"{V1}/tags", json={"name": "boss", "member_ids": [blocker.id]}, headers=blocked.headers
        )
    ).json()
    seen: list[tuple[str, Any]] = []

    async def record(topic: str, envelope: dict[str, Any]) -> None:
        seen.append((topic, envelope["data"]))

    await app.state.bus.subscribe("graph.>", record)

    response = await client.put(f"{V1}/blocks/{blocked.id}", headers=blocker.headers)
    assert response.status_code == 204

    assert await ids(client, blocker, "/friends") == [bystander.id]
    assert await ids(client, blocked, "/friends") == []
    assert await ids(client, blocker, "/following") == []
    assert await ids(client, blocker, "/followers") == [bystander.id]
    assert await ids(client, blocked, "/following") == []
    assert await ids(client, blocked, "/followers") == []
    assert await ids(client, blocker, f"/tags/{tag['id']}/members") == [bystander.id]
    assert await ids(client, blocked, f"/tags/{their_tag['id']}/members") == []
    assert await ids(client, blocker, "/blocks") == [blocked.id]
    assert await ids(client, blocked, "/blocks") == []

    await publish_events(app)
    assert sorted(seen, key=lambda e: e[0]) == sorted(
        [
            (
                "graph.friendship.removed",
                {"user_id": blocker.id, "friend_id": blocked.id, "reason": "blocked"},
            ),
            (
                "graph.follow.removed",
                {"follower_id": blocker.id, "followee_id": blocked.id, "reason": "blocked"},
            ),
            (
                "graph.follow.removed",
                {"follower_id": blocked.id, "followee_id": blocker.id, "reason": "blocked"},
            ),
            ("graph.block.created", {"blocker_id": blocker.id, "blocked_id": blocked.id}),
        ],
        key=lambda e: e[0],
    )

    # Idempotent: a second block changes and emits nothing.
    assert (await client.put(f"{V1}/blocks/{blocked.id}", headers=blocker.headers)).status_code == 204
    await publish_events(app)
    assert len(seen) == 4
    assert await ids(client, blocker, "/blocks") == [blocked.id]


async def test_block_cancels_pending_requests_both_ways(client: httpx.AsyncClient, users: Any) -> None:
    a, b, c = await users.create(), await users.create(), await users.create()
    to_a = (await client.post(f"{V1}/friend-requests", json={"to_user_id": a.id}, headers=b.headers)).json()
    await client.post(f"{V1}/friend-requests", json={"to_user_id": c.id}, headers=a.headers)
    await client.put(f"{V1}/blocks/{b.id}", headers=a.headers)
    assert await items(client, a, "/friend-requests", direction="incoming") == []
    assert await items(client, b, "/friend-requests", direction="outgoing") == []
    # The recipient can no longer act on it.
    response = await client.post(f"{V1}/friend-requests/{to_a['id']}/accept", headers=a.headers)
    assert response.status_code == 404
    assert await ids(client, a, "/friends") == []
    # Requests to others are untouched.
    assert len(await items(client, c, "/friend-requests", direction="incoming")) == 1

    # And the other way: the blocker's own outgoing request goes too.
    d = await users.create()
    await client.post(f"{V1}/friend-requests", json={"to_user_id": d.id}, headers=a.headers)
    await client.put(f"{V1}/blocks/{d.id}", headers=a.headers)
    assert await items(client, d, "/friend-requests", direction="incoming") == []


async def test_blocked_user_is_refused_and_nothing_changes(client: httpx.AsyncClient, users: Any) -> None:
    blocker, blocked = await users.create(), await users.create()
    await client.put(f"{V1}/blocks/{blocked.id}", headers=blocker.headers)

    response = await client.post(
        f"{V1}/friend-requests", json={"to_user_id": blocker.id, "message": "hi"}, headers=blocked.headers
    )
    assert response.status_code == 403
    assert response.json() == {"error": REFUSAL}
    assert await items(client, blocker, "/friend-requests", direction="incoming") == []
    assert await items(client, blocked, "/friend-requests", direction="outgoing") == []

    # Following the blocker: as if they did not exist.
    response = await client.put(f"{V1}/following/{blocker.id}", headers=blocked.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "user_not_found"
    assert await ids(client, blocker, "/followers") == []

    # The blocker acting on the blocked: unblock first.
    response = await client.post(
        f"{V1}/friend-requests", json={"to_user_id": blocked.id}, headers=blocker.headers
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "user_blocked"
    response = await client.put(f"{V1}/following/{blocked.id}", headers=blocker.headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "user_blocked"
    assert await ids(client, blocker, "/following") == []
    assert await items(client, blocked, "/friend-requests", direction="incoming") == []


async def test_blocker_is_hidden_from_the_blocked(client: httpx.AsyncClient, users: Any) -> None:
    blocker = await users.create("zhou_hidden", phone="+8613800000001")
    blocked = await users.create("zhou_seeker")
    other = await users.create("zhou_other")
    await client.put(f"{V1}/blocks/{blocked.id}", headers=blocker.headers)

    response = await client.get(f"{V1}/users/{blocker.id}", headers=blocked.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "user_not_found"
    for query in ("zhou", "zhou_hidden", "+8613800000001"):
        found = await items(client, blocked, "/users/search", q=query)
        assert blocker.id not in [card["id"] for card in found], query
    assert [c["id"] for c in await items(client, blocked, "/users/search", q="zhou")] == [other.id]

    # Everyone else still finds the blocker; the blocker still sees the blocked user.
    assert blocker.id in [c["id"] for c in await items(client, other, "/users/search", q="zhou")]
    assert [c["id"] for c in await items(client, other, "/users/search", q="+8613800000001")] == [blocker.id]
    profile = (await client.get(f"{V1}/users/{blocked.id}", headers=blocker.headers)).json()
    assert profile["relation"]["blocked_by_me"] is True
    assert blocked.id in [c["id"] for c in await items(client, blocker, "/users/search", q="zhou")]


async def test_unblock(client: httpx.AsyncClient, users: Any, app: Any) -> None:
    a, b = await users.create(), await users.create()
    await befriend(client, a, b)
    await client.put(f"{V1}/blocks/{b.id}", headers=a.headers)
    for _ in range(2):  # idempotent
        assert (await client.delete(f"{V1}/blocks/{b.id}", headers=a.headers)).status_code == 204
    assert await ids(client, a, "/blocks") == []
    # The friendship does not come back, but everything is possible again.
    assert await ids(client, a, "/friends") == []
    assert (await client.get(f"{V1}/users/{a.id}", headers=b.headers)).status_code == 200
    await befriend(client, b, a)
    assert (await client.put(f"{V1}/following/{a.id}", headers=b.headers)).status_code == 204
    assert await ids(client, a, "/friends") == [b.id]


async def test_both_may_block_each_other(client: httpx.AsyncClient, users: Any) -> None:
    a, b = await users.create(), await users.create()
    assert (await client.put(f"{V1}/blocks/{b.id}", headers=a.headers)).status_code == 204
    assert (await client.put(f"{V1}/blocks/{a.id}", headers=b.headers)).status_code == 204
    assert (await client.get(f"{V1}/users/{a.id}", headers=b.headers)).status_code == 404
    assert (await client.get(f"{V1}/users/{b.id}", headers=a.headers)).status_code == 404
    await client.delete(f"{V1}/blocks/{b.id}", headers=a.headers)
    # b still blocks a.
    assert (await client.get(f"{V1}/users/{b.id}", headers=a.headers)).status_code == 404
    assert (await client.get(f"{V1}/users/{a.id}", headers=b.headers)).status_code == 200
    response = await client.post(f"{V1}/friend-requests", json={"to_user_id": b.id}, headers=a.headers)
    assert response.status_code == 403


async def test_bad_targets_and_pagination(client: httpx.AsyncClient, users: Any) -> None:
    me = await users.create()
    response = await client.put(f"{V1}/blocks/{me.id}", headers=me.headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cannot_block_self"
    for target in ("7393021983232000001", "abc", "0"):
        for method in ("PUT", "DELETE"):
            response = await client.request(method, f"{V1}/blocks/{target}", headers=me.headers)
            assert response.status_code == 404, (method, target)
    assert (await client.get(f"{V1}/blocks")).status_code == 401

    blocked = []
    for _ in range(3):
        other = await users.create()
        await client.put(f"{V1}/blocks/{other.id}", headers=me.headers)
        blocked.append(other.id)
    first = (await client.get(f"{V1}/blocks", params={"limit": 2}, headers=me.headers)).json()
    second = (
        await client.get(
            f"{V1}/blocks", params={"limit": 2, "cursor": first["next_cursor"]}, headers=me.headers
        )
    ).json()
    assert [c["id"] for c in first["items"] + second["items"]] == list(reversed(blocked))
    assert second["next_cursor"] is None
