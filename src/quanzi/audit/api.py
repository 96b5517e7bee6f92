"""HTTP routes of the audit log: parse, call one service, shape the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from quanzi.audit import service
from quanzi.audit.schemas import AuditEntryOut
from quanzi.core.http import CurrentActor, Db, PageIn
from quanzi.core.pagination import Page

router = APIRouter(tags=["operators"])


@router.get("/admin/audit", response_model=Page[AuditEntryOut])
async def list_audit_entries(
    actor: CurrentActor,
    db: Db,
    page: PageIn,
    actor_id: Annotated[str | None, Query(alias="actor", max_length=19, description="who acted")] = None,
    subject: Annotated[str | None, Query(max_length=19, description="whom it concerned")] = None,
    kind: Annotated[
        str | None, Query(max_length=200, description="an event topic, e.g. wallet.transfer.created")
    ] = None,
    since: Annotated[datetime | None, Query(description="from this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="to this time (exclusive)")] = None,
) -> Page[AuditEntryOut]:
    async with db.read() as session:
        items, next_cursor = await service.list_entries(
            session, actor, page, actor_id=actor_id, subject_id=subject, kind=kind, since=since, until=until
        )
    return Page[AuditEntryOut](items=items, next_cursor=next_cursor)
