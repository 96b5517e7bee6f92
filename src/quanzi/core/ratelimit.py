"""Rate limits: "at most N events per window" for every action where guessing or spam pays.

A limit has a name (``chat.message``) and a rate (``60/minute``, from the settings); an event is
counted under a key: an account id, a client address, or an object (a target user, a share token).
Windows are fixed and aligned to the Unix epoch (a day window starts at 00:00 UTC), so a counter is
one row or one Redis key per (limit, key, window start), and a refusal says exactly when the window
ends (``Retry-After``).

Counting and deciding are one atomic step, so N requests sent at once let through at most the limit:

- **Database** (the default): one ``INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING``
  in the caller's own transaction, one statement for all the limits an action counts against. A
  concurrent event on the same key waits on the row (PostgreSQL) or behind the single writer
  (SQLite) and then counts on top. The count commits or rolls back with the action: a refused event
  (its 429 rolls the transaction back) and an action that fails for another reason are not counted.
- **Redis** (when ``QUANZI_BUS_URL`` is ``redis://``): one Lua script, one round trip, no statement;
  it increments only when every counter is under its limit, so a refused event is not counted either
  (an action that fails after it was counted is). Keys expire with their window. When Redis does not
  answer, the database counts instead (logged), so an outage neither opens nor closes the limits.

Services call `check` (refuse with 429 ``rate_limited``) or `allowed` (count, and let the caller
degrade instead of refusing). The platform attaches the limiter to its `Database`; a database
without one (the demo seeder, a script driving services directly) is not limited. Expired counters
are deleted by `prune`, run every few minutes by each process that runs jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Index, Integer, Select, String, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core import clock
from quanzi.core.db import Base, Database, insert_for, table_of
from quanzi.core.errors import TooManyRequests

log = logging.getLogger("quanzi.ratelimit")

MAX_KEY_LENGTH = 200
PRUNE_EVERY = timedelta(minutes=5)
_LIMITER = "quanzi.rate_limiter"

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$", re.IGNORECASE)


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"
    __table_args__ = (Index("ix_rate_limit_counters_expires_at", "expires_at"),)

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]


@dataclass(frozen=True)
class Rate:
    limit: int
    window: timedelta

    def __str__(self) -> str:
        return f"{self.limit}/{int(self.window.total_seconds())}s"


def parse_rate(spec: str) -> Rate | None:
    """``"20/hour"``, ``"5/15min"``, ``"100/day"``, ``"3/10s"``; ``"off"`` (or ``0/…``) is no limit."""
    if spec.strip().lower() in ("off", "none", ""):
        return None
    match = _SPEC.match(spec)
    if match is None:
        raise ValueError(f"{spec!r} is not a rate: write N/unit (20/hour, 5/15min, 100/day) or off")
    limit, count, unit = int(match[1]), int(match[2] or 1), match[3][0].lower()
    if count == 0:
        raise ValueError(f"{spec!r} has an empty window")
    return Rate(limit, timedelta(seconds=count * _UNITS[unit])) if limit > 0 else None


class RateLimited(TooManyRequests):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, limit: str) -> None:
        super().__init__(message, retry_after=retry_after)
        self.details = {"retry_after": retry_after, "limit": limit}


@dataclass(frozen=True)
class Refusal:
    limit: str  # the name of the (first) exceeded limit
    retry_after: int  # seconds until every exceeded window has ended


@dataclass(frozen=True)
class _Counter:
    name: str
    key: str
    rate: Rate
    window_start: datetime

    @property
    def window_end(self) -> datetime:
        return self.window_start + self.rate.window


def key_of(part: object, *more: object) -> str:
    """A counter key from its parts (``key_of(user_id, target_id)``); long keys are cut, which only
    ever merges counters of keys that share a 200-character prefix."""
    return ":".join(str(p) for p in (part, *more))[:MAX_KEY_LENGTH]


def _window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = math.floor(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def _retry_after(counter: _Counter, now: datetime) -> int:
    return max(1, math.ceil((counter.window_end - now).total_seconds()))


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


class DatabaseStore:
    """Counters in `rate_limit_counters`, counted in the caller's transaction."""

    async def count(self, session: AsyncSession, counters: Sequence[_Counter], now: datetime) -> list[int]:
        statement = self.upsert(session, counters)
        hits = {(row.name, row.key): int(row.hits) for row in await session.execute(statement)}
        return [hits[(c.name, c.key)] for c in counters]

    @staticmethod
    def upsert(session: AsyncSession, counters: Sequence[_Counter]) -> Any:
        """The one statement that counts: ``INSERT … ON CONFLICT DO UPDATE … RETURNING``."""
        table = table_of(RateLimitCounter)
        # Rows in one order in every transaction: two events counting the same pair of keys take
        # their row locks in the same order and cannot deadlock.
        ordered = sorted(counters, key=lambda c: (c.name, c.key))
        return (
            insert_for(session, table)
            .values(
                [
                    {
                        "name": c.name,
                        "key": c.key,
                        "window_start": c.window_start,
                        "hits": 1,
                        "expires_at": c.window_end,
                    }
                    for c in ordered
                ]
            )
            .on_conflict_do_update(
                index_elements=["name", "key", "window_start"], set_={"hits": table.c.hits + 1}
            )
            .returning(table.c.name, table.c.key, table.c.hits)
        )

    async def close(self) -> None:
        pass


