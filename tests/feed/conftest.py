"""Feed fixtures: besides the per-test `client` of tests/conftest.py, a module-scoped app and client
(`module_client`) on a database of the module's own, with a frozen clock, so that a module can build
one world and check many paths against it cheaply (the privacy matrix)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio

from quanzi.app import create_app
from quanzi.config import Settings
from quanzi.core.clock import FrozenClock, use_clock
from tests.conftest import Users, _truncate_postgres
from tests.databases import on_postgres

WORLD_START = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)


class ModuleWorld:
    """The module's client, clock and account factory."""

    def __init__(self, client: httpx.AsyncClient, clock: FrozenClock, app: Any) -> None:
        self.client = client
        self.clock = clock
        self.app = app
        self.users = Users(client)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_world(
    migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ModuleWorld]:
    tmp = tmp_path_factory.mktemp("feed-module")
    if on_postgres():
        await _truncate_postgres(migrated_template)
        url = migrated_template
    else:
        target = tmp / "quanzi.db"
        await asyncio.to_thread(shutil.copyfile, migrated_template, target)
        url = f"sqlite+aiosqlite:///{target}"
    settings = Settings(
        database_url=url,
        bus_url="memory://",
        media_dir=tmp / "media",
        web_dist=tmp / "no-web-client",
        run_jobs_in_serve=False,
        log_json=False,
        log_level="WARNING",
    )
    with use_clock(FrozenClock(WORLD_START)) as clock:
        application = create_app(settings)
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application, client=("198.51.100.9", 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://quanzi.test") as client:
                yield ModuleWorld(client, clock, application)  # type: ignore[arg-type]
