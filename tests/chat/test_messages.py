"""Messages (CHT-3, CHT-4, CHT-7): kinds, limits, reply, forward, mentions, recall, delete for me,
client message ids, history windows and search."""

from __future__ import annotations

from typing import Any

import pytest

from quanzi.chat.kinds import registered_kinds
from quanzi.core.clock import FrozenClock
from tests.chat.conftest import V1, ChatApi, client_msg_id, error_code, ok
from tests.conftest import job_runner


async def test_text_limits(api: ChatApi) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    longest = "字" * 5000
    assert (await api.say(alice, chat["id"], longest))["content"]["text"] == longest
    for bad in ("字" * 5001, "", "   \n ", "bad\u0000byte"):
        response = await api.send(alice, chat["id"], bad)
        assert response.status_code == 422, bad
        # NUL is refused at the door, for every body (core.schemas.RequestModel).
        assert error_code(response) == ("invalid_input" if "\u0000" in bad else "invalid_content")
    assert len(await api.texts(bob, chat["id"])) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "nonsense", "content": {}}, "unknown_kind"),
        ({"kind": "system", "content": {"event": "created", "text": "fake"}}, "unknown_kind"),
        ({"kind": "text", "content": {"text": "hi", "extra": 1}}, "invalid_content"),
        ({"kind": "text", "content": {}}, "invalid_content"),
        ({"kind": "text"}, "invalid_input"),
        ({"kind": "location", "content": {"latitude": 91, "longitude": 0}}, "invalid_content"),
        ({"kind": "image", "content": {"media_id": "12345"}}, "media_not_found"),
        ({"kind": "text", "content": {"text": "hi"}, "client_msg_id": "has space"}, "invalid_input"),
        ({"kind": "text", "content": {"text": "hi"}, "sender_id": "1"}, "invalid_input"),
    ],
)
async def test_bad_messages_are_refused_and_add_nothing(
    api: ChatApi, body: dict[str, Any], code: str
) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    response = await api.client.post(f"{V1}/chats/{chat['id']}/messages", json=body, headers=alice.headers)
    assert response.status_code in (404, 422), response.text
    assert error_code(response) == code
    assert ok(await api.history(bob, chat["id"]))["items"] == []
    assert (await api.chat(bob, chat["id"]))["last_seq"] == 0


async def test_kind_registry_holds_the_built_in_kinds() -> None:
    assert {"text", "image", "voice", "video", "file", "location", "system"} <= set(registered_kinds())


async def test_location_reply_forward_and_quote_previews(api: ChatApi) -> None:
    alice, bob, carol = await api.friends("alice", "bob", "carol")
    chat = await api.direct(alice, bob)
    place = await api.client.post(
        f"{V1}/chats/{chat['id']}/messages",
        json={
            "kind": "location",
            "content": {"latitude": 31.2304, "longitude": 121.4737, "name": "外滩", "address": "中山东一路"},
        },
        headers=alice.headers,
    )
    place = ok(place, 201)
    assert place["content"] == {
        "latitude": 31.2304,
        "longitude": 121.4737,
        "name": "外滩",
        "address": "中山东一路",
    }

    question = await api.say(alice, chat["id"], "Dinner at 7?")
    answer = await api.say(bob, chat["id"], "Yes!", reply_to_id=question["id"])
    assert answer["reply_to"] == {
        "id": question["id"],
        "sender_id": alice.id,
        "kind": "text",
        "preview": "Dinner at 7?",
        "recalled": False,
    }
    # Replying to what you cannot see: 404.
    other = await api.direct(alice, carol)
    hidden = await api.say(carol, other["id"], "not for bob")
    response = await api.send(bob, chat["id"], "?", reply_to_id=hidden["id"])
    assert response.status_code == 404 and error_code(response) == "message_not_found"

    # Forwarding copies the content into a chat the forwarder can write to, marked as forwarded.
    forwarded = ok(
        await api.client.post(
            f"{V1}/chats/{other['id']}/messages",
            json={"forward": {"chat_id": chat["id"], "message_id": place["id"]}},
            headers=alice.headers,
        ),
        201,
    )
    assert forwarded["kind"] == "location" and forwarded["forwarded"] is True
    assert forwarded["content"] == place["content"] and forwarded["chat_id"] == other["id"]
    # … but not from a chat they cannot see, nor a system notice.
    response = await api.client.post(
        f"{V1}/chats/{chat['id']}/messages",
        json={"forward": {"chat_id": other["id"], "message_id": hidden["id"]}},
        headers=bob.headers,
    )
    assert response.status_code == 404 and error_code(response) == "chat_not_found"
    group = await api.group(alice, [bob])
    notice_id = group["last_message"]["id"]
    response = await api.client.post(
        f"{V1}/chats/{chat['id']}/messages",
        json={"forward": {"chat_id": group["id"], "message_id": notice_id}},
        headers=alice.headers,
    )
    assert response.status_code == 422 and error_code(response) == "not_forwardable"
    response = await api.client.post(
        f"{V1}/chats/{chat['id']}/messages",
        json={
            "kind": "text",
            "content": {"text": "x"},
            "forward": {"chat_id": group["id"], "message_id": notice_id},
        },
        headers=alice.headers,
    )
    assert response.status_code == 422


