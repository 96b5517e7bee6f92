"""The bank behind top-ups and withdrawals (WAL-2): the `BankAdapter` interface, callback signatures,
and the bundled sandbox bank.

A bank answers asynchronously: `submit` hands it an order inside the caller's transaction (so nothing
leaves the process before commit) and the answer arrives later as a signed callback —
``POST /api/v1/wallet/bank/callback`` over HTTP, or the same verification called in-process. A
callback is refused before anything moves unless its HMAC-SHA256 signature over
``"{timestamp}.{nonce}." + body`` is right, its timestamp is within `CALLBACK_MAX_AGE` of our clock,
and its nonce was never seen before.

The sandbox bank keeps its own books (`sandbox_bank_cards`, `sandbox_bank_requests`): each tokenised
card has a balance (1,000,000 CNY to start), and a request is processed once however often it is
retried. It runs as durable jobs: `wallet.sandbox_bank.process` does the bank's side and schedules
`wallet.bank_callback.deliver`, which signs the answer and delivers it. Test cards choose the
outcome by their last four digits (see `SANDBOX_BEHAVIOURS`); `sandbox_card_number` makes a
Luhn-valid number ending in given digits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.db import insert_for, table_of
from quanzi.core.errors import AppError, Conflict, InvalidInput
from quanzi.core.jobs import schedule
from quanzi.wallet.models import BankNonce, BankOrder, SandboxBankCard, SandboxBankRequest

TIMESTAMP_HEADER = "x-bank-timestamp"
NONCE_HEADER = "x-bank-nonce"
SIGNATURE_HEADER = "x-bank-signature"
CALLBACK_MAX_AGE = timedelta(minutes=5)

# Sandbox only. A deployment that talks to a real bank sets QUANZI_WALLET_BANK_SECRET.
_DEV_SECRET = "quanzi-sandbox-bank-secret"  # noqa: S105 - a documented sandbox default

SANDBOX_START_BALANCE = 1_000_000 * 100
SANDBOX_SLOW_DELAY = timedelta(minutes=10)
SANDBOX_BEHAVIOURS = {
    "0002": "declined",  # every request is declined
    "0051": "empty",  # the card holds no money: top-ups fail, withdrawals succeed
    "0077": "closed",  # withdrawals fail (the account is closed): the wallet reverses them
    "0099": "slow",  # the bank answers after SANDBOX_SLOW_DELAY
}


class CallbackRefused(AppError):
    status_code = 401
    code = "callback_refused"


def bank_secret() -> bytes:
    return os.environ.get("QUANZI_WALLET_BANK_SECRET", _DEV_SECRET).encode()


def card_fingerprint(number: str) -> str:
    """A keyed hash of the card number: finds a card linked twice without storing the number."""
    return hmac.new(bank_secret(), b"card:" + number.encode(), hashlib.sha256).hexdigest()


def sign(body: bytes, timestamp: int, nonce: str, secret: bytes | None = None) -> str:
    message = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(secret or bank_secret(), message, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, secret: bytes | None = None) -> dict[str, str]:
    timestamp = int(clock.now().timestamp())
    nonce = secrets.token_hex(16)
    return {
        TIMESTAMP_HEADER: str(timestamp),
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: sign(body, timestamp, nonce, secret),
    }


async def verify_callback(session: AsyncSession, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """The callback's JSON, once its signature, age and nonce check out; `CallbackRefused` otherwise.
    The nonce is recorded in the caller's transaction, so a refused or failed delivery can be retried."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp_text = lowered.get(TIMESTAMP_HEADER, "")
    nonce = lowered.get(NONCE_HEADER, "")
    signature = lowered.get(SIGNATURE_HEADER, "")
    if not (timestamp_text.isdigit() and nonce and signature) or len(nonce) > 64:
        raise CallbackRefused("The callback is not signed.", code="callback_unsigned")
    expected = sign(body, int(timestamp_text), nonce)
    if not hmac.compare_digest(expected, signature):
        raise CallbackRefused("The callback signature is wrong.", code="callback_bad_signature")
    age = abs(clock.now().timestamp() - int(timestamp_text))
    if age > CALLBACK_MAX_AGE.total_seconds():
        raise CallbackRefused("The callback is too old (or from the future).", code="callback_stale")
    seen = await session.execute(
        insert_for(session, table_of(BankNonce))
        .values(nonce=nonce, received_at=clock.now())
        .on_conflict_do_nothing(index_elements=["nonce"])
    )
    if seen.rowcount != 1:  # type: ignore[attr-defined]
        raise CallbackRefused("This callback was already received.", code="callback_replayed")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise InvalidInput("The callback body is not JSON.", code="malformed_json") from exc
    if not isinstance(data, dict):
        raise InvalidInput("The callback body is not an object.", code="invalid_input")
    return data


