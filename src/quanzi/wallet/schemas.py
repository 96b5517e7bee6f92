"""Request and response shapes of the wallet. Every amount is an integer number of fen (0.01 CNY):
JSON numbers with a fraction, strings and booleans are refused, never rounded."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictInt

from quanzi.core.schemas import IdIn, IdOut, RequestModel, ResponseModel
from quanzi.identity.schemas import UserCard
from quanzi.wallet.rules import MAX_AMOUNT, RED_PACKET_MAX_SHARES

Fen = Annotated[StrictInt, Field(gt=0, le=MAX_AMOUNT, description="Amount in fen (1 CNY = 100 fen)")]
Pin = Annotated[str, Field(pattern=r"^[0-9]{6}$", description="The 6-digit payment PIN")]


class LimitsOut(ResponseModel):
    transfer_per_transaction: int
    transfer_per_day: int
    withdrawal_per_transaction: int
    withdrawal_per_day: int
    red_packet_max_total: int
    red_packet_max_shares: int


class WalletOut(ResponseModel):
    balance: int
    currency: str = "CNY"
    pin_set: bool
    pin_locked_until: datetime | None
    limits: LimitsOut


class PinIn(RequestModel):
    new_pin: Pin
    current_pin: Pin | None = Field(default=None, description="Required to change a PIN that is set")


class CardIn(RequestModel):
    number: str = Field(min_length=12, max_length=23, description="Card number; spaces and dashes allowed")
    holder_name: str = Field(min_length=1, max_length=64)


class CardOut(ResponseModel):
    id: IdOut
    bank: str
    masked: str
    last4: str
    holder_name: str
    created_at: datetime


class BankOrderIn(RequestModel):
    card_id: IdIn
    amount: Fen
    pin: Pin


class BankOrderOut(ResponseModel):
    id: IdOut
    kind: Literal["topup", "withdrawal"]
    card_id: IdOut
    amount: int
    status: Literal["pending", "succeeded", "failed"]
    failure_reason: str | None
    created_at: datetime
    resolved_at: datetime | None


class TransferIn(RequestModel):
    to_user_id: IdIn
    amount: Fen
    note: str = Field(default="", max_length=100)
    conversation_ref: str | None = Field(
        default=None, pattern=r"^[0-9]{1,19}$", description="The chat it is sent in, to follow it there"
    )
    pin: Pin


class TransferOut(ResponseModel):
    id: IdOut
    sender: UserCard
    receiver: UserCard
    amount: int
    note: str
    status: Literal["pending", "accepted", "declined", "expired"]
    conversation_ref: str | None
    created_at: datetime
    expires_at: datetime
    resolved_at: datetime | None


class RedPacketIn(RequestModel):
    kind: Literal["direct", "group"]
    split: Literal["lucky", "equal"] = "lucky"
    total: Fen
    count: StrictInt = Field(default=1, ge=1, le=RED_PACKET_MAX_SHARES)
    greeting: str = Field(default="", max_length=60)
    to_user_id: IdIn | None = Field(default=None, description="The friend, for a direct red packet")
    audience: list[IdIn] | None = Field(
        default=None,
        max_length=500,
        description="Who may grab a group red packet; omitted: the sender's friends",
    )
    conversation_ref: str | None = Field(
        default=None, pattern=r"^[0-9]{1,19}$", description="The chat it is sent in, to follow it there"
    )
    pin: Pin


class GrabOut(ResponseModel):
    user: UserCard
    amount: int
    grabbed_at: datetime
    best_luck: bool = False


class RedPacketOut(ResponseModel):
    id: IdOut
    sender: UserCard
    kind: Literal["direct", "group"]
    split: Literal["lucky", "equal"]
    total: int
    count: int
    greeting: str
    status: Literal["open", "finished", "expired"]
    claimed_count: int
    claimed_amount: int
    refunded_amount: int
    my_amount: int | None
    grabs: list[GrabOut]
    conversation_ref: str | None
    created_at: datetime
    expires_at: datetime


class StatementItem(ResponseModel):
    id: IdOut
    entry_id: IdOut
    kind: str
    amount: int = Field(description="Signed fen: positive came in, negative went out")
    balance_after: int
    counterparty: UserCard | None
    reference_type: str
    reference_id: IdOut
    memo: str
    created_at: datetime


class PaymentOut(ResponseModel):
    id: IdOut
    payer_id: IdOut
    merchant_id: IdOut
    amount: int
    fee: int
    refunded_amount: int
    refund_count: int
    status: Literal["escrowed", "settled"]
    order_ref: str
    created_at: datetime
    settled_at: datetime | None


class RefundOut(ResponseModel):
    id: IdOut
    payment_id: IdOut
    amount: int
    source: Literal["escrow", "merchant"]
    reason: str
    created_at: datetime
