"""wallet: double-entry ledger, PINs, idempotency keys, cards, bank orders, transfers, red packets, payments

Revision ID: 0006_wallet
Revises: 0003_graph

The ledger's entries and postings are append-only: triggers refuse UPDATE and DELETE on both
databases. On PostgreSQL a deferred constraint trigger also refuses, at commit, any journal entry whose
postings do not sum to zero.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_wallet"
down_revision = "0003_graph"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.BigInteger()
MONEY = sa.BigInteger()

ACCOUNT_KINDS = (
    "wallet",
    "merchant",
    "escrow",
    "fee",
    "bank_clearing",
    "red_packet_hold",
    "transfer_hold",
    "withdrawal_hold",
)
APPEND_ONLY = ("wallet_journal_entries", "wallet_postings")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _fk(table: str, column: str, target: str, target_column: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{target_column}"], name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    op.create_table(
        "wallet_accounts",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_accounts"),
        sa.UniqueConstraint("owner_id", "kind", name="uq_wallet_accounts_owner_id_kind"),
        sa.CheckConstraint(_in("kind", ACCOUNT_KINDS), name="ck_wallet_accounts_kind"),
        sa.CheckConstraint("currency = 'CNY'", name="ck_wallet_accounts_currency"),
        # Only the bank-clearing account (money out at the bank) may go below zero.
        sa.CheckConstraint("balance >= 0 OR kind = 'bank_clearing'", name="ck_wallet_accounts_balance"),
        sa.CheckConstraint(
            "(owner_id = 0 AND kind IN ('fee', 'bank_clearing'))"
            " OR (owner_id <> 0 AND kind NOT IN ('fee', 'bank_clearing'))",
            name="ck_wallet_accounts_owner",
        ),
    )
    op.create_table(
        "wallet_journal_entries",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reference_type", sa.String(32), nullable=False),
        sa.Column("reference_id", ID, nullable=False),
        sa.Column("memo", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_journal_entries"),
    )
    op.create_index(
        "ix_wallet_journal_entries_reference", "wallet_journal_entries", ["reference_type", "reference_id"]
    )
    op.create_table(
        "wallet_postings",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("balance_after", MONEY, nullable=False),
        sa.Column("account_seq", sa.BigInteger(), nullable=False),
        sa.Column("counterparty_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_postings"),
        _fk("wallet_postings", "entry_id", "wallet_journal_entries"),
        _fk("wallet_postings", "account_id", "wallet_accounts"),
        sa.UniqueConstraint("account_id", "account_seq", name="uq_wallet_postings_account_id_account_seq"),
        sa.CheckConstraint("amount <> 0", name="ck_wallet_postings_amount"),
    )
    op.create_index("ix_wallet_postings_entry_id", "wallet_postings", ["entry_id"])

    op.create_table(
        "wallet_pins",
        sa.Column("user_id", ID, autoincrement=False, nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_wallet_pins"),
        _fk("wallet_pins", "user_id", "users"),
        sa.CheckConstraint("failed_attempts >= 0", name="ck_wallet_pins_failed_attempts"),
    )
    op.create_table(
        "wallet_idempotency_keys",
        sa.Column("user_id", ID, autoincrement=False, nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key", name="pk_wallet_idempotency_keys"),
    )
    op.create_table(
        "wallet_daily_usage",
        sa.Column("user_id", ID, autoincrement=False, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "day", "kind", name="pk_wallet_daily_usage"),
        sa.CheckConstraint("amount >= 0", name="ck_wallet_daily_usage_amount"),
    )

    op.create_table(
        "wallet_cards",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("bank", sa.String(32), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("masked", sa.String(32), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("holder_name", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("removed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_cards"),
        _fk("wallet_cards", "user_id", "users"),
        sa.UniqueConstraint("token", name="uq_wallet_cards_token"),
    )
    op.create_index("ix_wallet_cards_user_id", "wallet_cards", ["user_id", "id"])
    op.create_index(
        "uq_wallet_cards_user_id_fingerprint",
        "wallet_cards",
        ["user_id", "fingerprint"],
        unique=True,
        sqlite_where=sa.text("removed_at IS NULL"),
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.create_table(
        "wallet_bank_orders",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("card_id", ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failure_reason", sa.String(64), nullable=True),
        sa.Column("bank_reference", sa.String(64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_bank_orders"),
        _fk("wallet_bank_orders", "user_id", "users"),
        _fk("wallet_bank_orders", "card_id", "wallet_cards"),
        sa.CheckConstraint("kind IN ('topup', 'withdrawal')", name="ck_wallet_bank_orders_kind"),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')", name="ck_wallet_bank_orders_status"
        ),
        sa.CheckConstraint("amount > 0", name="ck_wallet_bank_orders_amount"),
    )
    op.create_index("ix_wallet_bank_orders_user_id", "wallet_bank_orders", ["user_id", "id"])
    op.create_table(
        "wallet_bank_nonces",
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("nonce", name="pk_wallet_bank_nonces"),
    )
    op.create_table(
        "sandbox_bank_cards",
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("behaviour", sa.String(16), nullable=False),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_sandbox_bank_cards"),
        sa.CheckConstraint("balance >= 0", name="ck_sandbox_bank_cards_balance"),
    )
    op.create_table(
        "sandbox_bank_requests",
        sa.Column("order_id", ID, autoincrement=False, nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("processed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("order_id", name="pk_sandbox_bank_requests"),
    )

    op.create_table(
        "wallet_transfers",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("sender_id", ID, nullable=False),
        sa.Column("receiver_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("note", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("conversation_ref", sa.String(64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_transfers"),
        _fk("wallet_transfers", "sender_id", "users"),
        _fk("wallet_transfers", "receiver_id", "users"),
        sa.CheckConstraint("amount > 0", name="ck_wallet_transfers_amount"),
        sa.CheckConstraint("sender_id <> receiver_id", name="ck_wallet_transfers_not_self"),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'expired')", name="ck_wallet_transfers_status"
        ),
    )
    op.create_index("ix_wallet_transfers_sender_id", "wallet_transfers", ["sender_id", "id"])
    op.create_index("ix_wallet_transfers_receiver_id", "wallet_transfers", ["receiver_id", "id"])
    op.create_index("ix_wallet_transfers_status_expires_at", "wallet_transfers", ["status", "expires_at"])

    op.create_table(
        "wallet_red_packets",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("sender_id", ID, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("split", sa.String(8), nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("share_count", sa.Integer(), nullable=False),
        sa.Column("greeting", sa.String(60), nullable=False),
        sa.Column("audience", sa.String(8), nullable=False),
        sa.Column("conversation_ref", sa.String(64), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("refunded_amount", MONEY, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_red_packets"),
        _fk("wallet_red_packets", "sender_id", "users"),
        sa.CheckConstraint("kind IN ('direct', 'group')", name="ck_wallet_red_packets_kind"),
        sa.CheckConstraint("split IN ('lucky', 'equal')", name="ck_wallet_red_packets_split"),
        sa.CheckConstraint("audience IN ('list', 'friends')", name="ck_wallet_red_packets_audience"),
        sa.CheckConstraint("status IN ('open', 'expired')", name="ck_wallet_red_packets_status"),
        # WAL-5: at most 200 CNY, at most 100 shares, at least one fen a share.
        sa.CheckConstraint("total > 0 AND total <= 20000", name="ck_wallet_red_packets_total"),
        sa.CheckConstraint(
            "share_count >= 1 AND share_count <= 100 AND share_count <= total",
            name="ck_wallet_red_packets_shares",
        ),
        sa.CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= total", name="ck_wallet_red_packets_refunded"
        ),
    )
    op.create_index("ix_wallet_red_packets_sender_id", "wallet_red_packets", ["sender_id", "id"])
    op.create_index("ix_wallet_red_packets_status_expires_at", "wallet_red_packets", ["status", "expires_at"])
    op.create_table(
        "wallet_red_packet_audience",
        sa.Column("packet_id", ID, nullable=False),
        sa.Column("user_id", ID, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("packet_id", "user_id", name="pk_wallet_red_packet_audience"),
        _fk("wallet_red_packet_audience", "packet_id", "wallet_red_packets"),
    )
    op.create_table(
        "wallet_red_packet_shares",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("packet_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("claimed_by", ID, nullable=True),
        sa.Column("claimed_at", TS, nullable=True),
        sa.Column("refunded_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_red_packet_shares"),
        _fk("wallet_red_packet_shares", "packet_id", "wallet_red_packets"),
        sa.UniqueConstraint("packet_id", "seq", name="uq_wallet_red_packet_shares_packet_id_seq"),
        sa.CheckConstraint("amount >= 1", name="ck_wallet_red_packet_shares_amount"),
        sa.CheckConstraint(
            "claimed_by IS NULL OR refunded_at IS NULL",
            name="ck_wallet_red_packet_shares_claimed_or_refunded",
        ),
    )
    op.create_table(
        "wallet_red_packet_grabs",
        sa.Column("packet_id", ID, nullable=False),
        sa.Column("user_id", ID, autoincrement=False, nullable=False),
        sa.Column("share_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("grabbed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("packet_id", "user_id", name="pk_wallet_red_packet_grabs"),
        _fk("wallet_red_packet_grabs", "packet_id", "wallet_red_packets"),
        sa.UniqueConstraint("share_id", name="uq_wallet_red_packet_grabs_share_id"),
    )

    op.create_table(
        "wallet_payments",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("payer_id", ID, nullable=False),
        sa.Column("merchant_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("fee", MONEY, nullable=False),
        sa.Column("refunded_amount", MONEY, nullable=False),
        sa.Column("refund_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("order_ref", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("settled_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_payments"),
        _fk("wallet_payments", "payer_id", "users"),
        _fk("wallet_payments", "merchant_id", "users"),
        sa.CheckConstraint("status IN ('escrowed', 'settled')", name="ck_wallet_payments_status"),
        sa.CheckConstraint("amount > 0", name="ck_wallet_payments_amount"),
        # WAL-6: refunds never exceed the payment, at most 50 of them.
        sa.CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= amount", name="ck_wallet_payments_refunded"
        ),
        sa.CheckConstraint(
            "refund_count >= 0 AND refund_count <= 50", name="ck_wallet_payments_refund_count"
        ),
        sa.CheckConstraint("fee >= 0 AND fee <= amount", name="ck_wallet_payments_fee"),
    )
    op.create_index("ix_wallet_payments_payer_id", "wallet_payments", ["payer_id", "id"])
    op.create_index("ix_wallet_payments_merchant_id", "wallet_payments", ["merchant_id", "id"])
    op.create_table(
        "wallet_refunds",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("payment_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_refunds"),
        _fk("wallet_refunds", "payment_id", "wallet_payments"),
        sa.CheckConstraint("amount > 0", name="ck_wallet_refunds_amount"),
        sa.CheckConstraint("source IN ('escrow', 'merchant')", name="ck_wallet_refunds_source"),
    )
    op.create_index("ix_wallet_refunds_payment_id", "wallet_refunds", ["payment_id", "id"])

    _create_ledger_triggers()


def _create_ledger_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION wallet_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
            END $$
            """
        )
        op.execute(
            """
            CREATE FUNCTION wallet_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF (SELECT COALESCE(SUM(amount), 0) FROM wallet_postings WHERE entry_id = NEW.entry_id) <> 0 THEN
                RAISE EXCEPTION 'journal entry % does not balance', NEW.entry_id
                  USING ERRCODE = 'check_violation';
              END IF;
              RETURN NULL;
            END $$
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change()"
            )
        op.execute(
            "CREATE CONSTRAINT TRIGGER wallet_postings_balanced AFTER INSERT ON wallet_postings "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wallet_entry_balanced()"
        )
    else:
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: {action} on {table} refused'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS wallet_postings_balanced ON wallet_postings")
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    else:
        for table in APPEND_ONLY:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    for table in (
        "wallet_refunds",
        "wallet_payments",
        "wallet_red_packet_grabs",
        "wallet_red_packet_shares",
        "wallet_red_packet_audience",
        "wallet_red_packets",
        "wallet_transfers",
        "sandbox_bank_requests",
        "sandbox_bank_cards",
        "wallet_bank_nonces",
        "wallet_bank_orders",
        "wallet_cards",
        "wallet_daily_usage",
        "wallet_idempotency_keys",
        "wallet_pins",
        "wallet_postings",
        "wallet_journal_entries",
        "wallet_accounts",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS wallet_entry_balanced()")
        op.execute("DROP FUNCTION IF EXISTS wallet_refuse_change()")
