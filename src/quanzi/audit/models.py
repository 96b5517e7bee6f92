"""The audit log's one table. Rows are only ever inserted: the migration installs triggers that
refuse UPDATE and DELETE on SQLite and PostgreSQL alike (docs/audit.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        # Newest first, overall and per filter; the page's keyset is the stream position.
        Index("ix_audit_entries_position", "position", unique=True),
        Index("ix_audit_entries_actor", "actor_id", "position"),
        Index("ix_audit_entries_subject", "subject_id", "position"),
        Index("ix_audit_entries_kind", "kind", "position"),
        Index("ix_audit_entries_occurred", "occurred_at"),
    )

    # The id of the event the entry records, so that reading the stream again (a replay) finds the
    # entry already there instead of writing it twice.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(200))
    # No foreign keys to users: the log outlives what it describes.
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    amount: Mapped[int | None] = mapped_column(BigInteger)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    via: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    request_id: Mapped[str | None] = mapped_column(String(64))
