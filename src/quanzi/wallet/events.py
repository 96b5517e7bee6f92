"""Events the wallet emits (docs/events.md). Amounts are integer fen."""

from __future__ import annotations

from quanzi.core.events import EventId, EventPayload, EventType


class TransferEvent(EventPayload):
    """A transfer to a friend was sent, accepted, declined or expired and refunded (WAL-4); the topic
    says which. `conversation_ref` is the chat it was sent in, if any."""

    transfer_id: EventId
    sender_id: EventId
    receiver_id: EventId
    amount: int
    status: str
    conversation_ref: str | None


class RedPacketCreated(EventPayload):
    """A red packet was funded (WAL-5): `kind` is direct or group, `count` its shares."""

    packet_id: EventId
    sender_id: EventId
    kind: str
    count: int
    total: int
    conversation_ref: str | None


class RedPacketGrabbed(EventPayload):
    """A user grabbed a share of a red packet."""

    packet_id: EventId
    sender_id: EventId
    user_id: EventId
    amount: int
    conversation_ref: str | None


class RedPacketExpired(EventPayload):
    """A red packet's 24 hours ran out; `refunded` went back to the sender."""

    packet_id: EventId
    sender_id: EventId
    refunded: int
    conversation_ref: str | None


class BankOrderRequested(EventPayload):
    """A user asked the bank to charge a linked card into the wallet (top-up) or to pay the wallet
    out to it (withdrawal, whose amount moves into the withdrawal hold at once) (WAL-2). `card` is
    the card's masked number."""

    order_id: EventId
    user_id: EventId
    amount: int
    card: str


class BankOrderResolved(EventPayload):
    """The bank answered a top-up or withdrawal (WAL-2); a failed withdrawal was reversed."""

    order_id: EventId
    user_id: EventId
    amount: int
    status: str
    reason: str | None


class PaymentEvent(EventPayload):
    """A payment to a merchant went into escrow (`created`) or was settled to the merchant (`settled`)
    (WAL-6). `order_ref` is what the payer paid for (an order's id)."""

    payment_id: EventId
    payer_id: EventId
    merchant_id: EventId
    amount: int
    order_ref: str | None
    refunded_amount: int
    status: str


class PaymentRefunded(PaymentEvent):
    """Part or all of a payment went back to the payer (WAL-6): `refund` this time, `refunded_amount`
    in all."""

    refund_id: EventId
    refund: int


EVENTS = (
    EventType("wallet.transfer.created", TransferEvent),
    EventType("wallet.transfer.accepted", TransferEvent),
    EventType("wallet.transfer.declined", TransferEvent),
    EventType("wallet.transfer.expired", TransferEvent),
    EventType("wallet.red_packet.created", RedPacketCreated),
    EventType("wallet.red_packet.grabbed", RedPacketGrabbed),
    EventType("wallet.red_packet.expired", RedPacketExpired),
    EventType("wallet.topup.requested", BankOrderRequested),
    EventType("wallet.withdrawal.requested", BankOrderRequested),
    EventType("wallet.topup.succeeded", BankOrderResolved),
    EventType("wallet.topup.failed", BankOrderResolved),
    EventType("wallet.withdrawal.succeeded", BankOrderResolved),
    EventType("wallet.withdrawal.failed", BankOrderResolved),
    EventType("wallet.payment.created", PaymentEvent),
    EventType("wallet.payment.settled", PaymentEvent),
    EventType("wallet.payment.refunded", PaymentRefunded),
)
