"""The model of the wallet that tests/wallet/test_stateful.py checks the services against.

Plain Python, no I/O: balances per (owner, account kind), daily usage, PIN state, transfers, red
packets, payments and bank orders. Each `predict_*` answers the error code a call must be refused
with (None: it must succeed) in the order the services check their rules, and changes nothing; the
`apply_*` methods and `move` book a success.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from quanzi.wallet import rules
from quanzi.wallet.models import (
    BANK_CLEARING,
    MERCHANT,
    PLATFORM,
    RED_PACKET_HOLD,
    TRANSFER_HOLD,
    WALLET,
    WITHDRAWAL_HOLD,
)

START_BALANCE = 500_00  # below the transfer and payment limits: amounts over the balance meet it
# Limits small enough for random sequences to reach every cap (rules.LIMITS is read at call time).
LIMITS = rules.Limits(
    transfer_per_transaction=600_00,
    transfer_per_day=700_00,
    withdrawal_per_transaction=400_00,
    withdrawal_per_day=500_00,
    topup_per_transaction=1_000_00,
    payment_per_transaction=700_00,
)


@dataclass
class PinModel:
    pin: str
    version: int = 1
    failed: int = 0
    locked_until: datetime | None = None
    proof_version: int = 1  # the version of the PIN proof the client holds


@dataclass
class TransferModel:
    sender: int
    receiver: int
    amount: int
    status: str
    expires_at: datetime


@dataclass
class PacketModel:
    sender: int
    audience: frozenset[int]
    shares: list[int]
    expires_at: datetime
    status: str = "open"
    grabs: dict[int, int] = field(default_factory=dict)  # user → amount
    refunded: int = 0


@dataclass
class PaymentModel:
    payer: int
    amount: int
    status: str = "escrowed"
    refunded: int = 0
    refunds: int = 0
    fee: int = 0


@dataclass
class OrderModel:
    user: int
    kind: str
    amount: int
    card: str
    status: str = "pending"


@dataclass
class Model:
    """What the wallet must hold. Each `predict_*` answers the error code the call must be refused
    with (None: it must succeed) and changes nothing; each `apply_*` books a success."""

    merchant: int
    balances: Counter[tuple[int, str]] = field(default_factory=Counter)
    usage: Counter[tuple[int, str, str]] = field(default_factory=Counter)
    pins: dict[int, PinModel] = field(default_factory=dict)
    friends: set[int] = field(default_factory=set)
    transfers: dict[int, TransferModel] = field(default_factory=dict)
    packets: dict[int, PacketModel] = field(default_factory=dict)
    payments: dict[int, PaymentModel] = field(default_factory=dict)
    orders: dict[int, OrderModel] = field(default_factory=dict)

    def wallet(self, user: int) -> int:
        return self.balances[(user, WALLET)]

    def move(self, source: tuple[int, str], target: tuple[int, str], amount: int) -> None:
        assert self.balances[source] >= amount or source[1] == BANK_CLEARING
        self.balances[source] -= amount
        self.balances[target] += amount

    def _stale(self, user: int) -> bool:
        pin = self.pins[user]
        return pin.proof_version != pin.version

    def _over_daily(self, user: int, kind: str, amount: int, cap: int, now: datetime) -> bool:
        return self.usage[(user, kind, rules.day_key(now))] + amount > cap

    # transfers

    def predict_transfer(
        self, sender: int, receiver: int, amount: int, now: datetime, *, fresh: bool = False
    ) -> str | None:
        if amount > LIMITS.transfer_per_transaction:
            return "limit_exceeded"
        if receiver not in self.friends or sender not in self.friends:
            return "not_a_friend"
        if not fresh and self._stale(sender):
            return "pin_changed"
        if self._over_daily(sender, "transfer", amount, LIMITS.transfer_per_day, now):
            return "daily_limit_exceeded"
        if self.wallet(sender) < amount:
            return "insufficient_balance"
        return None

    def apply_transfer(
        self, transfer_id: int, sender: int, receiver: int, amount: int, now: datetime
    ) -> None:
        self.usage[(sender, "transfer", rules.day_key(now))] += amount
        self.move((sender, WALLET), (sender, TRANSFER_HOLD), amount)
        self.transfers[transfer_id] = TransferModel(
            sender, receiver, amount, "pending", now + rules.TRANSFER_TTL
        )

    def predict_answer(self, transfer_id: int, actor: int, verb: str, now: datetime) -> str | None:
        transfer = self.transfers[transfer_id]
        if actor not in (transfer.sender, transfer.receiver):
            return "transfer_not_found"
        if actor != transfer.receiver:
            return "not_the_receiver"
        done = "accepted" if verb == "accept" else "declined"
        if transfer.status == done:
            return None  # answering the same way again answers the transfer as it is
        if transfer.status != "pending":
            return "transfer_not_pending"
        if transfer.expires_at <= now:
            return "transfer_expired"
        return None

    def apply_answer(self, transfer_id: int, verb: str) -> None:
        transfer = self.transfers[transfer_id]
        if transfer.status != "pending":
            return
        if verb == "accept":
            transfer.status = "accepted"
            self.move((transfer.sender, TRANSFER_HOLD), (transfer.receiver, WALLET), transfer.amount)
        else:
            transfer.status = "declined"
            self.move((transfer.sender, TRANSFER_HOLD), (transfer.sender, WALLET), transfer.amount)

    # red packets

    def predict_packet(self, sender: int, total: int, count: int, audience: int) -> str | None:
        if total > rules.RED_PACKET_MAX_TOTAL:
            return "red_packet_too_large"
        if count > audience:
            return "invalid_share_count"
        if total < count:
            return "share_too_small"
        if self._stale(sender):
            return "pin_changed"
        if self.wallet(sender) < total:
            return "insufficient_balance"
        return None

    def predict_grab(self, packet_id: int, actor: int, now: datetime) -> str | None:
        packet = self.packets[packet_id]
        if actor != packet.sender and actor not in packet.audience:
            return "red_packet_not_found"
        if packet.status != "open" or packet.expires_at <= now:
            return "red_packet_expired"
        if actor in packet.grabs:
            return "already_grabbed"
        if len(packet.grabs) == len(packet.shares):
            return "red_packet_empty"
        return None

    def apply_grab(self, packet_id: int, actor: int) -> int:
        packet = self.packets[packet_id]
        amount = packet.shares[len(packet.grabs)]  # the lowest unclaimed share
        packet.grabs[actor] = amount
        self.move((packet.sender, RED_PACKET_HOLD), (actor, WALLET), amount)
        return amount

    # bank

    def predict_topup(self, user: int, amount: int) -> str | None:
        if amount > LIMITS.topup_per_transaction:
            return "limit_exceeded"
        if self._stale(user):
            return "pin_changed"
        return None

    def predict_withdrawal(self, user: int, amount: int, now: datetime) -> str | None:
        if amount > LIMITS.withdrawal_per_transaction:
            return "limit_exceeded"
        if self._stale(user):
            return "pin_changed"
        if self._over_daily(user, "withdrawal", amount, LIMITS.withdrawal_per_day, now):
            return "daily_limit_exceeded"
        if self.wallet(user) < amount:
            return "insufficient_balance"
        return None

    # merchant payments

    def predict_pay(self, buyer: int, amount: int) -> str | None:
        if amount > LIMITS.payment_per_transaction:
            return "limit_exceeded"
        if self._stale(buyer):
            return "pin_changed"
        if self.wallet(buyer) < amount:
            return "insufficient_balance"
        return None

    def predict_release(self, payment_id: int, fee: int) -> str | None:
        payment = self.payments[payment_id]
        if payment.status != "escrowed":
            return "payment_already_settled"
        if fee > payment.amount - payment.refunded:
            return "invalid_fee"
        return None

    def predict_refund(self, payment_id: int, amount: int) -> str | None:
        payment = self.payments[payment_id]
        if payment.refunds >= rules.MAX_REFUNDS_PER_PAYMENT:
            return "too_many_refunds"
        if payment.refunded + amount > payment.amount:
            return "refund_exceeds_payment"
        if payment.status == "settled" and self.balances[(self.merchant, MERCHANT)] < amount:
            return "insufficient_balance"
        return None

    # PIN

    def enter_pin(self, user: int, right: bool, now: datetime) -> str | None:
        """verify_pin: predicts AND books the attempt (a refused guess is committed too)."""
        pin = self.pins[user]
        if pin.locked_until is not None and pin.locked_until > now:
            return "pin_locked"
        if right:
            pin.failed, pin.locked_until, pin.proof_version = 0, None, pin.version
            return None
        pin.failed = 1 if pin.locked_until is not None else pin.failed + 1
        pin.locked_until = None
        if pin.failed >= rules.PIN_MAX_FAILURES:
            pin.locked_until = now + rules.PIN_LOCK
            return "pin_locked"
        return "wrong_pin"

    # jobs

    def run_jobs(self, now: datetime) -> None:
        """What a worker's due jobs do: the bank answers every order; transfers and packets at their
        expiry go back to the sender."""
        for order in self.orders.values():
            if order.status != "pending":
                continue
            if order.card == "0002" or (order.kind == "withdrawal" and order.card == "0077"):
                order.status = "failed"
                if order.kind == "withdrawal":
                    self.move((order.user, WITHDRAWAL_HOLD), (order.user, WALLET), order.amount)
            else:
                order.status = "succeeded"
                if order.kind == "topup":
                    self.move((PLATFORM, BANK_CLEARING), (order.user, WALLET), order.amount)
                else:
                    self.move((order.user, WITHDRAWAL_HOLD), (PLATFORM, BANK_CLEARING), order.amount)
        for transfer in self.transfers.values():
            if transfer.status == "pending" and transfer.expires_at <= now:
                transfer.status = "expired"
                self.move((transfer.sender, TRANSFER_HOLD), (transfer.sender, WALLET), transfer.amount)
        for packet in self.packets.values():
            if packet.status == "open" and packet.expires_at <= now:
                packet.status = "expired"
                packet.refunded = sum(packet.shares[len(packet.grabs) :])
                if packet.refunded:
                    self.move((packet.sender, RED_PACKET_HOLD), (packet.sender, WALLET), packet.refunded)
