"""Transfers between friends (WAL-4, WAL-9): pending → accepted | declined | expired.

Sending moves the money from the sender's wallet into the sender's transfer hold at once (so it cannot
be spent twice); accepting moves it on to the receiver; declining or the 24-hour expiry job returns
it. Each resolution is a transition of the declared `lifecycles.TRANSFER`: one conditional UPDATE on
``status = 'pending'`` (accept also on ``expires_at > now``, expiry on ``expires_at <= now``), so a
transfer resolves exactly once even when the receiver's accept races the expiry job or two expiry jobs
race each other.

Chat shows a transfer as a message that refers to the transfer id returned by `send_transfer`, and
follows it through the events ``wallet.transfer.created|accepted|declined|expired``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import table_of
from quanzi.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.jobs import schedule
from quanzi.core.outbox import emit
from quanzi.graph import service as graph
from quanzi.identity import service as identity
from quanzi.wallet import ledger, rules
from quanzi.wallet.lifecycles import TRANSFER
from quanzi.wallet.models import TRANSFER_HOLD, WALLET, Transfer
from quanzi.wallet.pins import PinProof, confirm_pin_version, pin_version_column
from quanzi.wallet.schemas import TransferOut

_transfers = table_of(Transfer)
# The users' cards a transfer's transaction read, for its answer (in the session's `info`).
_CARDS = "wallet.transfer.cards"


class TransferNotPending(Conflict):
    code = "transfer_not_pending"


def _event(transfer: Transfer) -> dict[str, Any]:
    return {
        "transfer_id": str(transfer.id),
        "sender_id": str(transfer.sender_id),
        "receiver_id": str(transfer.receiver_id),
        "amount": transfer.amount,
        "status": transfer.status,
        "conversation_ref": transfer.conversation_ref,
    }


async def send_transfer(
    session: AsyncSession,
    actor: Actor,
    to_user_id: int | str,
    amount: int,
    *,
    proof: PinProof | None,
    note: str = "",
    conversation_ref: str | None = None,
) -> Transfer:
    """Send `amount` fen to a friend; the money waits in the sender's hold until the receiver acts.
    Refused (nothing moves): not a friend (403), over a limit (422), not enough balance (409), a PIN
    that was not confirmed."""
    rules.check_amount(amount)
    limits = rules.LIMITS
    if amount > limits.transfer_per_transaction:
        raise ledger.LimitExceeded(
            "This transfer is over the per-transaction limit.",
            details={"limit": limits.transfer_per_transaction},
        )
    receiver_id = parse_id(to_user_id)
    if receiver_id == actor.user_id:
        raise InvalidInput("You cannot transfer money to yourself.", code="cannot_transfer_to_self")
    if receiver_id is None:
        raise NotFound("No such user.", code="user_not_found")
    # One read for what the transfer checks and shows: both users (their cards answer the request),
    # whether they are friends, and the sender's PIN version (still the one verified).
    rows = await identity.users_with(
        session,
        (actor.user_id, receiver_id),
        graph.are_friends_clause(actor.user_id, receiver_id).label("friends"),
        pin_version_column(actor.user_id),
    )
    found = {user.id: (user, friends, pin_version) for user, friends, pin_version in rows}
    if receiver_id not in found:
        raise NotFound("No such user.", code="user_not_found")
    _receiver, friends, pin_version = found[receiver_id]
    if not friends:
        raise Forbidden("You can only transfer money to friends.", code="not_a_friend")
    confirm_pin_version(actor, proof, pin_version)
    session.info[_CARDS] = {user_id: identity.card_of(user) for user_id, (user, _, _) in found.items()}
    await ledger.consume_daily_limit(session, actor.user_id, "transfer", amount, limits.transfer_per_day)
    now = clock.now()
    transfer = Transfer(
        id=new_id(),
        sender_id=actor.user_id,
        receiver_id=receiver_id,
        amount=amount,
        note=note[:100],
        status="pending",
        conversation_ref=conversation_ref,
        created_at=now,
        expires_at=now + rules.TRANSFER_TTL,
        resolved_at=None,
    )
    # A Core INSERT: the hot path skips the ORM's flush machinery; the object is only returned.
    await session.execute(
        _transfers.insert().values(
            {column.key: getattr(transfer, column.key) for column in _transfers.columns}
        )
    )
    await ledger.move(
        session,
        "transfer_sent",
        source=(actor.user_id, WALLET),
        target=(actor.user_id, TRANSFER_HOLD),
        amount=amount,
        reference_type="transfer",
        reference_id=transfer.id,
        source_counterparty=receiver_id,
        memo=transfer.note,
    )
    await schedule(
        session, "wallet.transfer.expire", {"transfer_id": str(transfer.id)}, run_at=transfer.expires_at
    )
    emit(session, "wallet.transfer.created", _event(transfer))
    return transfer


async def _visible_transfer(session: AsyncSession, actor: Actor, transfer_id: int | str) -> Transfer:
    parsed = parse_id(transfer_id)
    transfer = await session.get(Transfer, parsed) if parsed is not None else None
    if transfer is None or actor.user_id not in (transfer.sender_id, transfer.receiver_id):
        raise NotFound("No such transfer.", code="transfer_not_found")
    return transfer


async def get_transfer(session: AsyncSession, actor: Actor, transfer_id: int | str) -> Transfer:
    return await _visible_transfer(session, actor, transfer_id)


async def _resolve(
    session: AsyncSession, transfer_id: int, transition: str, *, expiry: bool
) -> Transfer | None:
    """Take `transition` if the transfer is still pending and on the right side of its expiry: the
    resolved transfer, or None when it was not (already resolved, or the clock decided otherwise)."""
    now = clock.now()
    due = _transfers.c.expires_at <= now if expiry else _transfers.c.expires_at > now
    return await TRANSFER.advance(session, transfer_id, transition, where=(due,), entity=Transfer)


async def _settled(session: AsyncSession, transfer_id: int) -> Transfer:
    transfer = await session.get(Transfer, transfer_id, populate_existing=True)
    assert transfer is not None
    return transfer


def _not_pending(transfer: Transfer) -> AppError:
    if transfer.status == "pending":  # still pending in the row: it is past its expiry
        return TransferNotPending(
            "This transfer has expired; the money goes back to the sender.", code="transfer_expired"
        )
    return TransferNotPending(f"This transfer is already {transfer.status}.")


async def accept_transfer(session: AsyncSession, actor: Actor, transfer_id: int | str) -> Transfer:
    """The receiver takes the money. Accepting an accepted transfer answers it again."""
    transfer = await _visible_transfer(session, actor, transfer_id)
    if transfer.receiver_id != actor.user_id:
        raise Forbidden("Only the receiver can accept a transfer.", code="not_the_receiver")
    accepted = await _resolve(session, transfer.id, "accept", expiry=False)
    if accepted is None:
        transfer = await _settled(session, transfer.id)
        if transfer.status == "accepted":
            return transfer
        raise _not_pending(transfer)
    transfer = accepted
    await ledger.move(
        session,
        "transfer_received",
        source=(transfer.sender_id, TRANSFER_HOLD),
        target=(transfer.receiver_id, WALLET),
        amount=transfer.amount,
        reference_type="transfer",
        reference_id=transfer.id,
        target_counterparty=transfer.sender_id,
        memo=transfer.note,
    )
    emit(session, "wallet.transfer.accepted", _event(transfer))
    return transfer


async def decline_transfer(session: AsyncSession, actor: Actor, transfer_id: int | str) -> Transfer:
    """The receiver sends the money back to the sender."""
    transfer = await _visible_transfer(session, actor, transfer_id)
    if transfer.receiver_id != actor.user_id:
        raise Forbidden("Only the receiver can decline a transfer.", code="not_the_receiver")
    declined = await _resolve(session, transfer.id, "decline", expiry=False)
    if declined is None:
        transfer = await _settled(session, transfer.id)
        if transfer.status == "declined":
            return transfer
        raise _not_pending(transfer)
    transfer = declined
    await _refund(session, transfer, "transfer_declined")
    emit(session, "wallet.transfer.declined", _event(transfer))
    return transfer


async def expire_transfer(session: AsyncSession, transfer_id: int) -> bool:
    """The expiry job: a transfer still pending at its expiry goes back to the sender (once)."""
    transfer = await _resolve(session, transfer_id, "expire", expiry=True)
    if transfer is None:
        return False
    await _refund(session, transfer, "transfer_refunded")
    emit(session, "wallet.transfer.expired", _event(transfer))
    return True


async def _refund(session: AsyncSession, transfer: Transfer, kind: str) -> None:
    await ledger.move(
        session,
        kind,
        source=(transfer.sender_id, TRANSFER_HOLD),
        target=(transfer.sender_id, WALLET),
        amount=transfer.amount,
        reference_type="transfer",
        reference_id=transfer.id,
        target_counterparty=transfer.receiver_id,
        memo=transfer.note,
    )


async def transfer_out(session: AsyncSession, transfer: Transfer) -> TransferOut:
    # Sending read both cards already (`send_transfer`): the answer of that request reuses them.
    known = session.info.get(_CARDS, {})
    wanted = {transfer.sender_id, transfer.receiver_id}
    cards = {user_id: known[user_id] for user_id in wanted if user_id in known}
    cards |= await identity.get_cards(session, wanted - cards.keys())
    return TransferOut(
        id=transfer.id,
        sender=cards[transfer.sender_id],
        receiver=cards[transfer.receiver_id],
        amount=transfer.amount,
        note=transfer.note,
        status=transfer.status,  # type: ignore[arg-type]
        conversation_ref=transfer.conversation_ref,
        created_at=transfer.created_at,
        expires_at=transfer.expires_at,
        resolved_at=transfer.resolved_at,
    )


async def overdue_transfer_ids(session: AsyncSession) -> list[int]:
    """Pending transfers past their expiry (the job has not run yet): `quanzi ledger check` lists them."""
    return list(
        (
            await session.scalars(
                select(Transfer.id).where(Transfer.status == "pending", Transfer.expires_at <= clock.now())
            )
        ).all()
    )
