"""Shared fixtures: a migrated database per test (SQLite file or PostgreSQL), the app, an HTTP client.

Set QUANZI_TEST_DATABASE_URL to a PostgreSQL URL to run the whole suite on PostgreSQL; the schema is
built once per test worker (each has its own database, tests/databases.py) by the migrations and
emptied between tests. Otherwise each test gets its own copy of a migrated SQLite file.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from quanzi import migrations
from quanzi.app import create_app
from quanzi.config import Settings
from quanzi.core.clock import FrozenClock, use_clock
from quanzi.core.db import Database, normalize_url
from quanzi.core.jobs import JobRunner
from quanzi.core.migrate import upgrade
from quanzi.platform import DOMAINS, install, job_handlers
from tests.databases import on_postgres, use_worker_database
from tests.statements import uncounted

use_worker_database()  # before any test module reads QUANZI_TEST_DATABASE_URL
# Every process that runs Quanzi declares its domains' events and extension points before anything
# emits; so does the test process, whatever the order of its tests (a test that drives services
# without an app would otherwise meet an event registry holding only another test's topics).
install(DOMAINS)
PG_URL = os.environ.get("QUANZI_TEST_DATABASE_URL", "")


SERVICE_VARIABLES = ("QUANZI_TEST_DATABASE_URL", "QUANZI_TEST_REDIS_URL", "QUANZI_TEST_NATS_URL")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A test that skips for want of a service whose URL is set did not recognise it (a spelling of
    the URL it did not expect, say): that is a failure, not a skip, or CI would pass without running
    it."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and call.excinfo is not None:
        reason = str(call.excinfo.value)
        named = [
            variable for variable in SERVICE_VARIABLES if variable in reason and os.environ.get(variable)
        ]
        if named:
            report.outcome = "failed"
            report.longrepr = f"skipped although {', '.join(named)} is set: {reason}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that meet on Redis or NATS (channels, subjects and the JetStream stream are global to the
    server) run on one worker, one after another: `--dist loadgroup` keeps an xdist_group together."""
    for item in items:
        if item.get_closest_marker("shared_services"):
            item.add_marker(pytest.mark.xdist_group("shared_services"))


async def _reset_postgres_schema(url: str) -> None:
    engine = create_async_engine(normalize_url(url))
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _truncate_postgres(url: str) -> None:
    engine = create_async_engine(normalize_url(url))
    async with engine.begin() as conn:
        tables = (
            (
                await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables"
                        " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            )
            .scalars()
            .all()
        )
        if tables:
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
    await engine.dispose()


def _run_blocking(coroutine: Any) -> Any:
    """Run a coroutine to completion from sync code, also while another event loop runs in this
    thread (Playwright's sync API keeps one running during browser tests)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run the migrations once: onto PostgreSQL, or into a template SQLite file copied per test."""
    if on_postgres():
        _run_blocking(_reset_postgres_schema(PG_URL))
        _run_blocking(upgrade(PG_URL))
        return PG_URL
    return str(_sqlite_template(tmp_path_factory))


def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, kept between test runs under a name that hashes the migrations: the
    schema is what they build and nothing else, so an unchanged set is migrated once, not once per
    run (a mutation test run starts thousands of sessions)."""
    sources = sorted((Path(migrations.__file__).parent).rglob("*.py"))
    digest = hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in sources)).hexdigest()[:16]
    kept = Path(tempfile.gettempdir()) / f"quanzi-test-schema-{digest}.db"
    if not kept.exists():
        built = tmp_path_factory.mktemp("template") / "quanzi.db"
        _run_blocking(upgrade(f"sqlite+aiosqlite:///{built}"))
        # Copied under a name of its own and renamed: parallel workers never see half a file.
        partial = kept.with_name(f"{kept.name}.{os.getpid()}")
        shutil.copyfile(built, partial)
        os.replace(partial, kept)
    return kept


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    if on_postgres():
        _run_blocking(_truncate_postgres(migrated_template))
        return migrated_template
    target = tmp_path / "quanzi.db"
    shutil.copyfile(migrated_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        bus_url="memory://",
        media_dir=tmp_path / "media",
        web_dist=tmp_path / "no-web-client",
        run_jobs_in_serve=False,
        log_json=False,
        log_level="WARNING",
    )


@pytest.fixture
def frozen_clock() -> Iterator[FrozenClock]:
    with use_clock(FrozenClock(datetime(2026, 11, 11, 12, 0, tzinfo=UTC))) as clock:
        yield clock  # type: ignore[misc]


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


class SettlingTransport(httpx.ASGITransport):
    """The app in-process, as a client sees it when a worker keeps up: after each request that may
    change something, the committed events are sequenced and every consumer catches up (a message's
    fan-out, a payment's window) before the answer is handed back. Not counted as the request's own
    round trips (tests/statements.py)."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app=app, **kwargs)
        self.quanzi_app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.method != "GET":
            with uncounted():
                await publish_events(self.quanzi_app)
        return response


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = SettlingTransport(app, client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://quanzi.test") as http:
        yield http


async def publish_events(app: Any) -> None:
    """Sequence and publish every committed outbox event now (the relay would within a moment), run
    the stream's consumers until they are caught up (a worker would), and wait until the bus has
    handed each event to its subscribers."""
    platform = app.state.platform
    # One settle at a time: a consumer busy in another settle is skipped (SKIP LOCKED), so a settle
    # racing another could return before the events its request committed were handled.
    if not hasattr(app.state, "settling"):
        app.state.settling = asyncio.Lock()
    async with app.state.settling:
        while True:
            while await platform.relay.publish_pending():
                pass
            if not await platform.consumers.run_until_idle():
                break
    await app.state.bus.drain()


JOB_HANDLERS = job_handlers(DOMAINS)


def job_runner(db: Database) -> JobRunner:
    """A job runner with every domain's handlers, as `quanzi worker` has."""
    return JobRunner(db, JOB_HANDLERS)


@dataclass
class TestUser:
    id: str
    username: str
    token: str
    session_id: str
    password: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


_counter = itertools.count(1)


class Users:
    """Creates accounts through the public API, as a client would."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def create(
        self,
        username: str | None = None,
        *,
        password: str = "correct horse 1",
        kind: str = "consumer",
        display_name: str | None = None,
        phone: str | None = None,
    ) -> TestUser:
        username = username or f"user{next(_counter)}"
        body: dict[str, Any] = {
            "username": username,
            "password": password,
            "display_name": display_name or username.title(),
            "kind": kind,
        }
        if phone:
            body["phone"] = phone
        response = await self.client.post("/api/v1/auth/signup", json=body)
        assert response.status_code == 201, response.text
        data = response.json()
        return TestUser(
            id=data["user"]["id"],
            username=data["user"]["username"],
            token=data["token"],
            session_id=data["session_id"],
            password=password,
        )


@pytest.fixture
def users(client: httpx.AsyncClient) -> Users:
    return Users(client)
