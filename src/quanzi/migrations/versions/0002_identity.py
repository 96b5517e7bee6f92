"""identity: users, sessions, failed logins

Revision ID: 0002_identity
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_identity"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(32), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(32), nullable=False),
        sa.Column("avatar_key", sa.String(200), nullable=True),
        sa.Column("bio", sa.String(200), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("is_kol", sa.Boolean(), nullable=False),
        sa.Column("merchant_verified_at", TS, nullable=True),
        sa.Column("is_operator", sa.Boolean(), nullable=False),
        sa.Column("discoverable_by_username", sa.Boolean(), nullable=False),
        sa.Column("discoverable_by_phone", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("password_changed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.UniqueConstraint("phone", name="uq_users_phone"),
        sa.CheckConstraint("kind IN ('consumer', 'merchant')", name="ck_users_kind"),
        # Usernames are stored lower-cased; the database refuses any other spelling.
        sa.CheckConstraint("username = lower(username)", name="ck_users_username_lower"),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("user_agent", sa.String(300), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_auth_sessions"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_auth_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("token_hash", name="uq_auth_sessions_token_hash"),
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id", "id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_key", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
    )
    op.create_index("ix_login_failures_account", "login_failures", ["account_key", "created_at"])
    op.create_index("ix_login_failures_address", "login_failures", ["address", "created_at"])


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("auth_sessions")
    op.drop_table("users")
