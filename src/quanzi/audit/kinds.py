"""What the audit log records, one entry per kind of action: the event topic it is read from, whose
action it is when the event was not written by a signed-in request (a job, the bank's answer), whom it
concerns, its amount, and the state before and after as the event gives them.

A new kind of action is one `AuditKind` added to `KINDS`, and its topic is read from then on (and,
for events already in the stream, by a replay).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Data = dict[str, Any]
State = Callable[[Data], Data | None]


def _none(_data: Data) -> None:
    return None


def _status(value: str) -> State:
    return lambda _data: {"status": value}


def _own_status(data: Data) -> Data:
    return {"status": data["status"]}


@dataclass(frozen=True)
class AuditKind:
    topic: str
    # The payload field naming the user whose action this is, used when the event carries no actor
    # of its own (written by a job, a consumer or the bank's callback). None: nobody's but the
    # platform's (an expiry, a settlement by the clock).
    by: str | None
    # The payload field naming the user the action concerns: the other party of a transfer, the
    # merchant of a payment, the account an operator changed.
    subject: str | None
    amount: str | None = None
    before: State = _none
    after: State = _none


def _payment_refund_before(data: Data) -> Data:
    return {"refunded_amount": int(data["refunded_amount"]) - int(data["refund"])}


def _payment_refund_after(data: Data) -> Data:
    return {"refunded_amount": data["refunded_amount"], "status": data["status"]}


_PENDING = _status("pending")


def _bank_after(data: Data) -> Data:
    return {"status": data["status"], "reason": data["reason"]}


def _moderation_after(flag: str, value: bool) -> State:
    """The state an operator's action left, with what it was about and why (the report's reason and
    the operator's note, where the event carries them)."""

    def after(data: Data) -> Data:
        state: Data = {flag: value, "report_id": data["report_id"]}
        if "target_kind" in data:
            state["target"] = f"{data['target_kind']}:{data['target_id']}"
        for field in ("reason", "note"):
            if field in data:
                state[field] = data[field]
        return state

    return after


_KINDS = (
    # Transfers between friends (WAL-4).
    AuditKind("wallet.transfer.created", "sender_id", "receiver_id", "amount", _none, _own_status),
    AuditKind("wallet.transfer.accepted", "receiver_id", "sender_id", "amount", _PENDING, _own_status),
    AuditKind("wallet.transfer.declined", "receiver_id", "sender_id", "amount", _PENDING, _own_status),
    AuditKind("wallet.transfer.expired", None, "sender_id", "amount", _PENDING, _own_status),
    # Red packets (WAL-5).
    AuditKind("wallet.red_packet.created", "sender_id", "sender_id", "total"),
    AuditKind("wallet.red_packet.grabbed", "user_id", "sender_id", "amount"),
    AuditKind("wallet.red_packet.expired", None, "sender_id", "refunded"),
    # Top-ups and withdrawals through the bank (WAL-2).
    AuditKind("wallet.topup.requested", "user_id", "user_id", "amount", _none, _PENDING),
    AuditKind("wallet.topup.succeeded", None, "user_id", "amount", _PENDING, _bank_after),
    AuditKind("wallet.topup.failed", None, "user_id", "amount", _PENDING, _bank_after),
    AuditKind("wallet.withdrawal.requested", "user_id", "user_id", "amount", _none, _PENDING),
    AuditKind("wallet.withdrawal.succeeded", None, "user_id", "amount", _PENDING, _bank_after),
    AuditKind("wallet.withdrawal.failed", None, "user_id", "amount", _PENDING, _bank_after),
    # Payments to merchants: into escrow, released to the merchant, refunded (WAL-6).
    AuditKind("wallet.payment.created", "payer_id", "merchant_id", "amount", _none, _own_status),
    AuditKind("wallet.payment.settled", None, "merchant_id", "amount", _none, _own_status),
    AuditKind(
        "wallet.payment.refunded", None, "payer_id", "refund", _payment_refund_before, _payment_refund_after
    ),
    # Operator actions (ACC-2).
    AuditKind(
        "identity.merchant.verification_changed",
        None,
        "user_id",
        after=lambda data: {"verified": data["verified"]},
    ),
    AuditKind("identity.kol.badge_changed", None, "user_id", after=lambda data: {"kol": data["granted"]}),
    AuditKind("identity.operator.changed", None, "user_id", after=lambda data: {"operator": data["granted"]}),
    # Moderation by operators (MOD-1, MOD-2): the word list, take-downs and bans.
    AuditKind("moderation.words.changed", None, None, after=lambda data: {"version": data["version"]}),
    AuditKind(
        "moderation.content.taken_down",
        None,
        "owner_id",
        before=lambda _data: {"taken_down": False},
        after=_moderation_after("taken_down", True),
    ),
    AuditKind(
        "moderation.content.restored",
        None,
        "owner_id",
        before=lambda _data: {"taken_down": True},
        after=_moderation_after("taken_down", False),
    ),
    AuditKind(
        "moderation.user.banned",
        None,
        "user_id",
        before=lambda _data: {"banned": False},
        after=_moderation_after("banned", True),
    ),
    AuditKind(
        "moderation.user.unbanned",
        None,
        "user_id",
        before=lambda _data: {"banned": True},
        after=_moderation_after("banned", False),
    ),
)

KINDS: dict[str, AuditKind] = {kind.topic: kind for kind in _KINDS}
TOPICS: tuple[str, ...] = tuple(KINDS)