@dataclass(frozen=True)
class LinkedCard:
    token: str
    bank: str


class BankAdapter(Protocol):
    """What the wallet needs from a bank. Both calls run inside the caller's transaction and must
    not reach outside the process before it commits (schedule a job instead)."""

    name: str

    async def link_card(self, session: AsyncSession, number: str, holder_name: str) -> LinkedCard: ...

    async def submit(self, session: AsyncSession, order: BankOrder, card_token: str) -> None: ...


class SandboxBank:
    """The bundled sandbox bank, in-process, answering through durable jobs."""

    name = "sandbox"

    async def link_card(self, session: AsyncSession, number: str, holder_name: str) -> LinkedCard:
        last4 = number[-4:]
        behaviour = SANDBOX_BEHAVIOURS.get(last4, "normal")
        token = "sbx_" + secrets.token_hex(16)
        session.add(
            SandboxBankCard(
                token=token,
                last4=last4,
                behaviour=behaviour,
                balance=0 if behaviour == "empty" else SANDBOX_START_BALANCE,
                created_at=clock.now(),
            )
        )
        return LinkedCard(token=token, bank="Sandbox Bank")

    async def submit(self, session: AsyncSession, order: BankOrder, card_token: str) -> None:
        await sandbox_accept_order(session, order.id, card_token, order.kind, order.amount)


class BankUnavailable(AppError):
    status_code = 503
    code = "bank_unavailable"


class HttpBank:
    """A bank reached over HTTP: the sandbox bank run as its own process (`quanzi sandbox-bank`).

    Requests to the bank are signed like its callbacks. Linking a card asks the bank for a token
    while the request waits (nothing is stored before the answer); an order is sent by the durable
    job `wallet.bank.send` after commit, retried until the bank takes it (the bank processes an order
    id once)."""

    name = "sandbox-http"

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    async def link_card(self, session: AsyncSession, number: str, holder_name: str) -> LinkedCard:
        try:
            answer = await post_signed(f"{self.url}/cards", {"number": number, "holder_name": holder_name})
        except httpx.HTTPError as exc:
            raise BankUnavailable("The bank cannot be reached; try again later.") from exc
        if answer.status_code != 200:
            raise BankUnavailable(f"The bank refused the card ({answer.status_code}).")
        data = answer.json()
        return LinkedCard(token=str(data["token"]), bank=str(data["bank"]))

    async def submit(self, session: AsyncSession, order: BankOrder, card_token: str) -> None:
        await schedule(
            session,
            "wallet.bank.send",
            {
                "url": f"{self.url}/orders",
                "order_id": str(order.id),
                "token": card_token,
                "kind": order.kind,
                "amount": order.amount,
            },
            dedupe_key=f"bank-send:{order.id}",
        )


async def post_signed(url: str, payload: dict[str, Any]) -> httpx.Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"content-type": "application/json", **signed_headers(body)}
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(url, content=body, headers=headers)


