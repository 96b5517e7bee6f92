"""`quanzi backup` and `quanzi restore` (docs/operations.md) on the test database: SQLite, or PostgreSQL
when QUANZI_TEST_DATABASE_URL names it (then pg_dump and pg_restore must be installed)."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, inspect, select, update

import quanzi
from quanzi.config import Settings
from quanzi.core import backup
from quanzi.core.backup import (
    MANIFEST_FILE,
    BackupError,
    Manifest,
    create_backup,
    libpq_connection,
    missing_migrations,
    postgres_tool,
    restore_backup,
    sqlite_path,
)
from quanzi.core.db import Database
from quanzi.core.migrate import MIGRATIONS_DIR, upgrade
from quanzi.identity.models import User
from quanzi.wallet.check import check_ledger
from quanzi.wallet.models import JournalEntry, Posting, Transfer
from tests import databases
from tests.databases import on_postgres
from tests.wallet.conftest import PIN, Wallet
from tests.wallet.processes import scratch_postgres, server_env


def _postgres_tools_missing() -> str | None:
    for tool in ("pg_dump", "pg_restore"):
        try:
            postgres_tool(tool)
        except BackupError as exc:
            return str(exc)
    return None


@pytest.fixture(autouse=True)
def _postgres_tools() -> None:
    if on_postgres() and (missing := _postgres_tools_missing()):
        pytest.skip(f"backups of PostgreSQL need the client tools: {missing}")


async def fresh_database(tmp_path: Path, name: str) -> str:
    """An empty database of the kind under test: a new SQLite file, or a new PostgreSQL database
    beside the test one."""
    if on_postgres():
        return await asyncio.to_thread(scratch_postgres, f"_{name}")
    return f"sqlite+aiosqlite:///{tmp_path / name / 'quanzi.db'}"


def avatar_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


async def test_a_backup_taken_during_transfers_restores_to_balanced_books(
    app: Any, client: Any, users: Any, settings: Settings, tmp_path: Path
) -> None:
    wallet = Wallet(app, client, users)
    ring = [await wallet.user() for _ in range(4)]
    for sender, receiver in zip(ring, ring[1:] + ring[:1], strict=True):
        await wallet.befriend(sender, receiver)
    for person in ring:
        await wallet.top_up(person, 500_00)
    uploaded = await client.post(
        "/api/v1/me/avatar",
        headers=ring[0].headers,
        files={"file": ("me.png", avatar_png(), "image/png")},
    )
    assert uploaded.status_code == 200, uploaded.text

    sent: list[int] = []
    under_way, backed_up = asyncio.Event(), asyncio.Event()

    async def transfer_until_after_the_backup() -> None:
        """Transfers one after another, every other one accepted at once, from before the backup
        starts until five after it has finished."""
        after_backup = 0
        for number in itertools.count():
            sender, receiver = ring[number % 4], ring[(number + 1) % 4]
            response = await wallet.post(
                "/transfers", sender, {"to_user_id": receiver.id, "amount": 1_00 + number, "pin": PIN}
            )
            assert response.status_code == 201, response.text
            sent.append(int(response.json()["id"]))
            if number % 2 == 0:
                accepted = await wallet.post(f"/transfers/{response.json()['id']}/accept", receiver)
                assert accepted.status_code == 200, accepted.text
            if len(sent) == 6:
                under_way.set()
            if backed_up.is_set():
                after_backup += 1
                if after_backup == 5:
                    return

    async def back_up() -> Manifest:
        await under_way.wait()
        try:
            return await create_backup(settings.database_url, settings.media_dir, tmp_path / "backup")
        finally:
            backed_up.set()

    _, manifest = await asyncio.gather(transfer_until_after_the_backup(), back_up())
    assert manifest.database == ("postgresql" if on_postgres() else "sqlite")
    assert manifest.media_files == 1

    target_url, target_media = await fresh_database(tmp_path, "restored"), tmp_path / "restored-media"
    report = await restore_backup(tmp_path / "backup", target_url, target_media)
    assert not report.upgraded

    restored = Database(target_url)
    try:
        assert await check_ledger(restored) == []
        async with restored.read() as session:
            copied = list((await session.execute(select(Transfer.id))).scalars().all())
            # The writer sent one transfer at a time, so one consistent state holds a prefix of them:
            # at least the six sent before the backup began, never the five sent after it ended.
            assert 6 <= len(copied) <= len(sent) - 5
            assert set(copied) == set(sent[: len(copied)])
            entries = (
                await session.execute(
                    select(
                        Transfer.id,
                        Transfer.status,
                        func.count(func.distinct(JournalEntry.id)),
                        func.count(Posting.id),
                    )
                    .outerjoin(
                        JournalEntry,
                        (JournalEntry.reference_type == "transfer")
                        & (JournalEntry.reference_id == Transfer.id),
                    )
                    .outerjoin(Posting, Posting.entry_id == JournalEntry.id)
                    .group_by(Transfer.id, Transfer.status)
                )
            ).all()
            # Sending moves the money into a hold (one entry, two postings), accepting moves it on.
            expected = {"pending": (1, 2), "accepted": (2, 4)}
            assert {(status, journal, postings) for _, status, journal, postings in entries} <= {
                (status, *counts) for status, counts in expected.items()
            }
            assert len(entries) == len(copied)
            avatar_key = await session.scalar(select(User.avatar_key).where(User.id == int(ring[0].id)))
    finally:
        await restored.dispose()
    assert avatar_key
    assert (target_media / avatar_key).read_bytes() == (settings.media_dir / avatar_key).read_bytes()


def quanzi_cli(*arguments: str, database_url: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """The CLI as an operator runs it, with this checkout's code and the given database."""
    env = server_env(database_url, workdir)
    env["PYTHONPATH"] = str(Path(quanzi.__file__).resolve().parents[1])
    return subprocess.run(
        [sys.executable, "-m", "quanzi.cli", *arguments],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _display_name(database_url: str, user_id: str) -> str | None:
    db = Database(database_url)
    try:
        async with db.read() as session:
            return await session.scalar(select(User.display_name).where(User.id == int(user_id)))
    finally:
        await db.dispose()


async def test_restore_refuses_a_target_that_holds_data_unless_forced(
    users: Any, settings: Settings, tmp_path: Path
) -> None:
    mei = await users.create("mei", display_name="Lin Mei")
    source_dir, target_dir = tmp_path / "source", tmp_path / "target"
    source_dir.mkdir()
    target_dir.mkdir()
    target_url = await fresh_database(tmp_path, "target")

    backed_up = await asyncio.to_thread(
        quanzi_cli,
        "backup",
        str(tmp_path / "nightly"),
        database_url=settings.database_url,
        workdir=source_dir,
    )
    assert backed_up.returncode == 0, backed_up.stderr
    assert "to " + str(tmp_path / "nightly") in backed_up.stdout
    again = await asyncio.to_thread(
        quanzi_cli,
        "backup",
        str(tmp_path / "nightly"),
        database_url=settings.database_url,
        workdir=source_dir,
    )
    assert again.returncode == 1
    assert "already exists and is not empty" in again.stderr
    assert "Traceback" not in again.stderr

    restored = await asyncio.to_thread(
        quanzi_cli, "restore", str(tmp_path / "nightly"), database_url=target_url, workdir=target_dir
    )
    assert restored.returncode == 0, restored.stderr
    assert await _display_name(target_url, mei.id) == "Lin Mei"

    changed = Database(target_url)
    try:
        async with changed.transaction() as session:
            await session.execute(update(User).where(User.id == int(mei.id)).values(display_name="Changed"))
    finally:
        await changed.dispose()
    refused = await asyncio.to_thread(
        quanzi_cli, "restore", str(tmp_path / "nightly"), database_url=target_url, workdir=target_dir
    )
    assert refused.returncode == 1
    assert "the target is not empty" in refused.stderr and "--force" in refused.stderr
    assert "users" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert await _display_name(target_url, mei.id) == "Changed"

    forced = await asyncio.to_thread(
        quanzi_cli,
        "restore",
        "--force",
        str(tmp_path / "nightly"),
        database_url=target_url,
        workdir=target_dir,
    )
    assert forced.returncode == 0, forced.stderr
    assert await _display_name(target_url, mei.id) == "Lin Mei"


async def test_media_files_alone_make_a_target_not_empty(settings: Settings, tmp_path: Path) -> None:
    await create_backup(settings.database_url, settings.media_dir, tmp_path / "backup")
    target_media = tmp_path / "target-media"
    (target_media / "avatars").mkdir(parents=True)
    (target_media / "avatars" / "someone.png").write_bytes(avatar_png())
    with pytest.raises(BackupError, match="holds 1 file"):
        await restore_backup(tmp_path / "backup", await fresh_database(tmp_path, "target"), target_media)


async def test_an_older_backup_is_migrated_up_on_restore(tmp_path: Path) -> None:
    older_url = await fresh_database(tmp_path, "older")
    latest = "0072_chat_member_left_title"
    await upgrade(older_url, f"{latest}-1")
    await create_backup(older_url, tmp_path / "older-media", tmp_path / "backup")
    manifest = Manifest.read(tmp_path / "backup")
    assert latest not in manifest.migration_heads
    assert latest in missing_migrations(older_url, manifest.migration_heads)

    target_url = await fresh_database(tmp_path, "restored")
    report = await restore_backup(tmp_path / "backup", target_url, tmp_path / "restored-media")
    assert report.upgraded
    assert report.upgraded_from == manifest.migration_heads
    assert missing_migrations(target_url, report.heads) == []
    assert latest in report.heads


async def test_a_backup_from_a_newer_quanzi_is_refused_before_anything_is_touched(
    settings: Settings, tmp_path: Path
) -> None:
    await create_backup(settings.database_url, settings.media_dir, tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / MANIFEST_FILE).read_text())
    manifest["migration_heads"].append("9999_from_the_future")
    (tmp_path / "backup" / MANIFEST_FILE).write_text(json.dumps(manifest))
    assert not (MIGRATIONS_DIR / "versions" / "9999_from_the_future.py").exists()

    target_url, target_media = await fresh_database(tmp_path, "target"), tmp_path / "target-media"
    with pytest.raises(BackupError, match="9999_from_the_future, which this Quanzi"):
        await restore_backup(tmp_path / "backup", target_url, target_media)
    assert not target_media.exists()
    if not on_postgres():
        target_file = sqlite_path(target_url)
        assert not target_file.exists()
        return
    target = Database(target_url)
    try:
        async with target.read_engine.connect() as connection:
            assert await connection.run_sync(lambda sync: inspect(sync).get_table_names()) == []
    finally:
        await target.dispose()


