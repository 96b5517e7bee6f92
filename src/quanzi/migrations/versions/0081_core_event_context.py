"""core: where each event came from (actor, address, user agent, request id), beside its payload

Revision ID: 0081_core_event_context
Revises: 0013_event_stream
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0081_core_event_context"
down_revision = "0013_event_stream"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_events") as batch:
        batch.add_column(sa.Column("context", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_events") as batch:
        batch.drop_column("context")