async def sandbox_accept_order(
    session: AsyncSession, order_id: int, token: str, kind: str, amount: int, callback_url: str | None = None
) -> None:
    """The sandbox bank takes an order: it will process it (after a delay for "slow" cards), once."""
    behaviour = await session.scalar(select(SandboxBankCard.behaviour).where(SandboxBankCard.token == token))
    delay = SANDBOX_SLOW_DELAY if behaviour == "slow" else timedelta(0)
    await schedule(
        session,
        "wallet.sandbox_bank.process",
        {
            "order_id": str(order_id),
            "token": token,
            "kind": kind,
            "amount": amount,
            "callback_url": callback_url,
        },
        run_at=clock.now() + delay,
        dedupe_key=f"sandbox-bank:{order_id}",
    )


async def sandbox_process(session: AsyncSession, payload: dict[str, Any]) -> None:
    """The sandbox bank's side of one order (a job): move the card's money, then call back."""
    order_id = int(payload["order_id"])
    token, kind, amount = str(payload["token"]), str(payload["kind"]), int(payload["amount"])
    done = await session.get(SandboxBankRequest, order_id)
    if done is None:
        outcome, reason = await _sandbox_decide(session, token, kind, amount)
        session.add(
            SandboxBankRequest(
                order_id=order_id,
                token=token,
                kind=kind,
                amount=amount,
                outcome=outcome,
                reason=reason,
                processed_at=clock.now(),
            )
        )
    else:
        outcome, reason = done.outcome, done.reason
    body = {
        "order_id": str(order_id),
        "status": outcome,
        "reason": reason,
        "bank_reference": f"SBX{order_id}",
    }
    encoded = json.dumps(body, separators=(",", ":"))
    callback_url = payload.get("callback_url")
    if callback_url:  # the sandbox runs as its own process: call the server back over HTTP
        await schedule(
            session,
            "wallet.sandbox_bank.call_back",
            {"url": str(callback_url), "body": encoded},
            dedupe_key=f"sandbox-callback:{order_id}",
        )
    else:
        await schedule(
            session,
            "wallet.bank_callback.deliver",
            {"body": encoded},
            dedupe_key=f"sandbox-callback:{order_id}",
        )


async def _sandbox_decide(
    session: AsyncSession, token: str, kind: str, amount: int
) -> tuple[str, str | None]:
    card = await session.get(SandboxBankCard, token)
    if card is None:
        return "failed", "unknown_card"
    if card.behaviour == "declined":
        return "failed", "card_declined"
    if kind == "topup":
        taken = await session.execute(
            update(SandboxBankCard)
            .where(SandboxBankCard.token == token, SandboxBankCard.balance >= amount)
            .values(balance=SandboxBankCard.balance - amount)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return "failed", "insufficient_funds"
        return "succeeded", None
    if card.behaviour == "closed":
        return "failed", "account_closed"
    await session.execute(
        update(SandboxBankCard)
        .where(SandboxBankCard.token == token)
        .values(balance=SandboxBankCard.balance + amount)
        .execution_options(synchronize_session=False)
    )
    return "succeeded", None


_adapter: BankAdapter | None = None


def get_bank_adapter() -> BankAdapter:
    """The installed adapter; by default the sandbox bank, in-process, or over HTTP when
    QUANZI_WALLET_BANK_URL names a `quanzi sandbox-bank` process."""
    global _adapter
    if _adapter is None:
        url = os.environ.get("QUANZI_WALLET_BANK_URL", "")
        _adapter = HttpBank(url) if url else SandboxBank()
    return _adapter


def use_bank_adapter(adapter: BankAdapter) -> BankAdapter:
    """Install another adapter (a real bank, or a test double of the bank's network); returns the old."""
    global _adapter
    previous, _adapter = get_bank_adapter(), adapter
    return previous


def luhn_valid(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def sandbox_card_number(last4: str = "1234", prefix: str = "622202") -> str:
    """A Luhn-valid 16-digit test number ending in `last4` (the digit before them is adjusted)."""
    for filler in range(10):
        candidate = f"{prefix}{'0' * (16 - len(prefix) - 5)}{filler}{last4}"
        if luhn_valid(candidate):
            return candidate
    raise ValueError(f"no Luhn-valid number ends in {last4!r}")


class DuplicateCard(Conflict):
    code = "card_already_linked"
