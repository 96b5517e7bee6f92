"""Tables of the feed: Moments and public posts, their media, audiences, likes, comments, topics,
search terms, hot-search activity, notifications, and each user's Moments settings (MOM-1 … MOM-6,
PUB-1 … PUB-4, NTF-1).

A Moment and a public post are one row kind (`feed_posts`, `kind` tells them apart) so that likes,
comments, media, topics and notifications have one home and one visibility rule
(`feed.service.visibility`). The schema is built by migration ``0005_feed``; keep the two equal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base

POST_KINDS = ("moment", "public")
VISIBILITIES = ("public", "friends", "private", "include", "exclude")
BROWSE_BACK = ("all", "6m", "1m", "3d")
NOTIFICATION_KINDS = (
    "like",
    "comment",
    "reply",
    "mention",
    "repost",
    "comment_removed",
    "taken_down",
    "restored",
)
ACTIVITY_ACTIONS = ("post", "discuss", "search", "read")


class Post(Base):
    """A Moment (friends only, `visibility` of MOM-2) or a public post (PUB-1, `visibility` 'public').

    A repost (PUB-2) is a public post with `parent_id` (what was reposted) and `root_id` (the
    original at the top of the cascade); `chain_ids` holds the nearest reposts between it and the
    root (newest first, at most 10) so the ``//@name: comment`` chain renders with one query.
    """

    __tablename__ = "feed_posts"
    __table_args__ = (
        CheckConstraint("kind IN ('moment', 'public')", name="kind"),
        CheckConstraint(
            "visibility IN ('public', 'friends', 'private', 'include', 'exclude')", name="visibility"
        ),
        CheckConstraint("(kind = 'public') = (visibility = 'public')", name="kind_visibility"),
        CheckConstraint("like_count >= 0 AND comment_count >= 0 AND repost_count >= 0", name="counts"),
        Index("ix_feed_posts_author_id_id", "author_id", "id"),
        Index("ix_feed_posts_kind_id", "kind", "id"),
        Index("ix_feed_posts_root_id_id", "root_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    visibility: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(64))
    share_kind: Mapped[str | None] = mapped_column(String(16))
    share_ref: Mapped[str | None] = mapped_column(String(500))
    share_title: Mapped[str | None] = mapped_column(String(100))
    # What the author chose (shown to the author only); the resolved audience is PostAudience.
    audience_tag_ids: Mapped[list[Any]] = mapped_column(JSON)
    audience_user_ids: Mapped[list[Any]] = mapped_column(JSON)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("feed_posts.id", ondelete="CASCADE"))
    root_id: Mapped[int | None] = mapped_column(ForeignKey("feed_posts.id", ondelete="CASCADE"))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    chain_ids: Mapped[list[Any]] = mapped_column(JSON)
    like_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    repost_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    # Set while an operator has taken the post down (MOD-2): hidden from everyone, kept for a restore.
    taken_down_at: Mapped[datetime | None]


class PostAudience(Base):
    """The friends a Moment is shown to ('include') or hidden from ('exclude'), resolved from the
    chosen tags and friends when it was posted (MOM-2: a friend added to a tag later gains nothing)."""

    __tablename__ = "feed_post_audience"

    post_id: Mapped[int] = mapped_column(ForeignKey("feed_posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Media(Base):
    """An uploaded image or video; owned by its uploader until attached to one of their posts."""

    __tablename__ = "feed_media"
    __table_args__ = (
        CheckConstraint("kind IN ('image', 'video')", name="kind"),
        Index("ix_feed_media_post_id_position", "post_id", "position"),
        Index("ix_feed_media_owner_id_id", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("feed_posts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str | None] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class Like(Base):
    __tablename__ = "feed_likes"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id", name="uq_feed_likes_post_id_user_id"),
        Index("ix_feed_likes_post_id_id", "post_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    post_id: Mapped[int] = mapped_column(ForeignKey("feed_posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]


class Comment(Base):
    """A comment, or a one-level reply (`reply_to_comment_id`, addressed to `reply_to_user_id`)."""

    __tablename__ = "feed_comments"
    __table_args__ = (Index("ix_feed_comments_post_id_id", "post_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    post_id: Mapped[int] = mapped_column(ForeignKey("feed_posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    reply_to_comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("feed_comments.id", ondelete="SET NULL")
    )
    reply_to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    taken_down_at: Mapped[datetime | None]  # as `Post.taken_down_at`


class Topic(Base):
    """A `#topic#` (PUB-3); `key` is the normalized name that makes two spellings one topic."""

    __tablename__ = "feed_topics"
    __table_args__ = (UniqueConstraint("key", name="uq_feed_topics_key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class PostTopic(Base):
    __tablename__ = "feed_post_topics"
    __table_args__ = (Index("ix_feed_post_topics_topic_id_post_id", "topic_id", "post_id"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("feed_posts.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("feed_topics.id", ondelete="CASCADE"), primary_key=True)


class PostTerm(Base):
    """The inverted index behind post search: one row per jieba term of a post's own text."""

    __tablename__ = "feed_post_terms"

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("feed_posts.id", ondelete="CASCADE"), primary_key=True)


class Mention(Base):
    __tablename__ = "feed_mentions"
    __table_args__ = (Index("ix_feed_mentions_user_id", "user_id"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("feed_posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Activity(Base):
    """One account's act on a topic or term (PUB-4): posting, discussing, searching, reading."""

    __tablename__ = "feed_activity"
    __table_args__ = (
        CheckConstraint("subject IN ('topic', 'term')", name="subject"),
        CheckConstraint("action IN ('post', 'discuss', 'search', 'read')", name="action"),
        Index("ix_feed_activity_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    subject: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]


class HotSearchEntry(Base):
    """The last computed hot-search board (PUB-4), replaced as a whole by each recompute."""

    __tablename__ = "feed_hot_search"

    rank: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    subject: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    accounts: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime]


class Notification(Base):
    """An entry in a user's inbox (NTF-1). It only points at what it is about; whether the recipient
    may still see that is decided when the inbox is read, by the same rules as every other path."""

    __tablename__ = "feed_notifications"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('like', 'comment', 'reply', 'mention', 'repost', 'comment_removed',"
            " 'taken_down', 'restored')",
            name="kind",
        ),
        Index("ix_feed_notifications_recipient_id_id", "recipient_id", "id"),
        Index(
            "ix_feed_notifications_unread",
            "recipient_id",
            "id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("feed_posts.id", ondelete="CASCADE"))
    # No foreign key: a deleted comment leaves its notification pointing at nothing, which hides it.
    comment_id: Mapped[int | None]
    excerpt: Mapped[str] = mapped_column(String(140), default="")
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class MomentSettings(Base):
    """How far back friends may browse a user's Moments (MOM-4)."""

    __tablename__ = "feed_moment_settings"
    __table_args__ = (CheckConstraint("browse_back IN ('all', '6m', '1m', '3d')", name="browse_back"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    browse_back: Mapped[str] = mapped_column(String(4))
    updated_at: Mapped[datetime]


class MomentHide(Base):
    """`owner_id` hides their Moments from `hidden_id` (MOM-5), earlier Moments included."""

    __tablename__ = "feed_moment_hides"
    __table_args__ = (Index("ix_feed_moment_hides_hidden_id", "hidden_id"),)

    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    hidden_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime]


class MomentMute(Base):
    """`owner_id` does not want `muted_id`'s Moments in their timeline (MOM-5)."""

    __tablename__ = "feed_moment_mutes"

    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    muted_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime]