async def test_mentions(api: ChatApi, client: Any) -> None:
    owner, bob, carol = await api.friends("owner", "bob", "carol")
    outsider = await api.users.create("outsider")
    group = await api.group(owner, [bob, carol])
    gid = group["id"]
    message = await api.say(bob, gid, "@Carol look", mentions=[carol.id])
    assert message["mentions"] == [carol.id]
    assert (await api.chat(carol, gid))["me"]["mentioned"] is True
    assert (await api.chat(owner, gid))["me"]["mentioned"] is False
    ok(await client.post(f"{V1}/chats/{gid}/read", json={"seq": message["seq"]}, headers=carol.headers))
    assert (await api.chat(carol, gid))["me"]["mentioned"] is False

    response = await api.send(bob, gid, "@all", mention_all=True)
    assert response.status_code == 403 and error_code(response) == "mention_all_not_allowed"
    response = await api.send(bob, gid, "@outsider", mentions=[outsider.id])
    assert response.status_code == 422 and error_code(response) == "invalid_mention"
    everyone = await api.say(owner, gid, "@all meeting", mention_all=True)
    assert everyone["mention_all"] is True
    assert (await api.chat(bob, gid))["me"]["mentioned"] is True
    assert (await api.chat(carol, gid))["me"]["mentioned"] is True
    direct = await api.direct(owner, bob)
    response = await api.send(owner, direct["id"], "hey", mentions=[bob.id])
    assert response.status_code == 422 and error_code(response) == "invalid_mention"


async def test_client_message_id_makes_resends_harmless(api: ChatApi) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    cid = client_msg_id()
    first = await api.say(alice, chat["id"], "only once", client_msg_id=cid)
    again = await api.say(alice, chat["id"], "only once", client_msg_id=cid)
    assert again == first
    assert first["client_msg_id"] == cid
    assert await api.texts(bob, chat["id"]) == ["only once"]
    assert [e["kind"] for e in (await api.sync(bob))["entries"]] == ["chat", "message"]
    # The id is the sender's: another sender, or another chat, may use the same one.
    other = await api.say(bob, chat["id"], "mine", client_msg_id=cid)
    assert other["id"] != first["id"]
    assert await api.texts(bob, chat["id"]) == ["only once", "mine"]


