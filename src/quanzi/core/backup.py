"""Backups: one directory holding a consistent copy of the database, the media files and a manifest.

A backup directory looks like this (docs/operations.md)::

    manifest.json       format, Quanzi version, database kind, migration heads, created_at
    database.sqlite3    SQLite: a copy made with the online backup API
    database.pgdump     PostgreSQL: `pg_dump --format=custom`
    media/              the media directory (QUANZI_MEDIA_DIR), file for file

Both database copies are consistent while the server writes: SQLite's backup API copies every page
inside one read transaction (WAL lets writers go on meanwhile), and pg_dump reads one snapshot. The
media are copied after the database, so every file the copied rows name is there (files are written
whole, by rename, before the row that names them commits) unless it is deleted between the two
copies; files uploaded later come along unused.

A backup is built in a hidden directory beside its destination and renamed into place at the end,
so a directory that carries the destination's name is always a whole backup.
"""

from __future__ import annotations

import asyncio
import glob
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import pool, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from quanzi import __version__
from quanzi.core.clock import now
from quanzi.core.db import normalize_url
from quanzi.core.migrate import alembic_config, upgrade

FORMAT = 1
MANIFEST_FILE = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
MEDIA_DIR = "media"
SQLITE = "sqlite"
POSTGRESQL = "postgresql"
# The connection parameters libpq takes in a URL; pg_dump refuses any other.
LIBPQ_PARAMETERS = frozenset(
    [
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "passfile",
        "channel_binding",
        "connect_timeout",
        "client_encoding",
        "options",
        "application_name",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        "sslmode",
        "sslcert",
        "sslkey",
        "sslpassword",
        "sslrootcert",
        "sslcrl",
        "sslcrldir",
        "sslsni",
        "ssl_min_protocol_version",
        "ssl_max_protocol_version",
        "gssencmode",
        "krbsrvname",
        "gsslib",
        "service",
        "target_session_attrs",
    ]
)
# Debian and Ubuntu install the server's own client tools here, one folder per major version.
POSTGRES_BIN_DIRS = "/usr/lib/postgresql/*/bin"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    database: str
    migration_heads: list[str]
    created_at: str
    media_files: int
    quanzi_version: str = __version__
    format: int = FORMAT

    @classmethod
    def read(cls, backup_dir: Path) -> Manifest:
        path = backup_dir / MANIFEST_FILE
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise BackupError(f"{backup_dir} is not a Quanzi backup: it has no {MANIFEST_FILE}") from None
        except (OSError, ValueError) as exc:
            raise BackupError(f"cannot read {path}: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError(f"{path} is not a backup manifest this Quanzi reads (format {FORMAT})")
        try:
            return cls(**data)
        except TypeError as exc:
            raise BackupError(f"{path} is not a backup manifest this Quanzi reads: {exc}") from None

    def write(self, backup_dir: Path) -> None:
        (backup_dir / MANIFEST_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n")


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    media_files: int
    heads: list[str]
    # Whether the restored schema was older than this code's and was migrated up from `upgraded_from`.
    upgraded: bool = False
    upgraded_from: list[str] = field(default_factory=list)


def database_kind(database_url: str) -> str:
    return SQLITE if normalize_url(database_url).startswith("sqlite") else POSTGRESQL


def sqlite_path(database_url: str) -> Path:
    url = normalize_url(database_url)
    database = url.split("///", 1)[-1].split("?", 1)[0] if "///" in url else ""
    if not database or database == ":memory:":
        raise BackupError(f"{database_url} names no SQLite file to back up or restore")
    return Path(database)


def libpq_connection(database_url: str) -> tuple[str, dict[str, str]]:
    """The libpq URL pg_dump and pg_restore take, and the environment holding the password: on a
    command line the password would be visible to every user of the machine (ps)."""
    parts = urlsplit(normalize_url(database_url))
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, has_password, password = userinfo.partition(":")
    env = {"PGPASSWORD": unquote(password)} if has_password else {}
    query = []
    for key, value in parse_qsl(parts.query):
        if key == "ssl":  # asyncpg's spelling of sslmode
            query.append(("sslmode", {"true": "require", "false": "disable"}.get(value.lower(), value)))
        elif key in LIBPQ_PARAMETERS:
            query.append((key, value))
        # Anything else tunes the driver (prepared_statement_cache_size, …), and libpq refuses it.
    netloc = f"{user}@{hostport}" if user else hostport
    return urlunsplit(("postgresql", netloc, parts.path, urlencode(query), "")), env


def postgres_tool(name: str) -> str:
    """The path of pg_dump or pg_restore: on PATH, else the newest in Debian's per-version folders."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        (Path(path) for path in glob.glob(os.path.join(POSTGRES_BIN_DIRS, name))),
        key=lambda path: _version_key(path.parent.parent.name),
    )
    if candidates:
        return str(candidates[-1])
    raise BackupError(
        f"{name} was not found: install the PostgreSQL client tools (Debian: postgresql-client, "
        f"the server's major version or newer) or put {name} on PATH"
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _scripts(database_url: str) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(database_url))


def missing_migrations(database_url: str, database_heads: list[str]) -> list[str]:
    """The migrations this code has that a database at `database_heads` lacks. The version table
    does not list every head: one that another revision depends on is implied by it, so the test is
    which revisions the database's heads reach."""
    script = _scripts(database_url)
    applied: set[str] = set()
    pending = list(database_heads)
    while pending:
        revision = script.get_revision(pending.pop())
        if revision is None or revision.revision in applied:
            continue
        applied.add(revision.revision)
        for below in (revision.down_revision, revision.dependencies):
            pending.extend([below] if isinstance(below, str) else below or ())
    return sorted(r.revision for r in script.walk_revisions() if r.revision not in applied)


def _check_known_revisions(database_url: str, revisions: list[str]) -> None:
    script = _scripts(database_url)
    for revision in revisions:
        try:
            script.get_revision(revision)
        except CommandError:
            raise BackupError(
                f"the backup's schema is at migration {revision}, which this Quanzi ({__version__}) "
                "does not know: restore it with the version that made it"
            ) from None


async def _database_heads(database_url: str) -> list[str]:
    engine = create_async_engine(normalize_url(database_url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: sync.dialect.has_table(sync, "alembic_version"))
            if not tables:
                return []
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return sorted(rows.scalars().all())
    finally:
        await engine.dispose()


def _count_files(root: Path) -> int:
    return sum(1 for path in root.rglob("*") if path.is_file()) if root.is_dir() else 0


def _copy_media(source: Path, target: Path) -> int:
    target.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        # LocalStorage's half-written uploads (".upload-*") are left behind.
        shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".upload-*"))
    return _count_files(target)


# --- backup ---------------------------------------------------------------------------------------


@asynccontextmanager
async def _errors_as_sentences(database_url: str) -> AsyncIterator[None]:
    """Turn a database that cannot be reached, or a file that cannot be written, into a sentence
    (the driver's message names no password)."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None:  # the file system, not the network
            raise BackupError(f"{exc.strerror}: {exc.filename}") from None
        raise BackupError(f"cannot use the database {database_url_for_humans(database_url)}: {exc}") from None
    except (DBAPIError, sqlite3.Error) as exc:
        reason = exc.orig if isinstance(exc, DBAPIError) else exc
        raise BackupError(
            f"cannot use the database {database_url_for_humans(database_url)}: {reason}"
        ) from None


def database_url_for_humans(database_url: str) -> str:
    parts = urlsplit(database_url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at:
        return database_url
    return urlunsplit(parts._replace(netloc=f"{userinfo.partition(':')[0]}@{hostport}"))


async def create_backup(database_url: str, media_dir: Path, destination: Path) -> Manifest:
    """Write a backup of the database at `database_url` and of `media_dir` to the new directory
    `destination` (which must not exist, or be empty). Safe while servers write."""
    async with _errors_as_sentences(database_url):
        return await _create_backup(database_url, media_dir, destination)


async def _create_backup(database_url: str, media_dir: Path, destination: Path) -> Manifest:
    building = await asyncio.to_thread(_start_building, destination)
    try:
        kind = database_kind(database_url)
        if kind == SQLITE:
            heads = await asyncio.to_thread(_copy_sqlite, sqlite_path(database_url), building / SQLITE_FILE)
        else:
            # Read just before the dump's snapshot: migrations do not run while the servers do.
            heads = await _database_heads(database_url)
            await asyncio.to_thread(_pg_dump, database_url, building / POSTGRES_FILE)
        media_files = await asyncio.to_thread(_copy_media, media_dir, building / MEDIA_DIR)
        manifest = Manifest(
            database=kind,
            migration_heads=heads,
            created_at=now().isoformat(timespec="seconds"),
            media_files=media_files,
        )
        manifest.write(building)
        await asyncio.to_thread(_move_into_place, building, destination)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return manifest


def _start_building(destination: Path) -> Path:
    """The hidden directory a backup is built in, beside `destination`, which must be new or empty."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupError(f"{destination} already exists and is not empty; choose a new name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    building = destination.parent / f".{destination.name}.partial-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    return building


def _move_into_place(building: Path, destination: Path) -> None:
    if destination.exists():
        destination.rmdir()
    building.rename(destination)


def _copy_sqlite(source: Path, target: Path) -> list[str]:
    """Copy the database with SQLite's online backup API; returns the copy's migration heads."""
    if not source.is_file():
        raise BackupError(f"there is no SQLite database at {source}")
    with _sqlite(source) as live, _sqlite(target) as copy:
        # All pages in one step: the copy is made inside one read transaction, so it is one
        # consistent state. Page by page, a write in between would restart the copy.
        live.backup(copy, pages=-1)
        # One self-contained file, with no -wal beside it to lose.
        copy.execute("PRAGMA journal_mode=DELETE")
        try:
            rows = copy.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.OperationalError:
            rows = []
    return sorted(row[0] for row in rows)


@contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    """A sqlite3 connection that is closed, not only committed, when the block ends (sqlite3's own
    context manager leaves it open)."""
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


def _run_postgres_tool(name: str, arguments: list[str], database_url: str) -> None:
    url, password_env = libpq_connection(database_url)
    try:
        # The arguments are ours; only the URL comes from the operator's own configuration.
        completed = subprocess.run(  # noqa: S603
            [postgres_tool(name), "--no-password", f"--dbname={url}", *arguments],
            env={**os.environ, **password_env},
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise BackupError(f"cannot run {name}: {exc}") from None
    if completed.returncode != 0:
        raise BackupError(f"{name} failed: {completed.stderr.strip()}")


def _pg_dump(database_url: str, target: Path) -> None:
    # The custom format is compressed, and pg_restore can read it selectively and in parallel.
    _run_postgres_tool("pg_dump", ["--format=custom", f"--file={target}"], database_url)


# --- restore --------------------------------------------------------------------------------------


async def restore_backup(
    source: Path, database_url: str, media_dir: Path, *, force: bool = False
) -> RestoreReport:
    """Restore the backup directory `source` into the database at `database_url` and `media_dir`.

    Refuses a target that already holds data (rows in any table, or media files) unless `force`.
    Afterwards the schema is brought up to this code's migration heads when the backup is older; a
    backup from a newer Quanzi is refused before anything is touched."""
    async with _errors_as_sentences(database_url):
        return await _restore_backup(source, database_url, media_dir, force=force)


async def _restore_backup(
    source: Path, database_url: str, media_dir: Path, *, force: bool = False
) -> RestoreReport:
    manifest = Manifest.read(source)
    kind = database_kind(database_url)
    if manifest.database != kind:
        raise BackupError(
            f"the backup holds a {manifest.database} database and QUANZI_DATABASE_URL names {kind}; "
            "restore it into the same kind of database"
        )
    dump = source / (SQLITE_FILE if kind == SQLITE else POSTGRES_FILE)
    if not dump.is_file():
        raise BackupError(f"the backup is incomplete: {dump} is missing")
    _check_known_revisions(database_url, manifest.migration_heads)
    if not force:
        occupied = await _what_target_holds(database_url, media_dir)
        if occupied:
            raise BackupError(
                f"the target is not empty ({'; '.join(occupied)}); "
                "restoring would replace it: pass --force to do so"
            )
    if kind == SQLITE:
        await asyncio.to_thread(_restore_sqlite, dump, sqlite_path(database_url))
    else:
        await asyncio.to_thread(_pg_restore, dump, database_url)
    media_files = await asyncio.to_thread(_copy_media, source / MEDIA_DIR, media_dir)
    restored_heads = await _database_heads(database_url)
    if not missing_migrations(database_url, restored_heads):
        return RestoreReport(manifest=manifest, media_files=media_files, heads=restored_heads)
    await upgrade(database_url)
    return RestoreReport(
        manifest=manifest,
        media_files=media_files,
        heads=await _database_heads(database_url),
        upgraded=True,
        upgraded_from=restored_heads,
    )


def _restore_sqlite(dump: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # The backup API writes into the target through SQLite itself, under its locks and into its WAL,
    # where copying the file over it could leave a stale -wal beside it to be replayed on top.
    with _sqlite(dump) as backup, _sqlite(target) as live:
        backup.backup(live, pages=-1)
        live.execute("PRAGMA journal_mode=WAL")


def _pg_restore(dump: Path, database_url: str) -> None:
    # One transaction: a restore that fails leaves the database as it was. No owners and no grants:
    # the roles of the machine the backup came from need not exist on this one.
    _run_postgres_tool(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(dump),
        ],
        database_url,
    )


async def _what_target_holds(database_url: str, media_dir: Path) -> list[str]:
    held: list[str] = []
    tables = await _tables_with_rows(database_url)
    if tables:
        shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
        held.append(f"the database has rows in {shown}")
    media_files = _count_files(media_dir)
    if media_files:
        held.append(f"{media_dir} holds {media_files} file(s)")
    return held


async def _tables_with_rows(database_url: str) -> list[str]:
    if database_kind(database_url) == SQLITE:
        path = sqlite_path(database_url)
        if not path.exists():
            return []
        return await asyncio.to_thread(_sqlite_tables_with_rows, path)
    engine = create_async_engine(normalize_url(database_url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            names = (
                await connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                        " AND tablename <> 'alembic_version' ORDER BY tablename"
                    )
                )
            ).scalars()
            found = []
            for name in list(names):
                quoted = '"' + name.replace('"', '""') + '"'
                # The names come from the catalog, quoted as identifiers.
                exists = text(f"SELECT EXISTS (SELECT 1 FROM {quoted})")  # noqa: S608
                if await connection.scalar(exists):
                    found.append(name)
            return found
    finally:
        await engine.dispose()


def _sqlite_tables_with_rows(path: Path) -> list[str]:
    with _sqlite(path) as connection:
        # Ordinary tables only: full-text indexes keep rows in shadow tables even when empty.
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND name <> 'alembic_version' ORDER BY name"
            )
        ]
        quoted = ['"' + name.replace('"', '""') + '"' for name in names]
        return [
            name
            for name, table in zip(names, quoted, strict=True)
            # The names come from the catalog, quoted as identifiers.
            if connection.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()  # noqa: S608
            == (1,)
        ]
