"""Rate limits (core.ratelimit): counting and refusing are one atomic step, on the database (SQLite and
PostgreSQL, where each request of a burst has its own connection) and on Redis, across processes.

Redis runs when QUANZI_TEST_REDIS_URL points at a real server; every test there uses keys of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select, text

from quanzi.app import create_app
from quanzi.config import Settings
from quanzi.core import ratelimit
from quanzi.core.clock import FrozenClock
from quanzi.core.db import Database
from quanzi.core.ratelimit import Rate, RateLimitCounter, RateLimited, RateLimiter, RedisStore, parse_rate
from tests.conftest import SettlingTransport
from tests.ratelimits import assert_limited, burst
from tests.statements import count_statements

REDIS_URL = os.environ.get("QUANZI_TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="set QUANZI_TEST_REDIS_URL to run against Redis")
LIMIT = "core_test.burst"


def test_rates_are_written_n_per_window() -> None:
    assert parse_rate("20/hour") == Rate(20, timedelta(hours=1))
    assert parse_rate("5/15min") == Rate(5, timedelta(minutes=15))
    assert parse_rate("100/day") == Rate(100, timedelta(days=1))
    assert parse_rate("3/10s") == Rate(3, timedelta(seconds=10))
    assert parse_rate("2 / 2 hours") == Rate(2, timedelta(hours=2))
    assert parse_rate("off") is None
    assert parse_rate("0/minute") is None
    for bad in ("lots", "5", "5/fortnight", "-1/hour", "5/0min"):
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_a_setting_that_is_not_a_rate_is_refused_at_startup() -> None:
    with pytest.raises(ValidationError, match="rate_limit_messages"):
        Settings(rate_limit_messages="lots")
    assert set(Settings().rate_limits) == {
        "identity.signup",
        "graph.friend_request",
        "graph.friend_request_target",
        "chat.message",
        "feed.post",
        "feed.comment",
        "commerce.share_open",
    }


@pytest.fixture
async def limited(db: Database, frozen_clock: FrozenClock) -> Database:
    """A database limited by two limits, on a clock that only moves when a test moves it."""
    ratelimit.attach(
        db,
        RateLimiter({LIMIT: Rate(3, timedelta(minutes=1)), "core_test.other": Rate(1, timedelta(hours=1))}),
    )
    return db


async def _attempt(db: Database, key: str = "k", *more: tuple[str, str]) -> RateLimited | None:
    try:
        async with db.transaction() as session:
            await ratelimit.check(session, "Too many tries.", (LIMIT, key), *more)
    except RateLimited as refused:
        return refused
    return None


async def _hits(db: Database, key: str = "k") -> list[int]:
    async with db.read() as session:
        rows = await session.scalars(
            select(RateLimitCounter.hits).where(RateLimitCounter.name == LIMIT, RateLimitCounter.key == key)
        )
        return list(rows)


async def test_a_burst_lets_exactly_the_limit_through_then_the_next_window_does_too(
    limited: Database, frozen_clock: FrozenClock
) -> None:
    frozen_clock.advance(seconds=15)  # 12:00:15: the minute's window ends in 45 s
    outcomes = await asyncio.gather(*(_attempt(limited) for _ in range(10)))
    refused = [o for o in outcomes if o is not None]
    assert len(refused) == 7
    for refusal in refused:
        assert refusal.status_code == 429
        assert refusal.code == "rate_limited"
        assert refusal.retry_after == 45
        assert refusal.details == {"retry_after": 45, "limit": LIMIT}
        assert refusal.message == "Too many tries. Try again in 45 seconds."
    # Refused events rolled back with their transaction: only what got through is counted.
    assert await _hits(limited) == [3]

    frozen_clock.advance(seconds=44)
    assert await _attempt(limited) is not None
    frozen_clock.advance(seconds=1)  # the next window
    outcomes = await asyncio.gather(*(_attempt(limited) for _ in range(5)))
    assert sum(o is None for o in outcomes) == 3
    assert await _attempt(limited, "another key") is None  # keys are counted apart


async def test_an_action_that_fails_after_counting_is_not_counted(limited: Database) -> None:
    for _ in range(5):
        with pytest.raises(LookupError):
            async with limited.transaction() as session:
                await ratelimit.check(session, "Too many tries.", (LIMIT, "k"))
                raise LookupError("the action failed")
    assert await _hits(limited) == []
    assert [await _attempt(limited) for _ in range(4)].count(None) == 3


async def test_one_event_counts_against_several_limits_at_once(limited: Database) -> None:
    assert await _attempt(limited, "a", ("core_test.other", "a")) is None
    refused = await _attempt(limited, "a", ("core_test.other", "a"))
    assert refused is not None
    assert refused.details["limit"] == "core_test.other"
    assert refused.retry_after > 60  # until the hour's window ends, not the minute's
    assert await _hits(limited, "a") == [1]  # the refusal rolled back both counts
    # Two keys of one limit are two counters.
    for _ in range(2):
        assert await _attempt(limited, "b", (LIMIT, "c")) is None
    assert (await _hits(limited, "b"), await _hits(limited, "c")) == ([2], [2])


def _app_of(db: Database) -> Any:
    return SimpleNamespace(state=SimpleNamespace(db=db))  # what count_statements looks at


async def test_counting_is_one_statement_for_every_limit_of_an_action(limited: Database) -> None:
    async with limited.transaction() as session:
        await session.execute(text("SELECT 1"))  # the transaction has begun: only the counting counts
        async with count_statements(_app_of(limited)) as counted:
            await ratelimit.check(session, "x", (LIMIT, "k"), ("core_test.other", "k"))
    assert counted.total == 1, counted.report()
    assert counted.statements[0].lstrip().startswith("INSERT INTO rate_limit_counters")


async def test_allowed_counts_without_refusing(limited: Database) -> None:
    answers = []
    for _ in range(5):
        async with limited.transaction() as session:
            answers.append(await ratelimit.allowed(session, (LIMIT, "k")))
    assert answers == [True, True, True, False, False]


async def test_a_database_without_a_limiter_is_not_limited(db: Database) -> None:
    for _ in range(10):
        async with db.transaction() as session:
            await ratelimit.check(session, "Too many tries.", ("anything", "k"))
            assert await ratelimit.allowed(session, ("anything", "k"))


async def test_an_unknown_limit_or_one_turned_off(db: Database) -> None:
    ratelimit.attach(db, RateLimiter({"core_test.off": None}))
    async with db.transaction() as session:
        for _ in range(5):
            await ratelimit.check(session, "Too many tries.", ("core_test.off", "k"))
        with pytest.raises(LookupError):
            await ratelimit.check(session, "Too many tries.", ("core_test.misspelt", "k"))


async def test_prune_deletes_the_counters_whose_window_ended(
    limited: Database, frozen_clock: FrozenClock
) -> None:
    async with limited.transaction() as session:
        await ratelimit.check(session, "x", (LIMIT, "minute"), ("core_test.other", "hour"))
    frozen_clock.advance(minutes=1)
    assert await ratelimit.prune(limited) == 1
    async with limited.read() as session:
        assert await session.scalar(select(RateLimitCounter.name)) == "core_test.other"
    frozen_clock.advance(hours=1)
    assert await ratelimit.prune(limited) == 1


async def test_an_unreachable_redis_leaves_the_counting_to_the_database(
    db: Database, frozen_clock: FrozenClock
) -> None:
    rate = Rate(2, timedelta(minutes=1))
    store = RedisStore("redis://127.0.0.1:1/0", ratelimit.DatabaseStore())
    ratelimit.attach(db, RateLimiter({LIMIT: rate}, store))
    try:
        assert [await _attempt(db) is None for _ in range(3)] == [True, True, False]
        assert await _hits(db) == [2]
    finally:
        await store.close()


# --- Redis: one counter for every process ---------------------------------------------------------


@needs_redis
@pytest.mark.shared_services
async def test_on_redis_a_burst_across_two_processes_lets_exactly_the_limit_through(
    database_url: str, frozen_clock: FrozenClock
) -> None:
    """Two limiters on two Database objects stand for two server processes; they share Redis only."""
    rates = {LIMIT: Rate(4, timedelta(hours=1))}
    processes = [Database(database_url), Database(database_url)]
    limiters = [RateLimiter.from_specs({LIMIT: "4/hour"}, redis_url=REDIS_URL) for _ in processes]
    assert all(limiter.rates == rates for limiter in limiters)
    for process, limiter in zip(processes, limiters, strict=True):
        ratelimit.attach(process, limiter)
    key = uuid.uuid4().hex
    try:
        outcomes = await asyncio.gather(*(_attempt(processes[i % 2], key) for i in range(12)))
        assert sum(o is None for o in outcomes) == 4
        async with processes[0].transaction() as session:
            await session.execute(text("SELECT 1"))
            async with count_statements(_app_of(processes[0])) as counted:
                assert not await ratelimit.allowed(session, (LIMIT, key))
        assert counted.total == 0, counted.report()  # one Redis round trip, no statement
        assert await _hits(processes[0], key) == []  # counted in Redis, not in the database
    finally:
        for process, limiter in zip(processes, limiters, strict=True):
            await limiter.close()
            await process.dispose()


@pytest.fixture
async def two_apps(settings: Settings) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Two app instances on one database and one Redis, as two `quanzi serve` processes are."""
    shared = settings.model_copy(update={"bus_url": REDIS_URL, "rate_limit_signups_per_address": "3/hour"})
    address = f"203.0.113.{uuid.uuid4().int % 250 + 1}"  # a fresh counter whatever earlier runs left
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for app in (create_app(shared), create_app(shared)):
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = SettlingTransport(app, client=(address, 40000))
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url="http://quanzi.test")
                )
            )
        yield clients


@needs_redis
@pytest.mark.shared_services
async def test_with_redis_configured_two_app_instances_share_the_limit(
    two_apps: list[httpx.AsyncClient], frozen_clock: FrozenClock
) -> None:
    frozen_clock.set(frozen_clock.now() + timedelta(days=uuid.uuid4().int % 10_000))  # a window of its own

    async def signup(i: int) -> Any:
        body = {"username": f"rl{uuid.uuid4().hex[:12]}", "password": "correct horse 1", "display_name": "R"}
        return await two_apps[i % 2].post("/api/v1/auth/signup", json=body)

    assert_limited(await burst(8, signup), 3)
    frozen_clock.advance(hours=1)
    assert_limited(await burst(4, signup), 3)
