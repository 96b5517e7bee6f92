"""commerce: where an order came from — a cart checkout, a group-buy team or a bargain

Revision ID: 0014_order_source
Revises: 0009_commerce_reviews
"""

from __future__ import annotations

from alembic import op

revision = "0014_order_source"
down_revision = "0009_commerce_reviews"
branch_labels = None
# Orders made before this column were born paid by teams and bargains: their rows say which.
depends_on = ("0012_groupbuy",)


def upgrade() -> None:
    # Plain SQL: both databases take a column with its default and CHECK in one ALTER, and SQLite can
    # later drop it again because the CHECK belongs to the column alone.
    op.execute(
        "ALTER TABLE commerce_orders ADD COLUMN source VARCHAR(12) DEFAULT 'cart' NOT NULL"
        " CONSTRAINT ck_commerce_orders_source CHECK (source IN ('cart', 'group', 'bargain'))"
    )
    op.execute(
        "UPDATE commerce_orders SET source = 'group'"
        " WHERE id IN (SELECT order_id FROM groupbuy_members WHERE order_id IS NOT NULL)"
    )
    op.execute(
        "UPDATE commerce_orders SET source = 'bargain'"
        " WHERE id IN (SELECT order_id FROM groupbuy_bargains WHERE order_id IS NOT NULL)"
    )


def downgrade() -> None:
    op.drop_column("commerce_orders", "source")
