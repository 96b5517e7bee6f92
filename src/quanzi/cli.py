"""The `quanzi` command: serve, worker, migrate, demo, backup, restore, admin."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from quanzi.config import get_settings


def _run(coroutine: Awaitable[Any]) -> Any:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


@click.group()
def main() -> None:
    """Quanzi (圈子): a self-hostable social-commerce platform."""


@main.command()
def migrate() -> None:
    """Bring the database schema (QUANZI_DATABASE_URL) up to date."""
    from quanzi.core.migrate import upgrade

    settings = get_settings()
    _run(upgrade(settings.database_url))
    click.echo(f"database is up to date: {_safe_url(settings.database_url)}")


@main.command()
@click.option("--host", default=None, help="Address to bind (QUANZI_HOST, default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (QUANZI_PORT, default 8000).")
@click.option(
    "--workers",
    default="1",
    show_default=True,
    help="Server processes, or 'auto' for one per core (several need PostgreSQL and a bus).",
)
@click.option(
    "--migrate/--no-migrate",
    "run_migrations",
    default=True,
    show_default=True,
    help="Apply migrations before serving.",
)
@click.option("--demo/--no-demo", default=False, help="Seed the demo world once before serving.")
def serve(host: str | None, port: int | None, workers: str, run_migrations: bool, demo: bool) -> None:
    """Serve the API, the WebSocket gateway and the web client."""
    import uvicorn

    settings = get_settings()
    processes = _server_processes(workers, settings)
    if run_migrations:
        from quanzi.core.migrate import upgrade

        _run(upgrade(settings.database_url))
    if demo:
        from quanzi.demo import seed_demo_world

        _run(seed_demo_world(settings))
    uvicorn.run(
        "quanzi.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=processes,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        ws_max_size=65_536,  # the gateway refuses larger frames anyway
        # Per-socket zlib state doubled the memory of an idle socket (85 vs 42 KiB in bench/chat.py);
        # chat frames are small, so compression buys little.
        ws_per_message_deflate=False,
        log_config=None,
        proxy_headers=False,  # client_address() applies QUANZI_TRUSTED_PROXIES itself
    )


def _server_processes(workers: str, settings: Any) -> int:
    """How many server processes `--workers` asks for: a number, or "auto" for one per core. Several
    processes share state only through the database and the bus, so they need PostgreSQL and a
    network bus; "auto" on SQLite (one writer, one process) is one."""
    single = settings.is_sqlite or settings.bus_url.startswith("memory:")
    if workers == "auto":
        return 1 if single else (os.cpu_count() or 1)
    try:
        count = int(workers)
    except ValueError:
        raise click.BadParameter("a number of processes, or 'auto'", param_hint="--workers") from None
    if count < 1:
        raise click.BadParameter("at least 1", param_hint="--workers")
    if count > 1 and single:
        raise click.UsageError(
            "several workers need PostgreSQL (QUANZI_DATABASE_URL) and a bus (QUANZI_BUS_URL)"
        )
    return count


@main.command()
@click.option(
    "--once", is_flag=True, help="Run the jobs due now and every consumer until caught up, then exit."
)
def worker(once: bool) -> None:
    """Run durable jobs and the event stream's consumers (and relay the outbox) until stopped."""
    from quanzi.core.storage import LocalStorage, configure_storage
    from quanzi.platform import Platform

    settings = get_settings()
    configure_storage(LocalStorage(settings.media_dir))
    platform = Platform.build(settings)

    async def work() -> None:
        try:
            if once:
                await platform.bus.start()
                jobs, handled = await platform.run_until_idle()
                click.echo(f"ran {jobs} job(s), handled {handled} event(s)")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await platform.start(background=True)
            await stop.wait()
        finally:
            await platform.close()

    _run(work())


@main.group()
def events() -> None:
    """The event stream: consumers' positions, replays, the topics' schemas (docs/events.md)."""


def _platform() -> Any:
    from quanzi.platform import Platform

    return Platform.build(get_settings())


