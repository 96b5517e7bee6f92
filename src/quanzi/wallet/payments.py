"""Merchant payments and refunds (WAL-6): the primitives commerce builds orders on.

- `pay_to_escrow`: buyer's wallet → the merchant's escrow account (PIN confirmed).
- `release_escrow_to_merchant`: on completion, escrow → merchant account, less the platform fee
  (→ fee account). Once, by a conditional UPDATE on ``status = 'escrowed'``.
- `refund`: within 365 days of the payment, at most 50 refunds whose total never exceeds the amount
  paid — all three enforced by one conditional UPDATE on the payment row (and by CHECK constraints).
  Before settlement the money comes back from escrow; after it, from the merchant's account (the
  platform keeps its fee); a merchant account without enough money refuses the refund, moving nothing.

`actor` is None when commerce calls on the system's behalf (an order completing, a refund approved by
its own rules); a person calling must be the payer (release: confirming receipt), the merchant
(refund) or an operator.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import run_last, table_of
from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.outbox import emit
from quanzi.identity import service as identity
from quanzi.wallet import ledger, rules
from quanzi.wallet.ledger import Leg
from quanzi.wallet.models import ESCROW, FEE, MERCHANT, PLATFORM, WALLET, Payment, Refund
from quanzi.wallet.pins import PinProof, confirm_pin_version, pin_version_column

_payments = table_of(Payment)


async def pay_to_escrow(
    session: AsyncSession,
    actor: Actor,
    merchant_id: int | str,
    amount: int,
    *,
    order_ref: str,
    proof: PinProof | None,
) -> Payment:
    """The buyer pays `amount` into the merchant's escrow; `order_ref` names commerce's order. The
    ledger posting runs at the end of the caller's transaction (`run_last`): an InsufficientBalance
    comes from the commit of the caller's `Database.transaction()` block, not from this call."""
    rules.check_amount(amount)
    if amount > rules.LIMITS.payment_per_transaction:
        raise ledger.LimitExceeded("This payment is over the per-transaction limit.")
    merchant_key = parse_id(merchant_id)
    # One read: the merchant's row (its kind) and the payer's PIN version (still the one verified).
    rows = (
        await identity.users_with(session, [merchant_key], pin_version_column(actor.user_id))
        if merchant_key is not None
        else []
    )
    if not rows:
        raise NotFound("No such user.", code="user_not_found")
    merchant, pin_version = rows[0]
    if merchant.kind != "merchant":
        raise InvalidInput("Payments go to merchants.", code="not_a_merchant")
    if merchant.id == actor.user_id:
        raise InvalidInput("You cannot pay yourself.", code="cannot_pay_self")
    confirm_pin_version(actor, proof, pin_version)
    payment = Payment(
        id=new_id(),
        payer_id=actor.user_id,
        merchant_id=merchant.id,
        amount=amount,
        fee=0,
        refunded_amount=0,
        refund_count=0,
        status="escrowed",
        order_ref=order_ref[:64],
        created_at=clock.now(),
        settled_at=None,
    )
    session.add(payment)
    await session.flush()

    async def post(session: AsyncSession) -> None:
        await ledger.move(
            session,
            "payment",
            source=(actor.user_id, WALLET),
            target=(merchant.id, ESCROW),
            amount=amount,
            reference_type="payment",
            reference_id=payment.id,
            source_counterparty=merchant.id,
            target_counterparty=actor.user_id,
            memo=payment.order_ref,
        )

    # Every payment to a merchant credits the same escrow row: post right before the commit so its
    # lock is held briefly. A balance that falls short still refuses (InsufficientBalance) and rolls
    # the whole transaction back, only later in it.
    await run_last(session, post)
    emit(session, "wallet.payment.created", _event(payment))
    return payment


def _event(payment: Payment) -> dict[str, object]:
    return {
        "payment_id": str(payment.id),
        "payer_id": str(payment.payer_id),
        "merchant_id": str(payment.merchant_id),
        "amount": payment.amount,
        "order_ref": payment.order_ref,
        "refunded_amount": payment.refunded_amount,
        "status": payment.status,
    }


async def _payment(session: AsyncSession, payment_id: int | str) -> Payment:
    parsed = parse_id(payment_id)
    payment = await session.get(Payment, parsed, populate_existing=True) if parsed is not None else None
    if payment is None:
        raise NotFound("No such payment.", code="payment_not_found")
    return payment


async def get_payment(session: AsyncSession, actor: Actor, payment_id: int | str) -> Payment:
    payment = await _payment(session, payment_id)
    if actor.user_id not in (payment.payer_id, payment.merchant_id) and not actor.is_operator:
        raise NotFound("No such payment.", code="payment_not_found")
    return payment


