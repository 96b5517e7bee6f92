"""Request and response shapes of moderation (MOD-1, MOD-2)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from quanzi.core.schemas import IdIn, IdOut, RequestModel, ResponseModel

WordAction = Literal["refuse", "mask"]
TargetKind = Literal["post", "comment", "user", "shop"]
Reason = Literal["spam", "abuse", "sexual", "violence", "illegal", "fraud", "misinformation", "other"]
ReportStatus = Literal["open", "taken_down", "banned", "dismissed", "restored"]
OperatorAction = Literal["take_down", "restore", "ban", "dismiss"]

MAX_WORD = 64


def _word(value: str) -> str:
    word = " ".join(value.split())
    if not word:
        raise ValueError("A sensitive word cannot be blank.")
    return word


def _note(value: str) -> str:
    return value.strip()


class WordIn(RequestModel):
    word: Annotated[str, Field(min_length=1, max_length=MAX_WORD), AfterValidator(_word)]
    action: WordAction


class WordOut(ResponseModel):
    id: IdOut
    word: str
    action: WordAction
    created_at: datetime


class ReportIn(RequestModel):
    target_kind: TargetKind
    target_id: IdIn
    reason: Reason
    note: Annotated[str, Field(max_length=500), AfterValidator(_note)] = ""


class ReportActionIn(RequestModel):
    action: OperatorAction
    # Told to the author with the reason (a take-down or a ban).
    note: Annotated[str, Field(max_length=500), AfterValidator(_note)] = ""


class ReportOut(ResponseModel):
    id: IdOut
    reporter_id: IdOut
    target_kind: TargetKind
    target_id: IdOut
    target_owner_id: IdOut | None
    excerpt: str
    reason: Reason
    note: str
    status: ReportStatus
    handled_by: IdOut | None
    handled_at: datetime | None
    resolution_note: str
    created_at: datetime
    # What an operator may do with it now (from the report's lifecycle and its target's kind).
    actions: list[OperatorAction]