@events.command("status")
def events_status() -> None:
    """Each consumer's position, its lag behind the head of the stream, and its last failure."""
    from quanzi.core.stream import status

    platform = _platform()

    async def run() -> list[Any]:
        try:
            return await status(platform.db, platform.consumers.consumers)
        finally:
            await platform.db.dispose()

    rows = _run(run())
    head = rows[0].head if rows else 0
    click.echo(f"stream head: {head}")
    click.echo(f"{'consumer':32} {'position':>10} {'lag':>8} {'dead':>5}  state")
    for row in rows:
        state = (
            "ok"
            if row.last_error is None
            else f"failing at {row.failing_position} ({row.attempts}x): {row.last_error}"
        )
        click.echo(f"{row.name:32} {row.position:>10} {row.lag:>8} {row.dead_letters:>5}  {state}")


@events.command("replay")
@click.argument("name")
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Rebuild now instead of leaving it to the workers.",
)
def events_replay(name: str, wait: bool) -> None:
    """Rebuild consumer NAME from position 0: clear what it built, then read the whole stream again."""
    from quanzi.core.stream import ReplayRefused, catch_up, replay

    platform = _platform()

    async def run() -> int:
        try:
            consumer = platform.consumer(name)
            await replay(platform.db, consumer)
            return await catch_up(platform.db, consumer) if wait else 0
        finally:
            await platform.db.dispose()

    try:
        handled = _run(run())
    except (LookupError, ReplayRefused) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{name}: rewound to 0" + (f", rebuilt from {handled} event(s)" if wait else ""))


@events.command("docs")
def events_docs() -> None:
    """Print docs/events.md: every topic with its payload schema, from the domains' declarations."""
    from quanzi.core.eventdocs import render

    platform = _platform()
    click.echo(render(platform.domains), nl=False)


@main.command()
def demo() -> None:
    """Seed the demo world (merchants, KOLs, consumers and their graph). Safe to run again."""
    from quanzi.demo import seed_demo_world

    settings = get_settings()
    created = _run(seed_demo_world(settings))
    click.echo("demo world seeded" if created else "demo world already present")


@main.group()
def admin() -> None:
    """Operator actions on accounts."""


def _command_line_user() -> str:
    import getpass
    import socket

    from quanzi.core import context

    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        who = f"uid {os.getuid()}"
    return context.clip_user_agent(f"quanzi {' '.join(sys.argv[1:3])} ({who}@{socket.gethostname()})") or ""


def _admin_action(action: Callable[..., Awaitable[Any]], login: str, *args: Any) -> Any:
    from quanzi.core import context
    from quanzi.core.db import Database
    from quanzi.core.storage import LocalStorage, configure_storage
    from quanzi.identity import service

    settings = get_settings()
    configure_storage(LocalStorage(settings.media_dir))

    async def run() -> Any:
        db = Database(settings.database_url)
        try:
            # The audit log shows these actions as done from this command, by this machine's user.
            with context.origin(context.Origin(via="cli", user_agent=_command_line_user())):
                async with db.transaction() as session:
                    user = await service.find_by_login(session, login)
                    return await action(session, user.id, *args)
        finally:
            await db.dispose()

    try:
        return _run(run())
    except Exception as exc:  # AppError and friends: print the message, not a traceback
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


@admin.command("verify-merchant")
@click.argument("login")
@click.option("--revoke", is_flag=True, help="Withdraw the verification.")
def verify_merchant(login: str, revoke: bool) -> None:
    """Mark a merchant account as verified (ACC-2)."""
    from quanzi.identity import service

    _admin_action(lambda s, uid: service.set_merchant_verified(s, None, uid, not revoke), login)
    click.echo(f"{login}: merchant {'unverified' if revoke else 'verified'}")


@admin.command("kol")
@click.argument("login")
@click.option("--revoke", is_flag=True, help="Take the badge away.")
def kol(login: str, revoke: bool) -> None:
    """Grant (or revoke) the KOL badge (ACC-2)."""
    from quanzi.identity import service

    _admin_action(lambda s, uid: service.set_kol_badge(s, None, uid, not revoke), login)
    click.echo(f"{login}: KOL badge {'revoked' if revoke else 'granted'}")


@admin.command("make-operator")
@click.argument("login")
@click.option("--revoke", is_flag=True)
def make_operator(login: str, revoke: bool) -> None:
    """Give an account the operator role (verification, moderation)."""
    from quanzi.identity import service

    _admin_action(lambda s, uid: service.set_operator(s, uid, not revoke), login)
    click.echo(f"{login}: operator {'removed' if revoke else 'granted'}")


@main.group()
def audit() -> None:
    """The audit log of money and operator actions (MOD-3, docs/audit.md)."""