# Increment every counter only if each is under its limit, so that a refused event counts nowhere.
# Returns, per key, the count the event has (or would have had): over its limit means refused.
_REDIS_SCRIPT = """
local n = #KEYS
local counts = {}
local refused = false
for i = 1, n do
  counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  if counts[i] >= tonumber(ARGV[i]) then refused = true end
end
for i = 1, n do
  if refused then
    counts[i] = counts[i] + 1
  else
    counts[i] = redis.call('INCR', KEYS[i])
    if counts[i] == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[n + i]) end
  end
end
return counts
"""

REDIS_PREFIX = "quanzi:ratelimit:"


class RedisStore:
    """Counters as Redis keys that expire with their window; the database counts when Redis fails."""

    def __init__(self, url: str, fallback: DatabaseStore) -> None:
        self.url = url
        self.fallback = fallback
        self._client: Any = None
        self._script: Any = None

    def _connect(self) -> Any:
        if self._script is None:
            import redis.asyncio as redis

            # Short timeouts: a Redis that hangs must not hold requests; the database takes over.
            self._client = redis.from_url(self.url, socket_timeout=2.0, socket_connect_timeout=2.0)
            self._script = self._client.register_script(_REDIS_SCRIPT)
        return self._script

    @staticmethod
    def redis_key(counter: _Counter) -> str:
        return f"{REDIS_PREFIX}{counter.name}:{int(counter.window_start.timestamp())}:{counter.key}"

    async def count(self, session: AsyncSession, counters: Sequence[_Counter], now: datetime) -> list[int]:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        limits = [c.rate.limit for c in counters]
        # Expire a little after the window ends: the app's clock and Redis's may disagree slightly.
        ttls = [max(1, math.ceil((c.window_end - now).total_seconds() * 1000)) + 5_000 for c in counters]
        try:
            counts = await self._connect()(keys=[self.redis_key(c) for c in counters], args=limits + ttls)
        except (RedisConnectionError, RedisTimeoutError, OSError):
            log.warning("rate limits: Redis did not answer; counting in the database", exc_info=True)
            return await self.fallback.count(session, counters, now)
        return [int(c) for c in counts]

    async def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()
        self._client = self._script = None


Store = DatabaseStore | RedisStore


class RateLimiter:
    """The named limits of one installation and the store that counts them."""

    def __init__(self, rates: Mapping[str, Rate | None], store: Store | None = None) -> None:
        self.rates = dict(rates)
        self.store: Store = store or DatabaseStore()

    @classmethod
    def from_specs(cls, specs: Mapping[str, str], *, redis_url: str | None = None) -> RateLimiter:
        rates = {name: parse_rate(spec) for name, spec in specs.items()}
        store: Store = RedisStore(redis_url, DatabaseStore()) if redis_url else DatabaseStore()
        return cls(rates, store)

    def _counters(self, hits: Iterable[tuple[str, str]], now: datetime) -> list[_Counter]:
        counters = []
        for name, key in hits:
            if name not in self.rates:
                raise LookupError(f"no rate limit named {name!r}")
            rate = self.rates[name]
            if rate is not None:  # turned off
                counters.append(_Counter(name, key[:MAX_KEY_LENGTH], rate, _window_start(now, rate.window)))
        return counters

    async def count(self, session: AsyncSession, hits: Sequence[tuple[str, str]]) -> Refusal | None:
        """Count one event against each (limit name, key); the refusal if any limit is exceeded."""
        now = clock.now()
        counters = self._counters(hits, now)
        if not counters:
            return None
        counts = await self.store.count(session, counters, now)
        return self.refusal(counters, counts, now)

    def refusal(self, counters: Sequence[_Counter], counts: Sequence[int], now: datetime) -> Refusal | None:
        over = [c for c, n in zip(counters, counts, strict=True) if n > c.rate.limit]
        if not over:
            return None
        # The caller may try again once every exceeded window has ended.
        last = max(over, key=lambda c: c.window_end)
        return Refusal(over[0].name, _retry_after(last, now))

    async def close(self) -> None:
        await self.store.close()


