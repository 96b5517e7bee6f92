"""commerce: a shop carries its merchant's verification (kept from identity's events)

Revision ID: 0070_commerce_shop_verified
Revises: 0007_commerce_catalog
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0070_commerce_shop_verified"
down_revision = "0007_commerce_catalog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commerce_shops") as batch:
        batch.add_column(sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE commerce_shops SET verified = EXISTS (SELECT 1 FROM users"
        " WHERE users.id = commerce_shops.merchant_id AND users.merchant_verified_at IS NOT NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("commerce_shops") as batch:
        batch.drop_column("verified")