@audit.command("export")
@click.option("--since", type=click.DateTime(), default=None, help="From this time, UTC (inclusive).")
@click.option("--until", type=click.DateTime(), default=None, help="Up to this time, UTC (exclusive).")
@click.option("--kind", default=None, help="Only this kind (an event topic, e.g. wallet.transfer.created).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
def audit_export(since: Any, until: Any, kind: str | None, fmt: str) -> None:
    """Write the audit log, oldest first, to standard output: `quanzi audit export > audit.jsonl`."""
    import csv
    import json

    from quanzi.audit import service
    from quanzi.core.db import Database
    from quanzi.core.errors import AppError

    settings = get_settings()
    try:
        where = service.AuditFilter.parse(kind=kind, since=since, until=until)
    except AppError as exc:
        raise click.UsageError(str(exc)) from None

    async def run() -> int:
        db = Database(settings.database_url)
        out = sys.stdout
        writer = csv.DictWriter(out, fieldnames=service.EXPORT_FIELDS) if fmt == "csv" else None
        if writer is not None:
            writer.writeheader()
        count = 0
        try:
            async for entry in service.export_entries(db, where):
                if writer is not None:
                    writer.writerow(service.flat_row(entry))
                else:
                    out.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        finally:
            await db.dispose()
        return count

    count = _run(run())
    click.echo(f"{count} audit entries exported", err=True)


def _safe_url(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@main.group()
def ledger() -> None:
    """The wallet's books (WAL-1, WAL-8)."""


@ledger.command("check")
def ledger_check() -> None:
    """Prove the books balance; exits 1 and lists the problems when they do not."""
    from quanzi.core.db import Database
    from quanzi.wallet.check import check_ledger

    async def run() -> list[str]:
        db = Database(get_settings().database_url)
        try:
            return await check_ledger(db)
        finally:
            await db.dispose()

    problems = _run(run())
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo("ledger ok: postings sum to zero and every balance equals its postings")


@main.command()
@click.argument("destination", type=click.Path(path_type=Path))
def backup(destination: Path) -> None:
    """Back up the database and the media into the new directory DESTINATION (docs/operations.md).

    Safe while the server runs: the copy is one consistent state of the database."""
    from quanzi.core.backup import BackupError, create_backup

    settings = get_settings()
    try:
        manifest = _run(create_backup(settings.database_url, settings.media_dir, destination))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"backed up {manifest.database} {_safe_url(settings.database_url)} "
        f"(migrations {', '.join(manifest.migration_heads) or 'none'}) "
        f"and {manifest.media_files} media file(s) to {destination}"
    )


@main.command()
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Replace a database or media directory that holds data.")
def restore(source: Path, force: bool) -> None:
    """Restore the backup directory SOURCE into QUANZI_DATABASE_URL and QUANZI_MEDIA_DIR.

    Stop the servers and workers first. Refuses a target that holds data unless --force."""
    from quanzi.core.backup import BackupError, restore_backup

    settings = get_settings()
    try:
        report = _run(restore_backup(source, settings.database_url, settings.media_dir, force=force))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"restored the backup of {report.manifest.created_at} into "
        f"{_safe_url(settings.database_url)} and {report.media_files} media file(s) into "
        f"{settings.media_dir}"
    )
    if report.upgraded:
        click.echo(
            f"the backup was made by an older Quanzi: migrated its schema from "
            f"{', '.join(report.upgraded_from) or 'nothing'} to {', '.join(report.heads)}"
        )


@main.command("sandbox-bank")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=int)
@click.option(
    "--database",
    "database_url",
    default="sqlite+aiosqlite:///./var/sandbox-bank.db",
    show_default=True,
    help="The sandbox bank's own database.",
)
@click.option(
    "--callback-url",
    required=True,
    help="The server's callback, e.g. http://127.0.0.1:8000/api/v1/wallet/bank/callback",
)
def sandbox_bank(host: str, port: int, database_url: str, callback_url: str) -> None:
    """Run the sandbox bank as its own process; point the server at it with QUANZI_WALLET_BANK_URL."""
    import uvicorn

    from quanzi.core.migrate import upgrade
    from quanzi.wallet.sandbox_server import SandboxBankServer

    _run(upgrade(database_url))
    uvicorn.run(SandboxBankServer(database_url, callback_url), host=host, port=port, log_config=None)


if __name__ == "__main__":
    main()
