"""commerce reviews: verified-purchase reviews, their photos, helpful votes, per-product aggregates

Revision ID: 0009_commerce_reviews
Revises: 0008_commerce_orders
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_commerce_reviews"
down_revision = "0008_commerce_orders"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG = sa.BigInteger()


def _fk(
    table: str, column: str, target: str, target_column: str = "id", ondelete: str = "CASCADE"
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{target_column}"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "commerce_reviews",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("order_item_id", BIG, nullable=False),
        sa.Column("order_id", BIG, nullable=False),
        sa.Column("product_id", BIG, nullable=False),
        sa.Column("shop_id", BIG, nullable=False),
        sa.Column("author_id", BIG, nullable=False),
        sa.Column("sku_name", sa.String(60), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo_count", sa.Integer(), nullable=False),
        sa.Column("helpful_count", BIG, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("follow_up_text", sa.Text(), nullable=True),
        sa.Column("follow_up_at", TS, nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.Column("replied_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_reviews"),
        _fk("commerce_reviews", "order_item_id", "commerce_order_items"),
        _fk("commerce_reviews", "order_id", "commerce_orders"),
        _fk("commerce_reviews", "product_id", "commerce_products"),
        _fk("commerce_reviews", "shop_id", "commerce_shops", "merchant_id"),
        _fk("commerce_reviews", "author_id", "users"),
        sa.UniqueConstraint("order_item_id", "author_id", name="uq_commerce_reviews_order_item_id_author_id"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_commerce_reviews_rating"),
        sa.CheckConstraint("helpful_count >= 0 AND photo_count >= 0", name="ck_commerce_reviews_counts"),
    )
    op.create_index("ix_commerce_reviews_product_id_id", "commerce_reviews", ["product_id", "id"])
    op.create_index(
        "ix_commerce_reviews_product_id_author_id", "commerce_reviews", ["product_id", "author_id"]
    )
    op.create_index("ix_commerce_reviews_shop_id_id", "commerce_reviews", ["shop_id", "id"])
    op.create_index("ix_commerce_reviews_author_id_id", "commerce_reviews", ["author_id", "id"])

    op.create_table(
        "commerce_review_photos",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("owner_id", BIG, nullable=False),
        sa.Column("review_id", BIG, nullable=True),
        sa.Column("product_id", BIG, nullable=True),
        sa.Column("part", sa.String(9), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("thumb_key", sa.String(200), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_review_photos"),
        _fk("commerce_review_photos", "owner_id", "users"),
        _fk("commerce_review_photos", "review_id", "commerce_reviews"),
        _fk("commerce_review_photos", "product_id", "commerce_products"),
        sa.UniqueConstraint("key", name="uq_commerce_review_photos_key"),
        sa.CheckConstraint(
            "part IS NULL OR part IN ('review', 'follow_up')", name="ck_commerce_review_photos_part"
        ),
    )
    op.create_index(
        "ix_commerce_review_photos_review_id_position", "commerce_review_photos", ["review_id", "position"]
    )
    op.create_index("ix_commerce_review_photos_owner_id_id", "commerce_review_photos", ["owner_id", "id"])
    op.create_index("ix_commerce_review_photos_product_id_id", "commerce_review_photos", ["product_id", "id"])

    op.create_table(
        "commerce_review_votes",
        sa.Column("review_id", BIG, nullable=False),
        sa.Column("user_id", BIG, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("review_id", "user_id", name="pk_commerce_review_votes"),
        _fk("commerce_review_votes", "review_id", "commerce_reviews"),
        _fk("commerce_review_votes", "user_id", "users"),
    )

    op.create_table(
        "commerce_review_stats",
        sa.Column("product_id", BIG, autoincrement=False, nullable=False),
        sa.Column("count", BIG, nullable=False),
        sa.Column("rating_sum", BIG, nullable=False),
        sa.Column("r1", BIG, nullable=False),
        sa.Column("r2", BIG, nullable=False),
        sa.Column("r3", BIG, nullable=False),
        sa.Column("r4", BIG, nullable=False),
        sa.Column("r5", BIG, nullable=False),
        sa.Column("photo_count", BIG, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("product_id", name="pk_commerce_review_stats"),
        _fk("commerce_review_stats", "product_id", "commerce_products"),
        sa.CheckConstraint(
            "count >= 0 AND rating_sum >= 0 AND r1 >= 0 AND r2 >= 0 AND r3 >= 0 AND r4 >= 0 AND r5 >= 0"
            " AND photo_count >= 0",
            name="ck_commerce_review_stats_counts",
        ),
    )


def downgrade() -> None:
    op.drop_table("commerce_review_stats")
    op.drop_table("commerce_review_votes")
    op.drop_table("commerce_review_photos")
    op.drop_table("commerce_reviews")
