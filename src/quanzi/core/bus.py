"""The event bus: one interface, three carriers chosen by `QUANZI_BUS_URL`.

- ``memory://`` — in-process, for one server process (the default).
- ``redis://host:port/db`` — Redis pub/sub, so N server processes behave as one.
- ``nats://host:port`` — NATS core subjects, likewise; and the event stream is also published to
  JetStream (stream ``QUANZI_EVENTS``, subjects ``quanzi.events.<topic>``), so systems outside Quanzi
  can subscribe durably (docs/events.md).

Topics are dotted names (``graph.friend_request.created``). A subscription names either one topic or
a prefix ending in ``.>`` (``graph.>``), which every carrier supports natively. Payloads are JSON
objects. Delivery is at-most-once on the bus itself; the outbox in front of it makes publication
durable, and consumers that must never miss anything read from the database, not the bus.

On every carrier `publish` returns without waiting for handlers (they run in the subscription's own
task, in arrival order), and a subscription is live when `subscribe` returns. Tests that need the
handlers to have finished call `await bus.drain()`.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("quanzi.bus")

Handler = Callable[[str, dict[str, Any]], Awaitable[None]]

# How long `subscribe` waits for the carrier to confirm that the subscription is live.
SUBSCRIBE_TIMEOUT = 10.0
_FORBIDDEN_PATTERN_CHARS = frozenset(" \t\r\n*>?[]\\")


def topic_matches(pattern: str, topic: str) -> bool:
    if pattern.endswith(".>"):
        return topic.startswith(pattern[:-1])
    return pattern == topic


MAX_TOPIC_LENGTH = 200  # the outbox's topic column


def _is_plain_topic(name: str) -> bool:
    # Characters that are wildcards or escapes to Redis globs or NATS subjects, and empty tokens, would
    # make the carriers disagree about what a name means (or make NATS refuse it).
    return (
        0 < len(name) <= MAX_TOPIC_LENGTH
        and not any(ch in _FORBIDDEN_PATTERN_CHARS for ch in name)
        and all(name.split("."))
    )


def check_topic(topic: str) -> None:
    """Refuse a topic some carrier could not carry, at the source (an outbox row with such a topic
    would fail every relay pass and hold back every event after it)."""
    if not _is_plain_topic(topic):
        raise ValueError(f"bad topic {topic!r}: dotted names, no spaces or wildcards")


def _check_pattern(pattern: str) -> None:
    if not _is_plain_topic(pattern[:-2] if pattern.endswith(".>") else pattern):
        raise ValueError(f"bad topic pattern {pattern!r}")


def _decode(topic: str, data: str | bytes) -> dict[str, Any] | None:
    """A payload as a fresh dict, or None (logged) when the carrier brought something that is not one."""
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError):
        log.warning("dropped an event on %s whose payload is not JSON", topic)
        return None
    if not isinstance(payload, dict):
        log.warning("dropped an event on %s whose payload is not a JSON object", topic)
        return None
    return payload


class Subscription:
    def __init__(self, bus: EventBus, pattern: str, handler: Handler) -> None:
        self.bus = bus
        self.pattern = pattern
        self.handler = handler

    async def close(self) -> None:
        await self.bus._unsubscribe(self)


_Queued = tuple[str, str | bytes] | None


class EventBus(abc.ABC):
    """Carriers hand received events to `_enqueue`; each subscription has its own queue and task.

    So on every carrier a handler runs apart from the publisher (a publisher holding a lock the
    handler needs cannot deadlock with it), events reach one subscription in the order they arrived,
    a slow or failing handler delays only its own subscription, and each handler gets its own copy
    of the payload.
    """

    def __init__(self) -> None:
        self._subscriptions: list[Subscription] = []
        self._queues: dict[Subscription, asyncio.Queue[_Queued]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Connect to the carrier; called once before use."""

    async def close(self) -> None:
        for subscription in list(self._subscriptions):
            await subscription.close()
        current = asyncio.current_task()
        workers = [task for task in self._workers if task is not current]
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    @abc.abstractmethod
    async def publish(self, topic: str, payload: dict[str, Any]) -> None: ...

    async def publish_durable(self, topic: str, envelope: dict[str, Any]) -> None:  # noqa: B027
        """Hand a sequenced stream event to the carrier's durable log, where it has one (JetStream).
        The relay calls it once per event before marking the event sequenced."""

    async def subscribe(self, pattern: str, handler: Handler) -> Subscription:
        """Start delivering events matching `pattern` to `handler`; live once this returns."""
        _check_pattern(pattern)
        subscription = Subscription(self, pattern, handler)
        queue: asyncio.Queue[_Queued] = asyncio.Queue()
        self._queues[subscription] = queue
        worker = asyncio.create_task(self._deliver(subscription, queue), name=f"bus {pattern}")
        self._workers.add(worker)
        worker.add_done_callback(self._workers.discard)
        self._subscriptions.append(subscription)
        try:
            await self._carrier_subscribe(subscription)
        except BaseException:
            with contextlib.suppress(Exception):
                await self._unsubscribe(subscription)
            raise
        return subscription

    async def drain(self) -> None:
        """Wait until every event this bus has received so far has been handled."""
        await self._idle.wait()

    async def _unsubscribe(self, subscription: Subscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
            queue = self._queues.pop(subscription, None)
            if queue is not None:
                queue.put_nowait(None)  # the worker drops what is still queued and ends here
            await self._carrier_unsubscribe(subscription)

    async def _carrier_subscribe(self, subscription: Subscription) -> None:  # noqa: B027
        pass

    async def _carrier_unsubscribe(self, subscription: Subscription) -> None:  # noqa: B027
        pass

    def _enqueue(self, subscription: Subscription, topic: str, data: str | bytes) -> None:
        queue = self._queues.get(subscription)
        if queue is None:
            return
        self._in_flight += 1
        self._idle.clear()
        queue.put_nowait((topic, data))

    async def _deliver(self, subscription: Subscription, queue: asyncio.Queue[_Queued]) -> None:
        while True:
            item = await queue.get()
            if item is None:
                return
            topic, data = item
            try:
                if subscription in self._queues:
                    payload = _decode(topic, data)
                    if payload is not None:
                        await self._dispatch(subscription, topic, payload)
            finally:
                self._in_flight -= 1
                if not self._in_flight:
                    self._idle.set()

    async def _dispatch(self, subscription: Subscription, topic: str, payload: dict[str, Any]) -> None:
        try:
            await subscription.handler(topic, payload)
        except Exception:
            log.exception("event handler for %s failed on %s", subscription.pattern, topic)


def _encode(payload: dict[str, Any]) -> str:
    # ensure_ascii keeps every carrier byte-identical; non-serializable payloads fail here, at publish.
    return json.dumps(payload, separators=(",", ":"))


class MemoryBus(EventBus):
    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        check_topic(topic)
        data = _encode(payload)  # same isolation and JSON rules as the network carriers
        for subscription in list(self._subscriptions):
            if topic_matches(subscription.pattern, topic):
                self._enqueue(subscription, topic, data)


class RedisBus(EventBus):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._client: Any = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        # Futures waiting for the server's (p)subscribe confirmation, per (kind, channel), in order.
        self._confirmations: dict[tuple[str, str], deque[asyncio.Future[None]]] = defaultdict(deque)

    async def start(self) -> None:
        import redis.asyncio as redis

        self._client = redis.from_url(self.url)
        await self._client.ping()
        self._pubsub = self._client.pubsub()

    @staticmethod
    def _channel(pattern: str) -> tuple[str, bool]:
        if pattern.endswith(".>"):
            return pattern[:-1] + "*", True
        return pattern, False

    async def _carrier_subscribe(self, subscription: Subscription) -> None:
        channel, is_pattern = self._channel(subscription.pattern)
        kind = "psubscribe" if is_pattern else "subscribe"
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._confirmations[(kind, channel)].append(confirmed)
        if is_pattern:
            await self._pubsub.psubscribe(channel)
        else:
            await self._pubsub.subscribe(channel)
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_loop(), name="redis-bus-reader")
        # SUBSCRIBE is only sent, not acknowledged: an event published from another connection right
        # after it could reach the server first and be missed. Wait for the server's confirmation.
        try:
            await asyncio.wait_for(confirmed, SUBSCRIBE_TIMEOUT)
        except TimeoutError:
            raise ConnectionError(f"redis did not confirm the subscription to {channel!r}") from None

    async def _carrier_unsubscribe(self, subscription: Subscription) -> None:
        if any(s.pattern == subscription.pattern for s in self._subscriptions):
            return
        channel, is_pattern = self._channel(subscription.pattern)
        if is_pattern:
            await self._pubsub.punsubscribe(channel)
        else:
            await self._pubsub.unsubscribe(channel)

    async def _read_loop(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis bus read failed; retrying")
                await asyncio.sleep(0.5)
                continue
            if message is None:
                continue
            try:
                self._route(message)
            except Exception:
                log.exception("redis bus dropped a message it could not route")

    def _route(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind in ("subscribe", "psubscribe"):
            waiting = self._confirmations.get((kind, message["channel"].decode()))
            if waiting:
                confirmed = waiting.popleft()
                if not confirmed.done():
                    confirmed.set_result(None)
            return
        if kind not in ("message", "pmessage"):
            return
        topic = message["channel"].decode()
        # Redis sends one copy per matching channel or pattern: hand each copy only to the
        # subscriptions made through that channel or pattern, so nobody gets it twice.
        via = (message["pattern"] if kind == "pmessage" else message["channel"]).decode()
        for subscription in list(self._subscriptions):
            if self._channel(subscription.pattern) == (via, kind == "pmessage"):
                self._enqueue(subscription, topic, message["data"])

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        check_topic(topic)
        await self._client.publish(topic, _encode(payload))

    async def close(self) -> None:
        await super().close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._client is not None:
            await self._client.aclose()


JETSTREAM_STREAM = "QUANZI_EVENTS"
JETSTREAM_PREFIX = "quanzi.events."


class NatsBus(EventBus):
    def __init__(self, url: str, *, jetstream: bool = True) -> None:
        super().__init__()
        self.url = url
        self.jetstream = jetstream
        self._js: Any = None
        self._nc: Any = None
        self._native: dict[Subscription, Any] = {}
        self._barrier_subject = ""
        self._barriers: dict[str, asyncio.Future[None]] = {}

    async def start(self) -> None:
        import nats

        self._nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=-1)
        self._barrier_subject = self._nc.new_inbox()

        async def on_barrier(msg: Any) -> None:
            reached = self._barriers.pop(msg.data.decode(), None)
            if reached is not None and not reached.done():
                reached.set_result(None)

        await self._nc.subscribe(self._barrier_subject, cb=on_barrier)
        await self._barrier()
        if self.jetstream:
            await self._ensure_stream()

    async def _ensure_stream(self) -> None:
        from nats.js.api import StreamConfig
        from nats.js.errors import NotFoundError

        self._js = self._nc.jetstream()
        try:
            await self._js.stream_info(JETSTREAM_STREAM)
        except NotFoundError:
            # Duplicate detection by event id for a relay pass that is retried after a failure.
            await self._js.add_stream(
                StreamConfig(name=JETSTREAM_STREAM, subjects=[JETSTREAM_PREFIX + ">"], duplicate_window=600.0)
            )

    async def publish_durable(self, topic: str, envelope: dict[str, Any]) -> None:
        if self._js is None:
            return
        await self._js.publish(
            JETSTREAM_PREFIX + topic,
            _encode(envelope).encode(),
            headers={"Nats-Msg-Id": str(envelope["id"])},
        )

    async def _barrier(self) -> None:
        """Return once the server has processed everything this connection sent before the call.

        nats-py's `flush()` cannot promise that: it writes its PING straight to the socket, ahead of
        SUB and PUB commands still in its buffer, so its PONG may come back before they were even
        sent (about one subscription in five hundred missed an event published right after it).
        Our own message to a private inbox queues behind them, so its echo proves they arrived.
        """
        token = uuid.uuid4().hex
        reached: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._barriers[token] = reached
        try:
            await self._nc.publish(self._barrier_subject, token.encode())
            await asyncio.wait_for(reached, SUBSCRIBE_TIMEOUT)
        except TimeoutError:
            raise ConnectionError("the NATS server did not answer in time") from None
        finally:
            self._barriers.pop(token, None)

    async def _carrier_subscribe(self, subscription: Subscription) -> None:
        async def on_message(msg: Any) -> None:
            self._enqueue(subscription, msg.subject, msg.data)

        self._native[subscription] = await self._nc.subscribe(subscription.pattern, cb=on_message)
        # SUB is only buffered: an event published from another connection right after this returns
        # must find the subscription in place on the server.
        await self._barrier()

    async def _carrier_unsubscribe(self, subscription: Subscription) -> None:
        native = self._native.pop(subscription, None)
        if native is not None:
            await native.unsubscribe()

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        check_topic(topic)
        await self._nc.publish(topic, _encode(payload).encode())
        # "Published" means the server has it, which the outbox relies on before marking a row.
        await self._barrier()

    async def close(self) -> None:
        await super().close()
        if self._nc is not None:
            await self._nc.drain()


def make_bus(url: str, *, jetstream: bool = True) -> EventBus:
    scheme = url.split("://", 1)[0]
    if scheme == "memory":
        return MemoryBus()
    if scheme in ("redis", "rediss"):
        return RedisBus(url)
    if scheme in ("nats", "tls"):
        return NatsBus(url, jetstream=jetstream)
    raise ValueError(f"unsupported QUANZI_BUS_URL scheme {scheme!r} (memory://, redis://, nats://)")
