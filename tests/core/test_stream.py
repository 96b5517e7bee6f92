"""Durable consumers of the event stream: exactly-once effects, topic filters, failures set aside,
replay from zero, one runner at a time per consumer, where a new consumer starts, and the lag."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.bus import MemoryBus
from quanzi.core.db import Database
from quanzi.core.outbox import OutboxRelay, emit
from quanzi.core.stream import (
    Consumer,
    ConsumerRunner,
    ConsumerState,
    DeadLetter,
    ReplayRefused,
    StreamEvent,
    catch_up,
    register,
    replay,
    run_batch,
    status,
)

from .conftest import SCRATCH_TABLE, is_postgres

assert SCRATCH_TABLE == "core_test_effects"  # named literally in the SQL below

CALLS: list[int] = []  # every handler call, including those whose effects rolled back
POISON: set[str] = set()


@pytest.fixture(autouse=True)
def fresh() -> None:
    CALLS.clear()
    POISON.clear()


async def record(session: AsyncSession, event: StreamEvent) -> None:
    CALLS.append(event.position)
    key = str(event.data.get("key") or event.position)
    await session.execute(
        text("INSERT INTO core_test_effects (key, runner) VALUES (:key, :topic)"),
        {"key": key, "topic": event.topic},
    )
    if key in POISON:
        raise RuntimeError(f"cannot handle {key}")


async def forget(session: AsyncSession) -> None:
    await session.execute(text("DELETE FROM core_test_effects"))


def consumer(**overrides: Any) -> Consumer:
    settings: dict[str, Any] = {
        "name": "core_test.recorder",
        "topics": ("core_test.a", "core_test.order.>"),
        "handle": record,
        "reset": forget,
        "batch_size": 4,
        "max_attempts": 2,
    } | overrides
    return Consumer(**settings)


async def emitted(db: Database, *events: tuple[str, str]) -> None:
    """Commit events (topic, key) and sequence them into the stream."""
    async with db.transaction() as session:
        for topic, key in events:
            emit(session, topic, {"key": key})
    relay = OutboxRelay(db, MemoryBus())
    while await relay.publish_pending():
        pass


async def keys(db: Database) -> list[str]:
    async with db.read() as session:
        return sorted((await session.scalars(text("SELECT key FROM core_test_effects"))).all())


async def state(db: Database, name: str = "core_test.recorder") -> ConsumerState:
    async with db.read() as session:
        found = await session.get(ConsumerState, name)
    assert found is not None
    return found


async def test_a_consumer_handles_each_matching_event_once_in_position_order(
    db: Database, effects: str
) -> None:
    me = consumer()
    await register(db, [me])
    await emitted(
        db,
        ("core_test.a", "a1"),
        ("core_test.b", "not-mine"),
        ("core_test.order.created", "o1"),
        ("core_test.orderly", "not-a-prefix-match"),
        ("core_test.order.paid", "o2"),
        ("core_test.a", "a2"),
    )
    assert await catch_up(db, me) == 4
    assert await keys(db) == ["a1", "a2", "o1", "o2"]
    assert CALLS == [1, 3, 5, 6]  # positions, in order; the others were skipped in SQL
    assert (await state(db)).position == 6
    assert await catch_up(db, me) == 0  # nothing twice
    assert CALLS == [1, 3, 5, 6]

    await emitted(db, ("core_test.b", "still-not-mine"))
    assert await catch_up(db, me) == 0
    assert (await state(db)).position == 7  # it moved past what it does not read


async def test_a_failing_handler_rolls_back_its_batch_and_a_poison_event_is_set_aside(
    db: Database, effects: str
) -> None:
    me = consumer()
    await register(db, [me])
    await emitted(db, *(("core_test.a", f"k{n}") for n in range(6)))
    POISON.add("k2")

    assert await run_batch(db, me) == 0  # k0, k1 were written, then k2 failed: all rolled back
    assert await keys(db) == []
    failing = await state(db)
    assert (failing.position, failing.failing_position, failing.attempts) == (0, 3, 1)
    assert "cannot handle k2" in (failing.last_error or "")

    # Backing off: nothing runs until retry_at; then one event at a time up to the poison.
    assert await run_batch(db, me) == 0
    await _after_backoff(db)
    assert await run_batch(db, me) == 1 and await keys(db) == ["k0"]
    assert await run_batch(db, me) == 1 and await keys(db) == ["k0", "k1"]
    assert await run_batch(db, me) == 0  # k2 fails a second time
    assert (await state(db)).attempts == 2
    await _after_backoff(db)
    assert await catch_up(db, me) == 4  # max_attempts reached: k2 set aside, the rest handled
    assert await keys(db) == ["k0", "k1", "k3", "k4", "k5"]
    async with db.read() as session:
        [dead] = (await session.scalars(select(DeadLetter))).all()
    assert (dead.consumer, dead.position, dead.topic, dead.payload) == (
        "core_test.recorder",
        3,
        "core_test.a",
        {"key": "k2"},
    )
    done = await state(db)
    assert (done.position, done.failing_position, done.attempts, done.last_error) == (6, None, 0, None)
    [row] = await status(db, [me])
    assert (row.lag, row.dead_letters) == (0, 1)


async def _after_backoff(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(text("UPDATE event_consumers SET retry_at = NULL"))


async def test_replay_rebuilds_what_the_consumer_built_from_position_zero(db: Database, effects: str) -> None:
    me = consumer()
    await register(db, [me])
    await emitted(db, *(("core_test.a", f"k{n}") for n in range(5)))
    await catch_up(db, me)
    built = await keys(db)
    async with db.transaction() as session:  # the consumer's table drifts (a bug, a lost disk)
        await session.execute(text("DELETE FROM core_test_effects WHERE key = 'k1'"))
    await replay(db, me)
    assert (await state(db)).position == 0
    assert await keys(db) == []
    await catch_up(db, me)
    assert await keys(db) == built
    with pytest.raises(ReplayRefused):
        await replay(db, consumer(name="core_test.no_reset", reset=None))


async def test_a_new_consumer_starts_where_it_says(db: Database, effects: str) -> None:
    await emitted(db, ("core_test.a", "before"))
    late = consumer(name="core_test.late", start="end")
    await register(db, [late])
    await emitted(db, ("core_test.a", "after"))
    await catch_up(db, late)
    assert await keys(db) == ["after"]
    [row] = await status(db, [late])
    assert (row.position, row.head, row.lag) == (2, 2, 0)


async def test_the_runner_is_woken_by_the_relay(database_url: str, effects: str) -> None:
    db = Database(database_url)
    bus = MemoryBus()
    relay = OutboxRelay(db, bus)
    handled = asyncio.Event()

    async def record_and_tell(session: AsyncSession, event: StreamEvent) -> None:
        await record(session, event)
        handled.set()

    runner = ConsumerRunner(db, [consumer(handle=record_and_tell)], poll_seconds=60)
    relay.on_sequenced(runner.wake)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(runner.run(stop))]
    try:
        async with db.transaction() as session:
            emit(session, "core_test.a", {"key": "woken"})

        await asyncio.wait_for(handled.wait(), 10)  # far less than the 60 s poll
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    try:
        assert await keys(db) == ["woken"]
    finally:
        await db.dispose()


async def test_two_processes_never_run_one_consumer_at_once(database_url: str, effects: str) -> None:
    """Two runners (two processes' Database objects) race over one consumer: every event's effect is
    written once (the scratch table's key is unique, so a double would fail loudly)."""
    first_db, second_db = Database(database_url), Database(database_url)
    try:
        me = consumer(batch_size=3)
        await register(first_db, [me])
        await emitted(first_db, *(("core_test.a", f"k{n}") for n in range(40)))
        runners = [ConsumerRunner(first_db, [me]), ConsumerRunner(second_db, [me])]
        await asyncio.wait_for(asyncio.gather(*(r.run_until_idle() for r in runners)), 60)
        assert await keys(first_db) == sorted(f"k{n}" for n in range(40))
        assert (await state(first_db)).position == 40
        assert sorted(CALLS) == list(range(1, 41))  # no event handled twice, even rolled back
    finally:
        await first_db.dispose()
        await second_db.dispose()


async def test_a_consumer_busy_elsewhere_is_skipped_not_waited_for(database_url: str, effects: str) -> None:
    if not is_postgres(database_url):
        pytest.skip("SQLite has one writer: a second runner cannot even start while a batch runs")
    first_db, second_db = Database(database_url), Database(database_url)
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(session: AsyncSession, event: StreamEvent) -> None:
        started.set()
        await asyncio.wait_for(release.wait(), 10)
        await record(session, event)

    try:
        me = consumer(handle=slow)
        await register(first_db, [me])
        await emitted(first_db, ("core_test.a", "only"))
        busy = asyncio.create_task(run_batch(first_db, me))
        await asyncio.wait_for(started.wait(), 10)
        assert await asyncio.wait_for(run_batch(second_db, me), 5) == 0  # skipped at once
        release.set()
        assert await busy == 1
        assert await keys(first_db) == ["only"]
    finally:
        await first_db.dispose()
        await second_db.dispose()
