"""The WebSocket gateway (CHT-5, CHT-6): authentication, live entries, frames from the client, typing,
and who stops receiving what (removed members, unfriended or blocked people, ended sessions)."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from quanzi.chat.gateway import ChatHub
from tests.chat.conftest import V1, ChatApi, client_msg_id, ok, open_socket


async def _closed_with(
    url: str, first_frame: dict[str, Any] | str
) -> tuple[list[dict[str, Any]], int | None]:
    async with connect(url, open_timeout=5) as connection:
        await connection.send(first_frame if isinstance(first_frame, str) else json.dumps(first_frame))
        frames = []
        try:
            while True:
                frames.append(json.loads(await asyncio.wait_for(connection.recv(), 5)))
        except ConnectionClosed as closed:
            return frames, closed.rcvd.code if closed.rcvd else None


async def test_the_socket_needs_a_valid_token_and_a_hello(api: ChatApi, ws_url: str) -> None:
    alice = await api.users.create("alice")
    frames, code = await _closed_with(f"{ws_url}?token=wrong", {"type": "hello", "since": 0})
    assert code == 4401 and frames[0]["code"] == "unauthorized"
    frames, code = await _closed_with(ws_url, {"type": "hello", "since": 0})
    assert code == 4401
    frames, code = await _closed_with(f"{ws_url}?token={alice.token}", {"type": "ping"})
    assert code == 4400 and frames[0]["code"] == "hello_expected"
    frames, code = await _closed_with(f"{ws_url}?token={alice.token}", "not json")
    assert code == 4400
    frames, code = await _closed_with(f"{ws_url}?token={alice.token}", {"type": "hello", "since": -1})
    assert code == 4400
    # The token may come in the hello instead of the URL.
    async with open_socket(ws_url, alice, in_query=False) as socket:
        synced, entries = await socket.until("synced")
        assert synced["seq"] == 0 and entries == []


async def test_live_entries_and_frames_from_the_client(api: ChatApi, ws_url: str) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    async with open_socket(ws_url, alice) as a_socket, open_socket(ws_url, bob) as b_socket:
        await a_socket.until("synced")
        await b_socket.until("synced")

        sent = await api.say(alice, chat["id"], "over HTTP")
        [entry] = await b_socket.entries(1, wait=2)
        assert entry["kind"] == "message" and entry["message"] == sent and entry["chat_id"] == chat["id"]
        [own] = await a_socket.entries(1, wait=2)
        assert own["message"]["id"] == sent["id"]

        # Sending over the socket: an answer to the sender's ref, and the entry to both logs.
        cid = client_msg_id()
        frame = {
            "type": "send",
            "ref": "r1",
            "chat_id": chat["id"],
            "message": {"kind": "text", "content": {"text": "over the socket"}, "client_msg_id": cid},
        }
        await b_socket.send(frame)
        answer, _ = await b_socket.until("sent")
        assert answer["ref"] == "r1" and answer["message"]["content"] == {"text": "over the socket"}
        await b_socket.send(frame)  # a resend: the same message, nothing new in anyone's log
        again, _ = await b_socket.until("sent")
        assert again["message"]["id"] == answer["message"]["id"]
        [entry] = await a_socket.entries(1, wait=2)
        assert entry["message"]["id"] == answer["message"]["id"]

        # Reading over the socket gives the other side a receipt.
        await a_socket.send(
            {"type": "read", "ref": "r2", "chat_id": chat["id"], "seq": answer["message"]["seq"]}
        )
        await a_socket.until("ok")
        own_read = await a_socket.entry_where(lambda e: e["kind"] == "read", wait=2)
        receipt = await b_socket.entry_where(lambda e: e["kind"] == "read", wait=2)
        assert own_read == {**receipt, "seq": own_read["seq"]}
        assert receipt["user_id"] == alice.id and receipt["read_seq"] == answer["message"]["seq"]
        # B's own message is in B's log too, once.
        assert [e["message"]["id"] for e in b_socket.log if e["kind"] == "message"] == [
            sent["id"],
            answer["message"]["id"],
        ]

        # Errors answer the frame's ref and keep the socket open.
        await b_socket.send(
            {
                "type": "send",
                "ref": "r3",
                "chat_id": "1",
                "message": {"kind": "text", "content": {"text": "x"}},
            }
        )
        error, _ = await b_socket.until("error")
        assert (error["ref"], error["code"]) == ("r3", "chat_not_found")
        await b_socket.send({"type": "send", "ref": "r4", "chat_id": chat["id"], "message": {"kind": "text"}})
        error, _ = await b_socket.until("error")
        assert (error["ref"], error["code"]) == ("r4", "invalid_input")
        await b_socket.send({"type": "dance"})
        error, _ = await b_socket.until("error")
        assert error["code"] == "unknown_frame"
        await b_socket.send({"type": "ping", "ref": "p"})
        pong, _ = await b_socket.until("pong")
        assert pong["ref"] == "p"
        assert await a_socket.silent(0.3) == []


async def test_typing_is_ephemeral_and_only_for_the_other_person(
    api: ChatApi, ws_url: str, client: Any
) -> None:
    alice, bob, carol = await api.friends("alice", "bob", "carol")
    chat = await api.direct(alice, bob)
    async with (
        open_socket(ws_url, alice) as a_socket,
        open_socket(ws_url, bob) as b_socket,
        open_socket(ws_url, carol) as c_socket,
    ):
        for socket in (a_socket, b_socket, c_socket):
            await socket.until("synced")
        await b_socket.send({"type": "typing", "chat_id": chat["id"]})
        typing, entries = await a_socket.until("typing", wait=2)
        assert typing == {"type": "typing", "chat_id": chat["id"], "user_id": bob.id} and entries == []
        assert await c_socket.silent(0.3) == []
        assert await b_socket.silent(0.1) == []
        # Carol is not in the chat: she cannot make anyone see her typing there.
        await c_socket.send({"type": "typing", "chat_id": chat["id"]})
        error, _ = await c_socket.until("error")
        assert error["code"] == "chat_not_found"
        assert await a_socket.silent(0.3) == []
    # Nothing about typing was written anywhere.
    assert [e["kind"] for e in (await api.sync(alice))["entries"]] == ["chat"]


async def test_removed_member_receives_nothing_after_removal(api: ChatApi, ws_url: str, client: Any) -> None:
    owner, bob, carol = await api.friends("owner", "bob", "carol")
    group = await api.group(owner, [bob, carol])
    gid = group["id"]
    async with open_socket(ws_url, bob) as socket:
        await socket.until("synced")
        await api.say(carol, gid, "before")
        [entry] = await socket.entries(1, wait=2)
        assert entry["message"]["content"] == {"text": "before"}
        ok(await client.delete(f"{V1}/chats/{gid}/members/{bob.id}", headers=owner.headers), 204)
        # The chat update is written by the request, the notice by the fan-out after it: either order.
        entries = {e["kind"]: e for e in await socket.entries(2, wait=2)}
        assert entries["message"]["message"]["content"]["event"] == "removed"
        assert entries["chat"]["chat"]["me"]["status"] == "removed"
        for i in range(3):
            await api.say(carol, gid, f"after {i}")
        await client.patch(f"{V1}/chats/{gid}", json={"title": "Without Bob"}, headers=owner.headers)
        await api.publish()
        assert await socket.silent(0.5) == []
    after = await api.sync(bob, since=socket.last_seq)
    assert after["entries"] == []


async def test_unfriending_and_blocking_stop_live_deliveries(api: ChatApi, ws_url: str, client: Any) -> None:
    alice, bob, carol = await api.friends("alice", "bob", "carol")
    with_bob = await api.direct(alice, bob)
    with_carol = await api.direct(alice, carol)
    async with open_socket(ws_url, bob) as b_socket, open_socket(ws_url, carol) as c_socket:
        await b_socket.until("synced")
        await c_socket.until("synced")
        ok(await client.delete(f"{V1}/friends/{bob.id}", headers=alice.headers), 204)
        ok(await client.put(f"{V1}/blocks/{alice.id}", headers=carol.headers), 204)
        assert (await api.send(alice, with_bob["id"], "still there?")).status_code == 403
        assert (await api.send(alice, with_carol["id"], "hello?")).status_code == 403
        await b_socket.send({"type": "typing", "chat_id": with_bob["id"]})
        await api.publish()
        assert await b_socket.silent(0.5) == []
        assert await c_socket.silent(0.1) == []


async def test_an_ended_session_closes_the_socket(api: ChatApi, ws_url: str, client: Any) -> None:
    alice = await api.users.create("alice")
    async with open_socket(ws_url, alice) as socket:
        await socket.until("synced")
        ok(await client.post(f"{V1}/auth/logout", headers=alice.headers), 204)
        await socket.send({"type": "ping"})
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await socket.frame(2)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


class _FakeTransport:
    """A socket's far end in memory: the hub's stream is checked without a network in between."""

    def __init__(self, token: str) -> None:
        self.incoming: asyncio.Queue[str | None] = asyncio.Queue()
        self.incoming.put_nowait(json.dumps({"type": "hello", "since": 0, "token": token}))
        self.frames: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    async def receive_text(self) -> str | None:
        return await self.incoming.get()

    async def send_text(self, data: str) -> None:
        self.frames.append(json.loads(data))
        self.arrived.set()

    async def close(self, code: int, reason: str = "") -> None:
        self.incoming.put_nowait(None)


async def test_the_stream_has_no_gaps_or_repeats_whatever_order_hints_arrive_in(
    api: ChatApi, app: Any
) -> None:
    """Events may arrive late, twice, out of order or never (relays in other processes, a lost bus
    message): the socket still sends the log in order, each entry once."""
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    hub = ChatHub(app.state.db, app.state.bus, app.state.resolve_actor, app.state.live_topics)
    transport = _FakeTransport(bob.token)
    serving = asyncio.create_task(hub.serve(transport, None))
    try:
        for _ in range(100):
            if any(f["type"] == "synced" for f in transport.frames):
                break
            await asyncio.sleep(0.02)
        [connection] = hub.connections[int(bob.id)]
        sent = [await api.say(alice, chat["id"], f"m{i}") for i in range(12)]
        head = (await api.sync(bob))["head"]
        rng = random.Random(7)
        seqs = [*range(1, head + 1), *range(1, head + 1), head - 3, head, head + 5]
        hints: list[tuple[int, dict[str, Any] | None]] = [(seq, None) for seq in seqs]
        rng.shuffle(hints)
        for seq, entry in hints:
            connection.hint(seq, entry)
            if rng.random() < 0.3:
                await asyncio.sleep(0)
        for _ in range(200):
            entries = [f["entry"] for f in transport.frames if f["type"] == "entry"]
            if entries and entries[-1]["seq"] == head:
                break
            await asyncio.sleep(0.02)
        entries = [f["entry"] for f in transport.frames if f["type"] == "entry"]
        assert [e["seq"] for e in entries] == list(range(1, head + 1))
        assert [e["message"]["id"] for e in entries if e["kind"] == "message"] == [m["id"] for m in sent]

        # The same entries as a fresh read of the log (a chat entry shows the chat as it is when read).
        def key(e: dict[str, Any]) -> tuple[Any, ...]:
            return e["seq"], e["kind"], e["chat_id"], e["message_id"], e["message"]

        assert [key(e) for e in entries] == [key(e) for e in (await api.sync(bob))["entries"]]
    finally:
        transport.incoming.put_nowait(None)
        await asyncio.wait_for(serving, 5)
    assert hub.connections == {}


async def test_a_lost_event_is_caught_up_on_ping(api: ChatApi, app: Any) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    hub = ChatHub(app.state.db, app.state.bus, app.state.resolve_actor, app.state.live_topics)
    # A hub that never hears of deliveries: as if every bus message to this process were lost.
    hub._subscriptions = [object()]  # type: ignore[list-item]
    transport = _FakeTransport(bob.token)
    serving = asyncio.create_task(hub.serve(transport, None))
    try:
        message = await api.say(alice, chat["id"], "did you get this?")
        await asyncio.sleep(0.2)
        transport.incoming.put_nowait(json.dumps({"type": "ping"}))
        for _ in range(100):
            if any(f["type"] == "entry" and f["entry"]["kind"] == "message" for f in transport.frames):
                break
            await asyncio.sleep(0.02)
        entries = [f["entry"] for f in transport.frames if f["type"] == "entry"]
        assert [e["kind"] for e in entries] == ["chat", "message"]
        assert entries[1]["message"]["id"] == message["id"]
    finally:
        transport.incoming.put_nowait(None)
        await asyncio.wait_for(serving, 5)