async def release_escrow_to_merchant(
    session: AsyncSession, actor: Actor | None, payment_id: int | str, *, fee: int = 0
) -> Payment:
    """Settle: what is left in escrow for this payment goes to the merchant, `fee` of it to the platform."""
    payment = await _payment(session, payment_id)
    if actor is not None and actor.user_id != payment.payer_id and not actor.is_operator:
        raise NotFound("No such payment.", code="payment_not_found")
    if isinstance(fee, bool) or not isinstance(fee, int) or fee < 0:
        raise InvalidInput("The fee is a whole, non-negative number of fen.", code="invalid_fee")
    now = clock.now()
    result = await session.execute(
        update(_payments)
        .where(
            _payments.c.id == payment.id,
            _payments.c.status == "escrowed",
            _payments.c.amount - _payments.c.refunded_amount >= fee,
        )
        .values(status="settled", fee=fee, settled_at=now)
        .returning(_payments.c.amount - _payments.c.refunded_amount)
    )
    released = result.scalar()
    if released is None:
        payment = await _payment(session, payment.id)
        if payment.status != "escrowed":
            raise Conflict("This payment is already settled.", code="payment_already_settled")
        raise InvalidInput("The fee is more than the money in escrow.", code="invalid_fee")
    if released:
        ids = await ledger.account_ids(
            session, [(payment.merchant_id, ESCROW), (payment.merchant_id, MERCHANT), (PLATFORM, FEE)]
        )
        legs = [Leg(ids[(payment.merchant_id, ESCROW)], -released, payment.payer_id)]
        if released - fee:
            legs.append(Leg(ids[(payment.merchant_id, MERCHANT)], released - fee, payment.payer_id))
        if fee:
            legs.append(Leg(ids[(PLATFORM, FEE)], fee, payment.merchant_id))
        await ledger.post_entry(
            session,
            "escrow_released",
            legs,
            reference_type="payment",
            reference_id=payment.id,
            memo=payment.order_ref,
        )
    payment = await _payment(session, payment.id)
    emit(session, "wallet.payment.settled", _event(payment))
    return payment


async def refund(
    session: AsyncSession, actor: Actor | None, payment_id: int | str, amount: int, *, reason: str = ""
) -> Refund:
    """Return `amount` of a payment to the payer (see the module docstring for the limits)."""
    rules.check_amount(amount)
    payment = await _payment(session, payment_id)
    if actor is not None and actor.user_id != payment.merchant_id and not actor.is_operator:
        raise NotFound("No such payment.", code="payment_not_found")
    now = clock.now()
    result = await session.execute(
        update(_payments)
        .where(
            _payments.c.id == payment.id,
            _payments.c.refunded_amount + amount <= _payments.c.amount,
            _payments.c.refund_count < rules.MAX_REFUNDS_PER_PAYMENT,
            _payments.c.created_at > now - rules.REFUND_WINDOW,
        )
        .values(
            refunded_amount=_payments.c.refunded_amount + amount, refund_count=_payments.c.refund_count + 1
        )
        .returning(_payments.c.status)
    )
    status = result.scalar()
    if status is None:
        raise _refund_refusal(await _payment(session, payment.id), amount, now)
    source = (payment.merchant_id, ESCROW) if status == "escrowed" else (payment.merchant_id, MERCHANT)
    record = Refund(
        id=new_id(),
        payment_id=payment.id,
        amount=amount,
        source="escrow" if status == "escrowed" else "merchant",
        reason=reason[:200],
        created_at=now,
    )
    session.add(record)
    await session.flush()
    await ledger.move(
        session,
        "refund",
        source=source,
        target=(payment.payer_id, WALLET),
        amount=amount,
        reference_type="payment",
        reference_id=payment.id,
        source_counterparty=payment.payer_id,
        target_counterparty=payment.merchant_id,
        memo=reason[:200],
    )
    payment = await _payment(session, payment.id)
    emit(
        session, "wallet.payment.refunded", {**_event(payment), "refund_id": str(record.id), "refund": amount}
    )
    return record


def _refund_refusal(payment: Payment, amount: int, now: datetime) -> Exception:
    if payment.created_at <= now - rules.REFUND_WINDOW:
        return Conflict("This payment is too old to refund (365 days).", code="refund_window_closed")
    if payment.refund_count >= rules.MAX_REFUNDS_PER_PAYMENT:
        return Conflict("This payment has had the most refunds allowed (50).", code="too_many_refunds")
    return Conflict(
        "Refunds would exceed the amount paid.",
        code="refund_exceeds_payment",
        details={"refundable": payment.amount - payment.refunded_amount},
    )
