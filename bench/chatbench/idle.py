"""One client process holding idle connections for the memory measurement (run by bench/chat.py).

    python idle.py < spec.json

The spec (one JSON line on stdin) says what to open, `count` connections starting at `offset`:
- quanzi: a WebSocket to /api/v1/ws, hello with the user's head, wait for `synced`; then silent.
  Like a browser it offers permessage-deflate, unless the spec says `"deflate": false`.
- synapse: a raw HTTP/1.1 connection carrying `GET /_matrix/client/v3/sync?since=…&timeout=…`, the
  long-poll an idle Matrix client keeps pending; each has its own timeout (10 min + i ms) so that no
  two requests share an entry of Synapse's sync response cache (its key includes the timeout).

It prints `ready OPENED FAILED` once all are open, then answers each line `status` on stdin with
`status OPEN ANSWERED` (ANSWERED: long-polls that came back, or sockets closed, before they should),
and exits (the kernel closes every socket) when stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import sys
from typing import Any
from urllib.parse import urlencode

OPEN_AT_ONCE = 64


async def open_quanzi(spec: dict[str, Any], index: int, state: dict[str, int], holders: list[Any]) -> None:
    import websockets

    hello = spec["hellos"][index % len(spec["hellos"])]
    ws = await websockets.connect(
        spec["url"],
        ping_interval=None,
        max_size=1 << 20,
        open_timeout=120,
        compression="deflate" if spec.get("deflate", True) else None,
    )
    await ws.send(json.dumps(hello))
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 120))
        if frame["type"] == "synced":
            break
        if frame["type"] == "error":
            raise RuntimeError(str(frame))
    holders.append(ws)

    async def watch() -> None:
        with contextlib.suppress(Exception):
            async for _ in ws:
                pass
        if not state.get("closing"):
            state["answered"] += 1

    holders.append(asyncio.create_task(watch()))


async def open_synapse(spec: dict[str, Any], index: int, state: dict[str, int], holders: list[Any]) -> None:
    user = spec["users"][index % len(spec["users"])]
    query = urlencode({"since": user["since"], "timeout": 600_000 + index, "filter": spec["filter"]})
    reader, writer = await asyncio.wait_for(asyncio.open_connection(spec["host"], spec["port"]), 120)
    writer.write(
        (
            f"GET /_matrix/client/v3/sync?{query} HTTP/1.1\r\nHost: {spec['host']}:{spec['port']}\r\n"
            f"Authorization: Bearer {user['token']}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    holders.append(writer)

    async def watch() -> None:
        answer = b""
        with contextlib.suppress(Exception):
            answer = await reader.read(3000)
        if not state.get("closing"):
            state["answered"] += 1
            if state["answered"] == 1:
                print(f"early answer: {answer!r}", file=sys.stderr, flush=True)

    holders.append(asyncio.create_task(watch()))


async def main() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    spec = json.loads(await reader.readline())
    opener = open_quanzi if spec["kind"] == "quanzi" else open_synapse
    state = {"answered": 0, "failed": 0, "closing": 0}
    holders: list[Any] = []
    sem = asyncio.Semaphore(OPEN_AT_ONCE)

    async def one(index: int) -> None:
        async with sem:
            try:
                await opener(spec, index, state, holders)
            except Exception as exc:  # counted and reported; the parent decides
                state["failed"] += 1
                if state["failed"] <= 3:
                    print(f"error {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)

    offset, count = spec["offset"], spec["count"]
    await asyncio.gather(*(one(i) for i in range(offset, offset + count)))
    print(f"ready {count - state['failed']} {state['failed']}", flush=True)
    while line := await reader.readline():
        if line.strip() == b"status":
            print(f"status {count - state['failed'] - state['answered']} {state['answered']}", flush=True)
    state["closing"] = 1
    # The kernel closes every socket at exit, at once; the servers see them go.
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main())
