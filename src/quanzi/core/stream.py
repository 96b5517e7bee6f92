"""Durable consumers of the event stream (Kafka's consumer groups, Synapse's stream tokens).

A `Consumer` is registered by name for topics (exact, or a prefix ``commerce.order.>``) in its
domain's manifest. Its place in the stream is one number, stored in ``event_consumers`` and advanced
in the same transaction as the consumer's own writes, so a consumer that writes only to the database
has exactly-once effect: a crash before the commit loses both the writes and the advance, and the
next run redoes the batch; after it, neither is done twice.

`ConsumerRunner` runs the consumers (in `quanzi worker`, and in `quanzi serve` on one node). Each
batch takes the consumer's row with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so with several
processes a consumer runs in one place at a time and the others move on to other consumers; SQLite's
single writer serializes them anyway.

A handler that raises rolls its batch back; the failure is recorded on the consumer (`quanzi events
status` shows it) and retried with backoff. An event that keeps failing (`max_attempts`) is set aside
in ``event_dead_letters`` so one poison event cannot stop a consumer for good.

`replay` rebuilds a consumer from position 0: in one transaction its `reset` hook clears what it
built and its position goes back to 0; the runner then reads the whole stream again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, Text, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from quanzi.core import clock
from quanzi.core.bus import topic_matches
from quanzi.core.db import Base, Database, insert_for
from quanzi.core.ids import new_id
from quanzi.core.outbox import OutboxEvent, stream_head

log = logging.getLogger("quanzi.stream")

DEFAULT_BATCH = 100
DEFAULT_MAX_ATTEMPTS = 8


class ConsumerState(Base):
    __tablename__ = "event_consumers"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    # The event that failed last, how often in a row, and when to try again.
    failing_position: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    retry_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class DeadLetter(Base):
    __tablename__ = "event_dead_letters"
    __table_args__ = (Index("ix_event_dead_letters_consumer", "consumer", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[int]
    topic: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


@dataclass(frozen=True)
class StreamEvent:
    position: int
    id: int
    topic: str
    version: int
    occurred_at: datetime
    data: dict[str, Any]
    # Who acted and from where (`core.context.Origin.as_event_context`); None outside a request.
    context: dict[str, Any] | None = None


Handler = Callable[[AsyncSession, StreamEvent], Awaitable[None]]
Reset = Callable[[AsyncSession], Awaitable[None]]


@dataclass(frozen=True)
class Consumer:
    """A durable reaction to events. `handle(session, event)` runs in the transaction that advances
    the consumer's position; `reset(session)` clears everything the consumer built (for replay)."""

    name: str
    topics: tuple[str, ...]
    handle: Handler
    reset: Reset | None = None
    # Where a consumer starts the first time it runs: the whole stream ("beginning"), or only what
    # happens from then on ("end": a consumer that takes over a reaction done another way before).
    start: str = "beginning"
    batch_size: int = DEFAULT_BATCH
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    def matches(self, topic: str) -> bool:
        return any(topic_matches(pattern, topic) for pattern in self.topics)

    def topic_filter(self) -> ColumnElement[bool]:
        exact = [t for t in self.topics if not t.endswith(".>")]
        prefixes = [t[:-1] for t in self.topics if t.endswith(".>")]
        conditions: list[ColumnElement[bool]] = []
        if exact:
            conditions.append(OutboxEvent.topic.in_(exact))
        conditions += [OutboxEvent.topic.startswith(prefix, autoescape=True) for prefix in prefixes]
        return or_(*conditions)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2 ** min(attempts, 9)))


async def register(db: Database, consumers: Iterable[Consumer]) -> None:
    """Make sure every consumer has its row, placed where it starts (`Consumer.start`)."""
    consumers = list(consumers)
    if not consumers:
        return
    async with db.transaction() as session:
        head = await stream_head(session)
        for consumer in consumers:
            row = {
                "name": consumer.name,
                "position": head if consumer.start == "end" else 0,
                "attempts": 0,
                "updated_at": clock.now(),
            }
            await session.execute(
                insert_for(session, ConsumerState).values(row).on_conflict_do_nothing(index_elements=["name"])
            )


class _HandlerFailed(Exception):
    def __init__(self, event: StreamEvent, error: BaseException) -> None:
        super().__init__(str(error))
        self.event = event
        self.error = error


