"""Tables of the chat domain: conversations, members, messages, the per-user sync log, media.

Keys are chosen for partitioning: everything about a conversation (members, messages) is keyed by the
conversation id first, everything about a user (the sync log and its counter, hidden messages) by the
user id first, so that either can be distributed on that column without cross-shard joins on the
hot paths (sending fans out by conversation; syncing reads one user's range).

The schema is built by migration ``0004_chat``; keep the two equal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base

CONVERSATION_KINDS = ("direct", "group", "service")
ROLES = ("owner", "admin", "member")
MEMBER_STATUSES = ("active", "left", "removed")
MAX_GROUP_MEMBERS = 500
# CHT-2: past this many members a new invitee must consent before joining.
CONSENT_THRESHOLD = 40


class Conversation(Base):
    """A direct chat (exactly two members, one per pair), a group, or a service chat (a customer and a
    merchant account, see `ServiceConversation`).

    `last_seq` numbers the conversation's messages 1, 2, 3 …; it is advanced under the row's lock, so
    the conversation's messages, its membership changes and its fan-out are serialized.
    """

    __tablename__ = "chat_conversations"
    __table_args__ = (
        CheckConstraint("kind IN ('direct', 'group', 'service')", name="kind"),
        CheckConstraint(f"member_count >= 0 AND member_count <= {MAX_GROUP_MEMBERS}", name="member_count"),
        CheckConstraint(
            "(kind = 'direct' AND direct_low_id IS NOT NULL AND direct_high_id IS NOT NULL"
            " AND direct_low_id < direct_high_id)"
            " OR (kind <> 'direct' AND direct_low_id IS NULL AND direct_high_id IS NULL)",
            name="direct_pair",
        ),
        UniqueConstraint("direct_low_id", "direct_high_id", name="uq_chat_conversations_direct_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(64))
    announcement: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    direct_low_id: Mapped[int | None]
    direct_high_id: Mapped[int | None]
    mute_all: Mapped[bool] = mapped_column(Boolean, default=False)
    member_count: Mapped[int] = mapped_column(default=0)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_message_id: Mapped[int | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Member(Base):
    """A user's place in a conversation, and their own view of it (read position, unread, mute, pin).

    A member sees the messages with ``joined_seq < seq <= left_seq`` (no upper bound while active):
    nothing from before they joined, nothing after they left or were removed.
    """

    __tablename__ = "chat_members"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'admin', 'member')", name="role"),
        CheckConstraint("status IN ('active', 'left', 'removed')", name="status"),
        CheckConstraint("unread_count >= 0", name="unread_count"),
        CheckConstraint("(status = 'active') = (left_seq IS NULL)", name="left_seq"),
        Index("ix_chat_members_user_id_activity_id", "user_id", "activity_id"),
    )

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    joined_seq: Mapped[int]
    left_seq: Mapped[int | None]
    # The chat's title when the member left or was removed (they see it as it was, CHT-2).
    left_title: Mapped[str | None] = mapped_column(String(64))
    read_seq: Mapped[int]
    unread_count: Mapped[int] = mapped_column(default=0)
    # The seq of the last message that mentioned this member (@name or @all).
    mention_seq: Mapped[int] = mapped_column(default=0)
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned_at: Mapped[datetime | None]
    # Sort key of the member's chat list: the id of the last message they saw arrive (or of the join).
    activity_id: Mapped[int]
    last_message_id: Mapped[int | None]
    invited_by: Mapped[int | None]
    joined_at: Mapped[datetime]


class Message(Base):
    """A message. `content` is the kind's validated payload (see kinds.py); `text` is what search reads.

    A recalled message keeps its row (and its seq) with `recalled_at` set; its content is blanked by a
    job once the sender's re-edit window has passed.
    """

    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_chat_messages_conversation_id_seq"),
        UniqueConstraint(
            "conversation_id", "sender_id", "client_msg_id", name="uq_chat_messages_client_msg_id"
        ),
    )

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text, default="")
    reply_to_id: Mapped[int | None]
    mentions: Mapped[list[str]] = mapped_column(JSON, default=list)
    mention_all: Mapped[bool] = mapped_column(Boolean, default=False)
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    client_msg_id: Mapped[str | None] = mapped_column(String(64))
    recalled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class SyncCounter(Base):
    """The last seq handed out in one user's sync log; locked to append (rows locked in user-id order)."""

    __tablename__ = "chat_sync_counters"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


