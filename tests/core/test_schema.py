"""The migrations are the schema: what they build must equal what the models declare, on both databases.

Alembic's autogenerate comparison runs against a database built only by the migrations (the
`database_url` fixture); every difference it reports is a model and a migration that disagree. The
differences are reported per domain, so a domain still being written does not hide the others; a
table in the database that no model declares is its own failure. Nothing is ignored: partial-index
predicates are not compared by Alembic, so those are checked by name only, which is all it can do.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Table, inspect, pool
from sqlalchemy.ext.asyncio import create_async_engine

import quanzi
import quanzi.app
from quanzi.core import idempotency, jobs, outbox, ratelimit, stream
from quanzi.core.db import Base, normalize_url


def _models_modules() -> dict[str, list[ModuleType]]:
    """Every domain's models module, including domains the app does not mount yet (their
    migrations already run)."""
    modules: dict[str, list[ModuleType]] = {"core": [outbox, jobs, stream, idempotency, ratelimit]}
    for root in quanzi.__path__:
        for path in sorted(Path(root).glob("*/models.py")):
            modules[path.parent.name] = [importlib.import_module(f"quanzi.{path.parent.name}.models")]
        for package in sorted(Path(root).glob("*/models/__init__.py")):
            domain = package.parent.parent.name  # a domain whose tables live in a models/ package
            modules[domain] = [
                importlib.import_module(f"quanzi.{domain}.models.{room.stem}")
                for room in sorted(package.parent.glob("*.py"))
                if room.stem != "__init__"
            ]
    return modules


def _tables_of(module_list: list[ModuleType]) -> set[str]:
    names = set()
    for module in module_list:
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ != module.__name__:
                continue  # a model imported from another module (another domain's, say)
            table = getattr(value, "__table__", value)
            if isinstance(table, Table) and table.metadata is Base.metadata:
                names.add(table.name)
    return names


DOMAIN_TABLES = {domain: _tables_of(found) for domain, found in _models_modules().items()}


def _table_name(change: Any) -> str:
    """The table an autogenerate difference is about (its shapes differ per kind of change)."""
    if isinstance(change, list):  # column modifications: [("modify_type", schema, table, column, ...)]
        return str(change[0][2])
    kind, subject = change[0], change[1]
    if kind in ("add_table", "remove_table"):
        return str(subject.name)
    if kind in ("add_column", "remove_column"):
        return str(change[2])
    return str(subject.table.name)  # indexes, constraints, foreign keys


async def _differences(url: str) -> list[Any]:
    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [
            change
            for change in compare_metadata(context, Base.metadata)
            if _table_name(change) != "alembic_version"
        ]

    engine = create_async_engine(normalize_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


def _report(changes: list[Any]) -> str:
    return "migrations and models differ:\n" + "\n".join(repr(change)[:400] for change in changes)


def test_every_domain_declares_its_tables_once() -> None:
    assert DOMAIN_TABLES["core"] == {
        "outbox_events",
        "jobs",
        "event_consumers",
        "event_dead_letters",
        "idempotency_keys",
        "rate_limit_counters",
    }
    assert {"users", "auth_sessions", "login_failures"} <= DOMAIN_TABLES["identity"]
    claimed = [name for tables in DOMAIN_TABLES.values() for name in tables]
    assert len(claimed) == len(set(claimed))
    assert set(claimed) == set(Base.metadata.tables)


@pytest.mark.parametrize("domain", sorted(DOMAIN_TABLES))
async def test_migrations_build_exactly_the_declared_models(database_url: str, domain: str) -> None:
    changes = [c for c in await _differences(database_url) if _table_name(c) in DOMAIN_TABLES[domain]]
    assert changes == [], _report(changes)


async def test_every_migrated_table_has_a_model(database_url: str) -> None:
    declared = set(Base.metadata.tables)
    changes = [c for c in await _differences(database_url) if _table_name(c) not in declared]
    assert changes == [], _report(changes)

    def table_names(connection: Any) -> set[str]:
        return set(inspect(connection).get_table_names())

    engine = create_async_engine(normalize_url(database_url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(table_names)
    finally:
        await engine.dispose()
    assert tables == declared | {"alembic_version"}