async def test_recall_within_two_minutes_then_refused(
    api: ChatApi, frozen_clock: FrozenClock, app: Any
) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    early = await api.say(alice, chat["id"], "oops, wrong chat")
    late = await api.say(alice, chat["id"], "this one stays")

    response = await api.client.post(
        f"{V1}/chats/{chat['id']}/messages/{early['id']}/recall", headers=bob.headers
    )
    assert response.status_code == 403 and error_code(response) == "not_your_message"

    frozen_clock.advance(seconds=119)
    recalled = ok(
        await api.client.post(f"{V1}/chats/{chat['id']}/messages/{early['id']}/recall", headers=alice.headers)
    )
    assert recalled["message"]["recalled"] is True and recalled["message"]["content"] is None
    # The sender may edit and send the text again for 5 minutes.
    assert recalled["editable_text"] == "oops, wrong chat"
    seen = ok(await api.client.get(f"{V1}/chats/{chat['id']}/messages/{early['id']}", headers=bob.headers))
    assert seen["recalled"] is True and seen["content"] is None
    assert [e["kind"] for e in (await api.sync(bob))["entries"]][-1] == "recall"
    again = ok(
        await api.client.post(f"{V1}/chats/{chat['id']}/messages/{early['id']}/recall", headers=alice.headers)
    )
    assert again["message"]["recalled"] is True

    frozen_clock.advance(seconds=2)  # 121 s after sending
    response = await api.client.post(
        f"{V1}/chats/{chat['id']}/messages/{late['id']}/recall", headers=alice.headers
    )
    assert response.status_code == 409
    assert error_code(response) == "recall_window_passed"
    assert (
        response.json()["error"]["message"] == "A message can only be recalled within 2 minutes of sending."
    )
    still = ok(await api.client.get(f"{V1}/chats/{chat['id']}/messages/{late['id']}", headers=bob.headers))
    assert still["recalled"] is False and still["content"] == {"text": "this one stays"}

    # After the re-edit window the recalled text is gone from the server too.
    frozen_clock.advance(minutes=5)
    assert await job_runner(app.state.db).run_due() == 1
    after = ok(
        await api.client.post(f"{V1}/chats/{chat['id']}/messages/{early['id']}/recall", headers=alice.headers)
    )
    assert after["editable_text"] is None
    search = ok(await api.client.get(f"{V1}/chat-search", params={"q": "wrong chat"}, headers=alice.headers))
    assert search["items"] == []


async def test_files_can_be_recalled_for_three_hours(api: ChatApi, frozen_clock: FrozenClock) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)

    async def send_file(name: str) -> dict[str, Any]:
        upload = ok(
            await api.client.post(
                f"{V1}/chats/{chat['id']}/media",
                data={"kind": "file"},
                files={"file": (name, b"%PDF-1.4 minutes", "application/pdf")},
                headers=alice.headers,
            ),
            201,
        )
        return await api.say_kind(alice, chat["id"], "file", {"media_id": upload["id"]})

    first = await send_file("minutes.pdf")
    second = await send_file("agenda.pdf")
    frozen_clock.advance(hours=2, minutes=59)
    ok(await api.client.post(f"{V1}/chats/{chat['id']}/messages/{first['id']}/recall", headers=alice.headers))
    frozen_clock.advance(minutes=2)
    response = await api.client.post(
        f"{V1}/chats/{chat['id']}/messages/{second['id']}/recall", headers=alice.headers
    )
    assert response.status_code == 409 and error_code(response) == "recall_window_passed"
    assert "3 hours" in response.json()["error"]["message"]


async def test_delete_for_me_hides_only_for_me(api: ChatApi, client: Any) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    one = await api.say(alice, chat["id"], "one")
    await api.say(alice, chat["id"], "two")
    ok(await client.delete(f"{V1}/chats/{chat['id']}/messages/{one['id']}", headers=bob.headers), 204)
    ok(await client.delete(f"{V1}/chats/{chat['id']}/messages/{one['id']}", headers=bob.headers), 204)
    assert await api.texts(bob, chat["id"]) == ["two"]
    assert await api.texts(alice, chat["id"]) == ["one", "two"]
    response = await client.get(f"{V1}/chats/{chat['id']}/messages/{one['id']}", headers=bob.headers)
    assert response.status_code == 404
    entries = (await api.sync(bob))["entries"]
    # Bob's log keeps the message's place but no longer its content, and tells his other devices.
    assert [(e["kind"], e["message_id"]) for e in entries[1:]] == [
        ("hide", one["id"]),
        ("message", entries[2]["message_id"]),
        ("hide", one["id"]),
    ]
    assert entries[2]["message"]["content"] == {"text": "two"}


