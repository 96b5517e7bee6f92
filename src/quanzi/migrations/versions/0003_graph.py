"""graph: friend requests, friendships, follows, blocks, tags

Revision ID: 0003_graph
Revises: 0002_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_graph"
down_revision = "0002_identity"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "friend_requests",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("from_user_id", sa.BigInteger(), nullable=False),
        sa.Column("to_user_id", sa.BigInteger(), nullable=False),
        sa.Column("pair_low_id", sa.BigInteger(), nullable=False),
        sa.Column("pair_high_id", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("responded_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_friend_requests"),
        _user_fk("friend_requests", "from_user_id"),
        _user_fk("friend_requests", "to_user_id"),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'declined')", name="ck_friend_requests_status"),
        sa.CheckConstraint("from_user_id <> to_user_id", name="ck_friend_requests_not_self"),
        sa.CheckConstraint(
            "pair_low_id < pair_high_id"
            " AND pair_low_id IN (from_user_id, to_user_id)"
            " AND pair_high_id IN (from_user_id, to_user_id)",
            name="ck_friend_requests_pair",
        ),
    )
    # One pending request per pair, whichever side sent it.
    op.create_index(
        "uq_friend_requests_pending_pair",
        "friend_requests",
        ["pair_low_id", "pair_high_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_friend_requests_to_user_id_status_id", "friend_requests", ["to_user_id", "status", "id"]
    )
    op.create_index(
        "ix_friend_requests_from_user_id_status_id", "friend_requests", ["from_user_id", "status", "id"]
    )

    op.create_table(
        "friendships",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("friend_id", sa.BigInteger(), nullable=False),
        sa.Column("remark", sa.String(32), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_friendships"),
        _user_fk("friendships", "user_id"),
        _user_fk("friendships", "friend_id"),
        sa.UniqueConstraint("user_id", "friend_id", name="uq_friendships_user_id_friend_id"),
        sa.CheckConstraint("user_id <> friend_id", name="ck_friendships_not_self"),
    )
    op.create_index("ix_friendships_user_id_id", "friendships", ["user_id", "id"])

    op.create_table(
        "follows",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("follower_id", sa.BigInteger(), nullable=False),
        sa.Column("followee_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_follows"),
        _user_fk("follows", "follower_id"),
        _user_fk("follows", "followee_id"),
        sa.UniqueConstraint("follower_id", "followee_id", name="uq_follows_follower_id_followee_id"),
        sa.CheckConstraint("follower_id <> followee_id", name="ck_follows_not_self"),
    )
    op.create_index("ix_follows_follower_id_id", "follows", ["follower_id", "id"])
    op.create_index("ix_follows_followee_id_id", "follows", ["followee_id", "id"])

    op.create_table(
        "blocks",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("blocker_id", sa.BigInteger(), nullable=False),
        sa.Column("blocked_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_blocks"),
        _user_fk("blocks", "blocker_id"),
        _user_fk("blocks", "blocked_id"),
        sa.UniqueConstraint("blocker_id", "blocked_id", name="uq_blocks_blocker_id_blocked_id"),
        sa.CheckConstraint("blocker_id <> blocked_id", name="ck_blocks_not_self"),
    )
    op.create_index("ix_blocks_blocker_id_id", "blocks", ["blocker_id", "id"])
    op.create_index("ix_blocks_blocked_id", "blocks", ["blocked_id"])

    op.create_table(
        "tags",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tags"),
        _user_fk("tags", "owner_id"),
        sa.UniqueConstraint("owner_id", "name", name="uq_tags_owner_id_name"),
    )

    op.create_table(
        "tag_members",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tag_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tag_members"),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name="fk_tag_members_tag_id_tags", ondelete="CASCADE"
        ),
        _user_fk("tag_members", "owner_id"),
        _user_fk("tag_members", "member_id"),
        sa.UniqueConstraint("tag_id", "member_id", name="uq_tag_members_tag_id_member_id"),
    )
    op.create_index("ix_tag_members_tag_id_id", "tag_members", ["tag_id", "id"])
    op.create_index("ix_tag_members_owner_id_member_id", "tag_members", ["owner_id", "member_id"])


def downgrade() -> None:
    op.drop_table("tag_members")
    op.drop_table("tags")
    op.drop_table("blocks")
    op.drop_table("follows")
    op.drop_table("friendships")
    op.drop_table("friend_requests")
