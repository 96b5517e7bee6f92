"""The four workloads, written once against either system's client (QuanziClient or SynapseClient).

Every message's text is `TAG N T`: the workload, the message's number and, where latency is measured,
the `time.monotonic()` at which it was due to be sent; a receiver parses it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from chatbench.common import Result, cpu_seconds, log, percentile, rss_bytes, settle

IDLE_SCRIPT = Path(__file__).with_name("idle.py")
IDLE_PER_PROCESS = 2500
IDLE_CPU_WINDOW = 5.0


def _resent(client: Any, before: int) -> list[str]:
    count = client.resent - before
    return [f"{count} resent after a dropped keep-alive connection"] if count else []


def _client_cpu() -> float:
    times = os.times()
    return times.user + times.system


async def throughput(client: Any, pid: int, users: list[Any], chat: str, total: int, senders: int) -> Result:
    """(a) `total` messages into a two-member chat from `senders` concurrent senders (both members)."""
    for n in range(10):  # warm-up, not timed
        await client.send(users[n % 2], chat, f"warm {n} 0")
    counter = itertools.count()

    async def sender(index: int) -> None:
        user = users[index % 2]
        while (n := next(counter)) < total:
            await client.send(user, chat, f"a{senders} {n} 0")

    cpu, server_cpu, resent = _client_cpu(), cpu_seconds(pid), client.resent
    started = time.perf_counter()
    await asyncio.gather(*(sender(i) for i in range(senders)))
    elapsed = time.perf_counter() - started
    share = (_client_cpu() - cpu) / elapsed
    server = (cpu_seconds(pid) - server_cpu) / elapsed
    notes = [f"{elapsed:.1f} s", f"server {server:.0%} / bench {share:.0%} of a core"]
    return Result(total / elapsed, notes + _resent(client, resent))


async def latency(
    client: Any, pid: int, users: list[Any], chat: str, count: int, rate: float
) -> tuple[Result, Result]:
    """(b) `count` messages at `rate`/s (open loop: each is due at start + n/rate) to a connected
    receiver; latency is from the moment a message was due to the moment its delivery was read."""
    sender, receiver = users[0], users[1]
    seen: dict[int, float] = {}
    done = asyncio.Event()

    def on_text(text: str, received: float) -> None:
        tag, n, due = text.split(" ")
        if tag == "b" and int(n) not in seen:
            seen[int(n)] = received - float(due)
            if len(seen) == count:
                done.set()

    listener = await client.listen(receiver, on_text)
    inflight = asyncio.Semaphore(512)
    errors = 0

    async def one(n: int, due: float) -> None:
        nonlocal errors
        async with inflight:
            try:
                await client.send(sender, chat, f"b {n} {due:.6f}")
            except Exception as exc:
                errors += 1
                if errors == 1:
                    log(f"{client.system}: (b) send failed: {type(exc).__name__}: {exc}")

    tasks = []
    server_cpu, resent = cpu_seconds(pid), client.resent
    start = time.monotonic() + 0.2
    for n in range(count):
        due = start + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    sent_rate = count / (time.monotonic() - start)
    server = (cpu_seconds(pid) - server_cpu) / (time.monotonic() - start)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), 30)
    await listener.stop()
    values = [v * 1000 for v in seen.values()]
    notes = [
        f"{len(values)}/{count} delivered",
        f"sends done at {sent_rate:.0f}/s",
        f"server {server:.0%} of a core",
    ]
    if errors:
        notes.append(f"{errors} send errors")
    if listener.gaps:
        notes.append(f"{listener.gaps} gaps")
    notes += _resent(client, resent)
    return Result(percentile(values, 0.50), notes), Result(percentile(values, 0.99), notes)


async def group(client: Any, pid: int, users: list[Any], chat: str, count: int, senders: int) -> Result:
    """(c) `count` messages into the group from `senders` concurrent senders (members in turn), every
    member connected; deliveries/s = messages × (members − 1) / time until the last one was read."""
    members = len(users)
    target = count * (members - 1)
    delivered = 0
    done = asyncio.Event()
    last = [0.0]

    def make(index: int) -> Any:
        def on_text(text: str, received: float) -> None:
            nonlocal delivered
            tag, n, _ = text.split(" ")
            if tag == "c" and int(n) % members != index:
                delivered += 1
                last[0] = received
                if delivered == target:
                    done.set()

        return on_text

    listeners = []
    for index, user in enumerate(users):
        listeners.append(await client.listen(user, make(index)))
    await asyncio.sleep(0.5)
    counter = itertools.count()

    async def sender() -> None:
        while (n := next(counter)) < count:
            await client.send(users[n % members], chat, f"c {n} 0")

    cpu, server_cpu, resent = _client_cpu(), cpu_seconds(pid), client.resent
    started = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(senders)))
    sent = time.monotonic() - started
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), 60)
    elapsed = (last[0] or time.monotonic()) - started
    share = (_client_cpu() - cpu) / max(elapsed, 1e-9)
    server = (cpu_seconds(pid) - server_cpu) / max(elapsed, 1e-9)
    gaps = sum(listener.gaps for listener in listeners)
    for listener in listeners:
        await listener.stop()
    notes = [
        f"{delivered}/{target} delivered in {elapsed:.1f} s",
        f"sent {count / sent:.0f} msg/s",
        f"server {server:.0%} / bench {share:.0%} of a core",
    ]
    if gaps:
        notes.append(f"{gaps} gaps")
    return Result(delivered / elapsed, notes + _resent(client, resent))


def _spawn_idle(spec: dict[str, Any]) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, str(IDLE_SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdin is not None
    child.stdin.write(json.dumps(spec) + "\n")
    child.stdin.flush()
    return child


async def idle_memory(
    client: Any, server_pid: int, users: list[Any], connections: int, open_limit: float, deflate: bool = True
) -> Result:
    """(d) the server's RSS growth per idle connection, with `connections` held by client processes."""
    spec = {**await client.idle_spec(users), "deflate": deflate}
    before = await settle(server_pid)
    processes = max(1, math.ceil(connections / IDLE_PER_PROCESS))
    share = math.ceil(connections / processes)
    children: list[subprocess.Popen[str]] = []
    opened = failed = 0
    started = time.monotonic()
    try:
        for p in range(processes):
            count = min(share, connections - p * share)
            children.append(_spawn_idle({**spec, "offset": p * share, "count": count}))
        loop = asyncio.get_running_loop()
        for child in children:
            assert child.stdout is not None
            line = await asyncio.wait_for(loop.run_in_executor(None, child.stdout.readline), open_limit)
            _, ok, bad = line.split()
            opened += int(ok)
            failed += int(bad)
        open_s = time.monotonic() - started
        after = await settle(server_pid)
        idle_cpu = cpu_seconds(server_pid)
        await asyncio.sleep(IDLE_CPU_WINDOW)
        idle_cpu = (cpu_seconds(server_pid) - idle_cpu) / IDLE_CPU_WINDOW
        answered = 0
        for child in children:
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write("status\n")
            child.stdin.flush()
            line = await asyncio.wait_for(loop.run_in_executor(None, child.stdout.readline), 30)
            answered += int(line.split()[2])
        still = opened - answered
    finally:
        for child in children:
            with contextlib.suppress(Exception):
                assert child.stdin is not None
                child.stdin.close()
        for child in children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
    per = (after - before) / max(1, still) / 1024
    notes = [
        f"{still:,} held",
        f"RSS {before / 2**20:.0f} -> {after / 2**20:.0f} MiB",
        f"opened in {open_s:.0f} s",
        f"server CPU while idle {idle_cpu:.0%} of a core",
    ]
    if failed:
        notes.append(f"{failed} failed to open")
    if answered:
        notes.append(f"{answered} ended early")
    log(f"{client.system}: idle {still} connections, RSS {before / 2**20:.1f} -> {after / 2**20:.1f} MiB")
    return Result(per, notes, {"rss_now": rss_bytes(server_pid)})
