"""Tables of the social graph: friend requests, friendships, follows, blocks, tags (GRA-1 … GRA-5).

Every relation is a row keyed by the users it joins, with a unique constraint on that key, so that a
duplicate is refused by the database (writes use ``ON CONFLICT DO NOTHING``), never by a read first.
A friendship is two rows, one per side, so each side keeps its own remark and the list of one user's
friends is a single index range. The schema is built by migration ``0003_graph``; keep the two equal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base

REQUEST_STATUSES = ("pending", "accepted", "declined")


class FriendRequest(Base):
    __tablename__ = "friend_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'accepted', 'declined')", name="status"),
        CheckConstraint("from_user_id <> to_user_id", name="not_self"),
        CheckConstraint(
            "pair_low_id < pair_high_id"
            " AND pair_low_id IN (from_user_id, to_user_id)"
            " AND pair_high_id IN (from_user_id, to_user_id)",
            name="pair",
        ),
        # At most one pending request per pair of users, whichever of them sent it: a request
        # crossing one already on its way becomes an acceptance, even when both are sent at once.
        Index(
            "uq_friend_requests_pending_pair",
            "pair_low_id",
            "pair_high_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_friend_requests_to_user_id_status_id", "to_user_id", "status", "id"),
        Index("ix_friend_requests_from_user_id_status_id", "from_user_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The pair, smaller id first, so that the pending-pair index ignores the direction.
    pair_low_id: Mapped[int]
    pair_high_id: Mapped[int]
    message: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]


class Friendship(Base):
    """One side of a friendship: `user_id` has `friend_id` as a friend (the other side has its own row)."""

    __tablename__ = "friendships"
    __table_args__ = (
        UniqueConstraint("user_id", "friend_id", name="uq_friendships_user_id_friend_id"),
        CheckConstraint("user_id <> friend_id", name="not_self"),
        Index("ix_friendships_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    friend_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Private to `user_id` (GRA-5); NULL when unset.
    remark: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]


class Follow(Base):
    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("follower_id", "followee_id", name="uq_follows_follower_id_followee_id"),
        CheckConstraint("follower_id <> followee_id", name="not_self"),
        Index("ix_follows_follower_id_id", "follower_id", "id"),
        Index("ix_follows_followee_id_id", "followee_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    followee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]


class Block(Base):
    __tablename__ = "blocks"
    __table_args__ = (
        UniqueConstraint("blocker_id", "blocked_id", name="uq_blocks_blocker_id_blocked_id"),
        CheckConstraint("blocker_id <> blocked_id", name="not_self"),
        Index("ix_blocks_blocker_id_id", "blocker_id", "id"),
        Index("ix_blocks_blocked_id", "blocked_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    blocker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]


class Tag(Base):
    """A private label an owner puts on friends (GRA-4); nobody else ever sees it."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_tags_owner_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class TagMember(Base):
    """A friend under a tag. `owner_id` repeats the tag's owner so that ending a friendship can drop
    the friend from all of the owner's tags with one indexed delete."""

    __tablename__ = "tag_members"
    __table_args__ = (
        UniqueConstraint("tag_id", "member_id", name="uq_tag_members_tag_id_member_id"),
        Index("ix_tag_members_tag_id_id", "tag_id", "id"),
        Index("ix_tag_members_owner_id_member_id", "owner_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
