"""chat: conversations, members, messages, per-user sync log, hidden messages, media, invitations

Revision ID: 0004_chat
Revises: 0003_graph
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_chat"
down_revision = "0003_graph"
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


def upgrade() -> None:
    op.create_table(
        "chat_conversations",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(64), nullable=True),
        sa.Column("announcement", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("direct_low_id", sa.BigInteger(), nullable=True),
        sa.Column("direct_high_id", sa.BigInteger(), nullable=True),
        sa.Column("mute_all", sa.Boolean(), nullable=False),
        sa.Column("member_count", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_chat_conversations"),
        _user_fk("chat_conversations", "owner_id", "SET NULL"),
        _user_fk("chat_conversations", "created_by", "SET NULL"),
        sa.UniqueConstraint("direct_low_id", "direct_high_id", name="uq_chat_conversations_direct_pair"),
        sa.CheckConstraint("kind IN ('direct', 'group')", name="ck_chat_conversations_kind"),
        sa.CheckConstraint(
            "member_count >= 0 AND member_count <= 500", name="ck_chat_conversations_member_count"
        ),
        sa.CheckConstraint(
            "(kind = 'direct' AND direct_low_id IS NOT NULL AND direct_high_id IS NOT NULL"
            " AND direct_low_id < direct_high_id)"
            " OR (kind <> 'direct' AND direct_low_id IS NULL AND direct_high_id IS NULL)",
            name="ck_chat_conversations_direct_pair",
        ),
    )

    op.create_table(
        "chat_members",
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("joined_seq", sa.BigInteger(), nullable=False),
        sa.Column("left_seq", sa.BigInteger(), nullable=True),
        sa.Column("read_seq", sa.BigInteger(), nullable=False),
        sa.Column("unread_count", sa.BigInteger(), nullable=False),
        sa.Column("mention_seq", sa.BigInteger(), nullable=False),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("pinned_at", TS, nullable=True),
        sa.Column("activity_id", sa.BigInteger(), nullable=False),
        sa.Column("last_message_id", sa.BigInteger(), nullable=True),
        sa.Column("invited_by", sa.BigInteger(), nullable=True),
        sa.Column("joined_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "user_id", name="pk_chat_members"),
        _conversation_fk("chat_members"),
        _user_fk("chat_members", "user_id"),
        sa.CheckConstraint("role IN ('owner', 'admin', 'member')", name="ck_chat_members_role"),
        sa.CheckConstraint("status IN ('active', 'left', 'removed')", name="ck_chat_members_status"),
        sa.CheckConstraint("unread_count >= 0", name="ck_chat_members_unread_count"),
        sa.CheckConstraint("(status = 'active') = (left_seq IS NULL)", name="ck_chat_members_left_seq"),
    )
    op.create_index("ix_chat_members_user_id_activity_id", "chat_members", ["user_id", "activity_id"])

    op.create_table(
        "chat_messages",
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("content", sa.JSON(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_to_id", sa.BigInteger(), nullable=True),
        sa.Column("mentions", sa.JSON(), nullable=False),
        sa.Column("mention_all", sa.Boolean(), nullable=False),
        sa.Column("forwarded", sa.Boolean(), nullable=False),
        sa.Column("client_msg_id", sa.String(64), nullable=True),
        sa.Column("recalled_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "id", name="pk_chat_messages"),
        _conversation_fk("chat_messages"),
        _user_fk("chat_messages", "sender_id", "SET NULL"),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_chat_messages_conversation_id_seq"),
        sa.UniqueConstraint(
            "conversation_id", "sender_id", "client_msg_id", name="uq_chat_messages_client_msg_id"
        ),
    )

    op.create_table(
        "chat_sync_counters",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_chat_sync_counters"),
        _user_fk("chat_sync_counters", "user_id"),
    )

    op.create_table(
        "chat_sync_entries",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "seq", name="pk_chat_sync_entries"),
        _user_fk("chat_sync_entries", "user_id"),
    )

    op.create_table(
        "chat_hidden_messages",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "message_id", name="pk_chat_hidden_messages"),
        _user_fk("chat_hidden_messages", "user_id"),
    )

    op.create_table(
        "chat_media",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("uploader_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("thumb_key", sa.String(200), nullable=True),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("width", sa.BigInteger(), nullable=True),
        sa.Column("height", sa.BigInteger(), nullable=True),
        sa.Column("filename", sa.String(200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_chat_media"),
        _conversation_fk("chat_media"),
        _user_fk("chat_media", "uploader_id"),
        sa.CheckConstraint("kind IN ('voice', 'image', 'video', 'file')", name="ck_chat_media_kind"),
    )
    op.create_index("ix_chat_media_conversation_id_id", "chat_media", ["conversation_id", "id"])

    op.create_table(
        "chat_invitations",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("inviter_id", sa.BigInteger(), nullable=False),
        sa.Column("invitee_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("responded_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_chat_invitations"),
        _conversation_fk("chat_invitations"),
        _user_fk("chat_invitations", "inviter_id"),
        _user_fk("chat_invitations", "invitee_id"),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'void')", name="ck_chat_invitations_status"
        ),
    )
    op.create_index(
        "uq_chat_invitations_pending",
        "chat_invitations",
        ["conversation_id", "invitee_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_chat_invitations_invitee_id_status_id", "chat_invitations", ["invitee_id", "status", "id"]
    )


def downgrade() -> None:
    op.drop_table("chat_invitations")
    op.drop_table("chat_media")
    op.drop_table("chat_hidden_messages")
    op.drop_table("chat_sync_entries")
    op.drop_table("chat_sync_counters")
    op.drop_table("chat_messages")
    op.drop_table("chat_members")
    op.drop_table("chat_conversations")
