"""A test-only domain loaded into worker processes through QUANZI_PLUGINS: one consumer of
``commerce.order.completed`` that writes a row per event into ``streamtest_completed_orders`` (a table
the test creates, with no unique key, so a double effect shows as a duplicate row).

Every call of the handler is also appended to the file STREAMTEST_LOG, outside the transaction: a
batch cut short by SIGKILL leaves lines there for events whose rows never committed, which proves the
kill landed mid-batch. STREAMTEST_DELAY (seconds per event) keeps batches in flight long enough.
"""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.manifest import DomainManifest
from quanzi.core.stream import Consumer, StreamEvent

TABLE = "streamtest_completed_orders"


def _log_attempt(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as attempts:
        attempts.write(line)


async def record(session: AsyncSession, event: StreamEvent) -> None:
    log = os.environ.get("STREAMTEST_LOG")
    if log:
        await asyncio.to_thread(
            _log_attempt, log, f"{os.getpid()} {event.position} {event.data['order_id']}\n"
        )
    await session.execute(
        text("INSERT INTO streamtest_completed_orders (order_id, position) VALUES (:order_id, :position)"),
        {"order_id": int(event.data["order_id"]), "position": event.position},
    )
    await asyncio.sleep(float(os.environ.get("STREAMTEST_DELAY", "0")))


async def forget(session: AsyncSession) -> None:
    await session.execute(text("DELETE FROM streamtest_completed_orders"))


COMPLETED_ORDERS = Consumer(
    name="streamtest.completed_orders",
    topics=("commerce.order.completed",),
    handle=record,
    reset=forget,
    batch_size=20,
)

manifest = DomainManifest(name="streamtest", consumers=(COMPLETED_ORDERS,))
