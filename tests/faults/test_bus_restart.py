"""The bus (Redis, then NATS) stops and starts again while chat messages flow between two servers.

Two `quanzi serve` processes share a private PostgreSQL and a private bus (tests/faults/services.py).
Alice sends through server A; Bob's socket is on server B, so every live delivery crosses the bus.
Mid-conversation the bus stops, messages keep being sent, the bus starts again (NATS on the same store
directory), Bob's client reconnects with the last seq it has, and more messages follow. Every message
the server accepted (201) reaches Bob exactly once, on a socket or through the catch-up after the
reconnect, in the order sent; the log (/sync) holds each once; and after the restart a message crosses
the bus live again, without any process being restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.faults.processes import V1, Server, befriend, signup
from tests.faults.services import ChildServer, PrivatePostgres

pytestmark = pytest.mark.faults

BEFORE, DURING, AFTER = 8, 8, 8
WAIT_S = 15.0  # generous: how fast is bench/chat.py's question; this asks whether it arrives


class Inbox:
    """Bob's socket: every entry it is sent, in arrival order."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    @property
    def last_seq(self) -> int:
        return max((e["seq"] for e in self.entries), default=0)

    def message_ids(self) -> list[str]:
        return [e["message"]["id"] for e in self.entries if e["kind"] == "message"]

    async def until(self, condition: Any) -> None:
        deadline = time.monotonic() + WAIT_S
        while not condition():
            assert time.monotonic() < deadline, f"not delivered: {self.message_ids()}"
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def _socket(base_url: str, token: str, since: int, inbox: Inbox) -> AsyncIterator[Any]:
    url = base_url.replace("http://", "ws://") + f"{V1}/ws?token={token}"
    async with connect(url, open_timeout=10) as connection:
        await connection.send(json.dumps({"type": "hello", "since": since}))
        synced = asyncio.get_running_loop().create_future()

        async def read() -> None:
            async for raw in connection:
                frame = json.loads(raw)
                if frame["type"] == "entry":
                    inbox.entries.append(frame["entry"])
                elif frame["type"] == "synced" and not synced.done():
                    synced.set_result(None)

        reader = asyncio.create_task(read())
        try:
            await asyncio.wait_for(synced, WAIT_S)
            yield connection
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader


@pytest.mark.parametrize("carrier", ["redis", "nats"])
def test_chat_survives_a_bus_restart(
    carrier: str, private_postgres: PrivatePostgres, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    bus: ChildServer = request.getfixturevalue(f"private_{carrier}")
    servers = [
        Server(private_postgres.url, tmp_path, QUANZI_BUS_URL=bus.url, QUANZI_NODE_ID=str(node))
        for node in (101, 102)
    ]
    try:
        for server in servers:  # one after the other: the first runs the migrations
            server.start()
        asyncio.run(_conversation(servers[0].base_url, servers[1].base_url, bus))
    finally:
        for server in servers:
            server.stop()


async def _conversation(server_a: str, server_b: str, bus: ChildServer) -> None:
    with httpx.Client(base_url=server_b, timeout=30) as http:
        bob = signup(http, "bob")
    with httpx.Client(base_url=server_a, timeout=30) as http:
        alice = signup(http, "alice")
        befriend(http, alice, bob)
        chat = http.post(f"{V1}/chats/direct", json={"user_id": bob["id"]}, headers=alice["headers"])
        assert chat.status_code == 200, chat.text
    chat_id = chat.json()["id"]

    accepted: list[str] = []
    refused: list[str] = []

    async with httpx.AsyncClient(base_url=server_a, timeout=20) as http:

        async def send(text: str) -> str | None:
            try:
                answer = await http.post(
                    f"{V1}/chats/{chat_id}/messages",
                    json={"kind": "text", "content": {"text": text}},
                    headers=alice["headers"],
                )
            except httpx.HTTPError as exc:
                refused.append(f"{text}: {type(exc).__name__}")
                return None
            if answer.status_code != 201:
                refused.append(f"{text}: {answer.status_code} {answer.text[:200]}")
                return None
            accepted.append(answer.json()["id"])
            return accepted[-1]

        first = Inbox()
        async with _socket(server_b, bob["token"], 0, first):
            for i in range(BEFORE):
                await send(f"before #{i}")
            await first.until(lambda: first.message_ids() == accepted)  # the bus carries them live
            bus.stop()
            for i in range(DURING):
                await send(f"during #{i}")
            bus.start()
        # Bob's client lost its connection with the bus; it comes back with the last seq it has.
        second = Inbox()
        async with _socket(server_b, bob["token"], first.last_seq, second):
            for i in range(AFTER):
                await send(f"after #{i}")
            await second.until(lambda: set(first.message_ids() + second.message_ids()) >= set(accepted))
            # And live again: one more message crosses the bus to the open socket.
            last = await send("live again")
            assert last is not None
            await second.until(lambda: last in second.message_ids())

        log = (await http.get(f"{V1}/sync", params={"since": 0, "limit": 500}, headers=bob["headers"])).json()

    assert len(accepted) >= BEFORE + AFTER + 1, refused  # a message sent with the bus down may be refused
    delivered = first.message_ids() + second.message_ids()
    assert not [i for i, n in Counter(delivered).items() if n > 1], "delivered twice"
    assert delivered == accepted  # each once, in the order sent
    logged = [e["message"]["id"] for e in log["entries"] if e["kind"] == "message"]
    assert logged == accepted
    seqs = [e["seq"] for e in first.entries + second.entries]
    assert seqs == sorted(set(seqs))  # the reconnect resumed where the socket left off
