"""The per-user sync log (CHT-5) and read state (CHT-6): reconnecting with the last seq returns what
was missed exactly once and in order; unread counts, read receipts, mute and pin travel through it."""

from __future__ import annotations

from typing import Any

from tests.chat.conftest import V1, ChatApi, client_msg_id, ok, open_socket


async def _three_chats(api: ChatApi) -> tuple[Any, list[tuple[str, Any]]]:
    me, alice, bob, carol = await api.friends("mei", "alice", "bob", "carol")
    d1 = await api.direct(me, alice)
    d2 = await api.direct(me, bob)
    group = await api.group(me, [alice, bob, carol], title="Three")
    return me, [(d1["id"], alice), (d2["id"], bob), (group["id"], carol)]


async def test_reconnect_with_last_seq_gets_every_missed_message_once_in_order(
    api: ChatApi, ws_url: str
) -> None:
    me, chats = await _three_chats(api)
    async with open_socket(ws_url, me) as socket:
        synced, replayed = await socket.until("synced")
        assert synced["seq"] == socket.last_seq == len(replayed)
        last_seq = socket.last_seq

    # Offline: 100 messages across the three chats; every tenth is sent twice with the same client id.
    sent = []
    for i in range(100):
        chat_id, sender = chats[i % 3]
        cid = client_msg_id()
        message = await api.say(sender, chat_id, f"message {i}", client_msg_id=cid)
        if i % 10 == 0:
            resend = await api.say(sender, chat_id, f"message {i}", client_msg_id=cid)
            assert resend["id"] == message["id"]
        sent.append(message)

    async with open_socket(ws_url, me, since=last_seq) as socket:
        synced, replayed = await socket.until("synced", wait=15)
        assert [e["kind"] for e in replayed] == ["message"] * 100
        assert [e["message"]["id"] for e in replayed] == [m["id"] for m in sent]
        assert [e["seq"] for e in replayed] == list(range(last_seq + 1, last_seq + 101))
        assert synced["seq"] == last_seq + 100
        # Within each chat the messages keep the chat's own order.
        for chat_id, _ in chats:
            seqs = [e["message"]["seq"] for e in replayed if e["chat_id"] == chat_id]
            assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        # The same as asking over HTTP: old state + the log = a fresh read.
        page = await api.sync(me, since=last_seq)
        assert page["entries"] == replayed and page["head"] == last_seq + 100 and not page["has_more"]

        # Then live, still in order and without gaps.
        chat_id, sender = chats[2]
        live = await api.say(sender, chat_id, "live one")
        [entry] = await socket.entries(1, wait=2)
        assert entry["message"]["id"] == live["id"] and entry["seq"] == last_seq + 101
        assert await socket.silent(0.3) == []


async def test_sync_pages_and_bad_positions(api: ChatApi, client: Any) -> None:
    me, chats = await _three_chats(api)
    for i in range(7):
        await api.say(chats[0][1], chats[0][0], f"m{i}")
    whole = await api.sync(me)
    head = whole["head"]
    assert [e["seq"] for e in whole["entries"]] == list(range(1, head + 1))
    collected: list[dict[str, Any]] = []
    since = 0
    while True:
        page = await api.sync(me, since=since, limit=4)
        collected += page["entries"]
        if not page["has_more"]:
            break
        since = page["entries"][-1]["seq"]
    assert collected == whole["entries"]
    assert (await api.sync(me, since=head))["entries"] == []
    for params in ({"since": -1}, {"limit": 0}, {"limit": 501}, {"since": "x"}):
        response = await client.get(f"{V1}/sync", params=params, headers=me.headers)
        assert response.status_code == 422, params


async def test_unread_counts_and_read_receipts(api: ChatApi, client: Any) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    for text in ("one", "two", "three"):
        await api.say(alice, chat["id"], text)
    assert (await api.chat(bob, chat["id"]))["me"]["unread_count"] == 3
    assert (await api.chat(alice, chat["id"]))["me"]["unread_count"] == 0
    bob_head = (await api.sync(bob))["head"]
    alice_head = (await api.sync(alice))["head"]

    read = ok(await client.post(f"{V1}/chats/{chat['id']}/read", json={"seq": 2}, headers=bob.headers))
    assert read["me"]["read_seq"] == 2 and read["me"]["unread_count"] == 1
    # Never backwards, never past the end.
    assert (
        ok(await client.post(f"{V1}/chats/{chat['id']}/read", json={"seq": 1}, headers=bob.headers))["me"][
            "read_seq"
        ]
        == 2
    )
    done = ok(await client.post(f"{V1}/chats/{chat['id']}/read", json={"seq": 99}, headers=bob.headers))
    assert done["me"]["read_seq"] == 3 and done["me"]["unread_count"] == 0

    # Alice gets read receipts; Bob's other devices learn his read position.
    receipts = [
        (e["kind"], e["user_id"], e["read_seq"]) for e in (await api.sync(alice, alice_head))["entries"]
    ]
    assert receipts == [("read", bob.id, 2), ("read", bob.id, 3)]
    assert (await api.sync(bob, bob_head))["entries"][-1]["read_seq"] == 3
    assert (await api.chat(alice, chat["id"]))["peer_read_seq"] == 3

    # Replying reads everything before it; one's own messages are never unread.
    await api.say(alice, chat["id"], "four")
    await api.say(bob, chat["id"], "five")
    mine = await api.chat(bob, chat["id"])
    assert mine["me"]["unread_count"] == 0 and mine["me"]["read_seq"] == 5
    assert (await api.chat(alice, chat["id"]))["me"]["unread_count"] == 1


async def test_group_read_state_is_per_member_without_receipts(api: ChatApi, client: Any) -> None:
    owner, bob, carol = await api.friends("owner", "bob", "carol")
    group = await api.group(owner, [bob, carol])
    owner_head = (await api.sync(owner))["head"]
    message = await api.say(bob, group["id"], "hello")
    ok(
        await client.post(
            f"{V1}/chats/{group['id']}/read", json={"seq": message["seq"]}, headers=carol.headers
        )
    )
    assert (await api.chat(owner, group["id"]))["me"]["unread_count"] == 1
    assert (await api.chat(carol, group["id"]))["me"]["unread_count"] == 0
    assert [e["kind"] for e in (await api.sync(owner, owner_head))["entries"]] == ["message"]


async def test_settings_reach_the_other_devices(api: ChatApi, client: Any) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    head = (await api.sync(alice))["head"]
    changed = ok(
        await client.patch(f"{V1}/chats/{chat['id']}/settings", json={"muted": True}, headers=alice.headers)
    )
    assert changed["me"]["muted"] is True and changed["me"]["pinned"] is False
    ok(await client.patch(f"{V1}/chats/{chat['id']}/settings", json={"muted": True}, headers=alice.headers))
    entries = (await api.sync(alice, head))["entries"]
    assert [(e["kind"], e["chat"]["me"]["muted"]) for e in entries] == [("chat", True)]
    assert (await api.chat(bob, chat["id"]))["me"]["muted"] is False
