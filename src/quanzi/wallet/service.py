"""The wallet's rules, as other domains and the routes call them (WAL-1 … WAL-9).

This module is the wallet's front door: it re-exports the service functions of its rooms —
`ledger` (accounts, entries, statement), `pins`, `cards` (cards, top-ups, withdrawals, bank
callbacks), `transfers`, `redpackets` and `payments` — and adds the views. Every function takes the
session (the caller's unit of work) and the acting user first and never commits. `verify_pin(db, ...)`
is an entry-point helper with its own transaction, like a login; `pin_precheck(actor, pin)` is the PIN
as the precheck of an idempotent request (`core.idempotency`), which every money-moving route of any
domain uses: the action then receives the PIN proof.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.actor import Actor
from quanzi.core.pagination import PageRequest
from quanzi.identity import service as identity
from quanzi.wallet import ledger, rules
from quanzi.wallet.cards import (
    get_bank_order,
    link_card,
    list_cards,
    receive_bank_callback,
    remove_card,
    start_topup,
    start_withdrawal,
)
from quanzi.wallet.ledger import InsufficientBalance, LimitExceeded
from quanzi.wallet.models import WALLET
from quanzi.wallet.payments import (
    get_payment,
    pay_to_escrow,
    refund,
    release_escrow_to_merchant,
)
from quanzi.wallet.pins import (
    PinProof,
    WrongPin,
    confirm_pin,
    pin_precheck,
    pin_state,
    set_pin,
    verify_pin,
)
from quanzi.wallet.redpackets import (
    create_red_packet,
    get_red_packet,
    grab_red_packet,
    grab_refusal,
    red_packet_audience,
    red_packet_out,
)
from quanzi.wallet.schemas import LimitsOut, StatementItem, WalletOut
from quanzi.wallet.transfers import (
    accept_transfer,
    decline_transfer,
    get_transfer,
    send_transfer,
    transfer_out,
)

__all__ = [
    "InsufficientBalance",
    "LimitExceeded",
    "PinProof",
    "WrongPin",
    "accept_transfer",
    "balance",
    "confirm_pin",
    "create_red_packet",
    "decline_transfer",
    "get_bank_order",
    "get_payment",
    "get_red_packet",
    "get_transfer",
    "grab_red_packet",
    "grab_refusal",
    "link_card",
    "list_cards",
    "pay_to_escrow",
    "pin_precheck",
    "receive_bank_callback",
    "red_packet_audience",
    "red_packet_out",
    "refund",
    "release_escrow_to_merchant",
    "remove_card",
    "send_transfer",
    "set_pin",
    "start_topup",
    "start_withdrawal",
    "statement",
    "transfer_out",
    "verify_pin",
    "wallet_summary",
]


async def balance(session: AsyncSession, actor: Actor) -> int:
    """The actor's spendable balance in fen."""
    return await ledger.balance_of(session, actor.user_id, WALLET)


async def wallet_summary(session: AsyncSession, actor: Actor) -> WalletOut:
    is_set, locked_until = await pin_state(session, actor)
    limits = rules.LIMITS
    return WalletOut(
        balance=await balance(session, actor),
        pin_set=is_set,
        pin_locked_until=locked_until,
        limits=LimitsOut(
            transfer_per_transaction=limits.transfer_per_transaction,
            transfer_per_day=limits.transfer_per_day,
            withdrawal_per_transaction=limits.withdrawal_per_transaction,
            withdrawal_per_day=limits.withdrawal_per_day,
            red_packet_max_total=rules.RED_PACKET_MAX_TOTAL,
            red_packet_max_shares=rules.RED_PACKET_MAX_SHARES,
        ),
    )


async def statement(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[StatementItem], str | None]:
    """The actor's wallet movements, newest first, with counterparties and the running balance."""
    lines, cursor = await ledger.statement(session, actor.user_id, page)
    cards = await identity.get_cards(
        session, {line.counterparty_id for line in lines if line.counterparty_id}
    )
    items = [
        StatementItem(
            id=line.posting_id,
            entry_id=line.entry_id,
            kind=line.kind,
            amount=line.amount,
            balance_after=line.balance_after,
            counterparty=cards.get(line.counterparty_id) if line.counterparty_id else None,
            reference_type=line.reference_type,
            reference_id=line.reference_id,
            memo=line.memo,
            created_at=line.created_at,
        )
        for line in lines
    ]
    return items, cursor
