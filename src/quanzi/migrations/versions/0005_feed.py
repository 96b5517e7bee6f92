"""feed: posts (Moments and public posts), audiences, media, likes, comments, topics, search terms,
hot-search activity and board, notifications, Moments settings

Revision ID: 0005_feed
Revises: 0003_graph
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_feed"
down_revision = "0003_graph"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG = sa.BigInteger()


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "feed_posts",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("author_id", BIG, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("visibility", sa.String(8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("location", sa.String(64), nullable=True),
        sa.Column("share_kind", sa.String(16), nullable=True),
        sa.Column("share_ref", sa.String(500), nullable=True),
        sa.Column("share_title", sa.String(100), nullable=True),
        sa.Column("audience_tag_ids", sa.JSON(), nullable=False),
        sa.Column("audience_user_ids", sa.JSON(), nullable=False),
        sa.Column("parent_id", BIG, nullable=True),
        sa.Column("root_id", BIG, nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("chain_ids", sa.JSON(), nullable=False),
        sa.Column("like_count", BIG, nullable=False),
        sa.Column("comment_count", BIG, nullable=False),
        sa.Column("repost_count", BIG, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("deleted_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_feed_posts"),
        _fk("feed_posts", "author_id", "users"),
        _fk("feed_posts", "parent_id", "feed_posts"),
        _fk("feed_posts", "root_id", "feed_posts"),
        sa.CheckConstraint("kind IN ('moment', 'public')", name="ck_feed_posts_kind"),
        sa.CheckConstraint(
            "visibility IN ('public', 'friends', 'private', 'include', 'exclude')",
            name="ck_feed_posts_visibility",
        ),
        sa.CheckConstraint(
            "(kind = 'public') = (visibility = 'public')", name="ck_feed_posts_kind_visibility"
        ),
        sa.CheckConstraint(
            "like_count >= 0 AND comment_count >= 0 AND repost_count >= 0", name="ck_feed_posts_counts"
        ),
    )
    op.create_index("ix_feed_posts_author_id_id", "feed_posts", ["author_id", "id"])
    op.create_index("ix_feed_posts_kind_id", "feed_posts", ["kind", "id"])
    op.create_index("ix_feed_posts_root_id_id", "feed_posts", ["root_id", "id"])

    op.create_table(
        "feed_post_audience",
        sa.Column("post_id", BIG, nullable=False),
        sa.Column("user_id", BIG, nullable=False),
        sa.PrimaryKeyConstraint("post_id", "user_id", name="pk_feed_post_audience"),
        _fk("feed_post_audience", "post_id", "feed_posts"),
        _fk("feed_post_audience", "user_id", "users"),
    )

    op.create_table(
        "feed_media",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("owner_id", BIG, nullable=False),
        sa.Column("post_id", BIG, nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("thumb_key", sa.String(200), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_media"),
        _fk("feed_media", "owner_id", "users"),
        _fk("feed_media", "post_id", "feed_posts"),
        sa.CheckConstraint("kind IN ('image', 'video')", name="ck_feed_media_kind"),
    )
    op.create_index("ix_feed_media_post_id_position", "feed_media", ["post_id", "position"])
    op.create_index("ix_feed_media_owner_id_id", "feed_media", ["owner_id", "id"])

    op.create_table(
        "feed_likes",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("post_id", BIG, nullable=False),
        sa.Column("user_id", BIG, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_likes"),
        _fk("feed_likes", "post_id", "feed_posts"),
        _fk("feed_likes", "user_id", "users"),
        sa.UniqueConstraint("post_id", "user_id", name="uq_feed_likes_post_id_user_id"),
    )
    op.create_index("ix_feed_likes_post_id_id", "feed_likes", ["post_id", "id"])

    op.create_table(
        "feed_comments",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("post_id", BIG, nullable=False),
        sa.Column("author_id", BIG, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reply_to_comment_id", BIG, nullable=True),
        sa.Column("reply_to_user_id", BIG, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_comments"),
        _fk("feed_comments", "post_id", "feed_posts"),
        _fk("feed_comments", "author_id", "users"),
        _fk("feed_comments", "reply_to_comment_id", "feed_comments", ondelete="SET NULL"),
        _fk("feed_comments", "reply_to_user_id", "users"),
    )
    op.create_index("ix_feed_comments_post_id_id", "feed_comments", ["post_id", "id"])

    op.create_table(
        "feed_topics",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_topics"),
        sa.UniqueConstraint("key", name="uq_feed_topics_key"),
    )
    op.create_table(
        "feed_post_topics",
        sa.Column("post_id", BIG, nullable=False),
        sa.Column("topic_id", BIG, nullable=False),
        sa.PrimaryKeyConstraint("post_id", "topic_id", name="pk_feed_post_topics"),
        _fk("feed_post_topics", "post_id", "feed_posts"),
        _fk("feed_post_topics", "topic_id", "feed_topics"),
    )
    op.create_index("ix_feed_post_topics_topic_id_post_id", "feed_post_topics", ["topic_id", "post_id"])

    op.create_table(
        "feed_post_terms",
        sa.Column("term", sa.String(64), nullable=False),
        sa.Column("post_id", BIG, nullable=False),
        sa.PrimaryKeyConstraint("term", "post_id", name="pk_feed_post_terms"),
        _fk("feed_post_terms", "post_id", "feed_posts"),
    )

    op.create_table(
        "feed_mentions",
        sa.Column("post_id", BIG, nullable=False),
        sa.Column("user_id", BIG, nullable=False),
        sa.PrimaryKeyConstraint("post_id", "user_id", name="pk_feed_mentions"),
        _fk("feed_mentions", "post_id", "feed_posts"),
        _fk("feed_mentions", "user_id", "users"),
    )
    op.create_index("ix_feed_mentions_user_id", "feed_mentions", ["user_id"])

    op.create_table(
        "feed_activity",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("subject", sa.String(8), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("user_id", BIG, nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_activity"),
        _fk("feed_activity", "user_id", "users"),
        sa.CheckConstraint("subject IN ('topic', 'term')", name="ck_feed_activity_subject"),
        sa.CheckConstraint("action IN ('post', 'discuss', 'search', 'read')", name="ck_feed_activity_action"),
    )
    op.create_index("ix_feed_activity_created_at", "feed_activity", ["created_at"])

    op.create_table(
        "feed_hot_search",
        sa.Column("rank", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("subject", sa.String(8), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("computed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("rank", name="pk_feed_hot_search"),
    )

    op.create_table(
        "feed_notifications",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("recipient_id", BIG, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor_id", BIG, nullable=True),
        sa.Column("post_id", BIG, nullable=True),
        sa.Column("comment_id", BIG, nullable=True),
        sa.Column("excerpt", sa.String(140), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_feed_notifications"),
        _fk("feed_notifications", "recipient_id", "users"),
        _fk("feed_notifications", "actor_id", "users"),
        _fk("feed_notifications", "post_id", "feed_posts"),
        sa.CheckConstraint(
            "kind IN ('like', 'comment', 'reply', 'mention', 'repost', 'comment_removed')",
            name="ck_feed_notifications_kind",
        ),
    )
    op.create_index("ix_feed_notifications_recipient_id_id", "feed_notifications", ["recipient_id", "id"])
    # The unread badge counts only unread rows; a partial index keeps that count small.
    op.create_index(
        "ix_feed_notifications_unread",
        "feed_notifications",
        ["recipient_id", "id"],
        postgresql_where=sa.text("read_at IS NULL"),
        sqlite_where=sa.text("read_at IS NULL"),
    )

    op.create_table(
        "feed_moment_settings",
        sa.Column("user_id", BIG, autoincrement=False, nullable=False),
        sa.Column("browse_back", sa.String(4), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_feed_moment_settings"),
        _fk("feed_moment_settings", "user_id", "users"),
        sa.CheckConstraint(
            "browse_back IN ('all', '6m', '1m', '3d')", name="ck_feed_moment_settings_browse_back"
        ),
    )
    op.create_table(
        "feed_moment_hides",
        sa.Column("owner_id", BIG, nullable=False),
        sa.Column("hidden_id", BIG, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "hidden_id", name="pk_feed_moment_hides"),
        _fk("feed_moment_hides", "owner_id", "users"),
        _fk("feed_moment_hides", "hidden_id", "users"),
    )
    op.create_index("ix_feed_moment_hides_hidden_id", "feed_moment_hides", ["hidden_id"])
    op.create_table(
        "feed_moment_mutes",
        sa.Column("owner_id", BIG, nullable=False),
        sa.Column("muted_id", BIG, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "muted_id", name="pk_feed_moment_mutes"),
        _fk("feed_moment_mutes", "owner_id", "users"),
        _fk("feed_moment_mutes", "muted_id", "users"),
    )


def downgrade() -> None:
    for table in (
        "feed_moment_mutes",
        "feed_moment_hides",
        "feed_moment_settings",
        "feed_notifications",
        "feed_hot_search",
        "feed_activity",
        "feed_mentions",
        "feed_post_terms",
        "feed_post_topics",
        "feed_topics",
        "feed_comments",
        "feed_likes",
        "feed_media",
        "feed_post_audience",
        "feed_posts",
    ):
        op.drop_table(table)
