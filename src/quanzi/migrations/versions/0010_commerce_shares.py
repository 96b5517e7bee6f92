"""commerce: share links and their opens (ATT-1)

Revision ID: 0010_commerce_shares
Revises: 0007_commerce_catalog
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_commerce_shares"
down_revision = "0007_commerce_catalog"
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
        "commerce_share_links",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("product_id", BIG, nullable=False),
        sa.Column("sharer_id", BIG, nullable=False),
        sa.Column("parent_id", BIG, nullable=True),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_share_links"),
        sa.UniqueConstraint("token", name="uq_commerce_share_links_token"),
        _fk("commerce_share_links", "product_id", "commerce_products"),
        _fk("commerce_share_links", "sharer_id", "users"),
        _fk("commerce_share_links", "parent_id", "commerce_share_links", ondelete="SET NULL"),
        sa.CheckConstraint(
            "channel IN ('chat', 'moment', 'post', 'team', 'link')", name="ck_commerce_share_links_channel"
        ),
    )
    op.create_index(
        "ix_commerce_share_links_sharer_id_product_id", "commerce_share_links", ["sharer_id", "product_id"]
    )
    op.create_table(
        "commerce_share_opens",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("link_id", BIG, nullable=False),
        sa.Column("viewer_id", BIG, nullable=False),
        sa.Column("product_id", BIG, nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_share_opens"),
        _fk("commerce_share_opens", "link_id", "commerce_share_links"),
        _fk("commerce_share_opens", "viewer_id", "users"),
        _fk("commerce_share_opens", "product_id", "commerce_products"),
    )
    op.create_index(
        "ix_commerce_share_opens_viewer_id_product_id_opened_at",
        "commerce_share_opens",
        ["viewer_id", "product_id", "opened_at"],
    )


def downgrade() -> None:
    op.drop_table("commerce_share_opens")
    op.drop_table("commerce_share_links")
