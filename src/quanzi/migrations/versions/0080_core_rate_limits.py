"""core: rate-limit counters, one row per (limit, key, window start)

Revision ID: 0080_core_rate_limits
Revises: 0013_event_stream
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0080_core_rate_limits"
down_revision = "0013_event_stream"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rate_limit_counters",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", "key", "window_start", name="pk_rate_limit_counters"),
    )
    # Pruning deletes the counters whose window has ended.
    op.create_index("ix_rate_limit_counters_expires_at", "rate_limit_counters", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_counters_expires_at", table_name="rate_limit_counters")
    op.drop_table("rate_limit_counters")
