"""The event-bus contract, run unchanged against every carrier: memory, Redis and NATS.

Redis and NATS run when QUANZI_TEST_REDIS_URL / QUANZI_TEST_NATS_URL point at real servers (CI sets
both); otherwise those cases are skipped with the variable to set. Every test publishes under its own
random topic root, so runs sharing a server never see each other's events. Delivery is awaited with a
bounded wait (never a fixed sleep), and "nothing else arrived" is proven by ordering: a later marker
event arriving means anything wrongly delivered before it would already be there.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from quanzi.core.bus import EventBus, make_bus

pytestmark = pytest.mark.shared_services  # Redis/NATS are shared by every test worker

DELIVERY_TIMEOUT = 5.0
CARRIERS = ["memory", "redis", "nats"]
NETWORK_CARRIERS = ["redis", "nats"]
_ENV = {"redis": "QUANZI_TEST_REDIS_URL", "nats": "QUANZI_TEST_NATS_URL"}
_NAME = {"redis": "Redis", "nats": "NATS"}


def carrier_url(carrier: str) -> str:
    if carrier == "memory":
        return "memory://"
    url = os.environ.get(_ENV[carrier], "")
    if not url:
        pytest.skip(f"set {_ENV[carrier]} to run the {_NAME[carrier]} bus contract")
    return url


BusFactory = Callable[[], Awaitable[EventBus]]


@pytest.fixture(params=CARRIERS)
def carrier(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def new_bus(carrier: str) -> AsyncIterator[BusFactory]:
    """Starts buses on the carrier (each one stands for a separate process) and closes them after."""
    url = carrier_url(carrier)
    started: list[EventBus] = []

    async def factory() -> EventBus:
        bus = make_bus(url)
        await bus.start()
        started.append(bus)
        return bus

    yield factory
    for bus in started:
        await bus.close()


@pytest.fixture
async def bus(new_bus: BusFactory) -> EventBus:
    return await new_bus()


@pytest.fixture
def root() -> str:
    return f"coretest.{uuid.uuid4().hex}"


class Inbox:
    """A handler that records what it receives and lets a test wait (bounded) for a count."""

    def __init__(self, *, fail: bool = False) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail
        self._changed = asyncio.Event()

    async def __call__(self, topic: str, payload: dict[str, Any]) -> None:
        self.events.append((topic, payload))
        self._changed.set()
        if self.fail:
            raise RuntimeError("handler failure requested by the test")

    async def wait_for(self, count: int) -> list[tuple[str, dict[str, Any]]]:
        async def until_count() -> None:
            while len(self.events) < count:
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(until_count(), DELIVERY_TIMEOUT)
        except TimeoutError:
            pytest.fail(f"expected {count} event(s) within {DELIVERY_TIMEOUT}s, got {self.events!r}")
        return self.events

    @property
    def topics(self) -> list[str]:
        return [topic for topic, _ in self.events]


async def test_exact_topic_receives_only_that_topic(bus: EventBus, root: str) -> None:
    inbox = Inbox()
    await bus.subscribe(f"{root}.order.paid", inbox)
    # Neighbours that must not match: a parent, a child, and a longer sibling.
    await bus.publish(f"{root}.order", {"n": 1})
    await bus.publish(f"{root}.order.paid.late", {"n": 2})
    await bus.publish(f"{root}.order.paidx", {"n": 3})
    await bus.publish(f"{root}.order.paid", {"n": 4})
    await inbox.wait_for(1)
    # Marker on the subscribed topic: anything wrongly delivered would have arrived before it.
    await bus.publish(f"{root}.order.paid", {"n": 5})
    assert await inbox.wait_for(2) == [(f"{root}.order.paid", {"n": 4}), (f"{root}.order.paid", {"n": 5})]


async def test_prefix_pattern_matches_every_depth_below_and_nothing_beside(bus: EventBus, root: str) -> None:
    inbox = Inbox()
    await bus.subscribe(f"{root}.x.>", inbox)
    await bus.publish(f"{root}.xy.a", {"n": 1})
    await bus.publish(f"{root}.x", {"n": 2})
    await bus.publish(f"{root}.y.x.a", {"n": 3})
    await bus.publish(f"{root}.x.a", {"n": 4})
    await bus.publish(f"{root}.x.a.b", {"n": 5})
    await inbox.wait_for(2)
    await bus.publish(f"{root}.x.end", {"n": 6})
    assert await inbox.wait_for(3) == [
        (f"{root}.x.a", {"n": 4}),
        (f"{root}.x.a.b", {"n": 5}),
        (f"{root}.x.end", {"n": 6}),
    ]


async def test_two_subscriptions_to_one_topic_both_receive(bus: EventBus, root: str) -> None:
    first, second = Inbox(), Inbox()
    await bus.subscribe(f"{root}.t", first)
    await bus.subscribe(f"{root}.t", second)
    await bus.publish(f"{root}.t", {"n": 1})
    await bus.publish(f"{root}.t", {"n": 2})
    expected = [(f"{root}.t", {"n": 1}), (f"{root}.t", {"n": 2})]
    assert await first.wait_for(2) == expected
    assert await second.wait_for(2) == expected


async def test_exact_and_pattern_on_one_bus_each_receive_exactly_once(bus: EventBus, root: str) -> None:
    exact, pattern = Inbox(), Inbox()
    await bus.subscribe(f"{root}.x.a", exact)
    await bus.subscribe(f"{root}.x.>", pattern)
    await bus.publish(f"{root}.x.a", {"n": 1})
    await bus.publish(f"{root}.x.a", {"marker": True})
    expected = [(f"{root}.x.a", {"n": 1}), (f"{root}.x.a", {"marker": True})]
    # A duplicate of the first event would sit before the marker, so two-and-done proves "once".
    assert await exact.wait_for(2) == expected
    assert await pattern.wait_for(2) == expected


async def test_unsubscribe_stops_delivery(bus: EventBus, root: str) -> None:
    leaving, staying, alone, sentinel = Inbox(), Inbox(), Inbox(), Inbox()
    leaving_sub = await bus.subscribe(f"{root}.shared", leaving)
    await bus.subscribe(f"{root}.shared", staying)
    alone_sub = await bus.subscribe(f"{root}.alone.>", alone)
    await bus.subscribe(f"{root}.sentinel", sentinel)

    await bus.publish(f"{root}.shared", {"n": 1})
    await bus.publish(f"{root}.alone.a", {"n": 1})
    await leaving.wait_for(1)
    await alone.wait_for(1)

    await leaving_sub.close()
    await alone_sub.close()
    await bus.publish(f"{root}.shared", {"n": 2})
    await bus.publish(f"{root}.alone.a", {"n": 2})
    await bus.publish(f"{root}.sentinel", {"n": 2})
    # The remaining subscription on the same topic still receives; the closed ones get nothing more.
    assert await staying.wait_for(2) == [(f"{root}.shared", {"n": 1}), (f"{root}.shared", {"n": 2})]
    await sentinel.wait_for(1)
    assert leaving.events == [(f"{root}.shared", {"n": 1})]
    assert alone.events == [(f"{root}.alone.a", {"n": 1})]


async def test_failing_handler_does_not_break_others_or_itself(bus: EventBus, root: str) -> None:
    failing, healthy = Inbox(fail=True), Inbox()
    await bus.subscribe(f"{root}.t", failing)
    await bus.subscribe(f"{root}.t", healthy)
    await bus.publish(f"{root}.t", {"n": 1})
    await bus.publish(f"{root}.t", {"n": 2})
    expected = [(f"{root}.t", {"n": 1}), (f"{root}.t", {"n": 2})]
    assert await healthy.wait_for(2) == expected
    # The failing subscription keeps receiving after its handler raised.
    assert await failing.wait_for(2) == expected


async def test_order_of_one_publisher_is_preserved(bus: EventBus, root: str) -> None:
    inbox = Inbox()
    await bus.subscribe(f"{root}.seq.>", inbox)
    for n in range(200):
        await bus.publish(f"{root}.seq.{n % 3}", {"n": n})
    events = await inbox.wait_for(200)
    assert [payload["n"] for _, payload in events] == list(range(200))
    assert [topic for topic, _ in events] == [f"{root}.seq.{n % 3}" for n in range(200)]


async def test_payload_survives_a_json_round_trip_with_unicode(bus: EventBus, root: str) -> None:
    payload = {
        "text": "圈子里的朋友 🎉🧧 café",
        "nested": {"list": [1, 2.5, None, True, False, "😀"], "empty": {}},
        "id": str(2**63 - 1),
        "big": 2**62,
        "quote": 'a "quoted" \\ back\nslash',
    }
    inbox = Inbox()
    await bus.subscribe(f"{root}.unicode", inbox)
    await bus.publish(f"{root}.unicode", payload)
    [(topic, received)] = await inbox.wait_for(1)
    assert topic == f"{root}.unicode"
    assert received == payload


async def test_handlers_receive_their_own_copy_of_the_payload(bus: EventBus, root: str) -> None:
    async def vandal(topic: str, payload: dict[str, Any]) -> None:
        payload["tampered"] = True
        payload["items"].append("vandal")

    inbox = Inbox()
    await bus.subscribe(f"{root}.t", vandal)
    await bus.subscribe(f"{root}.t", inbox)
    original = {"items": ["a"]}
    await bus.publish(f"{root}.t", original)
    [(_, received)] = await inbox.wait_for(1)
    assert received == {"items": ["a"]}
    assert original == {"items": ["a"]}


async def test_payload_that_is_not_json_is_refused_at_publish(bus: EventBus, root: str) -> None:
    with pytest.raises(TypeError):
        await bus.publish(f"{root}.t", {"when": object()})


async def test_publish_does_not_wait_for_handlers(bus: EventBus, root: str) -> None:
    """A handler runs apart from the publisher, so a publisher holding a lock a handler needs
    (the outbox relay holds the SQLite write lock while it publishes) cannot deadlock with it."""
    released = asyncio.Event()
    handled = Inbox()

    async def waits_for_publisher(topic: str, payload: dict[str, Any]) -> None:
        await released.wait()
        await handled(topic, payload)

    await bus.subscribe(f"{root}.t", waits_for_publisher)
    await asyncio.wait_for(bus.publish(f"{root}.t", {"n": 1}), DELIVERY_TIMEOUT)
    released.set()
    assert await handled.wait_for(1) == [(f"{root}.t", {"n": 1})]


async def test_a_handler_may_subscribe_and_unsubscribe(bus: EventBus, root: str) -> None:
    """Handlers that manage subscriptions (a WebSocket closing, a consumer starting another) must not
    deadlock the carrier's delivery loop."""
    late, once = Inbox(), Inbox()
    holder: dict[str, Any] = {}

    async def first_only(topic: str, payload: dict[str, Any]) -> None:
        await once(topic, payload)
        await holder["sub"].close()
        await bus.subscribe(f"{root}.late", late)

    holder["sub"] = await bus.subscribe(f"{root}.once", first_only)
    await bus.publish(f"{root}.once", {"n": 1})
    await once.wait_for(1)
    await bus.publish(f"{root}.once", {"n": 2})
    await bus.publish(f"{root}.late", {"n": 3})
    assert await late.wait_for(1) == [(f"{root}.late", {"n": 3})]
    assert once.events == [(f"{root}.once", {"n": 1})]


