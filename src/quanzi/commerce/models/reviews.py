"""Tables of verified-purchase reviews (REV-1, REV-2): reviews, their photos, helpful votes and the
per-product aggregates. Built by migration ``0009_commerce_reviews``; keep the two equal.

A review belongs to one order item of a completed order and its buyer (unique). Photos are uploads
owned by their uploader until attached to one of their reviews (`review_id` NULL until then), like
the feed's media. `commerce_review_stats` holds one row per reviewed product, changed only with
``x = x + :d`` in the transaction that writes the review, so the summary never scans reviews.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base

PHOTO_PARTS = ("review", "follow_up")


class Review(Base):
    """A buyer's review of one order item: rating, text, photos; later one follow-up by the author
    and one reply by the shop's merchant."""

    __tablename__ = "commerce_reviews"
    __table_args__ = (
        UniqueConstraint("order_item_id", "author_id", name="uq_commerce_reviews_order_item_id_author_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint("helpful_count >= 0 AND photo_count >= 0", name="counts"),
        Index("ix_commerce_reviews_product_id_id", "product_id", "id"),
        Index("ix_commerce_reviews_product_id_author_id", "product_id", "author_id"),
        Index("ix_commerce_reviews_shop_id_id", "shop_id", "id"),
        Index("ix_commerce_reviews_author_id_id", "author_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    order_item_id: Mapped[int] = mapped_column(ForeignKey("commerce_order_items.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("commerce_orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("commerce_products.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("commerce_shops.merchant_id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sku_name: Mapped[str] = mapped_column(String(60))
    rating: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # Photos of the review and of its follow-up together: the "with photos" filter reads this.
    photo_count: Mapped[int] = mapped_column(Integer, default=0)
    helpful_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    follow_up_text: Mapped[str | None] = mapped_column(Text)
    follow_up_at: Mapped[datetime | None]
    reply_text: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None]


class ReviewPhoto(Base):
    """An uploaded review photo (re-encoded without metadata, with a thumbnail). Unattached until a
    review or follow-up of its owner names it; `product_id` is copied then for the product's gallery."""

    __tablename__ = "commerce_review_photos"
    __table_args__ = (
        CheckConstraint("part IS NULL OR part IN ('review', 'follow_up')", name="part"),
        Index("ix_commerce_review_photos_review_id_position", "review_id", "position"),
        Index("ix_commerce_review_photos_owner_id_id", "owner_id", "id"),
        Index("ix_commerce_review_photos_product_id_id", "product_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("commerce_reviews.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("commerce_products.id", ondelete="CASCADE"))
    part: Mapped[str | None] = mapped_column(String(9))
    position: Mapped[int] = mapped_column(Integer, default=0)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    thumb_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class ReviewVote(Base):
    """One user found one review helpful (at most once; never their own)."""

    __tablename__ = "commerce_review_votes"

    review_id: Mapped[int] = mapped_column(
        ForeignKey("commerce_reviews.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime]


class ReviewStats(Base):
    """A product's review aggregates (REV-2): how many, the sum of ratings, a count per star, photos."""

    __tablename__ = "commerce_review_stats"
    __table_args__ = (
        CheckConstraint(
            "count >= 0 AND rating_sum >= 0 AND r1 >= 0 AND r2 >= 0 AND r3 >= 0 AND r4 >= 0 AND r5 >= 0"
            " AND photo_count >= 0",
            name="counts",
        ),
    )

    product_id: Mapped[int] = mapped_column(
        ForeignKey("commerce_products.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    count: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)
    r1: Mapped[int] = mapped_column(default=0)
    r2: Mapped[int] = mapped_column(default=0)
    r3: Mapped[int] = mapped_column(default=0)
    r4: Mapped[int] = mapped_column(default=0)
    r5: Mapped[int] = mapped_column(default=0)
    photo_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]
