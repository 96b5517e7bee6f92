"""Durable jobs of the wallet: expiries (24 h) and the sandbox bank's work and callbacks.

Each handler runs in the job's own transaction; each is safe to run twice (the state changes it makes
are conditional on the state it expects).
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.jobs import job_handler
from quanzi.wallet import bank, cards, conversations, redpackets, transfers


@job_handler("wallet.transfer.expire")
async def expire_transfer(session: AsyncSession, payload: dict[str, Any]) -> None:
    await transfers.expire_transfer(session, int(payload["transfer_id"]))


@job_handler("wallet.red_packet.expire")
async def expire_red_packet(session: AsyncSession, payload: dict[str, Any]) -> None:
    await redpackets.expire_red_packet(session, int(payload["packet_id"]))


@job_handler(conversations.CONVERSATION_EVENT_JOB)
async def conversation_event(session: AsyncSession, payload: dict[str, Any]) -> None:
    await conversations.dispatch(session, payload)


@job_handler("wallet.sandbox_bank.process")
async def sandbox_bank_process(session: AsyncSession, payload: dict[str, Any]) -> None:
    await bank.sandbox_process(session, payload)


@job_handler("wallet.bank_callback.deliver")
async def deliver_bank_callback(session: AsyncSession, payload: dict[str, Any]) -> None:
    """The in-process sandbox "calls back": the same signed bytes and checks as the HTTP callback."""
    body = str(payload["body"]).encode()
    await cards.receive_bank_callback(session, body, bank.signed_headers(body))


@job_handler("wallet.bank.send")
async def send_to_bank(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Hand an order to a bank process; a refusal or a network error retries the job with backoff."""
    order = {k: payload[k] for k in ("order_id", "token", "kind", "amount")}
    answer = await bank.post_signed(str(payload["url"]), order)
    if answer.status_code not in (200, 202):
        raise RuntimeError(f"the bank answered {answer.status_code}: {answer.text[:200]}")


@job_handler("wallet.sandbox_bank.call_back")
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
