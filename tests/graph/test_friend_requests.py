"""Friend requests (GRA-1): send, list, accept, decline, and who may do what to whose request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.conftest import publish_events

V1 = "/api/v1"
Drain = Callable[[], Awaitable[list[tuple[str, dict[str, Any]]]]]


@pytest.fixture
async def events(app: Any) -> AsyncIterator[Drain]:
    """Graph events as they reach the bus: publishes what the outbox holds, returns all seen so far."""
    seen: list[tuple[str, dict[str, Any]]] = []

    async def record(topic: str, envelope: dict[str, Any]) -> None:
        seen.append((topic, envelope["data"]))

    subscription = await app.state.bus.subscribe("graph.>", record)

    async def drain() -> list[tuple[str, dict[str, Any]]]:
        await publish_events(app)
        return seen

    yield drain
    await subscription.close()


async def send(client: httpx.AsyncClient, sender: Any, to: Any, message: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"to_user_id": to.id}
    if message is not None:
        body["message"] = message
    return await client.post(f"{V1}/friend-requests", json=body, headers=sender.headers)


async def pending(client: httpx.AsyncClient, user: Any, direction: str) -> list[dict[str, Any]]:
    response = await client.get(
        f"{V1}/friend-requests", params={"direction": direction}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def friend_ids(client: httpx.AsyncClient, user: Any) -> list[str]:
    response = await client.get(f"{V1}/friends", headers=user.headers)
    assert response.status_code == 200, response.text
    return [item["user"]["id"] for item in response.json()["items"]]


async def test_send_list_and_accept(client: httpx.AsyncClient, users: Any, events: Drain) -> None:
    alice = await users.create("alice", display_name="爱丽丝")
    bob = await users.create("bob")

    response = await send(client, alice, bob, "我是爱丽丝 from the book club")
    assert response.status_code == 201, response.text
    request = response.json()
    assert request["from_user"]["id"] == alice.id
    assert request["from_user"]["display_name"] == "爱丽丝"
    assert request["to_user"]["id"] == bob.id
    assert request["message"] == "我是爱丽丝 from the book club"
    assert request["status"] == "pending"
    assert isinstance(request["id"], str) and request["id"].isdigit()
    assert set(request) == {"id", "from_user", "to_user", "message", "status", "created_at"}

    assert [r["id"] for r in await pending(client, bob, "incoming")] == [request["id"]]
    assert [r["id"] for r in await pending(client, alice, "outgoing")] == [request["id"]]
    assert await pending(client, alice, "incoming") == []
    assert await pending(client, bob, "outgoing") == []

    response = await client.post(f"{V1}/friend-requests/{request['id']}/accept", headers=bob.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"
    assert response.json()["id"] == request["id"]

    assert await friend_ids(client, alice) == [bob.id]
    assert await friend_ids(client, bob) == [alice.id]
    assert await pending(client, bob, "incoming") == []
    assert await pending(client, alice, "outgoing") == []

    seen = await events()
    assert seen == [
        (
            "graph.friend_request.created",
            {"request_id": request["id"], "from_user_id": alice.id, "to_user_id": bob.id},
        ),
        (
            "graph.friend_request.accepted",
            {"request_id": request["id"], "from_user_id": alice.id, "to_user_id": bob.id},
        ),
    ]


async def test_message_is_optional_and_defaults_to_empty(client: httpx.AsyncClient, users: Any) -> None:
    alice, bob = await users.create(), await users.create()
    response = await send(client, alice, bob)
    assert response.status_code == 201
    assert response.json()["message"] == ""


async def test_default_direction_is_incoming(client: httpx.AsyncClient, users: Any) -> None:
    alice, bob = await users.create(), await users.create()
    request = (await send(client, alice, bob)).json()
    response = await client.get(f"{V1}/friend-requests", headers=bob.headers)
    assert [r["id"] for r in response.json()["items"]] == [request["id"]]
    response = await client.get(f"{V1}/friend-requests", headers=alice.headers)
    assert response.json() == {"items": [], "next_cursor": None}


async def test_decline(client: httpx.AsyncClient, users: Any, events: Drain) -> None:
    alice, bob = await users.create(), await users.create()
    request = (await send(client, alice, bob, "hi")).json()

    response = await client.post(f"{V1}/friend-requests/{request['id']}/decline", headers=bob.headers)
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert await pending(client, bob, "incoming") == []
    assert await pending(client, alice, "outgoing") == []
    assert await friend_ids(client, alice) == []

    # Declining again changes nothing; accepting a declined request is a conflict.
    response = await client.post(f"{V1}/friend-requests/{request['id']}/decline", headers=bob.headers)
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    response = await client.post(f"{V1}/friend-requests/{request['id']}/accept", headers=bob.headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "friend_request_not_pending"
    assert await friend_ids(client, bob) == []

    # The sender may ask again: a new request.
    again = await send(client, alice, bob, "second try")
    assert again.status_code == 201
    assert again.json()["id"] != request["id"]
    assert again.json()["status"] == "pending"

    topics = [topic for topic, _ in await events()]
    assert topics == [
        "graph.friend_request.created",
        "graph.friend_request.declined",
        "graph.friend_request.created",
    ]


async def test_accept_is_idempotent_and_decline_after_accept_conflicts(
    client: httpx.AsyncClient, users: Any, events: Drain
) -> None:
    alice, bob = await users.create(), await users.create()
    request = (await send(client, alice, bob)).json()
    first = await client.post(f"{V1}/friend-requests/{request['id']}/accept", headers=bob.headers)
    second = await client.post(f"{V1}/friend-requests/{request['id']}/accept", headers=bob.headers)
    assert first.status_code == second.status_code == 200
    assert second.json()["status"] == "accepted"
    assert await friend_ids(client, bob) == [alice.id]

    response = await client.post(f"{V1}/friend-requests/{request['id']}/decline", headers=bob.headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "friend_request_not_pending"
    assert await friend_ids(client, bob) == [alice.id]
    assert [t for t, _ in await events()].count("graph.friend_request.accepted") == 1

    # Once that friendship has ended, the old request cannot bring it back.
    assert (await client.delete(f"{V1}/friends/{alice.id}", headers=bob.headers)).status_code == 204
    response = await client.post(f"{V1}/friend-requests/{request['id']}/accept", headers=bob.headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "friend_request_not_pending"
    assert await friend_ids(client, bob) == []
    assert await friend_ids(client, alice) == []


async def test_repeat_request_updates_the_pending_one(
    client: httpx.AsyncClient, users: Any, events: Drain
) -> None:
    alice, bob = await users.create(), await users.create()
    first = (await send(client, alice, bob, "first")).json()
    second = await send(client, alice, bob, "second")
    assert second.status_code == 201
    assert second.json()["id"] == first["id"]
    assert second.json()["message"] == "second"
    # No message keeps the one there.
    third = await send(client, alice, bob)
    assert third.json()["id"] == first["id"]
    assert third.json()["message"] == "second"

    incoming = await pending(client, bob, "incoming")
    assert [(r["id"], r["message"]) for r in incoming] == [(first["id"], "second")]
    assert [t for t, _ in await events()] == ["graph.friend_request.created"]


async def test_crossing_request_accepts_the_other(
    client: httpx.AsyncClient, users: Any, events: Drain
) -> None:
    alice, bob = await users.create(), await users.create()
    from_alice = (await send(client, alice, bob, "hi bob")).json()

    response = await send(client, bob, alice, "hi alice")
    assert response.status_code == 201
    answer = response.json()
    assert answer["id"] == from_alice["id"]
    assert answer["status"] == "accepted"
    assert answer["from_user"]["id"] == alice.id
    assert answer["message"] == "hi bob"

    assert await friend_ids(client, alice) == [bob.id]
    assert await friend_ids(client, bob) == [alice.id]
    for user in (alice, bob):
        for direction in ("incoming", "outgoing"):
            assert await pending(client, user, direction) == []
    assert [t for t, _ in await events()] == ["graph.friend_request.created", "graph.friend_request.accepted"]


async def test_already_friends_conflict(client: httpx.AsyncClient, users: Any) -> None:
    alice, bob = await users.create(), await users.create()
    request = (await send(client, alice, bob)).json()
    await client.post(f"{V1}/friend-requests/{request['id']}/accept", headers=bob.headers)
    for sender, target in ((alice, bob), (bob, alice)):
        response = await send(client, sender, target)
        assert response.status_code == 409
        assert response.json()["error"] == {
            "code": "already_friends",
            "message": "You are already friends.",
            "details": None,
        }
        assert await pending(client, target, "incoming") == []


async def test_permission_matrix(client: httpx.AsyncClient, users: Any) -> None:
    alice, bob, mallory = await users.create(), await users.create(), await users.create()
    request = (await send(client, alice, bob, "hello")).json()

    # Only the recipient may answer; the sender and strangers see no such request.
    for actor in (alice, mallory):
        for verb in ("accept", "decline"):
            url = f"{V1}/friend-requests/{request['id']}/{verb}"
            response = await client.post(url, headers=actor.headers)
            assert response.status_code == 404, (actor.username, verb)
            assert response.json()["error"]["code"] == "friend_request_not_found"
    # Unknown and malformed ids look the same.
    for bad in ("123456789", "0", "-5", "abc", "1e3", "99999999999999999999999"):
        response = await client.post(f"{V1}/friend-requests/{bad}/accept", headers=bob.headers)
        assert response.status_code == 404, bad
    # Nothing changed.
    assert [r["status"] for r in await pending(client, bob, "incoming")] == ["pending"]
    assert await friend_ids(client, bob) == []
    assert await friend_ids(client, alice) == []
    assert await pending(client, mallory, "incoming") == []
    assert await pending(client, mallory, "outgoing") == []


async def test_authentication_required(client: httpx.AsyncClient, users: Any) -> None:
    bob = await users.create()
    assert (await client.post(f"{V1}/friend-requests", json={"to_user_id": bob.id})).status_code == 401
    assert (await client.get(f"{V1}/friend-requests")).status_code == 401
    assert (await client.post(f"{V1}/friend-requests/1/accept")).status_code == 401
    assert (await client.post(f"{V1}/friend-requests/1/decline")).status_code == 401


async def test_bad_input(client: httpx.AsyncClient, users: Any) -> None:
    alice, bob = await users.create(), await users.create()
    url = f"{V1}/friend-requests"

    response = await send(client, alice, alice)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cannot_befriend_self"

    response = await client.post(url, json={"to_user_id": "7393021983232000001"}, headers=alice.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "user_not_found"

    for body in (
        {"to_user_id": "bob"},  # not an id
        {"to_user_id": int(bob.id)},  # ids are strings
        {},
        {"to_user_id": bob.id, "message": "x" * 101},
        {"to_user_id": bob.id, "message": "bad \x00 char"},
        {"to_user_id": bob.id, "status": "accepted"},  # unknown field
    ):
        response = await client.post(url, json=body, headers=alice.headers)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid_input"

    # Exactly 100 characters is fine, surrounding spaces trimmed.
    response = await send(client, alice, bob, "  " + "好" * 100 + "  ")
    assert response.status_code == 201
    assert response.json()["message"] == "好" * 100

    response = await client.post(
        url, content=b'{"to_user_id": ', headers={**alice.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"

    response = await client.get(url, params={"direction": "sideways"}, headers=alice.headers)
    assert response.status_code == 422
    assert len(await pending(client, bob, "incoming")) == 1


async def test_pagination_walks_every_request_once(client: httpx.AsyncClient, users: Any) -> None:
    target = await users.create()
    # Seven sends: PostgreSQL plans a prepared statement generically from the sixth run on.
    senders = [await users.create() for _ in range(7)]
    sent = [(await send(client, sender, target)).json()["id"] for sender in senders]

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"direction": "incoming", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(f"{V1}/friend-requests", params=params, headers=target.headers)
        assert response.status_code == 200
        body = response.json()
        seen.extend(r["id"] for r in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 4
    assert seen == list(reversed(sent))  # newest first, each exactly once
