"""Chat against Synapse: the same work through Quanzi and through Matrix's reference homeserver.

    .venv/bin/python bench/chat.py [--database sqlite] [--database postgresql://...] [--quick]
                                   [--messages 2000] [--rate 200] [--latency-messages 2000]
                                   [--group-members 50] [--group-messages 500]
                                   [--idle-connections 10000]

Synapse (pinned, `SYNAPSE_VERSION` in bench/chatbench/synapse.py) is installed from PyPI once into
`var/bench/synapse-venv` and reused. For each database (default: SQLite and the PostgreSQL database
`quanzi_bench_chat`, dropped and created again; Synapse then gets `synapse_bench_chat` on the same
server), it starts Synapse on loopback (every rate limit lifted, presence off), runs the workloads, stops
it, then does the same with `quanzi serve` (one process) — never both at once:

(a) a two-member chat: `--messages` messages from 1, 8 and 32 concurrent senders → messages/s;
(b) a connected receiver while a sender sends at `--rate` messages/s (open loop) → delivery latency
    p50/p99, from the moment a message was due to the moment the receiver read it. Quanzi's receiver
    holds the WebSocket; Synapse's long-polls /sync;
(c) a group of `--group-members`, every member connected the same way, 8 concurrent senders →
    deliveries/s (messages × other members, until the last one was read);
(d) memory per idle connection: `--idle-connections` held by client processes; the server's RSS
    growth / N. Quanzi: authenticated WebSockets after `synced`; Synapse: pending /sync long-polls
    (the connection an idle Matrix client keeps open).

`--quick` (a smoke run, about a minute per database): 100 messages per sender count, 200 at the rate,
30 group messages and 500 idle sockets.

Sending is HTTP for both (Quanzi: POST /chats/{id}/messages; Matrix: PUT …/send/m.room.message/{txn}).
The table's last column is Quanzi / Synapse (higher is better for rates, lower for latency and memory).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chatbench import workloads
from chatbench.common import Result, log, raise_nofile
from chatbench.quanzi import QuanziServer
from chatbench.synapse import DEFAULT_VENV, SYNAPSE_VERSION, SynapseServer, install

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/quanzi_bench_chat"
SENDERS = (1, 8, 32)
GROUP_SENDERS = 8

# (key, label, unit, higher is better)
ROWS: list[tuple[str, str, str, bool]] = [
    *[(f"a{s}", f"(a) 2-member chat, {s} sender{'s' if s > 1 else ''}", "msg/s", True) for s in SENDERS],
    ("b50", "(b) delivery at {rate}/s, p50", "ms", False),
    ("b99", "(b) delivery at {rate}/s, p99", "ms", False),
    ("c", "(c) {members}-member group, all connected", "deliv/s", True),
    ("d", "(d) memory per idle connection*", "KiB", False),
]


async def run_system(server: Any, args: argparse.Namespace, results: dict[str, Result]) -> None:
    """Fill `results` row by row, so that a failure part-way still leaves the rows measured before it."""
    await server.start()
    client = server.client()
    name = server.name
    try:
        started = time.monotonic()
        users, direct, group = await client.setup(args.group_members)
        took = time.monotonic() - started
        log(f"{name}: {len(users)} users, a direct chat and a group set up in {took:.0f} s")
        for senders in SENDERS:
            results[f"a{senders}"] = await workloads.throughput(
                client, server.pid, users, direct, args.messages, senders
            )
            done = results[f"a{senders}"]
            log(f"{name}: (a) {senders} senders: {done.value:.0f} msg/s {done.notes}")
        results["b50"], results["b99"] = await workloads.latency(
            client, server.pid, users, direct, args.latency_messages, args.rate
        )
        p50, p99 = results["b50"], results["b99"]
        log(f"{name}: (b) p50 {p50.value:.1f} ms, p99 {p99.value:.1f} ms {p99.notes}")
        results["c"] = await workloads.group(
            client, server.pid, users, group, args.group_messages, GROUP_SENDERS
        )
        log(f"{name}: (c) {results['c'].value:.0f} deliveries/s {results['c'].notes}")
        results["d"] = await workloads.idle_memory(
            client,
            server.pid,
            users,
            args.idle_connections,
            open_limit=args.idle_timeout,
            deflate=args.ws_deflate,
        )
        log(f"{name}: (d) {results['d'].value:.1f} KiB per idle connection {results['d'].notes}")
    finally:
        await client.close()
        server.stop()


def print_table(
    label: str, synapse: dict[str, Result], quanzi: dict[str, Result], args: argparse.Namespace
) -> None:
    print(f"\n{label}")
    head = f"{'workload':<44} {'unit':<8} {'Synapse':>10} {'Quanzi':>10} {'Q/S':>8}  notes (Synapse | Quanzi)"
    print(head)
    print("-" * len(head))
    for key, title, unit, _higher in ROWS:
        text = title.format(rate=int(args.rate), members=args.group_members)
        s, q = synapse.get(key), quanzi.get(key)
        sv = f"{s.value:10.1f}" if s else f"{'-':>10}"
        qv = f"{q.value:10.1f}" if q else f"{'-':>10}"
        ratio = f"{q.value / s.value:7.2f}x" if s and q and s.value else f"{'-':>8}"
        notes = f"{'; '.join(s.notes) if s else ''} | {'; '.join(q.notes) if q else ''}"
        print(f"{text:<44} {unit:<8} {sv} {qv} {ratio}  {notes}")
    print(
        f"* Quanzi: an authenticated WebSocket after `synced`; Synapse: a pending /sync long-poll "
        f"({args.idle_connections:,} of them, RSS growth / N)."
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", action="append", help="sqlite or a PostgreSQL URL (repeatable)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few messages, 500 idle sockets")
    parser.add_argument("--messages", type=int, help="(a) messages per sender count (2,000)")
    parser.add_argument("--rate", type=float, default=200.0, help="(b) messages per second (200)")
    parser.add_argument("--latency-messages", type=int, help="(b) messages sent at --rate (2,000)")
    parser.add_argument("--group-members", type=int, default=50)
    parser.add_argument("--group-messages", type=int, help="(c) messages into the group (500)")
    parser.add_argument("--idle-connections", type=int, help="(d) idle connections (10,000)")
    parser.add_argument("--idle-timeout", type=float, default=600.0, help="(d) seconds to open them all")
    parser.add_argument(
        "--no-ws-deflate",
        dest="ws_deflate",
        action="store_false",
        help="(d) idle WebSockets do not offer permessage-deflate (browsers do; the default offers it)",
    )
    parser.add_argument("--only", choices=["synapse", "quanzi"], help="run one system (no ratios)")
    parser.add_argument(
        "--synapse-venv", type=Path, help="where Synapse is installed (var/bench/synapse-venv)"
    )
    args = parser.parse_args()
    # A SIGTERM (a `timeout`, a CI runner) cancels the run, so that each server subprocess is stopped.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    quick = {"messages": 100, "latency_messages": 200, "group_messages": 30, "idle_connections": 500}
    full = {"messages": 2000, "latency_messages": 2000, "group_messages": 500, "idle_connections": 10_000}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    databases = args.database or ["sqlite", DEFAULT_PG]
    limit = raise_nofile()
    if limit < args.idle_connections + 1000:
        log(f"warning: the open-file limit is {limit}; {args.idle_connections} idle connections may not fit")
    python = install(args.synapse_venv or DEFAULT_VENV) if args.only != "quanzi" else Path()
    failures = []
    with tempfile.TemporaryDirectory(prefix="quanzi-chat-bench-") as tmp:
        workdir = Path(tmp)
        for database in databases:
            label = "sqlite" if database == "sqlite" else "postgresql"
            results: dict[str, dict[str, Result]] = {"synapse": {}, "quanzi": {}}
            servers: list[Any] = []
            if args.only != "quanzi":
                servers.append(SynapseServer(database, workdir / label, python))
            if args.only != "synapse":
                servers.append(QuanziServer(database, workdir / label))
            for server in servers:
                log(f"[{label}] {server.name}" + (f" {SYNAPSE_VERSION}" if server.name == "synapse" else ""))
                try:
                    await run_system(server, args, results[server.name])
                except Exception as exc:  # report it, keep the rows measured, go on
                    log(f"[{label}] {server.name} failed: {type(exc).__name__}: {exc}")
                    failures.append(f"{label}/{server.name}: {type(exc).__name__}: {exc}")
            print_table(
                f"database: {label} (Synapse {SYNAPSE_VERSION} and Quanzi on {label}; "
                f"{platform.machine()}, Python {platform.python_version()})",
                results["synapse"],
                results["quanzi"],
                args,
            )
            sys.stdout.flush()
    print(
        json.dumps(
            {
                k: getattr(args, k)
                for k in (
                    "messages",
                    "rate",
                    "latency_messages",
                    "group_members",
                    "group_messages",
                    "idle_connections",
                )
            }
        ),
        file=sys.stderr,
    )
    if failures:
        raise SystemExit("failed: " + "; ".join(failures))


def _run() -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())


if __name__ == "__main__":
    try:
        _run()
    except (asyncio.CancelledError, KeyboardInterrupt):
        log("interrupted; the servers were stopped")
        raise SystemExit(143) from None
