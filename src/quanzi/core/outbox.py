"""The transactional outbox, which is also the event stream.

`emit` adds a row in the caller's transaction (checked against the topic's declared schema,
`core.events`). After the commit the relay sequences committed rows: it gives each the next
**stream position** and publishes it on the bus. Positions are handed out by one relay at a time
(an advisory lock on PostgreSQL, the single writer on SQLite) and committed together, so the stream
only ever grows at its end: a reader that has seen position N has seen every event up to N, which
is what lets durable consumers (`core.stream`) keep one number as their place. A process that dies
between commit and sequencing leaves the row for the next pass (any process's), so no event is
lost; bus delivery is at-least-once and each event carries its id and position.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core import clock, context, events
from quanzi.core.bus import EventBus, check_topic
from quanzi.core.db import Base, Database, table_of
from quanzi.core.ids import new_id

# Any constant shared by every process: the key of the advisory lock that serializes sequencing.
_SEQUENCER_LOCK = 0x5155_414E_5A49  # "QUANZI"

log = logging.getLogger("quanzi.outbox")


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    # The relay scans unpublished rows only; a partial index keeps that scan tiny.
    __table_args__ = (
        Index(
            "ix_outbox_events_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
        # Consumers read the stream in position order from their own place.
        Index("ix_outbox_events_position", "position", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    # Set together when the relay sequences the row; NULL until then.
    position: Mapped[int | None] = mapped_column(BigInteger)
    published_at: Mapped[datetime | None]
    # Where the change came from (`core.context.Origin`): the request's actor, address, user agent
    # and id. Kept beside the payload, not in it: payloads are the documented contract with every
    # consumer and the bus, while this is for the durable consumers that audit (never published).
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def emit(session: AsyncSession, topic: str, data: dict[str, Any]) -> int:
    """Record an event to be published once the surrounding transaction commits. The topic must be
    declared with a schema the payload matches (`core.events`)."""
    check_topic(topic)
    version = events.check_payload(topic, data)
    event_id = new_id()
    origin = context.current()
    session.add(
        OutboxEvent(
            id=event_id,
            topic=topic,
            version=version,
            payload=data,
            created_at=clock.now(),
            position=None,
            published_at=None,
            context=None if origin is None else origin.as_event_context(),
        )
    )
    session.info["outbox_dirty"] = True
    return event_id


def envelope(event: OutboxEvent, position: int | None = None) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "topic": event.topic,
        "version": event.version,
        "position": position if position is not None else event.position,
        "occurred_at": event.created_at.isoformat(),
        "data": event.payload,
    }


async def stream_head(session: AsyncSession) -> int:
    """The position of the newest sequenced event (0 for an empty stream)."""
    return int(await session.scalar(select(func.coalesce(func.max(OutboxEvent.position), 0))) or 0)


class OutboxRelay:
    """Sequences committed outbox rows into the stream and publishes them to the bus. Every process
    may run one; they take turns (one sequencing pass at a time)."""

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        *,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        publish_timeout: float = 10.0,
    ):
        self.db = db
        self.bus = bus
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        # The batch's rows stay locked (on SQLite: the whole database's write lock is held) while
        # the relay publishes, so a carrier that stops answering must not hold them indefinitely.
        self.publish_timeout = publish_timeout
        self._wake = asyncio.Event()
        self._sequenced: list[Callable[[], None]] = []
        db.on_commit(self._on_commit)

    def on_sequenced(self, callback: Callable[[], None]) -> None:
        """Call `callback()` after each pass that added events to the stream (wakes local consumers)."""
        self._sequenced.append(callback)

    def _on_commit(self, session: AsyncSession) -> None:
        if session.info.pop("outbox_dirty", False):
            self._wake.set()

    async def publish_pending(self) -> int:
        """Sequence and publish one batch; returns how many events went out."""
        async with self.db.transaction() as session:
            if not self.db.is_sqlite:  # SQLite's BEGIN IMMEDIATE already admits one writer
                await session.execute(select(func.pg_advisory_xact_lock(_SEQUENCER_LOCK)))
            rows = (
                await session.scalars(
                    select(OutboxEvent)
                    .where(OutboxEvent.published_at.is_(None))
                    .order_by(OutboxEvent.id)
                    .limit(self.batch_size)
                )
            ).all()
            if not rows:
                return 0
            head = await stream_head(session)
            positions = {row.id: head + offset for offset, row in enumerate(rows, start=1)}
            for row in rows:
                message = envelope(row, positions[row.id])
                await asyncio.wait_for(self.bus.publish(row.topic, message), self.publish_timeout)
                await asyncio.wait_for(self.bus.publish_durable(row.topic, message), self.publish_timeout)
            now = clock.now()
            table = table_of(OutboxEvent)
            await session.execute(  # one executemany
                update(table)
                .where(table.c.id == bindparam("event_id"))
                .values(position=bindparam("event_position"), published_at=now),
                [{"event_id": event_id, "event_position": p} for event_id, p in positions.items()],
            )
        for callback in self._sequenced:
            callback()
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            # Cleared before the pass, not after: a commit that lands while the pass runs (after
            # its SELECT) must leave the wake-up set, or its event waits a whole poll interval.
            self._wake.clear()
            try:
                while await self.publish_pending() == self.batch_size:
                    pass
            except Exception:
                log.exception("outbox relay pass failed; retrying")
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
