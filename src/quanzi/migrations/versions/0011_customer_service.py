"""customer service: service chats, merchant staff, assignment and the SHP-2 counters

Revision ID: 0011_customer_service
Revises: 0004_chat
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_customer_service"
down_revision = "0004_chat"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _user_fk(table: str, column: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete=ondelete
    )


def _conversation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["conversation_id"],
        ["chat_conversations.id"],
        name=f"fk_{table}_conversation_id_chat_conversations",
        ondelete="CASCADE",
    )


def _set_kinds(kinds: str) -> None:
    # On SQLite this recreates the table (batch mode); the migration connection runs with foreign keys
    # off, so the rows that reference chat_conversations are untouched.
    with op.batch_alter_table("chat_conversations") as batch:
        batch.drop_constraint("ck_chat_conversations_kind", type_="check")
        batch.create_check_constraint("ck_chat_conversations_kind", f"kind IN ({kinds})")


def upgrade() -> None:
    _set_kinds("'direct', 'group', 'service'")

    op.create_table(
        "chat_service_staff",
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("merchant_id", "user_id", name="pk_chat_service_staff"),
        _user_fk("chat_service_staff", "merchant_id"),
        _user_fk("chat_service_staff", "user_id"),
        sa.CheckConstraint("role IN ('agent', 'admin')", name="ck_chat_service_staff_role"),
    )
    op.create_index("ix_chat_service_staff_user_id", "chat_service_staff", ["user_id"])

    op.create_table(
        "chat_service_chats",
        sa.Column("conversation_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("activity_id", sa.BigInteger(), nullable=False),
        sa.Column("last_customer_message_at", TS, nullable=True),
        sa.Column("account_replies", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_chat_service_chats"),
        _conversation_fk("chat_service_chats"),
        _user_fk("chat_service_chats", "merchant_id"),
        _user_fk("chat_service_chats", "customer_id"),
        _user_fk("chat_service_chats", "assignee_id", "SET NULL"),
        sa.UniqueConstraint("merchant_id", "customer_id", name="uq_chat_service_chats_pair"),
        sa.CheckConstraint("account_replies >= 0", name="ck_chat_service_chats_account_replies"),
    )
    op.create_index(
        "ix_chat_service_chats_merchant_id_activity_id",
        "chat_service_chats",
        ["merchant_id", "activity_id"],
    )
    op.create_index(
        "ix_chat_service_chats_merchant_id_assignee_id_activity_id",
        "chat_service_chats",
        ["merchant_id", "assignee_id", "activity_id"],
    )

    op.create_table(
        "chat_service_replies",
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("agent_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "message_id", name="pk_chat_service_replies"),
        _conversation_fk("chat_service_replies"),
        _user_fk("chat_service_replies", "agent_id", "SET NULL"),
    )


def downgrade() -> None:
    op.drop_table("chat_service_replies")
    op.drop_index("ix_chat_service_chats_merchant_id_assignee_id_activity_id", "chat_service_chats")
    op.drop_index("ix_chat_service_chats_merchant_id_activity_id", "chat_service_chats")
    op.drop_table("chat_service_chats")
    op.drop_index("ix_chat_service_staff_user_id", "chat_service_staff")
    op.drop_table("chat_service_staff")
    op.execute("DELETE FROM chat_conversations WHERE kind = 'service'")
    _set_kinds("'direct', 'group'")
