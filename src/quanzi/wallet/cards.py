"""Bank cards, top-ups and withdrawals (WAL-2, WAL-9).

A card is linked by number (Luhn-checked); the bank returns a token and we keep only the token, a
masked number and a keyed fingerprint (to refuse linking the same card twice). Money moves when the
bank answers:

- top-up: the order waits ``pending``; a ``succeeded`` callback posts bank clearing → wallet.
- withdrawal: the money leaves the wallet at once into the user's withdrawal hold (so it cannot be
  spent twice); ``succeeded`` posts hold → bank clearing, ``failed`` reverses hold → wallet.

An order resolves exactly once: the resolution is a transition of the declared
`lifecycles.BANK_ORDER`, one conditional UPDATE on ``status = 'pending'``, and a second callback for a
resolved order changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.outbox import emit
from quanzi.wallet import ledger, rules
from quanzi.wallet.bank import DuplicateCard, card_fingerprint, get_bank_adapter, luhn_valid, verify_callback
from quanzi.wallet.lifecycles import BANK_ORDER
from quanzi.wallet.models import (
    BANK_CLEARING,
    PLATFORM,
    WALLET,
    WITHDRAWAL_HOLD,
    BankOrder,
    Card,
)
from quanzi.wallet.pins import PinProof, confirm_pin

_SEPARATORS = re.compile(r"[ \-]")
MAX_CARDS = 10


def normalize_card_number(raw: str) -> str:
    number = _SEPARATORS.sub("", raw)
    if not (number.isascii() and number.isdigit() and 12 <= len(number) <= 19):
        raise InvalidInput("A card number is 12 to 19 digits.", code="invalid_card_number")
    if not luhn_valid(number):
        raise InvalidInput("That card number is not valid (check digit).", code="invalid_card_number")
    return number


def mask(number: str) -> str:
    return f"{number[:4]} **** **** {number[-4:]}"


async def link_card(session: AsyncSession, actor: Actor, number: str, holder_name: str) -> Card:
    """Link a card: Luhn-checked, tokenised by the bank, stored masked. The same card twice is 409."""
    number = normalize_card_number(number)
    holder = holder_name.strip()
    if not holder:
        raise InvalidInput("Give the card holder's name.", code="invalid_holder_name")
    count = len(
        (
            await session.scalars(
                select(Card.id).where(Card.user_id == actor.user_id, Card.removed_at.is_(None))
            )
        ).all()
    )
    if count >= MAX_CARDS:
        raise InvalidInput(f"At most {MAX_CARDS} cards can be linked.", code="too_many_cards")
    fingerprint = card_fingerprint(number)
    if await session.scalar(
        select(Card.id).where(
            Card.user_id == actor.user_id, Card.fingerprint == fingerprint, Card.removed_at.is_(None)
        )
    ):
        raise DuplicateCard("This card is already linked.")
    linked = await get_bank_adapter().link_card(session, number, holder)
    card = Card(
        id=new_id(),
        user_id=actor.user_id,
        bank=linked.bank,
        token=linked.token,
        fingerprint=fingerprint,
        masked=mask(number),
        last4=number[-4:],
        holder_name=holder[:64],
        created_at=clock.now(),
        removed_at=None,
    )
    session.add(card)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateCard("This card is already linked.") from exc
    return card


async def list_cards(session: AsyncSession, actor: Actor) -> list[Card]:
    return list(
        (
            await session.scalars(
                select(Card)
                .where(Card.user_id == actor.user_id, Card.removed_at.is_(None))
                .order_by(Card.id.desc())
            )
        ).all()
    )


async def _own_card(session: AsyncSession, actor: Actor, card_id: int | str) -> Card:
    parsed = parse_id(card_id)
    card = await session.get(Card, parsed) if parsed is not None else None
    if card is None or card.user_id != actor.user_id or card.removed_at is not None:
        raise NotFound("No such card.", code="card_not_found")
    return card


async def remove_card(session: AsyncSession, actor: Actor, card_id: int | str) -> None:
    """Unlink a card. Orders already sent to the bank still resolve."""
    card = await _own_card(session, actor, card_id)
    card.removed_at = clock.now()


async def start_topup(
    session: AsyncSession, actor: Actor, card_id: int | str, amount: int, *, proof: PinProof | None
) -> BankOrder:
    """Ask the bank to charge the card; the wallet is credited when the bank says it succeeded."""
    rules.check_amount(amount)
    if amount > rules.LIMITS.topup_per_transaction:
        raise ledger.LimitExceeded(
            "This top-up is over the per-transaction limit.",
            details={"limit": rules.LIMITS.topup_per_transaction},
        )
    card = await _own_card(session, actor, card_id)
    await confirm_pin(session, actor, proof)
    return await _submit(session, actor, card, "topup", amount)


async def start_withdrawal(
    session: AsyncSession, actor: Actor, card_id: int | str, amount: int, *, proof: PinProof | None
) -> BankOrder:
    """Move `amount` out of the wallet into the withdrawal hold and ask the bank to pay the card."""
    rules.check_amount(amount)
    limits = rules.LIMITS
    if amount > limits.withdrawal_per_transaction:
        raise ledger.LimitExceeded(
            "This withdrawal is over the per-transaction limit.",
            details={"limit": limits.withdrawal_per_transaction},
        )
    card = await _own_card(session, actor, card_id)
    await confirm_pin(session, actor, proof)
    await ledger.consume_daily_limit(session, actor.user_id, "withdrawal", amount, limits.withdrawal_per_day)
    order = await _submit(session, actor, card, "withdrawal", amount)
    await ledger.move(
        session,
        "withdrawal",
        source=(actor.user_id, WALLET),
        target=(actor.user_id, WITHDRAWAL_HOLD),
        amount=amount,
        reference_type="bank_order",
        reference_id=order.id,
        memo=card.masked,
    )
    return order


async def _submit(session: AsyncSession, actor: Actor, card: Card, kind: str, amount: int) -> BankOrder:
    order = BankOrder(
        id=new_id(),
        user_id=actor.user_id,
        card_id=card.id,
        kind=kind,
        amount=amount,
        status="pending",
        failure_reason=None,
        bank_reference=None,
        created_at=clock.now(),
        resolved_at=None,
    )
    session.add(order)
    await session.flush()
    await get_bank_adapter().submit(session, order, card.token)
    emit(
        session,
        f"wallet.{kind}.requested",
        {"order_id": str(order.id), "user_id": str(actor.user_id), "amount": amount, "card": card.masked},
    )
    return order


async def get_bank_order(session: AsyncSession, actor: Actor, order_id: int | str) -> BankOrder:
    parsed = parse_id(order_id)
    order = await session.get(BankOrder, parsed) if parsed is not None else None
    if order is None or order.user_id != actor.user_id:
        raise NotFound("No such top-up or withdrawal.", code="bank_order_not_found")
    return order


async def receive_bank_callback(
    session: AsyncSession, body: bytes, headers: dict[str, str]
) -> BankOrder | None:
    """Verify a bank callback (signature, age, nonce) and apply it. Returns the order, or None when
    the callback names no order of ours."""
    data = await verify_callback(session, body, headers)
    order_id = parse_id(str(data.get("order_id", "")))
    status = data.get("status")
    if order_id is None or status not in ("succeeded", "failed"):
        raise InvalidInput("The callback names no order or no outcome.", code="invalid_callback")
    reason = data.get("reason")
    reference = data.get("bank_reference")
    return await resolve_bank_order(
        session,
        order_id,
        status,
        str(reason)[:64] if reason else None,
        str(reference)[:64] if reference else None,
    )


async def resolve_bank_order(
    session: AsyncSession, order_id: int, status: str, reason: str | None, reference: str | None
) -> BankOrder | None:
    """Apply the bank's answer once; a resolved order is left as it is."""
    order = await BANK_ORDER.advance(
        session,
        order_id,
        "succeed" if status == "succeeded" else "fail",
        values={"failure_reason": reason if status == "failed" else None, "bank_reference": reference},
        entity=BankOrder,
    )
    if order is None:
        return await session.get(BankOrder, order_id)
    user_id, kind, amount = order.user_id, order.kind, order.amount
    if kind == "topup" and status == "succeeded":
        await ledger.move(
            session,
            "topup",
            source=(PLATFORM, BANK_CLEARING),
            target=(user_id, WALLET),
            amount=amount,
            reference_type="bank_order",
            reference_id=order_id,
        )
    elif kind == "withdrawal" and status == "succeeded":
        await ledger.move(
            session,
            "withdrawal_settled",
            source=(user_id, WITHDRAWAL_HOLD),
            target=(PLATFORM, BANK_CLEARING),
            amount=amount,
            reference_type="bank_order",
            reference_id=order_id,
        )
    elif kind == "withdrawal":
        await ledger.move(
            session,
            "withdrawal_reversal",
            source=(user_id, WITHDRAWAL_HOLD),
            target=(user_id, WALLET),
            amount=amount,
            reference_type="bank_order",
            reference_id=order_id,
            memo=reason or "",
        )
    event: dict[str, Any] = {
        "order_id": str(order_id),
        "user_id": str(user_id),
        "amount": amount,
        "status": status,
        "reason": reason,
    }
    emit(session, f"wallet.{kind}.{status}", event)
    return order
