"""The notification inbox (NTF-1): unread counts, read marks, friend requests, live events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from quanzi.core.outbox import OutboxEvent
from tests.conftest import publish_events
from tests.feed.helpers import V1, befriend, items, moment, public_post


async def unread(client: Any, user: Any) -> dict[str, int]:
    response = await client.get(f"{V1}/notifications/unread", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_unread_counts_and_marking_read(client, users):
    ana, bo, cy = await users.create("nt_ana"), await users.create("nt_bo"), await users.create("nt_cy")
    await befriend(client, ana, bo)
    post = await public_post(client, ana, "hello @nt_bo")
    assert (await client.put(f"{V1}/posts/{post['id']}/like", headers=bo.headers)).status_code == 204
    response = await client.post(f"{V1}/posts/{post['id']}/comments", json={"body": "hi"}, headers=bo.headers)
    assert response.status_code == 201
    assert (
        await client.post(f"{V1}/friend-requests", json={"to_user_id": ana.id}, headers=cy.headers)
    ).status_code == 201
    assert await unread(client, ana) == {"notifications": 2, "friend_requests": 1, "total": 3}
    assert await unread(client, bo) == {"notifications": 1, "friend_requests": 0, "total": 1}
    inbox = await items(client, ana, "/notifications")
    assert [(n["kind"], n["read"]) for n in inbox] == [("comment", False), ("like", False)]
    response = await client.post(
        f"{V1}/notifications/read", json={"up_to_id": inbox[1]["id"]}, headers=ana.headers
    )
    assert response.status_code == 204
    assert (await unread(client, ana))["notifications"] == 1
    assert (await client.post(f"{V1}/notifications/read", json={}, headers=ana.headers)).status_code == 204
    assert (await unread(client, ana))["notifications"] == 0
    assert [n["read"] for n in await items(client, ana, "/notifications")] == [True, True]
    assert (await client.get(f"{V1}/notifications")).status_code == 401


async def test_inbox_pages_skip_what_is_no_longer_visible(client, users):
    ana, bo = await users.create("pg_ana"), await users.create("pg_bo")
    await befriend(client, ana, bo)
    posts = [await moment(client, ana, f"m{i}") for i in range(5)]
    for post in posts:
        assert (await client.put(f"{V1}/posts/{post['id']}/like", headers=bo.headers)).status_code == 204
    # Two liked Moments are deleted: their notifications go with them, and pages still fill up.
    for post in posts[1:3]:
        assert (await client.delete(f"{V1}/posts/{post['id']}", headers=ana.headers)).status_code == 204
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(f"{V1}/notifications", params=params, headers=ana.headers)).json()
        seen.append([n["post_id"] for n in body["items"]])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert [post_id for page in seen for post_id in page] == [posts[4]["id"], posts[3]["id"], posts[0]["id"]]
    assert seen[0] == [posts[4]["id"], posts[3]["id"]]
    assert (await unread(client, ana))["notifications"] == 3


async def test_each_notification_is_an_outbox_event_naming_its_recipient(client, users, app):
    ana, bo = await users.create("ev_ana"), await users.create("ev_bo")
    received: list[dict[str, Any]] = []

    async def collect(_topic: str, envelope: dict[str, Any]) -> None:
        received.append(envelope)

    await app.state.bus.subscribe("feed.notification.created", collect)
    post = await public_post(client, ana, "live")
    assert (await client.put(f"{V1}/posts/{post['id']}/like", headers=bo.headers)).status_code == 204
    async with app.state.db.read() as session:
        rows = (
            await session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "feed.notification.created"))
        ).all()
    assert [row.payload["user_id"] for row in rows] == [ana.id]
    assert set(rows[0].payload) == {"user_id", "notification_id", "kind"}  # nothing about the post itself
    await publish_events(app)
    assert [e["data"]["user_id"] for e in received] == [ana.id]
