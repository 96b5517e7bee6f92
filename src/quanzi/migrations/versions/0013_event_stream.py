"""core: the event stream (positions on outbox events), consumers and dead letters

Revision ID: 0013_event_stream
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_event_stream"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("outbox_events") as batch:
        batch.add_column(sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("position", sa.BigInteger(), nullable=True))
    # Events published before the stream existed get positions in id order, so consumers see them.
    op.execute(
        "UPDATE outbox_events SET position = (SELECT COUNT(*) FROM outbox_events AS older"
        " WHERE older.id <= outbox_events.id AND older.published_at IS NOT NULL)"
        " WHERE published_at IS NOT NULL"
    )
    op.create_index("ix_outbox_events_position", "outbox_events", ["position"], unique=True)
    op.create_table(
        "event_consumers",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("failing_position", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("retry_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_event_consumers"),
    )
    op.create_table(
        "event_dead_letters",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_event_dead_letters"),
    )
    op.create_index("ix_event_dead_letters_consumer", "event_dead_letters", ["consumer", "position"])


def downgrade() -> None:
    op.drop_index("ix_event_dead_letters_consumer", table_name="event_dead_letters")
    op.drop_table("event_dead_letters")
    op.drop_table("event_consumers")
    op.drop_index("ix_outbox_events_position", table_name="outbox_events")
    with op.batch_alter_table("outbox_events") as batch:
        batch.drop_column("position")
        batch.drop_column("version")
