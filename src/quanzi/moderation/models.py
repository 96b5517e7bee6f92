"""Tables of moderation: the sensitive-word list, its version, and users' reports (MOD-1, MOD-2).

The schema is built by migration ``0082_moderation``; keep the two equal. Moderation keeps ids of
other domains' rows (reporters, targets, authors) without foreign keys: it depends on no domain, and a
report outlives what it was about.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base

TARGET_KINDS = ("post", "comment", "user", "shop")
REASONS = ("spam", "abuse", "sexual", "violence", "illegal", "fraud", "misinformation", "other")
REPORT_STATES = ("open", "taken_down", "banned", "dismissed", "restored")


class SensitiveWord(Base):
    """A word of the operators' list (MOD-1); `word` is stored folded (NFKC, lower case)."""

    __tablename__ = "moderation_words"
    __table_args__ = (
        CheckConstraint("action IN ('refuse', 'mask')", name="action"),
        UniqueConstraint("word", name="uq_moderation_words_word"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    word: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class WordListVersion(Base):
    """One row (id 1) whose `version` goes up with every change to the list: each process compares
    it with the version it compiled (no row: version 0, the empty list)."""

    __tablename__ = "moderation_word_list_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


class Report(Base):
    """A user's report of a post, comment, user or shop (MOD-2), and what an operator did with it.

    `target_owner_id` (the author, the user, the shop's merchant) and `excerpt` are taken from the
    owning domain when the report is filed, so the queue needs nobody else's tables."""

    __tablename__ = "moderation_reports"
    __table_args__ = (
        CheckConstraint("target_kind IN ('post', 'comment', 'user', 'shop')", name="target_kind"),
        CheckConstraint(
            "reason IN ('spam', 'abuse', 'sexual', 'violence', 'illegal', 'fraud',"
            " 'misinformation', 'other')",
            name="reason",
        ),
        CheckConstraint("status IN ('open', 'taken_down', 'banned', 'dismissed', 'restored')", name="status"),
        # One open report per reporter and target (a closed one may be followed by a new one).
        Index(
            "uq_moderation_reports_open",
            "reporter_id",
            "target_kind",
            "target_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_moderation_reports_status_id", "status", "id"),
        Index("ix_moderation_reports_target", "target_kind", "target_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    reporter_id: Mapped[int] = mapped_column(BigInteger)
    target_kind: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[int] = mapped_column(BigInteger)
    target_owner_id: Mapped[int | None] = mapped_column(BigInteger)
    excerpt: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(12), default="open")
    handled_by: Mapped[int | None] = mapped_column(BigInteger)
    handled_at: Mapped[datetime | None]
    # What the operator told the author (shown in the author's notice).
    resolution_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]
