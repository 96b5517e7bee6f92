"""chat: a departed member keeps the chat's title as it was when they left

Revision ID: 0072_chat_member_left_title
Revises: 0004_chat
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0072_chat_member_left_title"
down_revision = "0004_chat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_members") as batch:
        batch.add_column(sa.Column("left_title", sa.String(64), nullable=True))
    # Members who left before this: the best record of the title they saw is the current one.
    op.execute(
        "UPDATE chat_members SET left_title = (SELECT title FROM chat_conversations"
        " WHERE chat_conversations.id = chat_members.conversation_id) WHERE left_seq IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("chat_members") as batch:
        batch.drop_column("left_title")
