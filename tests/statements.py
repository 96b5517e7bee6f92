"""Statement budgets (DESIGN.md rule 16): count the database round trips one request makes.

    async with count_statements(app) as counted:
        response = await client.get("/api/v1/me", headers=...)
    assert counted.total <= 3, counted.report()

Every statement sent through the app's engines counts, and so do BEGIN, COMMIT and ROLLBACK, so the
figure is round trips, not only queries. Only work done in the task that runs the block (and tasks
it starts) counts: the outbox relay and the job runner, which run in the app's own background tasks,
are apart (the rule says so). An in-process HTTP client (`httpx.ASGITransport`) serves the request
in the caller's task, which is what makes the count exact.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

_COUNTING: contextvars.ContextVar[Counted | None] = contextvars.ContextVar("counting", default=None)


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.statements)

    def writes(self) -> list[str]:
        """The statements that open a write transaction or change rows. Reads run in autocommit on
        both databases, so any BEGIN (on SQLite ``BEGIN IMMEDIATE``, the single writer's lock) is a
        write transaction's."""
        return [
            sql
            for sql in self.statements
            if sql.lstrip().upper().startswith(("BEGIN", "INSERT", "UPDATE", "DELETE"))
        ]

    def report(self) -> str:
        return f"{self.total} round trips:\n" + "\n".join(
            f"  {n + 1}. {' '.join(sql.split())[:200]}" for n, sql in enumerate(self.statements)
        )


def _record(sql: str) -> None:
    counted = _COUNTING.get()
    if counted is not None:
        counted.statements.append(sql)


def _on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    _record(statement)


def _on_checkout(*_args: Any) -> None:
    _record("(pre-ping)")


def _autocommit(conn: Any) -> bool:
    # PostgreSQL reads run in autocommit: the engine still reports begin and commit, but nothing goes
    # to the server.
    return bool(conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT")


def _on_begin(conn: Any) -> None:
    if not _autocommit(conn):
        _record("BEGIN")


def _on_commit(conn: Any) -> None:
    if not _autocommit(conn):
        _record("COMMIT")


def _on_rollback(conn: Any) -> None:
    if not _autocommit(conn):
        _record("ROLLBACK")


@contextmanager
def uncounted() -> Iterator[None]:
    """Work the test does around a request (a worker catching up) that is not the request's own."""
    token = _COUNTING.set(None)
    try:
        yield
    finally:
        _COUNTING.reset(token)


@asynccontextmanager
async def count_statements(app: Any) -> AsyncIterator[Counted]:
    db = app.state.db
    # On PostgreSQL the read engine is the write engine with other options: one set of listeners.
    engines = [db.engine.sync_engine, db.read_engine.sync_engine] if db.is_sqlite else [db.engine.sync_engine]
    # SQLite's BEGIN IMMEDIATE / BEGIN is itself a statement the engine sends (counted as executed);
    # asyncpg opens its transactions outside the cursor, so there the begin event is the round trip.
    listeners: list[tuple[Any, str, Any]] = []
    for engine in engines:
        listeners += [(engine, "before_cursor_execute", _on_execute), (engine, "commit", _on_commit)]
        listeners += [(engine, "rollback", _on_rollback)]
        if not db.is_sqlite:
            listeners.append((engine, "begin", _on_begin))
        if getattr(engine.pool, "_pre_ping", False):  # a round trip on every checkout from the pool
            listeners.append((engine.pool, "checkout", _on_checkout))
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    counted = Counted()
    token = _COUNTING.set(counted)
    try:
        yield counted
    finally:
        _COUNTING.reset(token)
        for target, name, listener in listeners:
            event.remove(target, name, listener)
