"""groupbuy: group deals, teams, members, bargain offers, bargains and cuts (GRP-1 … GRP-5, BAR-1)

Revision ID: 0012_groupbuy
Revises: 0007_commerce_catalog

A deal's stock and a team's places never go negative or over: every change is a guarded
``x = x + :delta`` UPDATE, and the CHECK constraints refuse what a guard would have missed. Joining a
team twice and cutting a bargain twice are refused by unique constraints.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_groupbuy"
down_revision = "0007_commerce_catalog"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.BigInteger()
MONEY = sa.BigInteger()


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "groupbuy_deals",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("merchant_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("sku_id", ID, nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("group_price", MONEY, nullable=False),
        sa.Column("team_size", sa.Integer(), nullable=False),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=False),
        sa.Column("initial_stock", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.BigInteger(), nullable=False),
        sa.Column("returned_stock", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_groupbuy_deals"),
        _fk("groupbuy_deals", "merchant_id", "users"),
        _fk("groupbuy_deals", "product_id", "commerce_products"),
        _fk("groupbuy_deals", "sku_id", "commerce_skus"),
        sa.CheckConstraint("group_price > 0", name="ck_groupbuy_deals_group_price"),
        sa.CheckConstraint("team_size BETWEEN 2 AND 10", name="ck_groupbuy_deals_team_size"),
        sa.CheckConstraint("time_limit_seconds > 0", name="ck_groupbuy_deals_time_limit"),
        sa.CheckConstraint("stock >= 0", name="ck_groupbuy_deals_stock"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_groupbuy_deals_period"),
        sa.CheckConstraint("status IN ('active', 'ended')", name="ck_groupbuy_deals_status"),
    )
    op.create_index("ix_groupbuy_deals_merchant_id_id", "groupbuy_deals", ["merchant_id", "id"])
    op.create_index("ix_groupbuy_deals_product_id_status", "groupbuy_deals", ["product_id", "status"])

    op.create_table(
        "groupbuy_teams",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("deal_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("leader_id", ID, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("joined_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_groupbuy_teams"),
        _fk("groupbuy_teams", "deal_id", "groupbuy_deals"),
        _fk("groupbuy_teams", "leader_id", "users"),
        sa.CheckConstraint(
            "joined_count >= 0 AND joined_count <= size", name="ck_groupbuy_teams_joined_count"
        ),
        sa.CheckConstraint("size BETWEEN 2 AND 10", name="ck_groupbuy_teams_size"),
        sa.CheckConstraint("status IN ('forming', 'succeeded', 'failed')", name="ck_groupbuy_teams_status"),
    )
    op.create_index("ix_groupbuy_teams_deal_id_status", "groupbuy_teams", ["deal_id", "status"])
    op.create_index("ix_groupbuy_teams_product_id_status", "groupbuy_teams", ["product_id", "status"])

    op.create_table(
        "groupbuy_members",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("payment_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("share_link_id", ID, nullable=True),
        sa.Column("attribution_chain", sa.JSON(), nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.Column("refunded", sa.Boolean(), nullable=False),
        sa.Column("refund_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_groupbuy_members"),
        _fk("groupbuy_members", "team_id", "groupbuy_teams"),
        _fk("groupbuy_members", "user_id", "users"),
        sa.UniqueConstraint("team_id", "user_id", name="uq_groupbuy_members_team_id_user_id"),
    )
    op.create_index("ix_groupbuy_members_user_id_id", "groupbuy_members", ["user_id", "id"])

    op.create_table(
        "groupbuy_bargain_offers",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("merchant_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("sku_id", ID, nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("start_price", MONEY, nullable=False),
        sa.Column("floor_price", MONEY, nullable=False),
        sa.Column("max_helpers", sa.Integer(), nullable=False),
        sa.Column("cut_min", MONEY, nullable=False),
        sa.Column("cut_max", MONEY, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_groupbuy_bargain_offers"),
        _fk("groupbuy_bargain_offers", "merchant_id", "users"),
        _fk("groupbuy_bargain_offers", "product_id", "commerce_products"),
        _fk("groupbuy_bargain_offers", "sku_id", "commerce_skus"),
        sa.CheckConstraint(
            "floor_price > 0 AND floor_price < start_price", name="ck_groupbuy_bargain_offers_prices"
        ),
        sa.CheckConstraint("max_helpers BETWEEN 1 AND 100", name="ck_groupbuy_bargain_offers_max_helpers"),
        sa.CheckConstraint("cut_min > 0 AND cut_max >= cut_min", name="ck_groupbuy_bargain_offers_cut_range"),
        sa.CheckConstraint("status IN ('active', 'ended')", name="ck_groupbuy_bargain_offers_status"),
    )
    op.create_index(
        "ix_groupbuy_bargain_offers_merchant_id_id", "groupbuy_bargain_offers", ["merchant_id", "id"]
    )
    op.create_index(
        "ix_groupbuy_bargain_offers_product_id_status", "groupbuy_bargain_offers", ["product_id", "status"]
    )

    op.create_table(
        "groupbuy_bargains",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("offer_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("merchant_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("sku_id", ID, nullable=False),
        sa.Column("start_price", MONEY, nullable=False),
        sa.Column("floor_price", MONEY, nullable=False),
        sa.Column("current_price", MONEY, nullable=False),
        sa.Column("max_helpers", sa.Integer(), nullable=False),
        sa.Column("helper_count", sa.Integer(), nullable=False),
        sa.Column("cut_min", MONEY, nullable=False),
        sa.Column("cut_max", MONEY, nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("bought_at", TS, nullable=True),
        sa.Column("order_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_groupbuy_bargains"),
        _fk("groupbuy_bargains", "offer_id", "groupbuy_bargain_offers"),
        _fk("groupbuy_bargains", "user_id", "users"),
        sa.UniqueConstraint("offer_id", "user_id", name="uq_groupbuy_bargains_offer_id_user_id"),
        sa.CheckConstraint("current_price >= floor_price", name="ck_groupbuy_bargains_current_price"),
        sa.CheckConstraint(
            "helper_count >= 0 AND helper_count <= max_helpers", name="ck_groupbuy_bargains_helper_count"
        ),
        sa.CheckConstraint("status IN ('active', 'bought', 'expired')", name="ck_groupbuy_bargains_status"),
    )
    op.create_index("ix_groupbuy_bargains_user_id_id", "groupbuy_bargains", ["user_id", "id"])

    op.create_table(
        "groupbuy_bargain_cuts",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("bargain_id", ID, nullable=False),
        sa.Column("helper_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("price_after", MONEY, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_groupbuy_bargain_cuts"),
        _fk("groupbuy_bargain_cuts", "bargain_id", "groupbuy_bargains"),
        _fk("groupbuy_bargain_cuts", "helper_id", "users"),
        sa.UniqueConstraint("bargain_id", "helper_id", name="uq_groupbuy_bargain_cuts_bargain_id_helper_id"),
        sa.CheckConstraint("amount > 0", name="ck_groupbuy_bargain_cuts_amount"),
    )


def downgrade() -> None:
    op.drop_table("groupbuy_bargain_cuts")
    op.drop_table("groupbuy_bargains")
    op.drop_index("ix_groupbuy_bargain_offers_product_id_status", table_name="groupbuy_bargain_offers")
    op.drop_index("ix_groupbuy_bargain_offers_merchant_id_id", table_name="groupbuy_bargain_offers")
    op.drop_table("groupbuy_bargain_offers")
    op.drop_table("groupbuy_members")
    op.drop_table("groupbuy_teams")
    op.drop_table("groupbuy_deals")
