"""Tables of the cart, orders, order items and refund requests (ORD-1 … ORD-3).

The schema itself is migration 0008_commerce_orders; these mappings mirror it. Money columns are
BigInteger fen. An order's `status` only changes through `quanzi.commerce.orders` (one conditional
UPDATE per declared transition).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base

ORDER_STATUSES = ("pending_payment", "paid", "shipped", "delivered", "completed", "cancelled")
REFUND_STATUSES = ("requested", "approved", "refused")
# Where an order came from: a checkout (of cart lines or items), a group-buy team, a bargain.
ORDER_SOURCES = ("cart", "group", "bargain")


class CartItem(Base):
    __tablename__ = "commerce_cart_items"
    __table_args__ = (UniqueConstraint("user_id", "sku_id", name="uq_commerce_cart_items_user_id_sku_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("commerce_skus.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    share_token: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[datetime]


class Order(Base):
    __tablename__ = "commerce_orders"
    __table_args__ = (
        Index("ix_commerce_orders_buyer_id", "buyer_id", "id"),
        Index("ix_commerce_orders_shop_id_status", "shop_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("commerce_shops.merchant_id"))
    status: Mapped[str] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(BigInteger)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_id: Mapped[int | None] = mapped_column(BigInteger)
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    carrier: Mapped[str | None] = mapped_column(String(40))
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    share_link_id: Mapped[int | None] = mapped_column(BigInteger)
    attribution_chain: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(12), default="cart")


class OrderItem(Base):
    __tablename__ = "commerce_order_items"
    __table_args__ = (Index("ix_commerce_order_items_order_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    order_id: Mapped[int] = mapped_column(ForeignKey("commerce_orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("commerce_products.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("commerce_skus.id"))
    title: Mapped[str] = mapped_column(String(120))
    sku_name: Mapped[str] = mapped_column(String(60))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    image_key: Mapped[str | None] = mapped_column(String(200))


class RefundRequest(Base):
    __tablename__ = "commerce_refund_requests"
    __table_args__ = (
        Index("ix_commerce_refund_requests_order_id", "order_id", "id"),
        Index("ix_commerce_refund_requests_buyer_id", "buyer_id", "id"),
        Index("ix_commerce_refund_requests_shop_id", "shop_id", "id"),
        # One open request per order, enforced by the database rather than by a check-then-insert.
        Index(
            "uq_commerce_refund_requests_open",
            "order_id",
            unique=True,
            postgresql_where=text("status = 'requested'"),
            sqlite_where=text("status = 'requested'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    order_id: Mapped[int] = mapped_column(ForeignKey("commerce_orders.id"))
    buyer_id: Mapped[int] = mapped_column(BigInteger)
    shop_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12))
    merchant_note: Mapped[str] = mapped_column(String(200), default="")
    wallet_refund_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
