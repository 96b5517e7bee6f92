"""The per-user sync log (CHT-5): every change a user must see gets the next seq of that user's log.

Appending locks the recipients' counter rows in user-id order, advances each by one and writes one
entry per recipient, all in the caller's transaction; one ``chat.delivery`` outbox event names every
recipient and their new seq, so each server process can push to the sockets it holds. Because a
counter only moves under its row lock and the entry is written in the same commit, a user's log has
no gaps and no duplicates, and a client holding "the last seq I have" can always ask for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat import events
from quanzi.chat.models import Invitation, Member, SyncCounter, SyncEntry
from quanzi.chat.schemas import MAX_SYNC_LIMIT, SyncEntryOut, SyncOut
from quanzi.chat.service import render
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import insert_for
from quanzi.core.errors import InvalidInput
from quanzi.core.outbox import emit


async def append(
    session: AsyncSession,
    user_ids: Iterable[int],
    *,
    kind: str,
    conversation_id: int,
    message_id: int | None = None,
    data: dict[str, Any] | None = None,
    live: dict[str, Any] | None = None,
) -> dict[int, int]:
    """Append one entry to each user's log; returns {user_id: seq}.

    `live` is the entry as every recipient will see it (without seq), carried by the delivery event
    so that sockets can be fed without a database read; None when it differs per recipient."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    locked = set(
        (
            await session.scalars(
                select(SyncCounter.user_id)
                .where(SyncCounter.user_id.in_(ids))
                .order_by(SyncCounter.user_id)
                .with_for_update()
            )
        ).all()
    )
    missing = [uid for uid in ids if uid not in locked]
    if missing:
        # A user's first entry creates their counter; a concurrent first entry is absorbed by the
        # conflict clause and both then lock the same row.
        await session.execute(
            insert_for(session, SyncCounter)
            .values([{"user_id": uid, "last_seq": 0} for uid in missing])
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        await session.execute(
            select(SyncCounter.user_id)
            .where(SyncCounter.user_id.in_(missing))
            .order_by(SyncCounter.user_id)
            .with_for_update()
        )
    result = await session.execute(
        update(SyncCounter)
        .where(SyncCounter.user_id.in_(ids))
        .values(last_seq=SyncCounter.last_seq + 1)
        .returning(SyncCounter.user_id, SyncCounter.last_seq)
        .execution_options(synchronize_session=False)
    )
    seqs = {int(uid): int(seq) for uid, seq in result.all()}
    now = clock.now()
    await session.execute(
        insert(SyncEntry),
        [
            {
                "user_id": uid,
                "seq": seq,
                "kind": kind,
                "conversation_id": conversation_id,
                "message_id": message_id,
                "data": data,
                "created_at": now,
            }
            for uid, seq in seqs.items()
        ],
    )
    emit(session, events.DELIVERY, {"to": [[str(uid), seq] for uid, seq in seqs.items()], "entry": live})
    return seqs


def live_entry(kind: str, conversation_id: int, **fields: Any) -> dict[str, Any]:
    """An entry as `read_log` would render it, less its seq: what a delivery event carries to sockets."""
    rendered = SyncEntryOut(seq=0, kind=kind, chat_id=conversation_id, **fields).model_dump(mode="json")  # type: ignore[arg-type]
    rendered.pop("seq")
    return rendered


async def head(session: AsyncSession, user_id: int) -> int:
    """The last seq in the user's log (0 before the first entry)."""
    return int(await session.scalar(select(SyncCounter.last_seq).where(SyncCounter.user_id == user_id)) or 0)


async def read_log(session: AsyncSession, actor: Actor, since: int, limit: int = 200) -> SyncOut:
    """The actor's entries after `since`, in order, as the actor sees them now."""
    if since < 0:
        raise InvalidInput("since must be 0 or more.", code="invalid_since")
    if not 1 <= limit <= MAX_SYNC_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_SYNC_LIMIT}.", code="invalid_limit")
    # The head and the entries in one query: the user's counter, joined to its entries after `since`
    # (one row with no entry when there are none; no row at all before the user's first entry).
    found = (
        await session.execute(
            select(SyncCounter.last_seq, SyncEntry)
            .select_from(SyncCounter)
            .outerjoin(SyncEntry, and_(SyncEntry.user_id == SyncCounter.user_id, SyncEntry.seq > since))
            .where(SyncCounter.user_id == actor.user_id)
            .order_by(SyncEntry.seq)
            .limit(limit + 1)
        )
    ).all()
    current = int(found[0][0]) if found else 0
    rows = [entry for _, entry in found if entry is not None]
    has_more = len(rows) > limit
    rows = rows[:limit]
    return SyncOut(entries=await render_entries(session, actor, rows), head=current, has_more=has_more)


async def render_entries(session: AsyncSession, actor: Actor, rows: list[SyncEntry]) -> list[SyncEntryOut]:
    message_keys = {(r.conversation_id, r.message_id) for r in rows if r.kind == "message" and r.message_id}
    rendered_messages = await render.visible_messages_out(session, actor.user_id, message_keys)
    chat_ids = {r.conversation_id for r in rows if r.kind == "chat"}
    chats = {}
    if chat_ids:
        chat_rows = (
            await session.execute(render.chat_rows(actor).where(Member.conversation_id.in_(chat_ids)))
        ).all()
        chats = {c.id: c for c in await render.chats_out(session, actor, chat_rows)}
    invitation_ids = {int((r.data or {}).get("invitation_id", 0)) for r in rows if r.kind == "invite"}
    invitations = {}
    if invitation_ids:
        found = (await session.scalars(select(Invitation).where(Invitation.id.in_(invitation_ids)))).all()
        invitations = {i.id: i for i in await render.invitations_out(session, list(found))}

    out: list[SyncEntryOut] = []
    for row in rows:
        base: dict[str, Any] = {"seq": row.seq, "chat_id": row.conversation_id}
        data = row.data or {}
        if row.kind == "message":
            message = rendered_messages.get(row.message_id or 0)
            if message is None:  # deleted for this user since: the log keeps its place, not its content
                out.append(SyncEntryOut(kind="hide", message_id=row.message_id, **base))
            else:
                out.append(SyncEntryOut(kind="message", message=message, message_id=row.message_id, **base))
        elif row.kind in ("recall", "hide"):
            out.append(SyncEntryOut(kind=row.kind, message_id=row.message_id, **base))  # type: ignore[arg-type]
        elif row.kind == "read":
            out.append(
                SyncEntryOut(
                    kind="read", user_id=int(data["user_id"]), read_seq=int(data["read_seq"]), **base
                )
            )
        elif row.kind == "chat":
            out.append(SyncEntryOut(kind="chat", chat=chats.get(row.conversation_id), **base))
        elif row.kind == "invite":
            invitation = invitations.get(int(data.get("invitation_id", 0)))
            out.append(SyncEntryOut(kind="invite", invitation=invitation, **base))
    return out
