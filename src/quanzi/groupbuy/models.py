"""Tables of group buying (GRP-1 … GRP-5) and bargains (BAR-1).

The schema itself is migration ``0012_groupbuy``; these mappings mirror it. Money is BigInteger fen.

- A deal's `stock` is the number of units still free for new team places: it was set aside from the
  SKU's stock when the deal was created, a place reserves one (``stock = stock - 1 WHERE stock >= 1``,
  a CHECK backs it), a failed team gives its units back, and when the deal ends what is left goes back
  to the SKU.
- A team's `joined_count` only grows by the conditional UPDATE of a join (``WHERE joined_count < size
  AND status = 'forming'``, a CHECK backs it), so a team never has more members than places.
- ``(team_id, user_id)`` and ``(bargain_id, helper_id)`` are unique: joining twice or cutting twice is
  refused by the database, not by a check-then-insert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base

DEAL_STATUSES = ("active", "ended")
TEAM_STATUSES = ("forming", "succeeded", "failed")
BARGAIN_STATUSES = ("active", "bought", "expired")


class Deal(Base):
    __tablename__ = "groupbuy_deals"
    __table_args__ = (
        CheckConstraint("group_price > 0", name="group_price"),
        CheckConstraint("team_size BETWEEN 2 AND 10", name="team_size"),
        CheckConstraint("time_limit_seconds > 0", name="time_limit"),
        CheckConstraint("stock >= 0", name="stock"),
        CheckConstraint("ends_at > starts_at", name="period"),
        CheckConstraint("status IN ('active', 'ended')", name="status"),
        Index("ix_groupbuy_deals_merchant_id_id", "merchant_id", "id"),
        Index("ix_groupbuy_deals_product_id_status", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("commerce_products.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("commerce_skus.id"))
    title: Mapped[str] = mapped_column(String(120))
    group_price: Mapped[int] = mapped_column(BigInteger)
    team_size: Mapped[int] = mapped_column(Integer)
    time_limit_seconds: Mapped[int] = mapped_column(Integer)
    initial_stock: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(BigInteger)
    # Units handed back to the SKU when the deal ended (0 until then).
    returned_stock: Mapped[int] = mapped_column(BigInteger, default=0)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class Team(Base):
    __tablename__ = "groupbuy_teams"
    __table_args__ = (
        CheckConstraint("joined_count >= 0 AND joined_count <= size", name="joined_count"),
        CheckConstraint("size BETWEEN 2 AND 10", name="size"),
        CheckConstraint("status IN ('forming', 'succeeded', 'failed')", name="status"),
        Index("ix_groupbuy_teams_deal_id_status", "deal_id", "status"),
        Index("ix_groupbuy_teams_product_id_status", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    deal_id: Mapped[int] = mapped_column(ForeignKey("groupbuy_deals.id"))
    product_id: Mapped[int] = mapped_column(BigInteger)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    size: Mapped[int] = mapped_column(Integer)
    joined_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    deadline: Mapped[datetime]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class Member(Base):
    __tablename__ = "groupbuy_members"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", name="uq_groupbuy_members_team_id_user_id"),
        Index("ix_groupbuy_members_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    team_id: Mapped[int] = mapped_column(ForeignKey("groupbuy_teams.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    payment_id: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    share_link_id: Mapped[int | None] = mapped_column(BigInteger)
    attribution_chain: Mapped[list[str]] = mapped_column(JSON)
    joined_at: Mapped[datetime]
    refunded: Mapped[bool] = mapped_column(Boolean, default=False)
    refund_id: Mapped[int | None] = mapped_column(BigInteger)


class BargainOffer(Base):
    """A merchant's bargain campaign on one SKU: start price, floor, helpers allowed, cut range."""

    __tablename__ = "groupbuy_bargain_offers"
    __table_args__ = (
        CheckConstraint("floor_price > 0 AND floor_price < start_price", name="prices"),
        CheckConstraint("max_helpers BETWEEN 1 AND 100", name="max_helpers"),
        CheckConstraint("cut_min > 0 AND cut_max >= cut_min", name="cut_range"),
        CheckConstraint("status IN ('active', 'ended')", name="status"),
        Index("ix_groupbuy_bargain_offers_merchant_id_id", "merchant_id", "id"),
        Index("ix_groupbuy_bargain_offers_product_id_status", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("commerce_products.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("commerce_skus.id"))
    title: Mapped[str] = mapped_column(String(120))
    start_price: Mapped[int] = mapped_column(BigInteger)
    floor_price: Mapped[int] = mapped_column(BigInteger)
    max_helpers: Mapped[int] = mapped_column(Integer)
    cut_min: Mapped[int] = mapped_column(BigInteger)
    cut_max: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]


class Bargain(Base):
    """One user's bargain on an offer: the price friends cut down towards the floor within 24 h."""

    __tablename__ = "groupbuy_bargains"
    __table_args__ = (
        UniqueConstraint("offer_id", "user_id", name="uq_groupbuy_bargains_offer_id_user_id"),
        CheckConstraint("current_price >= floor_price", name="current_price"),
        CheckConstraint("helper_count >= 0 AND helper_count <= max_helpers", name="helper_count"),
        CheckConstraint("status IN ('active', 'bought', 'expired')", name="status"),
        Index("ix_groupbuy_bargains_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    offer_id: Mapped[int] = mapped_column(ForeignKey("groupbuy_bargain_offers.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    merchant_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    start_price: Mapped[int] = mapped_column(BigInteger)
    floor_price: Mapped[int] = mapped_column(BigInteger)
    current_price: Mapped[int] = mapped_column(BigInteger)
    max_helpers: Mapped[int] = mapped_column(Integer)
    helper_count: Mapped[int] = mapped_column(Integer, default=0)
    cut_min: Mapped[int] = mapped_column(BigInteger)
    cut_max: Mapped[int] = mapped_column(BigInteger)
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    bought_at: Mapped[datetime | None]
    order_id: Mapped[int | None] = mapped_column(BigInteger)


class BargainCut(Base):
    __tablename__ = "groupbuy_bargain_cuts"
    __table_args__ = (
        UniqueConstraint("bargain_id", "helper_id", name="uq_groupbuy_bargain_cuts_bargain_id_helper_id"),
        CheckConstraint("amount > 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    bargain_id: Mapped[int] = mapped_column(ForeignKey("groupbuy_bargains.id"))
    helper_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    price_after: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