async def test_history_pages_and_search(api: ChatApi, client: Any) -> None:
    alice, bob, carol = await api.friends("alice", "bob", "carol")
    chat = await api.direct(alice, bob)
    for i in range(5):
        await api.say(alice, chat["id"], f"message {i} about 100%_off deals" if i % 2 else f"message {i}")
    first = ok(await api.history(bob, chat["id"], limit=2))
    assert [m["content"]["text"] for m in first["items"]] == ["message 4", "message 3 about 100%_off deals"]
    second = ok(await api.history(bob, chat["id"], limit=2, cursor=first["next_cursor"]))
    assert [m["seq"] for m in second["items"]] == [3, 2]
    found = ok(await api.history(bob, chat["id"], q="100%_OFF"))
    assert [m["seq"] for m in found["items"]] == [4, 2]
    assert ok(await api.history(bob, chat["id"], q="100%x"))["items"] == []

    group = await api.group(alice, [bob, carol])
    await api.say(carol, group["id"], "deals in the group")
    everywhere = ok(await client.get(f"{V1}/chat-search", params={"q": "deals"}, headers=bob.headers))
    assert [m["chat_id"] for m in everywhere["items"]] == [group["id"], chat["id"], chat["id"]]
    assert ok(await client.get(f"{V1}/chat-search", params={"q": "deals"}, headers=carol.headers))["items"][
        0
    ]["content"] == {"text": "deals in the group"}
    assert (
        len(ok(await client.get(f"{V1}/chat-search", params={"q": "deals"}, headers=carol.headers))["items"])
        == 1
    )
    response = await client.get(f"{V1}/chat-search", params={"q": ""}, headers=bob.headers)
    assert response.status_code == 422


async def test_removed_member_cannot_fetch_what_came_after(api: ChatApi, client: Any) -> None:
    owner, bob, carol = await api.friends("owner", "bob", "carol")
    group = await api.group(owner, [bob, carol])
    gid = group["id"]
    before = await api.say(owner, gid, "before removal")
    ok(await client.delete(f"{V1}/chats/{gid}/members/{bob.id}", headers=owner.headers), 204)
    after = await api.say(owner, gid, "after removal")
    await api.say(carol, gid, "secret after removal")

    assert await api.texts(bob, gid) == ["before removal"]
    response = await client.get(f"{V1}/chats/{gid}/messages/{after['id']}", headers=bob.headers)
    assert response.status_code == 404
    assert (
        ok(await client.get(f"{V1}/chat-search", params={"q": "removal"}, headers=bob.headers))["items"][0][
            "id"
        ]
        == before["id"]
    )
    mine = await api.chat(bob, gid)
    assert mine["me"]["status"] == "removed"
    assert mine["last_seq"] < after["seq"]
    assert mine["last_message"]["content"]["event"] == "removed"
    response = await api.send(bob, gid, "let me back")
    assert response.status_code == 403 and error_code(response) == "not_a_member"
    response = await client.get(f"{V1}/chats/{gid}/members", headers=bob.headers)
    assert response.status_code == 404
    entries = (await api.sync(bob))["entries"]
    assert all(e["message"]["id"] not in (after["id"],) for e in entries if e["kind"] == "message")
    # The chat update is written by the request, the removal notice by the fan-out after it.
    chat_entries = [e for e in entries if e["kind"] == "chat"]
    assert chat_entries[-1]["chat"]["me"]["status"] == "removed"

    # Invited back, Bob starts afresh: nothing from while he was away.
    ok(await client.post(f"{V1}/chats/{gid}/members", json={"user_ids": [bob.id]}, headers=owner.headers))
    await api.say(carol, gid, "welcome back")
    assert await api.texts(bob, gid) == ["welcome back"]
