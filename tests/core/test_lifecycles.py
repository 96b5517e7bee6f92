"""Every declared lifecycle, walked on its real table: each declared transition moves a row from each
of its sources to its target, and every (state, transition) pair the graph does not declare is refused
and leaves the row as it was.

The lifecycles come from the domain manifests, so a new one is covered without editing this file. Its
rows are written straight into the migrated table with the foreign keys switched off for the test's
own transaction (which is rolled back): the point is the state graph, not the rows around it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest
from sqlalchemy import Table, TypeDecorator, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from quanzi.core.db import normalize_url
from quanzi.core.lifecycle import Lifecycle, Transition, UndeclaredTransition
from quanzi.platform import DOMAINS

LIFECYCLES = [lifecycle for manifest in DOMAINS for lifecycle in manifest.lifecycles]
_ids = count(1)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session in one transaction that is rolled back, with foreign keys not enforced inside it."""
    engine = create_async_engine(normalize_url(database_url))
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            if connection.dialect.name == "sqlite":
                await connection.execute(text("PRAGMA defer_foreign_keys = ON"))
            else:
                await connection.execute(text("SET LOCAL session_replication_role = replica"))
            yield AsyncSession(bind=connection)
            await transaction.rollback()
    finally:
        await engine.dispose()


async def _allowed_values(session: AsyncSession, table: Table) -> dict[str, str]:
    """The first value each ``column IN ('a', ...)`` CHECK constraint of the migrated table allows
    (read from the database: the migrations, not the models, are the schema)."""
    if session.get_bind().dialect.name == "sqlite":
        ddl = await session.scalar(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table.name})
        return dict(reversed(re.findall(r"(\w+) IN \('([^']*)'", str(ddl))))
    checks = await session.scalars(
        text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST(:t AS regclass)"),
        {"t": table.name},
    )
    found = re.findall(r"\(?(\w+)\)?(?:::text)? = ANY \(+ARRAY\['([^']*)'", " ".join(checks))
    return dict(reversed(found))


_SAMPLES: dict[type, Any] = {
    bool: False,
    int: 2,  # fits "size BETWEEN 2 AND 10" and "a <= b" alike
    str: "x",
    datetime: datetime(2026, 11, 11, 12, 0, tzinfo=UTC),
    object: {},  # JSON columns
}


def _row(lifecycle: Lifecycle, state: str, allowed: dict[str, str]) -> dict[str, Any]:
    """A row in `state`: every column gets a value its type and CHECK constraints accept (optional ones
    too, so that checks such as "paid orders have a payment" hold in every state)."""
    table = lifecycle.table
    row: dict[str, Any] = {}
    for column in table.c:
        if column.name == lifecycle.status_column:
            row[column.name] = state
        elif column.primary_key or column.foreign_keys:  # distinct, so "buyer <> seller" checks hold
            row[column.name] = next(_ids)
        elif column.name in allowed:
            row[column.name] = allowed[column.name]
        else:
            kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
            row[column.name] = _SAMPLES[kind.python_type]
    return row


async def _put(session: AsyncSession, lifecycle: Lifecycle, state: str) -> Any:
    row = _row(lifecycle, state, await _allowed_values(session, lifecycle.table))
    await session.execute(insert(lifecycle.table).values(**row))
    (key_column,) = lifecycle.table.primary_key.columns
    return row[key_column.name]


async def _snapshot(session: AsyncSession, lifecycle: Lifecycle, key: Any) -> tuple[Any, ...]:
    (key_column,) = lifecycle.table.primary_key.columns
    row = (await session.execute(select(lifecycle.table).where(key_column == key))).one()
    return tuple(row)


def test_the_domains_declare_their_lifecycles() -> None:
    names = {lifecycle.name for lifecycle in LIFECYCLES}
    assert {
        "commerce.order",
        "commerce.refund",
        "wallet.transfer",
        "wallet.red_packet",
        "wallet.bank_order",
        "groupbuy.team",
        "groupbuy.bargain",
    } <= names
    assert len(names) == len(LIFECYCLES)


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=lambda lifecycle: lifecycle.name)
async def test_a_lifecycle_takes_every_declared_transition_and_refuses_the_rest(
    session: AsyncSession, lifecycle: Lifecycle
) -> None:
    status = lifecycle.table.c[lifecycle.status_column]
    for name, transition in lifecycle.transitions.items():
        for source in transition.sources:
            key = await _put(session, lifecycle, source)
            moved = await lifecycle.advance(session, key, name)
            assert moved is not None, f"{lifecycle.name}: {source} --{name}--> refused"
            assert moved._mapping[lifecycle.status_column] == transition.target
            if transition.stamp is not None:
                assert moved._mapping[transition.stamp] is not None
            (key_column,) = lifecycle.table.primary_key.columns
            assert await session.scalar(select(status).where(key_column == key)) == transition.target

    refused = list(lifecycle.refused_pairs())
    for state, name in refused:
        key = await _put(session, lifecycle, state)
        before = await _snapshot(session, lifecycle, key)
        assert await lifecycle.advance(session, key, name) is None, (
            f"{lifecycle.name}: {state} --{name}--> taken"
        )
        assert await _snapshot(session, lifecycle, key) == before
    # A terminal state refuses every transition; a graph without one would never end.
    assert lifecycle.terminal()
    assert {state for state, _ in refused} >= set(lifecycle.terminal())
    # The walk left exactly one row per case: nothing else was inserted or duplicated.
    cases = sum(len(t.sources) for t in lifecycle.transitions.values()) + len(refused)
    assert await session.scalar(select(func.count()).select_from(lifecycle.table)) == cases


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=lambda lifecycle: lifecycle.name)
async def test_an_undeclared_transition_name_raises(session: AsyncSession, lifecycle: Lifecycle) -> None:
    key = await _put(session, lifecycle, lifecycle.states[0])
    with pytest.raises(UndeclaredTransition):
        await lifecycle.advance(session, key, "teleport")


def test_a_lifecycle_refuses_a_transition_between_undeclared_states() -> None:
    (orders,) = (lifecycle for lifecycle in LIFECYCLES if lifecycle.name == "commerce.order")
    with pytest.raises(ValueError, match="undeclared states"):
        Lifecycle("broken", orders.table, ("a", "b"), {"go": Transition(("a",), "c")})
    with pytest.raises(ValueError, match="missing column"):
        Lifecycle("broken", orders.table, ("a", "b"), {"go": Transition(("a",), "b", stamp="nowhere_at")})
    with pytest.raises(ValueError, match="no source"):
        Lifecycle("broken", orders.table, ("a", "b"), {"go": Transition((), "b")})


def test_allowed_and_refuses_read_the_graph() -> None:
    (orders,) = (lifecycle for lifecycle in LIFECYCLES if lifecycle.name == "commerce.order")
    assert set(orders.allowed("pending_payment")) == {"pay", "cancel", "expire"}
    assert orders.allowed("completed") == ()
    assert orders.refuses("completed", "pay")
    assert orders.refuses("paid", "teleport")
    assert not orders.refuses("delivered", "confirm")