def test_pg_tools_get_the_password_in_the_environment_not_on_the_command_line() -> None:
    url, env = libpq_connection("postgresql+asyncpg://quanzi:s%3Acret@db.internal:5433/quanzi?ssl=require")
    assert url == "postgresql://quanzi@db.internal:5433/quanzi?sslmode=require"
    assert env == {"PGPASSWORD": "s:cret"}
    assert libpq_connection("postgresql://db.internal/quanzi") == ("postgresql://db.internal/quanzi", {})
    tuned = "postgresql://quanzi@/quanzi?host=/run/postgresql&prepared_statement_cache_size=0&ssl=true"
    assert libpq_connection(tuned) == (
        "postgresql://quanzi@/quanzi?host=%2Frun%2Fpostgresql&sslmode=require",
        {},
    )


def test_missing_pg_tools_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup, "POSTGRES_BIN_DIRS", str(tmp_path / "postgresql" / "*" / "bin"))
    with pytest.raises(BackupError, match="pg_dump was not found: install the PostgreSQL client tools"):
        postgres_tool("pg_dump")
    for version in ("9.6", "16", "15"):
        (tmp_path / "postgresql" / version / "bin").mkdir(parents=True)
        (tmp_path / "postgresql" / version / "bin" / "pg_restore").touch(mode=0o755)
    assert postgres_tool("pg_restore") == str(tmp_path / "postgresql" / "16" / "bin" / "pg_restore")


async def test_a_database_that_cannot_be_reached_is_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="there is no SQLite database at"):
        await create_backup(f"sqlite:///{tmp_path / 'nowhere.db'}", tmp_path / "media", tmp_path / "backup")
    assert not (tmp_path / "backup").exists()
    assert os.listdir(tmp_path) == []
    (tmp_path / "notes.db").write_text("not a database")
    with pytest.raises(BackupError, match=r"cannot use the database .*notes\.db: file is not a database"):
        await create_backup(f"sqlite:///{tmp_path / 'notes.db'}", tmp_path / "media", tmp_path / "backup")
    assert os.listdir(tmp_path) == ["notes.db"]
    if on_postgres():
        missing = databases.test_database_url().rsplit("/", 1)[0] + "/quanzi_no_such_database"
        with pytest.raises(BackupError, match="cannot use the database"):
            await create_backup(missing, tmp_path / "media", tmp_path / "backup")
