"""moderation: the sensitive-word list and its version, users' reports

Revision ID: 0082_moderation
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0082_moderation"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG = sa.BigInteger()


def upgrade() -> None:
    op.create_table(
        "moderation_words",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("word", sa.String(64), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("created_by", BIG, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_words"),
        sa.UniqueConstraint("word", name="uq_moderation_words_word"),
        sa.CheckConstraint("action IN ('refuse', 'mask')", name="ck_moderation_words_action"),
    )
    op.create_table(
        "moderation_word_list_version",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("version", BIG, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_word_list_version"),
    )
    op.create_table(
        "moderation_reports",
        sa.Column("id", BIG, autoincrement=False, nullable=False),
        sa.Column("reporter_id", BIG, nullable=False),
        sa.Column("target_kind", sa.String(8), nullable=False),
        sa.Column("target_id", BIG, nullable=False),
        sa.Column("target_owner_id", BIG, nullable=True),
        sa.Column("excerpt", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("handled_by", BIG, nullable=True),
        sa.Column("handled_at", TS, nullable=True),
        sa.Column("resolution_note", sa.String(500), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_reports"),
        sa.CheckConstraint(
            "target_kind IN ('post', 'comment', 'user', 'shop')", name="ck_moderation_reports_target_kind"
        ),
        sa.CheckConstraint(
            "reason IN ('spam', 'abuse', 'sexual', 'violence', 'illegal', 'fraud',"
            " 'misinformation', 'other')",
            name="ck_moderation_reports_reason",
        ),
        sa.CheckConstraint(
            "status IN ('open', 'taken_down', 'banned', 'dismissed', 'restored')",
            name="ck_moderation_reports_status",
        ),
    )
    op.create_index(
        "uq_moderation_reports_open",
        "moderation_reports",
        ["reporter_id", "target_kind", "target_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_moderation_reports_status_id", "moderation_reports", ["status", "id"])
    op.create_index(
        "ix_moderation_reports_target", "moderation_reports", ["target_kind", "target_id", "status"]
    )


def downgrade() -> None:
    op.drop_table("moderation_reports")
    op.drop_table("moderation_word_list_version")
    op.drop_table("moderation_words")
