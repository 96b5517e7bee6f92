"""`run_last`: steps queued in a write transaction run in order right before its commit, roll the
whole transaction back when they fail, run at once inside a savepoint, and are never dropped."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from quanzi.core.db import Database, LastStep, run_last
from quanzi.core.errors import Conflict


@pytest.fixture
async def steps_table(db: Database) -> AsyncIterator[None]:
    async with db.transaction() as session:
        await session.execute(text("DROP TABLE IF EXISTS core_test_last_steps"))
        await session.execute(
            text("CREATE TABLE core_test_last_steps (position INTEGER PRIMARY KEY, label VARCHAR(20))")
        )
    yield
    async with db.transaction() as session:
        await session.execute(text("DROP TABLE core_test_last_steps"))


async def _labels(db: Database) -> list[str]:
    async with db.read() as session:
        return list(await session.scalars(text("SELECT label FROM core_test_last_steps ORDER BY position")))


def _writer(position: int, label: str) -> LastStep:
    async def step(session: AsyncSession) -> None:
        await session.execute(
            text("INSERT INTO core_test_last_steps (position, label) VALUES (:p, :l)"),
            {"p": position, "l": label},
        )

    return step


async def test_steps_run_in_order_after_the_block(db: Database, steps_table: None) -> None:
    async with db.transaction() as session:
        await run_last(session, _writer(2, "first queued"))
        await run_last(session, _writer(3, "second queued"))
        # Not yet run: the block's own writes come first.
        assert await _count(session) == 0
        await session.execute(
            text("INSERT INTO core_test_last_steps (position, label) VALUES (1, 'in the block')")
        )
    assert await _labels(db) == ["in the block", "first queued", "second queued"]


async def test_a_failing_step_rolls_everything_back(db: Database, steps_table: None) -> None:
    async def refuse(session: AsyncSession) -> None:
        raise Conflict("Sold out.", code="out_of_stock")

    with pytest.raises(Conflict):
        async with db.transaction() as session:
            await session.execute(
                text("INSERT INTO core_test_last_steps (position, label) VALUES (1, 'in the block')")
            )
            await run_last(session, _writer(2, "queued"))
            await run_last(session, refuse)
    assert await _labels(db) == []


async def test_inside_a_savepoint_a_step_runs_at_once(db: Database, steps_table: None) -> None:
    async with db.transaction() as session, session.begin_nested():
        await run_last(session, _writer(1, "at once"))
        assert await _count(session) == 1
    assert await _labels(db) == ["at once"]


async def test_a_commit_that_would_drop_steps_is_refused(db: Database, steps_table: None) -> None:
    sessions = async_sessionmaker(db.engine)
    async with sessions() as session:
        with pytest.raises(RuntimeError, match="run_last"):
            async with session.begin():
                await run_last(session, _writer(1, "dropped"))
    assert await _labels(db) == []


async def _count(session: AsyncSession) -> int:
    return int(await session.scalar(text("SELECT count(*) FROM core_test_last_steps")) or 0)
