"""Fixtures for the core tests: a Database on the migrated test database, and a scratch table.

The scratch table stands for "some domain's table" that a job handler writes to; it is created by
the test (not by a migration, so it must never outlive the test: the schema tests would see it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import ConfigDict
from sqlalchemy import text

from quanzi.core import events
from quanzi.core.db import Database
from quanzi.core.events import EventPayload, EventType
from tests.databases import on_postgres

SCRATCH_TABLE = "core_test_effects"


def is_postgres(url: str) -> bool:
    return on_postgres(url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def effects(database_url: str) -> AsyncIterator[str]:
    """A table with a unique key per effect, so a double execution is an IntegrityError, and a
    deferred self-reference, so a handler can make the commit itself fail."""
    admin = Database(database_url)
    async with admin.transaction() as session:
        await session.execute(text(f"DROP TABLE IF EXISTS {SCRATCH_TABLE}"))
        await session.execute(
            text(
                f"CREATE TABLE {SCRATCH_TABLE} ("
                " key VARCHAR(64) PRIMARY KEY,"
                " runner VARCHAR(64) NOT NULL,"
                f" parent VARCHAR(64) REFERENCES {SCRATCH_TABLE}(key) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    try:
        yield SCRATCH_TABLE
    finally:
        async with admin.transaction() as session:
            await session.execute(text(f"DROP TABLE IF EXISTS {SCRATCH_TABLE}"))
        await admin.dispose()


class AnyPayload(EventPayload):
    """The core tests' own events carry whatever the test puts in them."""

    model_config = ConfigDict(extra="allow")


# Declared once the registry is live (an app in the same process installs every domain's events).
events.install(
    EventType(topic, AnyPayload)
    for topic in (
        "core_test.crash.survivor",
        "core_test.flaky.attempted",
        "core_test.order.created",
        "core_test.order.paid",
        "core_test.orderly",
        "core_test.thing.happened",
        "core_test.worker.outbox",
        "core_test.a",
        "core_test.b",
        "core_test.first",
        "core_test.late",
        *(f"core_test.wake.{n}" for n in range(3)),
    )
)
