"""commerce catalog: shops (official accounts), categories, products, SKUs, product search terms,
broadcasts

Revision ID: 0007_commerce_catalog
Revises: 0003_graph

A SKU's stock never goes below zero: every change is ``stock = stock + :delta`` guarded in its WHERE
clause, and the CHECK constraint refuses what a guard would have missed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_commerce_catalog"
down_revision = "0003_graph"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.BigInteger()
MONEY = sa.BigInteger()


def _fk(
    table: str, column: str, target: str, target_column: str = "id", ondelete: str = "CASCADE"
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{target_column}"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "commerce_shops",
        sa.Column("merchant_id", ID, autoincrement=False, nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("intro", sa.String(500), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("merchant_id", name="pk_commerce_shops"),
        _fk("commerce_shops", "merchant_id", "users"),
    )
    op.create_table(
        "commerce_categories",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_categories"),
        _fk("commerce_categories", "shop_id", "commerce_shops", "merchant_id"),
        sa.UniqueConstraint("shop_id", "name", name="uq_commerce_categories_shop_id_name"),
    )
    op.create_table(
        "commerce_products",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("category_id", ID, nullable=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("image_keys", sa.JSON(), nullable=False),
        sa.Column("price_min", MONEY, nullable=False),
        sa.Column("sales_count", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_products"),
        _fk("commerce_products", "shop_id", "commerce_shops", "merchant_id"),
        _fk("commerce_products", "category_id", "commerce_categories", ondelete="SET NULL"),
        sa.CheckConstraint("status IN ('draft', 'active', 'archived')", name="ck_commerce_products_status"),
        sa.CheckConstraint("price_min >= 0", name="ck_commerce_products_price_min"),
        sa.CheckConstraint("sales_count >= 0", name="ck_commerce_products_sales_count"),
    )
    op.create_index(
        "ix_commerce_products_shop_id_status_id", "commerce_products", ["shop_id", "status", "id"]
    )
    op.create_index("ix_commerce_products_category_id", "commerce_products", ["category_id"])
    op.create_index("ix_commerce_products_status_id", "commerce_products", ["status", "id"])
    op.create_table(
        "commerce_product_terms",
        sa.Column("term", sa.String(64), nullable=False),
        sa.Column("product_id", ID, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("term", "product_id", name="pk_commerce_product_terms"),
        _fk("commerce_product_terms", "product_id", "commerce_products"),
    )
    op.create_index("ix_commerce_product_terms_product_id", "commerce_product_terms", ["product_id"])
    op.create_table(
        "commerce_skus",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("price", MONEY, nullable=False),
        sa.Column("stock", sa.BigInteger(), nullable=False),
        sa.Column("sold", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("per_buyer_limit", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_skus"),
        _fk("commerce_skus", "product_id", "commerce_products"),
        sa.UniqueConstraint("product_id", "name", name="uq_commerce_skus_product_id_name"),
        sa.CheckConstraint("price > 0", name="ck_commerce_skus_price"),
        sa.CheckConstraint("stock >= 0", name="ck_commerce_skus_stock"),
        sa.CheckConstraint("sold >= 0", name="ck_commerce_skus_sold"),
        sa.CheckConstraint(
            "per_buyer_limit IS NULL OR per_buyer_limit >= 1", name="ck_commerce_skus_per_buyer_limit"
        ),
    )
    op.create_index("ix_commerce_skus_shop_id", "commerce_skus", ["shop_id"])
    op.create_table(
        "commerce_broadcasts",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_broadcasts"),
        _fk("commerce_broadcasts", "shop_id", "commerce_shops", "merchant_id"),
    )
    op.create_index("ix_commerce_broadcasts_shop_id_id", "commerce_broadcasts", ["shop_id", "id"])


def downgrade() -> None:
    op.drop_table("commerce_broadcasts")
    op.drop_table("commerce_skus")
    op.drop_table("commerce_product_terms")
    op.drop_table("commerce_products")
    op.drop_table("commerce_categories")
    op.drop_table("commerce_shops")
