"""`quanzi serve --workers`: a number, or "auto" for one process per core; several processes share
state only through the database and the bus, so they need PostgreSQL and a network bus."""

from __future__ import annotations

import os

import click
import pytest

from quanzi.cli import _server_processes
from quanzi.config import Settings

POSTGRES = "postgresql://postgres@127.0.0.1:5432/quanzi"


def settings(database_url: str, bus_url: str) -> Settings:
    return Settings(database_url=database_url, bus_url=bus_url)


def test_auto_is_one_process_per_core_on_postgresql_with_a_bus() -> None:
    assert _server_processes("auto", settings(POSTGRES, "redis://127.0.0.1:6379/0")) == (os.cpu_count() or 1)
    assert _server_processes("3", settings(POSTGRES, "nats://127.0.0.1:4222")) == 3


@pytest.mark.parametrize(
    ("database_url", "bus_url"),
    [("sqlite+aiosqlite:///var/quanzi.db", "redis://127.0.0.1:6379/0"), (POSTGRES, "memory://")],
)
def test_one_process_where_state_cannot_be_shared(database_url: str, bus_url: str) -> None:
    assert _server_processes("auto", settings(database_url, bus_url)) == 1
    assert _server_processes("1", settings(database_url, bus_url)) == 1
    with pytest.raises(click.UsageError, match="need PostgreSQL"):
        _server_processes("2", settings(database_url, bus_url))


@pytest.mark.parametrize("workers", ["0", "-1", "many", ""])
def test_a_bad_count_is_a_clear_error(workers: str) -> None:
    with pytest.raises(click.BadParameter):
        _server_processes(workers, settings(POSTGRES, "redis://127.0.0.1:6379/0"))
