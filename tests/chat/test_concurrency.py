"""Concurrent traffic (real concurrent transactions on PostgreSQL, serialized writers on SQLite): every
user's log stays gapless and holds each message once; a resend racing its original creates nothing;
lock order keeps mixed sends, reads and membership changes free of deadlocks."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from tests.chat.conftest import V1, ChatApi, client_msg_id, ok


async def test_concurrent_sends_reads_and_resends_keep_every_log_whole(api: ChatApi, client: Any) -> None:
    hub, alice, bob, carol = await api.friends("hub", "alice", "bob", "carol")
    for a, b in ((alice, bob), (alice, carol), (bob, carol)):
        await api.befriend(a, b)
    chats = [
        (await api.direct(hub, alice))["id"],
        (await api.direct(alice, bob))["id"],
        (await api.group(hub, [alice, bob, carol]))["id"],
        (await api.group(alice, [bob, carol]))["id"],
    ]
    members = {
        chats[0]: [hub, alice],
        chats[1]: [alice, bob],
        chats[2]: [hub, alice, bob, carol],
        chats[3]: [alice, bob, carol],
    }
    duplicate = client_msg_id()

    async def traffic(i: int) -> Any:
        chat_id = chats[i % 4]
        sender = members[chat_id][i % len(members[chat_id])]
        if i % 7 == 0:
            return await client.post(f"{V1}/chats/{chat_id}/read", json={"seq": 1000}, headers=sender.headers)
        if i % 11 == 0:
            return await api.send(alice, chats[1], "only once", client_msg_id=duplicate)
        return await api.send(sender, chat_id, f"message {i}")

    responses = await asyncio.gather(*(traffic(i) for i in range(60)))
    assert all(r.status_code in (200, 201) for r in responses), [
        r.text for r in responses if r.status_code >= 300
    ]
    resends = {
        r.json()["id"]
        for r in responses
        if r.status_code == 201 and r.json().get("client_msg_id") == duplicate
    }
    assert len(resends) == 1

    for chat_id, people in members.items():
        history = ok(await api.history(people[0], chat_id, limit=100))["items"]
        assert [m["seq"] for m in history] == list(range(len(history), 0, -1))
    for person in (hub, alice, bob, carol):
        log = (await api.sync(person))["entries"]
        assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
        delivered = Counter(e["message_id"] for e in log if e["kind"] == "message")
        assert delivered and max(delivered.values()) == 1
        expected = set()
        for chat_id, people in members.items():
            if any(p.id == person.id for p in people):
                expected |= {m["id"] for m in ok(await api.history(person, chat_id, limit=100))["items"]}
        assert set(delivered) == expected


async def test_removal_racing_sends_never_leaks_a_later_message(api: ChatApi, client: Any) -> None:
    owner, bob, carol = await api.friends("owner", "bob", "carol")
    group = await api.group(owner, [bob, carol])
    gid = group["id"]
    sends = [api.send(carol if i % 2 else owner, gid, f"m{i}") for i in range(20)]
    removal = client.delete(f"{V1}/chats/{gid}/members/{bob.id}", headers=owner.headers)
    results = await asyncio.gather(*sends[:10], removal, *sends[10:])
    assert all(r.status_code in (201, 204) for r in results), [
        (r.status_code, r.text[:200]) for r in results if r.status_code not in (201, 204)
    ]
    mine = await api.chat(bob, gid)
    left_at = mine["last_seq"]
    log = (await api.sync(bob))["entries"]
    seen = [e["message"]["seq"] for e in log if e["kind"] == "message" and e["chat_id"] == gid]
    assert max(seen) == left_at  # the notice of his removal, and nothing after it
    assert all(m["seq"] <= left_at for m in ok(await api.history(bob, gid, limit=100))["items"])
