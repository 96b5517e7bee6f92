"""Shapes of the audit log's answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from quanzi.core.schemas import IdOut, ResponseModel
from quanzi.identity.schemas import UserCard


class AuditEntryOut(ResponseModel):
    id: IdOut
    position: int
    occurred_at: datetime
    kind: str
    actor_id: IdOut | None
    actor: UserCard | None
    subject_id: IdOut | None
    subject: UserCard | None
    amount: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    data: dict[str, Any]
    via: str | None
    address: str | None
    user_agent: str | None
    request_id: str | None