async def _take(session: AsyncSession, db: Database, name: str, *, wait: bool) -> ConsumerState | None:
    query = select(ConsumerState).where(ConsumerState.name == name)
    if not db.is_sqlite:
        query = query.with_for_update(skip_locked=not wait)
    return await session.scalar(query.execution_options(populate_existing=True))


async def run_batch(db: Database, consumer: Consumer) -> int:
    """Handle the consumer's next batch in one transaction; returns how many events it handled (0
    when it is caught up, backing off, or running in another process)."""
    try:
        async with db.transaction() as session:
            return await _run_batch(session, db, consumer)
    except _HandlerFailed as failed:
        log.exception(
            "consumer %s failed on event %s (%s)", consumer.name, failed.event.position, failed.event.topic
        )
        await _record_failure(db, consumer, failed)
        return 0


async def _run_batch(session: AsyncSession, db: Database, consumer: Consumer) -> int:
    state = await _take(session, db, consumer.name, wait=False)
    now = clock.now()
    if state is None or (state.retry_at is not None and state.retry_at > now):
        return 0
    head = await stream_head(session)
    if head <= state.position:
        return 0
    # After a failure, go one event at a time up to the failing one, so a poison event is isolated.
    limit = 1 if state.failing_position is not None else consumer.batch_size
    rows = (
        await session.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.position > state.position,
                OutboxEvent.position <= head,
                consumer.topic_filter(),
            )
            .order_by(OutboxEvent.position)
            .limit(limit)
        )
    ).all()
    handled = 0
    for row in rows:
        event = StreamEvent(
            position=int(row.position or 0),
            id=row.id,
            topic=row.topic,
            version=row.version,
            occurred_at=row.created_at,
            data=dict(row.payload),
            context=dict(row.context) if row.context else None,
        )
        if event.position == state.failing_position and state.attempts >= consumer.max_attempts:
            session.add(
                DeadLetter(
                    id=new_id(),
                    consumer=consumer.name,
                    position=event.position,
                    event_id=event.id,
                    topic=event.topic,
                    payload=event.data,
                    error=state.last_error or "",
                    created_at=now,
                )
            )
            log.error(
                "consumer %s set event %s aside after %s attempts",
                consumer.name,
                event.position,
                state.attempts,
            )
            continue
        try:
            await consumer.handle(session, event)
        except Exception as exc:
            raise _HandlerFailed(event, exc) from exc
        handled += 1
    # A short batch means nothing else matched up to `head`: skip straight there.
    new_position = int(rows[-1].position or 0) if len(rows) == limit else head
    values: dict[str, Any] = {"position": new_position, "updated_at": now}
    if state.failing_position is None or new_position >= state.failing_position:
        values.update(failing_position=None, attempts=0, last_error=None, retry_at=None)
    await session.execute(
        update(ConsumerState)
        .where(ConsumerState.name == consumer.name)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return max(handled, 1 if rows else 0)


async def _record_failure(db: Database, consumer: Consumer, failed: _HandlerFailed) -> None:
    error = f"{type(failed.error).__name__}: {failed.error}"[:4000]
    async with db.transaction() as session:
        state = await _take(session, db, consumer.name, wait=True)
        if state is None or state.position >= failed.event.position:
            return
        attempts = state.attempts + 1 if state.failing_position == failed.event.position else 1
        await session.execute(
            update(ConsumerState)
            .where(ConsumerState.name == consumer.name)
            .values(
                failing_position=failed.event.position,
                attempts=attempts,
                last_error=error,
                retry_at=clock.now() + _backoff(attempts),
                updated_at=clock.now(),
            )
            .execution_options(synchronize_session=False)
        )


async def catch_up(db: Database, consumer: Consumer, *, limit: int = 1_000_000) -> int:
    """Run batches until the consumer is caught up (or backing off); returns the events handled."""
    total = 0
    while total < limit:
        handled = await run_batch(db, consumer)
        if not handled:
            return total
        total += handled
    return total


class ReplayRefused(Exception):
    pass


async def replay(db: Database, consumer: Consumer) -> None:
    """Rewind the consumer to position 0 after clearing what it built, in one transaction (waiting
    for a batch in progress elsewhere to finish). The runner, or `catch_up`, then rebuilds it."""
    if consumer.reset is None:
        raise ReplayRefused(f"consumer {consumer.name!r} has no reset: it cannot be rebuilt from the stream")
    await register(db, [consumer])
    async with db.transaction() as session:
        await _take(session, db, consumer.name, wait=True)
        await consumer.reset(session)
        await session.execute(
            update(ConsumerState)
            .where(ConsumerState.name == consumer.name)
            .values(
                position=0,
                failing_position=None,
                attempts=0,
                last_error=None,
                retry_at=None,
                updated_at=clock.now(),
            )
            .execution_options(synchronize_session=False)
        )
        await session.execute(delete(DeadLetter).where(DeadLetter.consumer == consumer.name))


@dataclass(frozen=True)
class ConsumerStatus:
    name: str
    topics: tuple[str, ...]
    position: int
    head: int
    lag: int
    failing_position: int | None
    attempts: int
    last_error: str | None
    dead_letters: int
    updated_at: datetime | None


async def status(db: Database, consumers: Sequence[Consumer]) -> list[ConsumerStatus]:
    """Each consumer's place, its lag behind the head of the stream, and its last failure."""
    async with db.read() as session:
        head = await stream_head(session)
        states = {s.name: s for s in (await session.scalars(select(ConsumerState))).all()}
        dead = dict(
            (
                await session.execute(select(DeadLetter.consumer, func.count()).group_by(DeadLetter.consumer))
            ).all()
        )
    out = []
    for consumer in consumers:
        state = states.get(consumer.name)
        position = state.position if state else 0
        out.append(
            ConsumerStatus(
                name=consumer.name,
                topics=consumer.topics,
                position=position,
                head=head,
                lag=max(0, head - position),
                failing_position=state.failing_position if state else None,
                attempts=state.attempts if state else 0,
                last_error=state.last_error if state else None,
                dead_letters=int(dead.get(consumer.name, 0)),
                updated_at=state.updated_at if state else None,
            )
        )
    return out


class ConsumerRunner:
    """Runs every registered consumer until stopped: woken when the local relay sequences events, and
    polling (for events sequenced by other processes) otherwise."""

    def __init__(self, db: Database, consumers: Sequence[Consumer], *, poll_seconds: float = 1.0) -> None:
        names = [c.name for c in consumers]
        if len(names) != len(set(names)):
            raise ValueError(f"consumer names must be unique: {sorted(names)}")
        self.db = db
        self.consumers = list(consumers)
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._registered = False

    def wake(self) -> None:
        self._wake.set()

    async def _lagging(self) -> list[Consumer]:
        """The consumers behind the head of the stream and not backing off (one cheap read, so an
        idle pass costs two statements rather than a transaction per consumer)."""
        async with self.db.read() as session:
            head = await stream_head(session)
            states = {
                name: (position, retry_at)
                for name, position, retry_at in (
                    await session.execute(
                        select(ConsumerState.name, ConsumerState.position, ConsumerState.retry_at)
                    )
                ).all()
            }
        now = clock.now()
        lagging = []
        for consumer in self.consumers:
            position, retry_at = states.get(consumer.name, (0, None))
            if position < head and (retry_at is None or retry_at <= now):
                lagging.append(consumer)
        return lagging

    async def run_once(self) -> int:
        """One batch of each consumer that has something to do; returns the events handled."""
        if not self._registered:
            await register(self.db, self.consumers)
            self._registered = True
        handled = 0
        for consumer in await self._lagging():
            try:
                handled += await run_batch(self.db, consumer)
            except Exception:
                log.exception("consumer %s pass failed; retrying", consumer.name)
        return handled

    async def run_until_idle(self, limit: int = 1_000_000) -> int:
        """Run batches until no consumer has anything left (tests, `quanzi worker --once`)."""
        total = 0
        while total < limit:
            handled = await self.run_once()
            if not handled:
                return total
            total += handled
        return total

    async def run(self, stop: asyncio.Event) -> None:
        if not self.consumers:
            return
        while not stop.is_set():
            self._wake.clear()
            try:
                while await self.run_once():
                    if stop.is_set():
                        return
            except Exception:
                log.exception("consumer runner pass failed; retrying")
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