def attach(db: Database, limiter: RateLimiter) -> None:
    """Limit every unit of work of `db` (the platform does this for each process it builds)."""
    db.info[_LIMITER] = limiter


def limiter_of(session: AsyncSession) -> RateLimiter | None:
    limiter = session.info.get(_LIMITER)
    return limiter if isinstance(limiter, RateLimiter) else None


async def check(session: AsyncSession, message: str, *hits: tuple[str, str]) -> None:
    """Count one event against each (limit name, key) and raise 429 ``rate_limited`` when one is over
    (with ``Retry-After``; `message` says what was refused, the answer adds when to try again)."""
    limiter = limiter_of(session)
    if limiter is None:
        return
    refused = await limiter.count(session, hits)
    if refused is not None:
        text = f"{message} Try again in {_in_words(refused.retry_after)}."
        raise RateLimited(text, retry_after=refused.retry_after, limit=refused.limit)


def _refuse(message: str, refused: Refusal | None) -> None:
    if refused is not None:
        text = f"{message} Try again in {_in_words(refused.retry_after)}."
        raise RateLimited(text, retry_after=refused.retry_after, limit=refused.limit)


async def check_with(
    session: AsyncSession, message: str, query: Select[*tuple[Any, ...]], *hits: tuple[str, str]
) -> Any:
    """`check`, then the first row of `query` (None without one): on PostgreSQL with the counters in
    the database, in one round trip, the upsert riding on `query` as a data-modifying CTE (it runs
    once, before the query's own locks, as when counted first). Elsewhere, two statements."""
    limiter = limiter_of(session)
    counters = limiter._counters(hits, clock.now()) if limiter is not None else []
    if (
        limiter is None
        or not counters
        or not isinstance(limiter.store, DatabaseStore)
        or session.get_bind().dialect.name != "postgresql"
    ):
        await check(session, message, *hits)
        return (await session.execute(query)).first()
    now = clock.now()
    counted = DatabaseStore.upsert(session, counters).cte("rate_limit_counted")
    columns = [
        select(counted.c.hits).where(counted.c.name == c.name, counted.c.key == c.key).scalar_subquery()
        for c in counters
    ]
    row = (await session.execute(query.add_columns(*columns).add_cte(counted))).first()
    if row is None:  # the CTE counted all the same; read what it left (a path off the hot one)
        table = table_of(RateLimitCounter)
        found = await session.execute(
            select(table.c.name, table.c.key, table.c.hits).where(
                or_(
                    *(
                        and_(
                            table.c.name == c.name,
                            table.c.key == c.key,
                            table.c.window_start == c.window_start,
                        )
                        for c in counters
                    )
                )
            )
        )
        by_key = {(r.name, r.key): int(r.hits) for r in found}
        _refuse(message, limiter.refusal(counters, [by_key[(c.name, c.key)] for c in counters], now))
        return None
    width = len(row) - len(counters)
    _refuse(message, limiter.refusal(counters, [int(n) for n in row[width:]], now))
    return row


async def allowed(session: AsyncSession, *hits: tuple[str, str]) -> bool:
    """Count one event against each (limit name, key); whether it is within every limit. For actions
    that go on without their side effect rather than refuse (the event is counted either way)."""
    limiter = limiter_of(session)
    return limiter is None or await limiter.count(session, hits) is None


async def prune(db: Database) -> int:
    """Delete the counters whose window has ended; returns how many."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(RateLimitCounter).where(RateLimitCounter.expires_at <= clock.now())
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def prune_loop(db: Database, stop: asyncio.Event) -> None:
    """Prune now and then until `stop` is set (a process that runs jobs runs this)."""
    while not stop.is_set():
        try:
            await prune(db)
        except Exception:
            log.exception("pruning expired rate-limit counters failed; retrying later")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=PRUNE_EVERY.total_seconds())
