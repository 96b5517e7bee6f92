"""Database engines, sessions and the unit of work.

The entry point (a request, a job, a WebSocket frame) owns the transaction: it opens
`Database.transaction()`, hands the session to services, and the block commits or rolls back as a
whole. Services never commit.

SQLite: WAL, foreign keys on, and every write transaction starts with ``BEGIN IMMEDIATE`` so two
writers cannot both read a balance and then both write it. Reads use a second engine in autocommit:
each statement reads the latest committed state on its own and never waits for the writer. On
PostgreSQL reads share the write pool and run in autocommit too (each statement its own READ
COMMITTED snapshot, as it would be inside a transaction). Either way a read costs no BEGIN/COMMIT
round trips; a read that needs one consistent snapshot across statements must say so.

Hot rows (a flash sale's SKU, a merchant's escrow account) are written last: `run_last` queues a
step that `Database.transaction()` runs right before the commit, so the row lock it takes is held
for one or two round trips instead of the rest of the request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, cast

from prometheus_client import Counter
from sqlalchemy import BigInteger, DateTime, MetaData, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from quanzi.core.clock import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite returns naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return as_utc(value) if dialect.name != "sqlite" else as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {int: BigInteger, datetime: UTCDateTime}


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async drivers."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def _sqlite_engine(url: str, begin_statement: str | None) -> AsyncEngine:
    """A SQLite engine whose transactions start with `begin_statement`, or that runs every statement
    on its own (None: the read engine)."""
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=30000",
            "PRAGMA synchronous=NORMAL",
        ):
            cursor.execute(pragma)
        cursor.close()

    if begin_statement is None:
        return engine.execution_options(isolation_level="AUTOCOMMIT")

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin_statement)

    return engine


def table_of(model: type[Base]) -> Table:
    """The model's table, typed for Core statements."""
    return cast(Table, model.__table__)


def insert_for(session: AsyncSession, target: Any) -> Any:
    """An INSERT into `target` (a table or a model) that can say ON CONFLICT on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(target)
    return sqlite.insert(target)


LastStep = Callable[[AsyncSession], Awaitable[object]]
_LAST_STEPS = "quanzi.last_steps"


async def run_last(session: AsyncSession, step: LastStep) -> None:
    """Run `step(session)` at the end of this write transaction, right before it commits (steps run
    in the order queued). For writes to rows that many concurrent transactions update: a row lock
    lasts from the UPDATE to the commit, so the fewer round trips in between, the more transactions
    per second the row takes. An error raised by a step rolls the whole transaction back, as if
    raised where it was queued. Inside a savepoint, which may roll back on its own, the step runs at
    once instead."""
    if session.in_nested_transaction():
        await step(session)
        return
    session.info.setdefault(_LAST_STEPS, []).append(step)


async def _run_last_steps(session: AsyncSession) -> None:
    while steps := session.info.pop(_LAST_STEPS, None):
        for step in steps:
            await step(session)


@event.listens_for(Session, "before_commit")
def _no_step_left_behind(session: Session) -> None:
    # A session committed other than by `Database.transaction()` would drop its queued steps. (The
    # event fires for savepoints too; only the outermost commit must find none left.)
    if session.info.get(_LAST_STEPS) and not session.in_nested_transaction():
        raise RuntimeError("a transaction with steps queued by run_last committed without running them")


ROUND_TRIPS = Counter(
    "quanzi_db_round_trips_total",
    "Round trips to the database: statements, and BEGIN/COMMIT/ROLLBACK outside autocommit",
)


def _autocommit(conn: Any) -> bool:
    return bool(conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT")


def _discard_closed_connections(engine: AsyncEngine) -> None:
    """At checkout, replace a pooled connection that asyncpg has seen closed (a database restart cuts
    every idle one): asking costs no round trip, unlike a pre-ping."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _check(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver_connection = getattr(dbapi_connection, "driver_connection", None)
        if driver_connection is not None and driver_connection.is_closed():
            # The pool discards it and checks out another (SQLAlchemy's disconnect protocol).
            raise DisconnectionError("the connection was closed while it sat in the pool")


def _count_round_trips(engine: AsyncEngine, *, sqlite: bool) -> None:
    sync = engine.sync_engine
    event.listen(sync, "before_cursor_execute", lambda *_args: ROUND_TRIPS.inc())
    for name in ("commit", "rollback") if sqlite else ("begin", "commit", "rollback"):
        # SQLite's BEGIN is a statement we send ourselves (counted above).
        event.listen(sync, name, lambda conn: None if _autocommit(conn) else ROUND_TRIPS.inc())


class Database:
    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(self.url, "BEGIN IMMEDIATE")
            # Reads run each statement on its own, as on PostgreSQL below: a reader never holds a
            # transaction open, and never waits for the writer (WAL).
            self.read_engine = _sqlite_engine(self.url, None)
        else:
            # No pre-ping: it cost a round trip on every checkout from the pool. A connection the
            # driver already knows is closed (the server restarted or dropped it while it sat in
            # the pool) is replaced at checkout without one; one dropped unnoticed fails its
            # statement, is discarded (disconnect detection), and the request answers 503.
            self.engine = create_async_engine(self.url, pool_size=10, max_overflow=20, pool_recycle=1800)
            _discard_closed_connections(self.engine)
            # Same pool, no BEGIN/COMMIT around reads: under READ COMMITTED every statement takes its
            # own snapshot anyway, so the transaction would cost two round trips and buy nothing.
            self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        _count_round_trips(self.engine, sqlite=self.is_sqlite)
        if self.is_sqlite:
            _count_round_trips(self.read_engine, sqlite=True)
        # Copied into every session's `info` when it opens: what the platform attaches to this
        # database for services to find from their session (the rate limiter).
        self.info: dict[str, Any] = {}
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False, info=self.info)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False, info=self.info)
        self._after_commit: list[Callable[[AsyncSession], None]] = []

    def on_commit(self, callback: Callable[[AsyncSession], None]) -> None:
        """Run `callback(session)` after each committed write transaction (e.g. wake the outbox relay)."""
        self._after_commit.append(callback)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write unit of work: commits when the block ends, rolls back on any exception."""
        async with self._sessions() as session:
            async with session.begin():
                yield session
                await _run_last_steps(session)
            for callback in self._after_commit:
                callback(session)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit of work; never blocks behind SQLite's single writer."""
        async with self._read_sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncSession]:
        """A unit of work whose every statement commits on its own, for a write that is one
        conditional statement and must be committed before anything else happens (an attempt
        reserved before a secret is compared): one round trip where a transaction costs three. On
        SQLite the statement still waits for the single writer (busy timeout)."""
        async with self._read_sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.is_sqlite:
            await self.read_engine.dispose()
