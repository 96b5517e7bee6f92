"""Quanzi under test: a `quanzi serve` subprocess on a scratch database, and its chat client.

Sending is `POST /api/v1/chats/{id}/messages` (with a `client_msg_id`, as every client sends it);
receiving is the WebSocket gateway at `/api/v1/ws` (docs/realtime.md): hello with the log's head,
wait for `synced`, then every `entry` frame of kind `message` is one delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import websockets

from benchkit import free_port, recreate_pg

PASSWORD = "bench pass 1"
SEND_ATTEMPTS = 3


class QuanziServer:
    name = "quanzi"

    def __init__(self, database: str, workdir: Path) -> None:
        self.database = database
        self.workdir = workdir / "quanzi"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.database == "sqlite":
            return f"sqlite+aiosqlite:///{self.workdir / 'chat-bench.db'}"
        return self.database

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> None:
        if self.database != "sqlite":
            await recreate_pg(self.database)
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUANZI_")}
        env.update(
            QUANZI_DATABASE_URL=self.url,
            QUANZI_BUS_URL="memory://",
            QUANZI_MEDIA_DIR=str(self.workdir / "media"),
            QUANZI_WEB_DIST=str(self.workdir / "no-web"),
            QUANZI_LOG_LEVEL="WARNING",
            QUANZI_RUN_JOBS_IN_SERVE="true",
        )
        self.log_path = self.workdir / "server.log"
        self.process = self._spawn(env)
        deadline = time.monotonic() + 120
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"http://127.0.0.1:{self.port}/healthz")).status_code == 200:
                        return
                await asyncio.sleep(0.2)
        self.stop()
        raise RuntimeError(f"quanzi serve did not start; see {self.log_path}")

    def _spawn(self, env: dict[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "quanzi.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            cwd=self.workdir,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def client(self) -> QuanziClient:
        return QuanziClient(self.port)


class QuanziUser:
    def __init__(self, index: int, user_id: str, token: str) -> None:
        self.index = index
        self.id = user_id
        self.token = token
        self.auth = {"Authorization": f"Bearer {token}"}


class QuanziClient:
    """The benchmark's view of one system: users, chats, send, listen, idle connections."""

    system = "quanzi"

    def __init__(self, port: int) -> None:
        self.resent = 0
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.http = httpx.AsyncClient(
            base_url=self.base + "/api/v1",
            timeout=120,
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=256),
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def _ok(self, response: httpx.Response, *codes: int) -> Any:
        if response.status_code not in (codes or (200, 201)):
            raise RuntimeError(
                f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
            )
        return response.json() if response.content else None

    # --- world ---------------------------------------------------------------------------------

    async def make_users(self, count: int, prefix: str) -> list[QuanziUser]:
        sem = asyncio.Semaphore(4)

        async def one(index: int) -> QuanziUser:
            async with sem:
                body = await self._ok(
                    await self.http.post(
                        "/auth/signup",
                        json={
                            "username": f"{prefix}{index}",
                            "password": PASSWORD,
                            "display_name": f"B{index}",
                        },
                    ),
                    201,
                )
            return QuanziUser(index, body["user"]["id"], body["token"])

        return list(await asyncio.gather(*(one(i) for i in range(count))))

    async def befriend(self, owner: QuanziUser, others: list[QuanziUser]) -> None:
        sem = asyncio.Semaphore(4)

        async def one(other: QuanziUser) -> None:
            async with sem:
                request = await self._ok(
                    await self.http.post(
                        "/friend-requests", json={"to_user_id": other.id}, headers=owner.auth
                    ),
                    201,
                )
                await self._ok(
                    await self.http.post(f"/friend-requests/{request['id']}/accept", headers=other.auth), 200
                )

        await asyncio.gather(*(one(o) for o in others))

    async def direct_chat(self, a: QuanziUser, b: QuanziUser) -> str:
        body = await self._ok(
            await self.http.post("/chats/direct", json={"user_id": b.id}, headers=a.auth), 200
        )
        return str(body["id"])

    async def group_chat(self, owner: QuanziUser, members: list[QuanziUser]) -> str:
        body = await self._ok(
            await self.http.post(
                "/chats/groups",
                json={"title": "bench group", "member_ids": [m.id for m in members]},
                headers=owner.auth,
            ),
            201,
        )
        return str(body["id"])

    async def setup(self, count: int) -> tuple[list[QuanziUser], str, str]:
        """`count` users, the first friends with all; a direct chat of the first two and a group of all."""
        users = await self.make_users(count, "bench")
        await self.befriend(users[0], users[1:])
        direct = await self.direct_chat(users[0], users[1])
        group = await self.group_chat(users[0], users[1:])
        return users, direct, group

    # --- traffic -------------------------------------------------------------------------------

    async def send(self, user: QuanziUser, chat_id: str, text: str) -> None:
        body = {"kind": "text", "content": {"text": text}, "client_msg_id": uuid.uuid4().hex}
        for attempt in range(SEND_ATTEMPTS):
            try:
                response = await self.http.post(f"/chats/{chat_id}/messages", json=body, headers=user.auth)
                break
            except httpx.TransportError:
                # A keep-alive connection the server closed as it was reused: resend, as a real client
                # would; the same client_msg_id makes the resend harmless.
                if attempt == SEND_ATTEMPTS - 1:
                    raise
                self.resent += 1
        if response.status_code != 201:
            raise RuntimeError(f"send: {response.status_code} {response.text}")

    async def head(self, user: QuanziUser) -> int:
        body = await self._ok(
            await self.http.get("/sync", params={"since": 0, "limit": 1}, headers=user.auth), 200
        )
        return int(body["head"])

    async def listen(self, user: QuanziUser, on_text: Callable[[str, float], None]) -> QuanziListener:
        listener = QuanziListener(self, user, on_text)
        await listener.start()
        return listener

    async def idle_spec(self, users: list[QuanziUser]) -> dict[str, Any]:
        heads = await asyncio.gather(*(self.head(u) for u in users))
        return {
            "kind": "quanzi",
            "url": f"ws://127.0.0.1:{self.port}/api/v1/ws",
            "hellos": [
                {"type": "hello", "since": h, "token": u.token} for u, h in zip(users, heads, strict=True)
            ],
        }


class QuanziListener:
    """A connected receiver: one WebSocket, from `synced` on every text message is handed to on_text."""

    def __init__(self, client: QuanziClient, user: QuanziUser, on_text: Callable[[str, float], None]) -> None:
        self.client = client
        self.user = user
        self.on_text = on_text
        self.task: asyncio.Task[None] | None = None
        self.gaps = 0

    async def start(self) -> None:
        since = await self.client.head(self.user)
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.client.port}/api/v1/ws", max_size=1 << 22, ping_interval=None
        )
        await self.ws.send(json.dumps({"type": "hello", "since": since, "token": self.user.token}))
        while True:
            frame = json.loads(await self.ws.recv())
            if frame["type"] == "synced":
                self.last_seq = int(frame["seq"])
                break
            if frame["type"] == "error":
                raise RuntimeError(f"websocket: {frame}")
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                received = time.monotonic()
                frame = json.loads(raw)
                if frame.get("type") != "entry":
                    continue
                entry = frame["entry"]
                if entry["seq"] != self.last_seq + 1:
                    self.gaps += 1
                self.last_seq = entry["seq"]
                message = entry.get("message")
                if entry["kind"] == "message" and message and message["kind"] == "text":
                    self.on_text(message["content"]["text"], received)

    async def stop(self) -> None:
        await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
