"""Tables of shops and their catalog (SHP-1, SHP-2): shops (a merchant's official account), categories,
products, SKUs, the product search index and broadcasts.

The schema itself is migration ``0007_commerce_catalog``; these mappings mirror it. Money is BigInteger
fen. A SKU's `stock` is what is still sellable and only ever changes with ``stock = stock + :delta``
statements guarded so that it cannot go below zero (a CHECK backs the guard).
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base

PRODUCT_STATUSES = ("draft", "active", "archived")


class Shop(Base):
    """A merchant's shop and official account: one per merchant, keyed by the merchant's user id."""

    __tablename__ = "commerce_shops"

    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    name: Mapped[str] = mapped_column(String(60))
    intro: Mapped[str] = mapped_column(String(500), default="")
    # Whether an operator verified the merchant (ACC-2), kept from identity's events by the consumer
    # `commerce.shop_verification`, so the shop list filters in SQL.
    verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Category(Base):
    __tablename__ = "commerce_categories"
    __table_args__ = (UniqueConstraint("shop_id", "name", name="uq_commerce_categories_shop_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    shop_id: Mapped[int] = mapped_column(ForeignKey("commerce_shops.merchant_id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class Product(Base):
    __tablename__ = "commerce_products"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'active', 'archived')", name="status"),
        CheckConstraint("price_min >= 0", name="price_min"),
        CheckConstraint("sales_count >= 0", name="sales_count"),
        Index("ix_commerce_products_shop_id_status_id", "shop_id", "status", "id"),
        Index("ix_commerce_products_category_id", "category_id"),
        Index("ix_commerce_products_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    shop_id: Mapped[int] = mapped_column(ForeignKey("commerce_shops.merchant_id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("commerce_categories.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="draft")
    image_keys: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The cheapest active SKU's price (the cheapest of all SKUs while none is active), in fen.
    price_min: Mapped[int] = mapped_column(BigInteger, default=0)
    sales_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ProductTerm(Base):
    """The inverted index behind product search: one row per jieba term of a product's title and
    description (the same segmentation the feed's post search uses)."""

    __tablename__ = "commerce_product_terms"
    __table_args__ = (Index("ix_commerce_product_terms_product_id", "product_id"),)

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("commerce_products.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )


class Sku(Base):
    __tablename__ = "commerce_skus"
    __table_args__ = (
        CheckConstraint("price > 0", name="price"),
        CheckConstraint("stock >= 0", name="stock"),
        CheckConstraint("sold >= 0", name="sold"),
        CheckConstraint("per_buyer_limit IS NULL OR per_buyer_limit >= 1", name="per_buyer_limit"),
        UniqueConstraint("product_id", "name", name="uq_commerce_skus_product_id_name"),
        Index("ix_commerce_skus_shop_id", "shop_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    product_id: Mapped[int] = mapped_column(ForeignKey("commerce_products.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(60))
    price: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(BigInteger, default=0)
    sold: Mapped[int] = mapped_column(BigInteger, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # At most this many units per buyer across their orders that are not cancelled (a flash sale's
    # "limit 2 per person"); None: no limit beyond stock.
    per_buyer_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime]


class Broadcast(Base):
    """An article an official account sends to its followers (SHP-2)."""

    __tablename__ = "commerce_broadcasts"
    __table_args__ = (Index("ix_commerce_broadcasts_shop_id_id", "shop_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    shop_id: Mapped[int] = mapped_column(ForeignKey("commerce_shops.merchant_id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
