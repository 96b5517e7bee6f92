"""Races between graph changes: the database, not a read first, decides (DESIGN rule 13).

Requests run concurrently through the app; on PostgreSQL they overlap for real, on SQLite the write
transactions queue behind BEGIN IMMEDIATE. Either way the outcome must be one of the serial ones.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

V1 = "/api/v1"


async def listed(client: httpx.AsyncClient, user: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{V1}{path}", params={"limit": 100, **params}, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def test_crossing_requests_make_one_friendship(client: httpx.AsyncClient, users: Any) -> None:
    for _ in range(3):
        a, b = await users.create(), await users.create()
        responses = await asyncio.gather(
            client.post(f"{V1}/friend-requests", json={"to_user_id": b.id}, headers=a.headers),
            client.post(f"{V1}/friend-requests", json={"to_user_id": a.id}, headers=b.headers),
        )
        assert [r.status_code for r in responses] == [201, 201]
        # One request was made and the other side's send accepted it.
        assert sorted(r.json()["status"] for r in responses) == ["accepted", "pending"]
        assert len({r.json()["id"] for r in responses}) == 1
        assert [f["user"]["id"] for f in await listed(client, a, "/friends")] == [b.id]
        assert [f["user"]["id"] for f in await listed(client, b, "/friends")] == [a.id]
        for user in (a, b):
            for direction in ("incoming", "outgoing"):
                assert await listed(client, user, "/friend-requests", direction=direction) == []


async def test_repeated_sends_make_one_request(client: httpx.AsyncClient, users: Any) -> None:
    a, b = await users.create(), await users.create()
    responses = await asyncio.gather(
        *(
            client.post(
                f"{V1}/friend-requests", json={"to_user_id": b.id, "message": f"#{i}"}, headers=a.headers
            )
            for i in range(6)
        )
    )
    assert [r.status_code for r in responses] == [201] * 6
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(await listed(client, b, "/friend-requests", direction="incoming")) == 1


async def test_concurrent_follows_and_blocks_are_idempotent(client: httpx.AsyncClient, users: Any) -> None:
    fan, star = await users.create(), await users.create()
    responses = await asyncio.gather(
        *(client.put(f"{V1}/following/{star.id}", headers=fan.headers) for _ in range(6))
    )
    assert [r.status_code for r in responses] == [204] * 6
    assert [c["id"] for c in await listed(client, star, "/followers")] == [fan.id]

    responses = await asyncio.gather(
        *(client.put(f"{V1}/blocks/{fan.id}", headers=star.headers) for _ in range(6))
    )
    assert [r.status_code for r in responses] == [204] * 6
    assert [c["id"] for c in await listed(client, star, "/blocks")] == [fan.id]
    assert await listed(client, star, "/followers") == []


async def test_block_racing_an_accept_leaves_no_friendship(client: httpx.AsyncClient, users: Any) -> None:
    for _ in range(3):
        a, b = await users.create(), await users.create()
        sent = await client.post(f"{V1}/friend-requests", json={"to_user_id": b.id}, headers=a.headers)
        request = sent.json()
        accept, block = await asyncio.gather(
            client.post(f"{V1}/friend-requests/{request['id']}/accept", headers=b.headers),
            client.put(f"{V1}/blocks/{b.id}", headers=a.headers),
        )
        # Either the accept came first (and the block then ended the friendship) or the block
        # removed the request first; never a friendship next to a block.
        assert accept.status_code in (200, 404)
        assert block.status_code == 204
        assert await listed(client, a, "/friends") == []
        assert await listed(client, b, "/friends") == []
        assert [c["id"] for c in await listed(client, a, "/blocks")] == [b.id]


async def test_follow_racing_a_block_leaves_no_follow(client: httpx.AsyncClient, users: Any) -> None:
    for _ in range(3):
        fan, star = await users.create(), await users.create()
        follow, block = await asyncio.gather(
            client.put(f"{V1}/following/{star.id}", headers=fan.headers),
            client.put(f"{V1}/blocks/{fan.id}", headers=star.headers),
        )
        assert follow.status_code in (204, 404)
        assert block.status_code == 204
        assert await listed(client, star, "/followers") == []
        assert await listed(client, fan, "/following") == []
