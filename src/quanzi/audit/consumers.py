"""`audit.log`: the consumer that writes the audit log from the event stream.

Each money or operator event (`kinds.KINDS`) becomes one entry, in the transaction that advances
the consumer's position, so the log holds each action exactly once and the request that did it pays
no statement for it. Every field of an entry comes from the event (its id, position, time, payload
and the origin recorded with it), never from the clock or other tables, so reading the stream again
writes the same entries; a replay keeps what is there (the table refuses DELETE) and adds only what
is missing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.audit.kinds import KINDS, TOPICS
from quanzi.audit.models import AuditEntry
from quanzi.core.db import insert_for
from quanzi.core.ids import parse_id
from quanzi.core.stream import Consumer, StreamEvent


def _user(data: dict[str, Any], field: str | None) -> int | None:
    if field is None or data.get(field) is None:
        return None
    return parse_id(str(data[field]))


def entry_of(event: StreamEvent) -> dict[str, Any]:
    """The audit entry an event stands for (a pure function of the event)."""
    kind = KINDS[event.topic]
    data = event.data
    origin = event.context or {}
    # A signed-in request names its actor; otherwise the payload says whose action it was.
    actor = parse_id(str(origin["actor_id"])) if origin.get("actor_id") else _user(data, kind.by)
    return {
        "id": event.id,
        "position": event.position,
        "occurred_at": event.occurred_at,
        "kind": event.topic,
        "actor_id": actor,
        "subject_id": _user(data, kind.subject),
        "amount": None if kind.amount is None else int(data[kind.amount]),
        "before": kind.before(data),
        "after": kind.after(data),
        "data": data,
        "via": origin.get("via"),
        "address": origin.get("address"),
        "user_agent": origin.get("user_agent"),
        "request_id": origin.get("request_id"),
    }


async def record(session: AsyncSession, event: StreamEvent) -> None:
    await session.execute(
        insert_for(session, AuditEntry).values(entry_of(event)).on_conflict_do_nothing(index_elements=["id"])
    )


async def keep_entries(session: AsyncSession) -> None:
    """Nothing to clear before a replay: entries are never deleted, and `record` skips those that
    exist, so a replay fills gaps (an entry kind added later, for events already in the stream)."""


AUDIT_LOG = Consumer(name="audit.log", topics=TOPICS, handle=record, reset=keep_entries)
