"""Durable jobs of the wallet: expiries (24 h) and the sandbox bank's work and callbacks.

Each handler runs in the job's own transaction; each is safe to run twice (the state changes it makes
are conditional on the state it expects).
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.jobs import JobHandler
from quanzi.core.stream import StreamEvent
from quanzi.wallet import bank, cards, consumers, redpackets, transfers


async def expire_transfer(session: AsyncSession, payload: dict[str, Any]) -> None:
    await transfers.expire_transfer(session, int(payload["transfer_id"]))


async def expire_red_packet(session: AsyncSession, payload: dict[str, Any]) -> None:
    await redpackets.expire_red_packet(session, int(payload["packet_id"]))


async def conversation_event(session: AsyncSession, payload: dict[str, Any]) -> None:
    """A chat notice scheduled as a job before the `wallet.chat_notices` consumer took this over (that
    consumer starts at the end of the stream, so it never posts these a second time)."""
    event = StreamEvent(0, 0, str(payload["topic"]), 1, clock.now(), dict(payload["data"]))
    await consumers.post_money_notice(session, event)


async def sandbox_bank_process(session: AsyncSession, payload: dict[str, Any]) -> None:
    await bank.sandbox_process(session, payload)


async def deliver_bank_callback(session: AsyncSession, payload: dict[str, Any]) -> None:
    """The in-process sandbox "calls back": the same signed bytes and checks as the HTTP callback."""
    body = str(payload["body"]).encode()
    await cards.receive_bank_callback(session, body, bank.signed_headers(body))


async def send_to_bank(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Hand an order to a bank process; a refusal or a network error retries the job with backoff."""
    order = {k: payload[k] for k in ("order_id", "token", "kind", "amount")}
    answer = await bank.post_signed(str(payload["url"]), order)
    if answer.status_code not in (200, 202):
        raise RuntimeError(f"the bank answered {answer.status_code}: {answer.text[:200]}")


async def sandbox_call_back(session: AsyncSession, payload: dict[str, Any]) -> None:
    """The sandbox bank process calls the server back (signed), retrying until it is received."""
    body = str(payload["body"]).encode()
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(
            str(payload["url"]),
            content=body,
            headers={"content-type": "application/json", **bank.signed_headers(body)},
        )
    if answer.status_code != 200:
        raise RuntimeError(f"the callback answered {answer.status_code}: {answer.text[:200]}")


JOBS: dict[str, JobHandler] = {
    "wallet.transfer.expire": expire_transfer,
    "wallet.red_packet.expire": expire_red_packet,
    "wallet.conversation_event": conversation_event,
    "wallet.sandbox_bank.process": sandbox_bank_process,
    "wallet.bank_callback.deliver": deliver_bank_callback,
    "wallet.bank.send": send_to_bank,
    "wallet.sandbox_bank.call_back": sandbox_call_back,
}
