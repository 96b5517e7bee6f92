"""The transactional outbox: domain events are written in the same transaction as the change.

`emit` adds a row; after commit the relay publishes unpublished rows to the bus in id order and marks
them published. A process that dies between commit and publish leaves the row for the next relay
pass, so no event is lost; delivery is at-least-once, and each event carries its id for consumers
that must not act twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core import clock
from quanzi.core.bus import EventBus, check_topic
from quanzi.core.db import Base, Database
from quanzi.core.ids import new_id

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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]


def emit(session: AsyncSession, topic: str, data: dict[str, Any]) -> int:
    """Record an event to be published once the surrounding transaction commits."""
    check_topic(topic)
    event_id = new_id()
    session.add(
        OutboxEvent(id=event_id, topic=topic, payload=data, created_at=clock.now(), published_at=None)
    )
    session.info["outbox_dirty"] = True
    return event_id


def envelope(event: OutboxEvent) -> dict[str, Any]:
    return {
        "id": str(event.id),
        "topic": event.topic,
        "occurred_at": event.created_at.isoformat(),
        "data": event.payload,
    }


class OutboxRelay:
    """Publishes committed outbox rows to the bus; several relays may run (rows are locked, skipped)."""

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
        db.on_commit(self._on_commit)

    def _on_commit(self, session: AsyncSession) -> None:
        if session.info.pop("outbox_dirty", False):
            self._wake.set()

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many events went out."""
        async with self.db.transaction() as session:
            rows = (
                await session.scalars(
                    select(OutboxEvent)
                    .where(OutboxEvent.published_at.is_(None))
                    .order_by(OutboxEvent.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                await asyncio.wait_for(self.bus.publish(row.topic, envelope(row)), self.publish_timeout)
            if rows:
                await session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_([row.id for row in rows]))
                    .values(published_at=clock.now())
                )
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
