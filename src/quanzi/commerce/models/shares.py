"""Tables of share links and their opens (ATT-1).

A share link is one user's share of one product through one channel; `parent_id` is the link the
sharer had opened (or named) before sharing, so following parents from a link walks back to the first
sharer. An open records that a viewer followed a link; a purchase within 7 days of the viewer's latest
open of a link of that product is attributed to that link's chain. The schema is built by migration
``0010_commerce_shares``; keep the two equal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base

SHARE_CHANNELS = ("chat", "moment", "post", "team", "link")


class ShareLink(Base):
    __tablename__ = "commerce_share_links"
    __table_args__ = (
        CheckConstraint("channel IN ('chat', 'moment', 'post', 'team', 'link')", name="channel"),
        Index("ix_commerce_share_links_sharer_id_product_id", "sharer_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("commerce_products.id", ondelete="CASCADE"))
    sharer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("commerce_share_links.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]


class ShareOpen(Base):
    __tablename__ = "commerce_share_opens"
    __table_args__ = (
        Index(
            "ix_commerce_share_opens_viewer_id_product_id_opened_at", "viewer_id", "product_id", "opened_at"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    link_id: Mapped[int] = mapped_column(ForeignKey("commerce_share_links.id", ondelete="CASCADE"))
    viewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("commerce_products.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime]
