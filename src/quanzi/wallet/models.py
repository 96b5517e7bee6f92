"""Tables of the wallet: the ledger, PINs, idempotency keys, cards, bank orders, transfers, red packets
and merchant payments. The schema itself is migration 0006_wallet; these mappings mirror it.

Money columns are BigInteger fen. Ledger entries and postings are append-only (database triggers
refuse UPDATE and DELETE); the cached `WalletAccount.balance` is the only money column that changes,
and only through `ledger.post_entry`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base

PLATFORM = 0  # owner_id of the platform's own accounts (fee, bank clearing)

# Account kinds. Holding accounts belong to the user whose money they hold until it moves on.
WALLET = "wallet"  # a user's spendable balance
MERCHANT = "merchant"  # a merchant's settled revenue
ESCROW = "escrow"  # buyers' payments held for a merchant until the order completes
FEE = "fee"  # the platform's fees (platform-owned)
BANK_CLEARING = "bank_clearing"  # money at the bank (platform-owned; the one account that goes negative)
RED_PACKET_HOLD = "red_packet_hold"  # a sender's unclaimed red-packet money
TRANSFER_HOLD = "transfer_hold"  # a sender's transfers waiting for the receiver
WITHDRAWAL_HOLD = "withdrawal_hold"  # a user's withdrawals waiting for the bank
ACCOUNT_KINDS = (
    WALLET,
    MERCHANT,
    ESCROW,
    FEE,
    BANK_CLEARING,
    RED_PACKET_HOLD,
    TRANSFER_HOLD,
    WITHDRAWAL_HOLD,
)
PLATFORM_KINDS = (FEE, BANK_CLEARING)


class WalletAccount(Base):
    __tablename__ = "wallet_accounts"
    __table_args__ = (UniqueConstraint("owner_id", "kind", name="uq_wallet_accounts_owner_id_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    owner_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # Bumped with every posting: orders the account's postings exactly (the statement's running balance).
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]


class JournalEntry(Base):
    __tablename__ = "wallet_journal_entries"
    __table_args__ = (Index("ix_wallet_journal_entries_reference", "reference_type", "reference_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    reference_type: Mapped[str] = mapped_column(String(32))
    reference_id: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class Posting(Base):
    __tablename__ = "wallet_postings"
    __table_args__ = (
        UniqueConstraint("account_id", "account_seq", name="uq_wallet_postings_account_id_account_seq"),
        Index("ix_wallet_postings_entry_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(ForeignKey("wallet_journal_entries.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("wallet_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)  # signed: what this posting adds to the balance
    balance_after: Mapped[int] = mapped_column(BigInteger)
    account_seq: Mapped[int] = mapped_column(BigInteger)
    counterparty_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class PaymentPin(Base):
    __tablename__ = "wallet_pins"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, autoincrement=False)
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    # Bumped only when the PIN is set or changed: a verification is good while it holds, whatever
    # other guesses did to the count meanwhile.
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime]


class DailyUsage(Base):
    __tablename__ = "wallet_daily_usage"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class Card(Base):
    __tablename__ = "wallet_cards"
    __table_args__ = (
        Index("ix_wallet_cards_user_id", "user_id", "id"),
        # One live card per number and user; a removed card may be linked again.
        Index(
            "uq_wallet_cards_user_id_fingerprint",
            "user_id",
            "fingerprint",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    bank: Mapped[str] = mapped_column(String(32))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    masked: Mapped[str] = mapped_column(String(32))
    last4: Mapped[str] = mapped_column(String(4))
    holder_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class BankOrder(Base):
    __tablename__ = "wallet_bank_orders"
    __table_args__ = (Index("ix_wallet_bank_orders_user_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("wallet_cards.id"))
    kind: Mapped[str] = mapped_column(String(16))  # topup | withdrawal
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # pending | succeeded | failed
    failure_reason: Mapped[str | None] = mapped_column(String(64))
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class BankNonce(Base):
    __tablename__ = "wallet_bank_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime]


class SandboxBankCard(Base):
    """The sandbox bank's own books: one account per tokenised card, with its own balance."""

    __tablename__ = "sandbox_bank_cards"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    last4: Mapped[str] = mapped_column(String(4))
    behaviour: Mapped[str] = mapped_column(String(16))
    balance: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class SandboxBankRequest(Base):
    """Each order the sandbox bank processed, so a retried request is answered, not executed twice."""

    __tablename__ = "sandbox_bank_requests"

    order_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    processed_at: Mapped[datetime]


class Transfer(Base):
    __tablename__ = "wallet_transfers"
    __table_args__ = (
        Index("ix_wallet_transfers_sender_id", "sender_id", "id"),
        Index("ix_wallet_transfers_receiver_id", "receiver_id", "id"),
        Index("ix_wallet_transfers_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    receiver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16))  # pending | accepted | declined | expired
    conversation_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class RedPacket(Base):
    __tablename__ = "wallet_red_packets"
    __table_args__ = (
        Index("ix_wallet_red_packets_sender_id", "sender_id", "id"),
        Index("ix_wallet_red_packets_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(8))  # direct | group
    split: Mapped[str] = mapped_column(String(8))  # lucky | equal
    total: Mapped[int] = mapped_column(BigInteger)
    share_count: Mapped[int] = mapped_column(Integer)
    greeting: Mapped[str] = mapped_column(String(60), default="")
    audience: Mapped[str] = mapped_column(String(8))  # list | friends
    conversation_ref: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))  # open | expired (the rest refunded)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class RedPacketMember(Base):
    __tablename__ = "wallet_red_packet_audience"

    packet_id: Mapped[int] = mapped_column(ForeignKey("wallet_red_packets.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class RedPacketShare(Base):
    """One share, split at creation; a grab claims one unclaimed row (SKIP LOCKED on PostgreSQL)."""

    __tablename__ = "wallet_red_packet_shares"
    __table_args__ = (UniqueConstraint("packet_id", "seq", name="uq_wallet_red_packet_shares_packet_id_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    packet_id: Mapped[int] = mapped_column(ForeignKey("wallet_red_packets.id"))
    seq: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]


class RedPacketGrab(Base):
    """Who grabbed which share; the primary key makes "one grab per member" a database fact."""

    __tablename__ = "wallet_red_packet_grabs"

    packet_id: Mapped[int] = mapped_column(ForeignKey("wallet_red_packets.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    share_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    grabbed_at: Mapped[datetime]


class Payment(Base):
    __tablename__ = "wallet_payments"
    __table_args__ = (
        Index("ix_wallet_payments_payer_id", "payer_id", "id"),
        Index("ix_wallet_payments_merchant_id", "merchant_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    payer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))  # escrowed | settled
    order_ref: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]


class Refund(Base):
    __tablename__ = "wallet_refunds"
    __table_args__ = (Index("ix_wallet_refunds_payment_id", "payment_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    payment_id: Mapped[int] = mapped_column(ForeignKey("wallet_payments.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16))  # escrow | merchant
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
