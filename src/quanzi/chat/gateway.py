"""The WebSocket gateway's protocol: replay what a client missed, then push its log live (CHT-5, CHT-8).

One `ChatHub` per server process subscribes once to ``chat.delivery`` and ``chat.typing`` on the bus
and keeps the sockets it holds by user id. A delivery event names each recipient with the seq of
their new entry; the hub hands that hint to each of the recipient's sockets here, whichever process
committed it.

Each socket has one writer task, and the stream it writes is that user's log in seq order, without
gaps or repeats, whatever order hints arrive in: a hint at or below the last seq sent is dropped; the
next seq, when the event carries the entry, is sent as it is; anything else (a gap, an entry that must
be read per user, a socket that fell behind) is read from the database from the last seq sent. Every
minute, and on a client's ping, the writer also compares with the log's head, so that even an event
the bus lost is delivered.

The transport (Starlette's WebSocket) is adapted in api.py; this module is HTTP-free. The frames are
described in docs/realtime.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from pydantic import ValidationError

from quanzi.chat import events
from quanzi.chat import service as chat
from quanzi.chat.schemas import MessageIn
from quanzi.core.actor import Actor
from quanzi.core.bus import EventBus, Subscription
from quanzi.core.db import Database
from quanzi.core.errors import AppError

log = logging.getLogger("quanzi.chat.gateway")

ActorResolver = Callable[[Database, str, str | None], Awaitable[Actor | None]]

HELLO_TIMEOUT_S = 10.0
CHECK_INTERVAL_S = 60.0
REPLAY_PAGE = 200
MAX_PENDING = 1000
MAX_FRAME_CHARS = 64 * 1024
TYPING_MIN_INTERVAL_S = 2.0

CLOSE_NORMAL = 1000
CLOSE_UNAUTHORIZED = 4401
CLOSE_BAD_FRAME = 4400
CLOSE_HELLO_TIMEOUT = 4408
CLOSE_TOO_BIG = 1009


class Transport(Protocol):
    async def receive_text(self) -> str | None:
        """The next text frame, or None once the client has gone."""

    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int, reason: str = "") -> None: ...


class Gone(Exception):
    """The socket is closed; the connection ends."""


def _dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


class Connection:
    """One authenticated socket of one user."""

    def __init__(self, hub: ChatHub, transport: Transport, actor: Actor, token: str, since: int) -> None:
        self.hub = hub
        self.transport = transport
        self.actor = actor
        self.token = token
        self.last_seq = since
        self._pending: deque[tuple[int, dict[str, Any] | None]] = deque()
        self._ephemeral: deque[dict[str, Any]] = deque()
        self._behind = False
        self._check_now = False
        self._wake = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._last_typing = 0.0
        self.closed = False

    # --- fed by the hub -----------------------------------------------------------------------

    def hint(self, seq: int, entry: dict[str, Any] | None) -> None:
        if seq <= self.last_seq:
            return
        if len(self._pending) >= MAX_PENDING:
            # A client that does not keep up costs a bounded queue; it is caught up from the log.
            self._pending.clear()
            self._behind = True
        else:
            self._pending.append((seq, entry))
        self._wake.set()

    def ephemeral(self, frame: dict[str, Any]) -> None:
        if len(self._ephemeral) < 100:
            self._ephemeral.append(frame)
            self._wake.set()

    def check_soon(self) -> None:
        self._check_now = True
        self._wake.set()

    # --- sending --------------------------------------------------------------------------------

    async def send(self, frame: dict[str, Any]) -> None:
        if self.closed:
            raise Gone
        async with self._send_lock:
            try:
                await self.transport.send_text(_dumps(frame))
            except Exception as exc:
                self.closed = True
                raise Gone from exc

    async def _send_entry(self, entry: dict[str, Any]) -> None:
        await self.send({"type": "entry", "entry": entry})
        self.last_seq = int(entry["seq"])

    async def catch_up(self) -> None:
        """Send everything in the log after the last seq sent, in pages, until the head."""
        while True:
            async with self.hub.db.read() as session:
                page = await chat.read_log(session, self.actor, self.last_seq, REPLAY_PAGE)
            for entry in page.entries:
                if entry.seq > self.last_seq:
                    await self._send_entry(entry.model_dump(mode="json"))
            if not page.has_more or not page.entries:
                return

    async def _check(self) -> bool:
        """Is the session still valid? Has the log moved past what was sent (an event lost)?"""
        actor = await self.hub.resolve_actor(self.hub.db, self.token, None)
        if actor is None or actor.user_id != self.actor.user_id:
            with contextlib.suppress(Gone):
                await self.send(
                    {
                        "type": "error",
                        "code": "session_ended",
                        "message": "The session has ended. Please log in again.",
                    }
                )
            await self.close(CLOSE_UNAUTHORIZED, "session ended")
            return False
        async with self.hub.db.read() as session:
            current = await chat.head(session, self.actor.user_id)
        if current > self.last_seq:
            await self.catch_up()
        return True

    async def write_loop(self) -> None:
        await self.catch_up()
        await self.send({"type": "synced", "seq": self.last_seq})
        next_check = time.monotonic() + CHECK_INTERVAL_S
        while not self.closed:
            timeout = max(0.0, next_check - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            while self._ephemeral:
                await self.send(self._ephemeral.popleft())
            if self._check_now or time.monotonic() >= next_check:
                self._check_now = False
                next_check = time.monotonic() + CHECK_INTERVAL_S
                if not await self._check():
                    return
            if self._behind:
                self._behind = False
                await self.catch_up()
            while self._pending:
                seq, entry = self._pending.popleft()
                if seq <= self.last_seq:
                    continue
                if seq == self.last_seq + 1 and entry is not None:
                    await self._send_entry({"seq": seq, **entry})
                else:
                    await self.catch_up()

    async def close(self, code: int, reason: str = "") -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(Exception):
                await self.transport.close(code, reason)
        self._wake.set()

    # --- frames from the client -------------------------------------------------------------------

    async def handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        ref = frame.get("ref")
        try:
            if kind == "ping":
                self.check_soon()
                await self.send({"type": "pong", "ref": ref})
            elif kind == "typing":
                await self._typing(frame)
            elif kind == "send":
                await self._send_message(frame, ref)
            elif kind == "read":
                await self._read(frame, ref)
            else:
                await self._error(ref, "unknown_frame", f"Unknown frame type {kind!r}.")
        except AppError as exc:
            await self._error(ref, exc.code, exc.message, exc.details)

    async def _error(self, ref: Any, code: str, message: str, details: Any = None) -> None:
        await self.send({"type": "error", "ref": ref, "code": code, "message": message, "details": details})

    async def _typing(self, frame: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self._last_typing < TYPING_MIN_INTERVAL_S:
            return
        self._last_typing = now
        chat_id = str(frame.get("chat_id", ""))
        async with self.hub.db.read() as session:
            recipients = await chat.typing_recipients(session, self.actor, chat_id)
        if recipients:
            await self.hub.bus.publish(
                events.TYPING,
                {"chat_id": chat_id, "user_id": str(self.actor.user_id), "to": [str(u) for u in recipients]},
            )

    async def _send_message(self, frame: dict[str, Any], ref: Any) -> None:
        try:
            body = MessageIn.model_validate(frame.get("message"))
        except ValidationError as exc:
            details: list[dict[str, Any]] = [
                {"loc": [str(p) for p in e["loc"]], "message": str(e["msg"]), "type": str(e["type"])}
                for e in exc.errors()
            ]
            summary = str(details[0]["message"]) if details else "Invalid message."
            await self._error(ref, "invalid_input", summary, details)
            return
        async with self.hub.db.transaction() as session:
            message = await chat.send_message(session, self.actor, str(frame.get("chat_id", "")), body)
        await self.send({"type": "sent", "ref": ref, "message": message.model_dump(mode="json")})

    async def _read(self, frame: dict[str, Any], ref: Any) -> None:
        seq = frame.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= 2**62:
            await self._error(ref, "invalid_input", "seq must be a non-negative integer.")
            return
        async with self.hub.db.transaction() as session:
            await chat.mark_read(session, self.actor, str(frame.get("chat_id", "")), seq)
        await self.send({"type": "ok", "ref": ref})


class ChatHub:
    """The sockets this process holds, by user id, fed from the bus."""

    def __init__(
        self, db: Database, bus: EventBus, resolve_actor: ActorResolver, live_topics: Sequence[str] = ()
    ) -> None:
        self.db = db
        self.bus = bus
        self.resolve_actor = resolve_actor
        # Events that change someone's badge (the recipient is `user_id` or `to_user_id`), as the
        # domains' manifests list them.
        self.live_topics = tuple(live_topics)
        self.connections: dict[int, set[Connection]] = {}
        self._subscriptions: list[Subscription] = []
        self._start_lock = asyncio.Lock()

    async def start(self) -> None:
        """Subscribe (once) before the first socket replays, so nothing committed after it is missed."""
        async with self._start_lock:
            if not self._subscriptions:
                self._subscriptions = [
                    await self.bus.subscribe(events.DELIVERY, self._on_delivery),
                    await self.bus.subscribe(events.TYPING, self._on_typing),
                    *[await self.bus.subscribe(topic, self._on_notification) for topic in self.live_topics],
                ]

    async def _on_delivery(self, _topic: str, envelope: dict[str, Any]) -> None:
        data = envelope.get("data") or {}
        entry = data.get("entry")
        for user_id, seq in data.get("to") or []:
            for connection in self.connections.get(int(user_id), ()):
                connection.hint(int(seq), entry)

    async def _on_typing(self, _topic: str, payload: dict[str, Any]) -> None:
        frame = {"type": "typing", "chat_id": payload.get("chat_id"), "user_id": payload.get("user_id")}
        for user_id in payload.get("to") or []:
            for connection in self.connections.get(int(user_id), ()):
                connection.ephemeral(frame)

    async def _on_notification(self, topic: str, envelope: dict[str, Any]) -> None:
        """A nudge that the notification badge changed; the client fetches the count itself, so
        nothing about the notification travels over the socket."""
        data = envelope.get("data") or {}
        recipient = data.get("user_id") or data.get("to_user_id")
        if recipient is None or not str(recipient).isdigit():
            return
        frame = {"type": "notification", "topic": topic, "kind": data.get("kind")}
        for connection in self.connections.get(int(recipient), ()):
            connection.ephemeral(frame)

    def online_count(self) -> int:
        return sum(len(c) for c in self.connections.values())

    async def serve(self, transport: Transport, token: str | None, user_agent: str | None = None) -> None:
        """Run one socket from hello to close."""
        await self.start()
        hello = await self._hello(transport)
        if hello is None:
            return
        token = token or hello.get("token")
        actor = (
            await self.resolve_actor(self.db, token, user_agent) if isinstance(token, str) and token else None
        )
        if actor is None:
            await transport.send_text(
                _dumps(
                    {
                        "type": "error",
                        "code": "unauthorized",
                        "message": "Log in: the token is missing, wrong or expired.",
                    }
                )
            )
            await transport.close(CLOSE_UNAUTHORIZED, "unauthorized")
            return
        since = hello.get("since", 0)
        if not isinstance(since, int) or isinstance(since, bool) or since < 0:
            await transport.send_text(
                _dumps(
                    {
                        "type": "error",
                        "code": "invalid_input",
                        "message": "since must be a non-negative integer.",
                    }
                )
            )
            await transport.close(CLOSE_BAD_FRAME, "bad hello")
            return
        async with self.db.read() as session:
            current = await chat.head(session, actor.user_id)
        reset = since > current  # the client holds a position this log never reached: start over
        connection = Connection(self, transport, actor, str(token), 0 if reset else since)
        self.connections.setdefault(actor.user_id, set()).add(connection)
        try:
            await connection.send(
                {"type": "welcome", "user_id": str(actor.user_id), "head": current, "reset": reset}
            )
            writer = asyncio.create_task(self._write(connection), name=f"ws-writer-{actor.user_id}")
            try:
                await self._read(connection)
            finally:
                await connection.close(CLOSE_NORMAL)
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError, Gone):
                    await writer
        except Gone:
            pass
        finally:
            owned = self.connections.get(actor.user_id)
            if owned is not None:
                owned.discard(connection)
                if not owned:
                    del self.connections[actor.user_id]

    async def _hello(self, transport: Transport) -> dict[str, Any] | None:
        try:
            raw = await asyncio.wait_for(transport.receive_text(), HELLO_TIMEOUT_S)
        except TimeoutError:
            await transport.close(CLOSE_HELLO_TIMEOUT, "no hello")
            return None
        if raw is None:
            return None
        frame = _parse(raw)
        if frame is None or frame.get("type") != "hello":
            with contextlib.suppress(Exception):
                await transport.send_text(
                    _dumps(
                        {
                            "type": "error",
                            "code": "hello_expected",
                            "message": 'The first frame must be {"type": "hello", ...}.',
                        }
                    )
                )
            await transport.close(CLOSE_BAD_FRAME, "hello expected")
            return None
        return frame

    async def _write(self, connection: Connection) -> None:
        try:
            await connection.write_loop()
        except Gone:
            pass
        except Exception:
            log.exception("websocket writer for user %s failed", connection.actor.user_id)
            await connection.close(1011, "server error")

    async def _read(self, connection: Connection) -> None:
        while not connection.closed:
            raw = await connection.transport.receive_text()
            if raw is None:
                return
            if len(raw) > MAX_FRAME_CHARS:
                await connection.close(CLOSE_TOO_BIG, "frame too large")
                return
            frame = _parse(raw)
            if frame is None:
                await connection.send(
                    {"type": "error", "code": "bad_frame", "message": "A frame is one JSON object."}
                )
                continue
            try:
                await connection.handle(frame)
            except Gone:
                return
            except Exception:
                log.exception("websocket frame from user %s failed", connection.actor.user_id)
                await connection.send(
                    {
                        "type": "error",
                        "ref": frame.get("ref"),
                        "code": "internal_error",
                        "message": "Something went wrong on our side.",
                    }
                )


def _parse(raw: str) -> dict[str, Any] | None:
    try:
        frame = json.loads(raw)
    except ValueError:
        return None
    return frame if isinstance(frame, dict) else None