@pytest.mark.parametrize(
    "pattern", ["", ".>", "a b", "a.*", "a.>.b", ">", "a.b?", "a.[b]", "a\\b.>", "a..b", "a.", "a.b\t"]
)
async def test_bad_patterns_are_refused(bus: EventBus, pattern: str) -> None:
    with pytest.raises(ValueError, match="bad topic pattern"):
        await bus.subscribe(pattern, Inbox())


async def test_event_crosses_between_two_bus_instances(carrier: str, new_bus: BusFactory, root: str) -> None:
    if carrier not in NETWORK_CARRIERS:
        pytest.skip("memory:// is one process's bus; crossing processes needs Redis or NATS")
    publisher, receiver = await new_bus(), await new_bus()
    exact, pattern, own = Inbox(), Inbox(), Inbox()
    await receiver.subscribe(f"{root}.order.paid", exact)
    await receiver.subscribe(f"{root}.order.>", pattern)
    await publisher.subscribe(f"{root}.order.paid", own)
    await publisher.publish(f"{root}.order.paid", {"order_id": "42", "note": "跨进程"})
    await receiver.publish(f"{root}.order.paid", {"order_id": "43"})
    expected = [
        (f"{root}.order.paid", {"order_id": "42", "note": "跨进程"}),
        (f"{root}.order.paid", {"order_id": "43"}),
    ]
    assert await exact.wait_for(2) == expected
    assert await pattern.wait_for(2) == expected
    # Both directions, and the publisher's own subscribers hear its events too.
    assert await own.wait_for(2) == expected


