"""core: idempotency keys belong to every money- or stock-moving request, not only the wallet's

Revision ID: 0015_core_idempotency
Revises: 0006_wallet
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_core_idempotency"
down_revision = "0006_wallet"
branch_labels = None
depends_on = "0013_event_stream"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # One namespace for every caller: a key another user already used is refused, never replayed.
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_idempotency_keys"),
    )
    op.execute(
        "INSERT INTO idempotency_keys (key, user_id, scope, request_hash, status_code, response, created_at)"
        " SELECT key, user_id, scope, request_hash, status_code, response, created_at"
        " FROM wallet_idempotency_keys WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    op.drop_table("wallet_idempotency_keys")


def downgrade() -> None:
    op.create_table(
        "wallet_idempotency_keys",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key", name="pk_wallet_idempotency_keys"),
    )
    op.execute(
        "INSERT INTO wallet_idempotency_keys (user_id, key, scope, request_hash, status_code, response,"
        " created_at) SELECT user_id, key, scope, request_hash, status_code, response, created_at"
        " FROM idempotency_keys"
    )
    op.drop_table("idempotency_keys")
