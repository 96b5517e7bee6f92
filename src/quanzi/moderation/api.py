"""HTTP routes of moderation (MOD-1, MOD-2): parse, call one service, shape the answer. The
services check that the actor is an operator where it must be."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from quanzi.core.http import CurrentActor, Db, PageIn, no_content
from quanzi.core.pagination import Page
from quanzi.moderation.schemas import (
    ReportActionIn,
    ReportIn,
    ReportOut,
    ReportStatus,
    TargetKind,
    WordIn,
    WordOut,
)
from quanzi.moderation.service import reports, words

router = APIRouter(tags=["moderation"])


@router.post("/reports", status_code=status.HTTP_201_CREATED, response_model=ReportOut)
async def file_report(body: ReportIn, actor: CurrentActor, db: Db) -> ReportOut:
    async with db.transaction() as session:
        return await reports.file_report(session, actor, body)


@router.get("/admin/reports", response_model=Page[ReportOut])
async def list_reports(
    actor: CurrentActor,
    db: Db,
    page: PageIn,
    report_status: Annotated[ReportStatus | Literal["all"], Query(alias="status")] = "open",
    kind: Annotated[TargetKind | None, Query()] = None,
) -> Page[ReportOut]:
    async with db.read() as session:
        items, next_cursor = await reports.list_reports(
            session, actor, page, status=None if report_status == "all" else report_status, kind=kind
        )
    return Page[ReportOut](items=items, next_cursor=next_cursor)


@router.post("/admin/reports/{report_id}/actions", response_model=ReportOut)
async def act_on_report(report_id: str, body: ReportActionIn, actor: CurrentActor, db: Db) -> ReportOut:
    async with db.transaction() as session:
        return await reports.act_on_report(session, actor, report_id, body)


@router.get("/admin/sensitive-words", response_model=Page[WordOut])
async def list_words(actor: CurrentActor, db: Db, page: PageIn) -> Page[WordOut]:
    async with db.read() as session:
        items, next_cursor = await words.list_words(session, actor, page)
    return Page[WordOut](items=items, next_cursor=next_cursor)


@router.post("/admin/sensitive-words", status_code=status.HTTP_201_CREATED, response_model=WordOut)
async def add_word(body: WordIn, actor: CurrentActor, db: Db) -> WordOut:
    async with db.transaction() as session:
        return await words.add_word(session, actor, body)


@router.delete("/admin/sensitive-words/{word_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_word(word_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await words.remove_word(session, actor, word_id)
    return no_content()