async def test_foreign_garbage_on_a_channel_does_not_stop_delivery(
    carrier: str, bus: EventBus, root: str
) -> None:
    """Another program writing non-JSON to a subscribed channel must not kill the subscription."""
    if carrier not in NETWORK_CARRIERS:
        pytest.skip("only network carriers can receive bytes from a foreign publisher")
    inbox = Inbox()
    await bus.subscribe(f"{root}.t", inbox)
    url = carrier_url(carrier)
    if carrier == "redis":
        import redis.asyncio as redis

        redis_client = redis.from_url(url)
        try:
            await redis_client.publish(f"{root}.t", b"\xff not json")
            await redis_client.publish(f"{root}.t", b"[1, 2]")
        finally:
            await redis_client.aclose()
    else:
        import nats

        raw = await nats.connect(url)
        try:
            echoed = Inbox()
            seen_by_raw: list[bytes] = []

            async def own_copy(msg: Any) -> None:
                seen_by_raw.append(msg.data)
                await echoed(msg.subject, {})

            await raw.subscribe(f"{root}.t", cb=own_copy)
            await raw.publish(f"{root}.t", b"\xff not json")
            await raw.publish(f"{root}.t", b"[1, 2]")
            # Its own copies coming back prove the server routed both before our next publish.
            await echoed.wait_for(2)
            assert seen_by_raw == [b"\xff not json", b"[1, 2]"]
        finally:
            await raw.close()
    await bus.publish(f"{root}.t", {"n": 1})
    assert await inbox.wait_for(1) == [(f"{root}.t", {"n": 1})]
    await bus.publish(f"{root}.t", {"n": 2})
    assert await inbox.wait_for(2) == [(f"{root}.t", {"n": 1}), (f"{root}.t", {"n": 2})]


