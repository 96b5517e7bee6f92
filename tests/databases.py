"""The test database: whether it is PostgreSQL (one answer for the whole suite), and one PostgreSQL
database per pytest-xdist worker.

The suite runs in parallel (`-n auto`); on PostgreSQL every worker gets its own database, named after
the one in QUANZI_TEST_DATABASE_URL plus the worker's id (``quanzi_ci_gw0``, ``quanzi_ci_gw1``, …),
created on first use. The variable is rewritten before any test module reads it, so the fixtures,
the live servers and the subprocess tests of a worker all use that worker's database. SQLite needs
nothing: every test copies its own file.
"""

from __future__ import annotations

import asyncio
import os
from urllib.parse import urlsplit, urlunsplit

import asyncpg

VARIABLE = "QUANZI_TEST_DATABASE_URL"


def test_database_url() -> str:
    return os.environ.get(VARIABLE, "")


def on_postgres(url: str | None = None) -> bool:
    """Whether `url` (default: QUANZI_TEST_DATABASE_URL) names PostgreSQL, in any of its spellings:
    postgres://, postgresql://, postgresql+asyncpg://. Every test that asks uses this."""
    url = test_database_url() if url is None else url
    return url.split("://", 1)[0].split("+", 1)[0] in ("postgres", "postgresql")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _create_if_missing(url: str, name: str) -> None:
    admin = _with_database(url, "postgres").replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(admin)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def use_worker_database() -> None:
    """Point QUANZI_TEST_DATABASE_URL at this xdist worker's own database (no-op outside xdist)."""
    url, worker = test_database_url(), os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker or not on_postgres(url):
        return
    base = urlsplit(url).path.lstrip("/") or "postgres"
    name = f"{base}_{worker}"
    asyncio.run(_create_if_missing(url, name))
    os.environ[VARIABLE] = _with_database(url, name)
