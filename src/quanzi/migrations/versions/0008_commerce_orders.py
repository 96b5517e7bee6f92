"""commerce orders: cart items, orders, order items, refund requests

Revision ID: 0008_commerce_orders
Revises: 0007_commerce_catalog

CHECK constraints hold the invariants the services rely on: quantities are positive, amounts are
never negative, a refund never exceeds the order total, and statuses are the declared ones. A partial
unique index allows one open refund request per order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_commerce_orders"
down_revision = "0007_commerce_catalog"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.BigInteger()
MONEY = sa.BigInteger()

ORDER_STATUSES = ("pending_payment", "paid", "shipped", "delivered", "completed", "cancelled")
REFUND_STATUSES = ("requested", "approved", "refused")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _fk(table: str, column: str, target: str, target_column: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{target_column}"], name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    op.create_table(
        "commerce_cart_items",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("sku_id", ID, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("share_token", sa.String(32), nullable=True),
        sa.Column("added_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_cart_items"),
        sa.UniqueConstraint("user_id", "sku_id", name="uq_commerce_cart_items_user_id_sku_id"),
        _fk("commerce_cart_items", "user_id", "users"),
        _fk("commerce_cart_items", "sku_id", "commerce_skus"),
        sa.CheckConstraint("quantity > 0", name="ck_commerce_cart_items_quantity"),
    )

    op.create_table(
        "commerce_orders",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("buyer_id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("refunded_amount", MONEY, nullable=False, server_default="0"),
        sa.Column("payment_id", ID, nullable=True),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.Column("carrier", sa.String(40), nullable=True),
        sa.Column("tracking_number", sa.String(60), nullable=True),
        sa.Column("share_link_id", ID, nullable=True),
        sa.Column("attribution_chain", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("paid_at", TS, nullable=True),
        sa.Column("shipped_at", TS, nullable=True),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("completed_at", TS, nullable=True),
        sa.Column("cancelled_at", TS, nullable=True),
        sa.Column("cancel_reason", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_orders"),
        _fk("commerce_orders", "buyer_id", "users"),
        _fk("commerce_orders", "shop_id", "commerce_shops", "merchant_id"),
        sa.CheckConstraint(_in("status", ORDER_STATUSES), name="ck_commerce_orders_status"),
        sa.CheckConstraint("total > 0", name="ck_commerce_orders_total"),
        sa.CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= total", name="ck_commerce_orders_refunded_amount"
        ),
        sa.CheckConstraint("buyer_id <> shop_id", name="ck_commerce_orders_not_self"),
        sa.CheckConstraint(
            "status = 'pending_payment' OR status = 'cancelled' OR payment_id IS NOT NULL",
            name="ck_commerce_orders_paid",
        ),
    )
    op.create_index("ix_commerce_orders_buyer_id", "commerce_orders", ["buyer_id", "id"])
    op.create_index("ix_commerce_orders_shop_id_status", "commerce_orders", ["shop_id", "status", "id"])

    op.create_table(
        "commerce_order_items",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("sku_id", ID, nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("sku_name", sa.String(60), nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("image_key", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_order_items"),
        _fk("commerce_order_items", "order_id", "commerce_orders"),
        _fk("commerce_order_items", "product_id", "commerce_products"),
        _fk("commerce_order_items", "sku_id", "commerce_skus"),
        sa.CheckConstraint("quantity > 0", name="ck_commerce_order_items_quantity"),
        sa.CheckConstraint("unit_price > 0", name="ck_commerce_order_items_unit_price"),
    )
    op.create_index("ix_commerce_order_items_order_id", "commerce_order_items", ["order_id"])

    op.create_table(
        "commerce_refund_requests",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("buyer_id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("merchant_note", sa.String(200), nullable=False, server_default=""),
        sa.Column("wallet_refund_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_refund_requests"),
        _fk("commerce_refund_requests", "order_id", "commerce_orders"),
        sa.CheckConstraint(_in("status", REFUND_STATUSES), name="ck_commerce_refund_requests_status"),
        sa.CheckConstraint("amount > 0", name="ck_commerce_refund_requests_amount"),
    )
    op.create_index("ix_commerce_refund_requests_order_id", "commerce_refund_requests", ["order_id", "id"])
    op.create_index("ix_commerce_refund_requests_buyer_id", "commerce_refund_requests", ["buyer_id", "id"])
    op.create_index("ix_commerce_refund_requests_shop_id", "commerce_refund_requests", ["shop_id", "id"])
    op.create_index(
        "uq_commerce_refund_requests_open",
        "commerce_refund_requests",
        ["order_id"],
        unique=True,
        postgresql_where=sa.text("status = 'requested'"),
        sqlite_where=sa.text("status = 'requested'"),
    )


def downgrade() -> None:
    for table in (
        "commerce_refund_requests",
        "commerce_order_items",
        "commerce_orders",
        "commerce_cart_items",
    ):
        op.drop_table(table)