async def test_unknown_bus_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported QUANZI_BUS_URL scheme 'kafka'"):
        make_bus("kafka://localhost:9092")


async def test_subscription_is_live_when_subscribe_returns(
    carrier: str, new_bus: BusFactory, root: str
) -> None:
    """An event published from another connection right after `subscribe` returns is delivered.

    (NATS and Redis only send SUBSCRIBE; without waiting for the server, about one such event in ten
    was lost on NATS, and about one in five hundred when waiting with nats-py's flush().)"""
    if carrier not in NETWORK_CARRIERS:
        pytest.skip("memory:// has no second connection to race")
    publisher, receiver = await new_bus(), await new_bus()
    for attempt in range(200):
        inbox = Inbox()
        subscription = await receiver.subscribe(f"{root}.live.{attempt}", inbox)
        await publisher.publish(f"{root}.live.{attempt}", {"attempt": attempt})
        assert await inbox.wait_for(1) == [(f"{root}.live.{attempt}", {"attempt": attempt})]
        await subscription.close()


async def test_drain_waits_for_handlers_to_finish(bus: EventBus, root: str) -> None:
    inbox = Inbox()
    await bus.subscribe(f"{root}.t", inbox)
    await bus.publish(f"{root}.t", {"n": 1})
    await inbox.wait_for(1)
    # Once an event has reached this process, drain() returns only after its handler finished.
    gate = asyncio.Event()
    finished: list[int] = []

    async def slow(topic: str, payload: dict[str, Any]) -> None:
        await gate.wait()
        finished.append(payload["n"])

    await bus.subscribe(f"{root}.slow", slow)
    await bus.subscribe(f"{root}.slow", inbox)
    await bus.publish(f"{root}.slow", {"n": 2})
    await inbox.wait_for(2)
    drained = asyncio.ensure_future(bus.drain())
    await asyncio.sleep(0)
    assert not drained.done()
    gate.set()
    await asyncio.wait_for(drained, DELIVERY_TIMEOUT)
    assert finished == [2]
