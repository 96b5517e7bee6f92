"""The sandbox bank as its own process (`quanzi sandbox-bank`): a small ASGI app over its own database.

It speaks the same signed protocol in both directions: the server's requests (``POST /cards`` to
tokenise a card, ``POST /orders`` to top up or withdraw) carry the HMAC headers of `bank.py` and are
refused unless signed, fresh and new; its answers go back as signed callbacks to the server's
``/api/v1/wallet/bank/callback``, from durable jobs run inside this process, retried until received.
Written as plain ASGI so that the wallet domain imports no web framework outside its api.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from quanzi.core.db import Database
from quanzi.core.errors import AppError, error_envelope
from quanzi.core.jobs import JobRunner
from quanzi.wallet.bank import SandboxBank, sandbox_accept_order, verify_callback
from quanzi.wallet.jobs import JOBS

MAX_BODY = 64 * 1024


class SandboxBankServer:
    def __init__(self, database_url: str, callback_url: str) -> None:
        self.db = Database(database_url)
        self.callback_url = callback_url
        self._stop = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        status, payload = await self._handle(scope, receive)
        body = json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._runner = asyncio.create_task(JobRunner(self.db, JOBS, poll_seconds=0.2).run(self._stop))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._stop.set()
                if self._runner is not None:
                    with contextlib.suppress(Exception):
                        await self._runner
                await self.db.dispose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _handle(self, scope: dict[str, Any], receive: Any) -> tuple[int, dict[str, Any]]:
        method, path = scope["method"], scope["path"]
        if method == "GET" and path == "/healthz":
            return 200, {"status": "ok"}
        if method != "POST" or path not in ("/cards", "/orders"):
            return 404, error_envelope("not_found", "Nothing here.")
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                return 413, error_envelope("payload_too_large", "The body is too large.")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            async with self.db.transaction() as session:
                data = await verify_callback(session, body, headers)
                if path == "/cards":
                    linked = await SandboxBank().link_card(
                        session, str(data["number"]), str(data.get("holder_name", ""))
                    )
                    return 200, {"token": linked.token, "bank": linked.bank}
                await sandbox_accept_order(
                    session,
                    int(data["order_id"]),
                    str(data["token"]),
                    str(data["kind"]),
                    int(data["amount"]),
                    callback_url=self.callback_url,
                )
                return 202, {"status": "accepted"}
        except AppError as error:
            return error.status_code, error.envelope()
        except (KeyError, ValueError) as error:
            return 422, error_envelope("invalid_input", f"Bad request: {error}")
