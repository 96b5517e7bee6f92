"""audit: the append-only log of money and operator actions (MOD-3)

Revision ID: 0081_audit
Revises: 0081_core_event_context
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0081_audit"
down_revision = "0081_core_event_context"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
REFUSAL = "audit_entries is append-only: entries cannot be changed or deleted"


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("kind", sa.String(200), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("subject_id", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("via", sa.String(16), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(300), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entries"),
    )
    op.create_index("ix_audit_entries_position", "audit_entries", ["position"], unique=True)
    op.create_index("ix_audit_entries_actor", "audit_entries", ["actor_id", "position"])
    op.create_index("ix_audit_entries_subject", "audit_entries", ["subject_id", "position"])
    op.create_index("ix_audit_entries_kind", "audit_entries", ["kind", "position"])
    op.create_index("ix_audit_entries_occurred", "audit_entries", ["occurred_at"])
    # The log is append-only in the database itself, whoever writes to it: UPDATE and DELETE fail.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries"
            " FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entries_no_{operation.lower()} BEFORE {operation} ON audit_entries"
                f" BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION audit_entries_refuse_change()")
    op.drop_table("audit_entries")
