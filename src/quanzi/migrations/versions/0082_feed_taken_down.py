"""feed: posts and comments an operator took down (kept, hidden), and the notice that tells the author

Revision ID: 0082_feed_taken_down
Revises: 0005_feed
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0082_feed_taken_down"
down_revision = "0005_feed"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
OLD_KINDS = "kind IN ('like', 'comment', 'reply', 'mention', 'repost', 'comment_removed')"
NEW_KINDS = (
    "kind IN ('like', 'comment', 'reply', 'mention', 'repost', 'comment_removed', 'taken_down', 'restored')"
)


def upgrade() -> None:
    with op.batch_alter_table("feed_posts") as batch:
        batch.add_column(sa.Column("taken_down_at", TS, nullable=True))
    with op.batch_alter_table("feed_comments") as batch:
        batch.add_column(sa.Column("taken_down_at", TS, nullable=True))
    with op.batch_alter_table("feed_notifications") as batch:
        batch.drop_constraint("ck_feed_notifications_kind", type_="check")
        batch.create_check_constraint("ck_feed_notifications_kind", NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM feed_notifications WHERE kind IN ('taken_down', 'restored')")
    with op.batch_alter_table("feed_notifications") as batch:
        batch.drop_constraint("ck_feed_notifications_kind", type_="check")
        batch.create_check_constraint("ck_feed_notifications_kind", OLD_KINDS)
    with op.batch_alter_table("feed_comments") as batch:
        batch.drop_column("taken_down_at")
    with op.batch_alter_table("feed_posts") as batch:
        batch.drop_column("taken_down_at")
