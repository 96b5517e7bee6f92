"""chat: when each customer last paid each merchant (the official account's window, SHP-2)

Revision ID: 0016_chat_customer_payments
Revises: 0011_customer_service
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_chat_customer_payments"
down_revision = "0011_customer_service"
branch_labels = None
# Backfilled from the wallet's payments, which the chat consumer reads as events from now on.
depends_on = ("0006_wallet", "0013_event_stream")

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chat_customer_payments",
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("last_paid_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("merchant_id", "customer_id", name="pk_chat_customer_payments"),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["users.id"],
            name="fk_chat_customer_payments_merchant_id_users",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["users.id"],
            name="fk_chat_customer_payments_customer_id_users",
            ondelete="CASCADE",
        ),
    )
    op.execute(
        "INSERT INTO chat_customer_payments (merchant_id, customer_id, last_paid_at)"
        " SELECT merchant_id, payer_id, MAX(created_at) FROM wallet_payments GROUP BY merchant_id, payer_id"
    )


def downgrade() -> None:
    op.drop_table("chat_customer_payments")
