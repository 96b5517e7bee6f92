"""Chat test helpers: friends made through the graph API, chats and messages through the chat API, and
a real WebSocket server — uvicorn serving the test's own app on a loopback port, in the test's event
loop, so the HTTP client, the socket and the database are the same ones."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import TestUser, Users, publish_events

V1 = "/api/v1"
_client_ids = itertools.count(1)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code} {response.text}"
    return response.json() if response.content else None


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


class ChatApi:
    """What a client does, through the public API."""

    def __init__(self, client: httpx.AsyncClient, users: Users, app: Any) -> None:
        self.client = client
        self.users = users
        self.app = app

    async def befriend(self, a: TestUser, b: TestUser) -> None:
        request = ok(
            await self.client.post(f"{V1}/friend-requests", json={"to_user_id": b.id}, headers=a.headers), 201
        )
        ok(await self.client.post(f"{V1}/friend-requests/{request['id']}/accept", headers=b.headers))

    async def friends(self, *names: str) -> list[TestUser]:
        """New users; the first is friends with every other."""
        people = [await self.users.create(name) for name in names]
        for other in people[1:]:
            await self.befriend(people[0], other)
        return people

    async def direct(self, a: TestUser, b: TestUser) -> dict[str, Any]:
        return ok(await self.client.post(f"{V1}/chats/direct", json={"user_id": b.id}, headers=a.headers))  # type: ignore[no-any-return]

    async def group(
        self, owner: TestUser, members: list[TestUser], title: str = "Book club"
    ) -> dict[str, Any]:
        body = {"title": title, "member_ids": [m.id for m in members]}
        return ok(await self.client.post(f"{V1}/chats/groups", json=body, headers=owner.headers), 201)  # type: ignore[no-any-return]

    async def send(self, user: TestUser, chat_id: str, text: str = "hi", **extra: Any) -> httpx.Response:
        body: dict[str, Any] = {"kind": "text", "content": {"text": text}, **extra}
        return await self.client.post(f"{V1}/chats/{chat_id}/messages", json=body, headers=user.headers)

    async def say(self, user: TestUser, chat_id: str, text: str = "hi", **extra: Any) -> dict[str, Any]:
        return ok(await self.send(user, chat_id, text, **extra), 201)  # type: ignore[no-any-return]

    async def say_kind(
        self, user: TestUser, chat_id: str, kind: str, content: dict[str, Any]
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"{V1}/chats/{chat_id}/messages", json={"kind": kind, "content": content}, headers=user.headers
        )
        return ok(response, 201)  # type: ignore[no-any-return]

    async def history(self, user: TestUser, chat_id: str, **params: Any) -> httpx.Response:
        return await self.client.get(f"{V1}/chats/{chat_id}/messages", params=params, headers=user.headers)

    async def texts(self, user: TestUser, chat_id: str) -> list[str]:
        """The chat's text messages the user can see, oldest first."""
        items = ok(await self.history(user, chat_id, limit=100))["items"]
        return [m["content"]["text"] for m in reversed(items) if m["kind"] == "text" and m["content"]]

    async def sync(self, user: TestUser, since: int = 0, limit: int = 500) -> dict[str, Any]:
        return ok(
            await self.client.get(f"{V1}/sync", params={"since": since, "limit": limit}, headers=user.headers)
        )  # type: ignore[no-any-return]

    async def chat(self, user: TestUser, chat_id: str) -> dict[str, Any]:
        return ok(await self.client.get(f"{V1}/chats/{chat_id}", headers=user.headers))  # type: ignore[no-any-return]

    async def publish(self) -> None:
        """Push the outbox onto the bus now (the relay would within a moment) and let handlers run."""
        await publish_events(self.app)


@pytest.fixture
def api(client: httpx.AsyncClient, users: Users, app: Any) -> ChatApi:
    return ChatApi(client, users, app)


def client_msg_id() -> str:
    return f"c-{next(_client_ids)}"


# --- WebSockets -----------------------------------------------------------------------------------------


class Socket:
    """A client's WebSocket after hello. Entries are checked to follow on (seq = last + 1) as they arrive
    and kept in `log`; tests take them in order (`entries`, `until`) or by what they are (`entry_where`)."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.last_seq = 0
        self.log: list[dict[str, Any]] = []
        self._taken: set[int] = set()
        self._frames: list[dict[str, Any]] = []

    async def frame(self, wait: float = 5.0) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.connection.recv(), wait))  # type: ignore[no-any-return]

    async def send(self, frame: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(frame))

    async def _pump(self, wait: float) -> None:
        frame = await self.frame(wait)
        if frame["type"] == "entry":
            entry = frame["entry"]
            assert entry["seq"] == self.last_seq + 1, (entry["seq"], self.last_seq)
            self.last_seq = entry["seq"]
            self.log.append(entry)
        else:
            self._frames.append(frame)

    def _untaken(self) -> list[int]:
        return [i for i in range(len(self.log)) if i not in self._taken]

    def _take(self, indexes: list[int]) -> list[dict[str, Any]]:
        self._taken.update(indexes)
        return [self.log[i] for i in indexes]

    async def entries(self, count: int, wait: float = 5.0) -> list[dict[str, Any]]:
        """The next `count` entries not yet taken, in order."""
        async with asyncio.timeout(wait):
            while len(self._untaken()) < count:
                await self._pump(wait)
        return self._take(self._untaken()[:count])

    async def entry_where(self, test: Any, wait: float = 5.0) -> dict[str, Any]:
        """The first entry not yet taken that passes `test` (those before it stay untaken)."""
        async with asyncio.timeout(wait):
            while True:
                for index in self._untaken():
                    if test(self.log[index]):
                        return self._take([index])[0]
                await self._pump(wait)

    async def until(self, frame_type: str, wait: float = 5.0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The next frame of `frame_type` (not an entry), and every entry not yet taken."""
        async with asyncio.timeout(wait):
            while True:
                for index, frame in enumerate(self._frames):
                    if frame["type"] == frame_type:
                        del self._frames[index]
                        return frame, self._take(self._untaken())
                await self._pump(wait)

    async def silent(self, seconds: float = 0.5) -> list[dict[str, Any]]:
        """Whatever is untaken or arrives within `seconds` (expected: nothing)."""
        with contextlib.suppress(TimeoutError):
            while True:
                await self._pump(seconds)
        left = self._take(self._untaken()) + self._frames
        self._frames = []
        return left


@contextlib.asynccontextmanager
async def open_socket(
    url: str, user: TestUser, since: int = 0, *, in_query: bool = True
) -> AsyncIterator[Socket]:
    target = f"{url}?token={user.token}" if in_query else url
    async with connect(target, open_timeout=5, close_timeout=2) as connection:
        socket = Socket(connection)
        socket.last_seq = since
        hello: dict[str, Any] = {"type": "hello", "since": since}
        if not in_query:
            hello["token"] = user.token
        await socket.send(hello)
        welcome = await socket.frame()
        assert welcome["type"] == "welcome", welcome
        assert welcome["user_id"] == user.id
        yield socket


@pytest.fixture
async def ws_url(app: Any) -> AsyncIterator[str]:
    """ws://…/api/v1/ws of a real uvicorn serving this test's app (lifespan already running)."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="warning",
        ws="websockets-sansio",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}{V1}/ws"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