class SyncEntry(Base):
    """One change a user must see, at its place in that user's ordered log (CHT-5).

    Kinds: ``message`` (a new message), ``recall``, ``hide`` (deleted for me, for the user's other
    devices), ``read`` (the user's own read position, or the peer's in a direct chat), ``chat`` (the
    user's relation to a chat changed: joined, removed, left, role, settings), ``invite`` (a group
    invitation waiting for consent).
    """

    __tablename__ = "chat_sync_entries"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[int]
    message_id: Mapped[int | None]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


class HiddenMessage(Base):
    """A message one user deleted for themselves (CHT-4)."""

    __tablename__ = "chat_hidden_messages"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    message_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    conversation_id: Mapped[int]
    created_at: Mapped[datetime]


class Media(Base):
    """An uploaded voice clip, image, video or file, checked by the server, waiting to be sent."""

    __tablename__ = "chat_media"
    __table_args__ = (
        CheckConstraint("kind IN ('voice', 'image', 'video', 'file')", name="kind"),
        Index("ix_chat_media_conversation_id_id", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("chat_conversations.id", ondelete="CASCADE"))
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str | None] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    duration_ms: Mapped[int | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    filename: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Invitation(Base):
    """An invitation into a group of more than 40 members, which the invitee must accept (CHT-2)."""

    __tablename__ = "chat_invitations"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'accepted', 'declined', 'void')", name="status"),
        Index(
            "uq_chat_invitations_pending",
            "conversation_id",
            "invitee_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_chat_invitations_invitee_id_status_id", "invitee_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("chat_conversations.id", ondelete="CASCADE"))
    inviter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    invitee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]


# --- customer service (CHT-9, SHP-2) ------------------------------------------------------------------
# Built by migration ``0011_customer_service``. A service chat is a `Conversation` of kind 'service'
# whose members are the customer and the merchant account; the merchant's staff act as the account
# without being members (chat/service/service_desk.py).

STAFF_ROLES = ("agent", "admin")
MAX_STAFF = 100


class ServiceStaff(Base):
    """A consumer account working a merchant's customer-service inbox (CHT-9)."""

    __tablename__ = "chat_service_staff"
    __table_args__ = (
        CheckConstraint("role IN ('agent', 'admin')", name="role"),
        Index("ix_chat_service_staff_user_id", "user_id"),
    )

    merchant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime]


class ServiceConversation(Base):
    """The service side of a service chat: who it is between, who serves it, and the SHP-2 counters.

    `activity_id` orders the inbox (the id of the latest message, or the conversation's id before the
    first); `account_replies` counts the account's messages since the customer's latest message. Both
    are changed only under the conversation row's lock (by `messages.post`)."""

    __tablename__ = "chat_service_chats"
    __table_args__ = (
        UniqueConstraint("merchant_id", "customer_id", name="uq_chat_service_chats_pair"),
        CheckConstraint("account_replies >= 0", name="account_replies"),
        Index("ix_chat_service_chats_merchant_id_activity_id", "merchant_id", "activity_id"),
        Index(
            "ix_chat_service_chats_merchant_id_assignee_id_activity_id",
            "merchant_id",
            "assignee_id",
            "activity_id",
        ),
    )

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    merchant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    activity_id: Mapped[int]
    last_customer_message_at: Mapped[datetime | None]
    account_replies: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ServiceReply(Base):
    """Which staff member (or the merchant itself) wrote an account message, for the console only."""

    __tablename__ = "chat_service_replies"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    message_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class CustomerPayment(Base):
    """When a customer last paid a merchant, kept by the `chat.customer_payments` consumer from the
    wallet's payment events: a payment opens the official account's 48-hour window (SHP-2)."""

    __tablename__ = "chat_customer_payments"

    merchant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_paid_at: Mapped[datetime]
