"""The per-process session cache: a known token costs no round trip, and a revocation is honoured at
once in the process that made it and, over the bus, in every other process."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.databases import on_postgres
from tests.statements import count_statements
from tests.wallet.processes import Server

pytestmark = pytest.mark.shared_services  # Redis/NATS are shared by every test worker


async def test_a_warm_token_costs_no_round_trip(app: Any, client: httpx.AsyncClient, users: Any) -> None:
    user = await users.create()
    assert (await client.get("/api/v1/me", headers=user.headers)).status_code == 200
    async with count_statements(app) as counted:
        me = await client.get("/api/v1/me", headers=user.headers)
    assert me.status_code == 200
    # Only the profile read (reads run in autocommit: no BEGIN/COMMIT).
    assert counted.total == 1, counted.report()
    assert not any("auth_sessions" in sql for sql in counted.statements)


async def test_logout_is_refused_at_once_in_the_same_process(client: httpx.AsyncClient, users: Any) -> None:
    user = await users.create()
    other = await client.post("/api/v1/auth/login", json={"login": user.username, "password": user.password})
    second = {"Authorization": f"Bearer {other.json()['token']}"}
    for headers in (user.headers, second):  # both cached
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=user.headers)).status_code == 204
    assert (await client.get("/api/v1/me", headers=user.headers)).status_code == 401
    assert (await client.get("/api/v1/me", headers=second)).status_code == 200  # only that session

    changed = await client.post(
        "/api/v1/me/password",
        json={"current_password": user.password, "new_password": "another horse 2"},
        headers=second,
    )
    assert changed.status_code == 204, changed.text
    assert (await client.get("/api/v1/me", headers=second)).status_code == 200  # the one that changed it


async def test_a_revocation_reaches_every_process_over_the_bus(tmp_path: Path) -> None:
    """Two `quanzi serve` processes share the database and a Redis bus; each caches the token. The
    cache keeps entries for an hour here, so only the bus can make the second process refuse it."""
    bus = os.environ.get("QUANZI_TEST_REDIS_URL") or os.environ.get("QUANZI_TEST_NATS_URL")
    if not bus:
        pytest.skip("needs a bus shared by two processes: set QUANZI_TEST_REDIS_URL or QUANZI_TEST_NATS_URL")
    database = os.environ.get("QUANZI_TEST_DATABASE_URL", "")
    url = database if on_postgres(database) else f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    servers = [
        Server(url, tmp_path, QUANZI_BUS_URL=bus, QUANZI_SESSION_CACHE_SECONDS="3600") for _ in range(2)
    ]
    try:
        for server in servers:
            await asyncio.to_thread(server.start)
        first, second = (httpx.AsyncClient(base_url=s.base_url, timeout=10) for s in servers)
        async with first, second:
            signed_up = await first.post(
                "/api/v1/auth/signup",
                json={"username": f"cache{os.getpid()}", "password": "correct horse 1", "display_name": "C"},
            )
            assert signed_up.status_code == 201, signed_up.text
            headers = {"Authorization": f"Bearer {signed_up.json()['token']}"}
            for client in (first, second):
                assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
            assert (await first.post("/api/v1/auth/logout", headers=headers)).status_code == 204

            async def refused_by_the_other() -> None:
                while (await second.get("/api/v1/me", headers=headers)).status_code != 401:  # noqa: ASYNC110 - another process
                    await asyncio.sleep(0.02)

            await asyncio.wait_for(refused_by_the_other(), 30)
    finally:
        for server in servers:
            server.stop()
