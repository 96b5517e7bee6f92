"""The audit log's rules: who may read it (operators), how it is filtered and paged, and the export.

Entries are written only by the `audit.log` consumer (`audit.consumers`); nothing here changes them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.audit.kinds import KINDS
from quanzi.audit.models import AuditEntry
from quanzi.audit.schemas import AuditEntryOut
from quanzi.core.actor import Actor
from quanzi.core.clock import as_utc
from quanzi.core.db import Database
from quanzi.core.errors import Forbidden, InvalidInput
from quanzi.core.ids import parse_id
from quanzi.core.pagination import PageRequest, page_of
from quanzi.identity import service as identity
from quanzi.identity.schemas import UserCard

EXPORT_BATCH = 500
# The export's columns, in order (CSV); JSON values (before, after, data) are written as JSON text.
EXPORT_FIELDS = (
    "id",
    "position",
    "occurred_at",
    "kind",
    "actor_id",
    "subject_id",
    "amount",
    "before",
    "after",
    "data",
    "via",
    "address",
    "user_agent",
    "request_id",
)


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show; every part is optional. `since` is inclusive, `until` exclusive."""

    actor_id: int | None = None
    subject_id: int | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(
        cls,
        *,
        actor_id: str | None = None,
        subject_id: str | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> AuditFilter:
        """Check the filter as typed by an operator: ids must be ids, the kind one the log records,
        and the time range must not end before it starts."""
        since, until = _instant(since, "since"), _instant(until, "until")
        if since is not None and until is not None and until < since:
            raise InvalidInput("until must not be before since.", code="invalid_time_range")
        if kind is not None and kind not in KINDS:
            raise InvalidInput(
                f"kind {kind!r} is not a kind the audit log records.",
                code="unknown_audit_kind",
                details={"kinds": sorted(KINDS)},
            )
        return cls(
            actor_id=_user_id(actor_id, "actor"),
            subject_id=_user_id(subject_id, "subject"),
            kind=kind,
            since=since,
            until=until,
        )

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        if self.actor_id is not None:
            stmt = stmt.where(AuditEntry.actor_id == self.actor_id)
        if self.subject_id is not None:
            stmt = stmt.where(AuditEntry.subject_id == self.subject_id)
        if self.kind is not None:
            stmt = stmt.where(AuditEntry.kind == self.kind)
        if self.since is not None:
            stmt = stmt.where(AuditEntry.occurred_at >= self.since)
        if self.until is not None:
            stmt = stmt.where(AuditEntry.occurred_at < self.until)
        return stmt


def _instant(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return as_utc(value)
    except OverflowError:  # an offset that moves year 1 or 9999 out of range in UTC
        raise InvalidInput(f"{name} is out of range.", code="invalid_time_range") from None


def _user_id(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    parsed = parse_id(value)
    if parsed is None:
        raise InvalidInput(f"{name} must be a user id.", code="invalid_id")
    return parsed


def require_operator(actor: Actor) -> None:
    """The log is for operators. Its existence is no secret (it is documented), so others get a 403
    that says why rather than a 404."""
    if not actor.is_operator:
        raise Forbidden("Only operators may read the audit log.", code="not_an_operator")


async def list_entries(
    session: AsyncSession, actor: Actor, page: PageRequest, **where: Any
) -> tuple[list[AuditEntryOut], str | None]:
    """A page of entries matching `where` (`AuditFilter.parse`'s arguments), newest first (by stream
    position), with the people they name. The operator check comes before the filter's, so nobody
    else learns anything from the answers. Two statements whatever the page's length: the entries,
    then their users' cards."""
    require_operator(actor)
    stmt = AuditFilter.parse(**where).apply(select(AuditEntry))
    if page.after:
        if len(page.after) != 1 or not isinstance(page.after[0], int):
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        stmt = stmt.where(AuditEntry.position < page.after[0])
    rows = list(
        (await session.scalars(stmt.order_by(AuditEntry.position.desc()).limit(page.limit + 1))).all()
    )
    kept, next_cursor = page_of(rows, page, key=lambda entry: entry.position)
    people = {uid for entry in kept for uid in (entry.actor_id, entry.subject_id) if uid is not None}
    cards = await identity.get_cards(session, people)
    return [entry_out(entry, cards) for entry in kept], next_cursor


def entry_out(entry: AuditEntry, cards: dict[int, UserCard]) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id,
        position=entry.position,
        occurred_at=as_utc(entry.occurred_at),
        kind=entry.kind,
        actor_id=entry.actor_id,
        actor=cards.get(entry.actor_id) if entry.actor_id is not None else None,
        subject_id=entry.subject_id,
        subject=cards.get(entry.subject_id) if entry.subject_id is not None else None,
        amount=entry.amount,
        before=entry.before,
        after=entry.after,
        data=entry.data,
        via=entry.via,
        address=entry.address,
        user_agent=entry.user_agent,
        request_id=entry.request_id,
    )


async def export_entries(db: Database, where: AuditFilter) -> AsyncIterator[dict[str, Any]]:
    """Every matching entry, oldest first, as plain JSON values (for `quanzi audit export`, which runs
    on the server with the database's own rights, like `quanzi admin`). Read in keyset batches, so a
    long log is never held in memory at once."""
    after = 0
    while True:
        async with db.read() as session:
            stmt = where.apply(select(AuditEntry)).where(AuditEntry.position > after)
            rows = (await session.scalars(stmt.order_by(AuditEntry.position).limit(EXPORT_BATCH))).all()
        for entry in rows:
            yield entry_out(entry, {}).model_dump(mode="json", exclude={"actor", "subject"})
        if len(rows) < EXPORT_BATCH:
            return
        after = rows[-1].position


def flat_row(entry: dict[str, Any]) -> dict[str, Any]:
    """An exported entry as CSV cells: nested values as compact JSON, missing ones empty."""
    row: dict[str, Any] = {}
    for field in EXPORT_FIELDS:
        value = entry.get(field)
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        row[field] = "" if value is None else value
    return row
