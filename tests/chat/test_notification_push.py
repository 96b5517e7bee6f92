"""The socket nudges a user when their notification badge changes (NTF-1), and nobody else."""

from __future__ import annotations

from typing import Any

from tests.chat.conftest import V1, ChatApi, ok, open_socket


async def test_friend_requests_and_likes_nudge_only_the_recipient(
    api: ChatApi, client: Any, users: Any, ws_url: str
) -> None:
    alice, bob, carol = await users.create("alice"), await users.create("bob"), await users.create("carol")
    post = ok(await client.post(f"{V1}/posts", headers=bob.headers, json={"body": "新品 #国货之光#"}), 201)
    async with open_socket(ws_url, bob) as bob_socket, open_socket(ws_url, carol) as carol_socket:
        ok(
            await client.post(f"{V1}/friend-requests", headers=alice.headers, json={"to_user_id": bob.id}),
            201,
        )
        await api.publish()
        nudge, _ = await bob_socket.until("notification")
        assert nudge["topic"] == "graph.friend_request.created"

        ok(await client.put(f"{V1}/posts/{post['id']}/like", headers=alice.headers), 204)
        await api.publish()
        nudge, _ = await bob_socket.until("notification")
        assert (nudge["topic"], nudge["kind"]) == ("feed.notification.created", "like")

        assert [f for f in await carol_socket.silent(0.5) if f.get("type") == "notification"] == []
