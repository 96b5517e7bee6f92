"""Messages: send (with reply, mentions, forward and a client message id), recall, delete for me,
history and search (CHT-3, CHT-4, CHT-5, CHT-7).

Every message is posted under the conversation's row lock: it takes the next conversation seq and
its ``chat.message.created`` event is written in the same commit. The fan-out happens after, off the
request: the consumer `chat.fanout` (`chat.consumers`) counts it into the unread count and chat-list
position of each member whose window holds that seq, and gives it a place in their sync logs, in
batches. So a member removed before the message was posted never sees it, on any path, one added
after never sees what came before, and a send costs a handful of round trips whatever the group's
size (the request-path statement budget: at most 8).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat import events
from quanzi.chat.kinds import KindContext, MessageKind, Prepared, get_kind
from quanzi.chat.models import Conversation, HiddenMessage, Member, Message
from quanzi.chat.schemas import MessageIn, MessageOut, RecallOut
from quanzi.chat.service import render, service_desk, sync
from quanzi.chat.service.common import (
    ACTIVE,
    MANAGERS,
    access_chat,
    check_can_send,
    visible_message,
)
from quanzi.core import clock, jobs, ratelimit
from quanzi.core.actor import Actor
from quanzi.core.db import insert_for
from quanzi.core.errors import Conflict, Forbidden, InvalidInput
from quanzi.core.ids import new_id, parse_id
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.moderation import service as moderation

RE_EDIT_WINDOW = timedelta(minutes=5)
PURGE_RECALLED_JOB = "chat.purge_recalled"


async def post(
    session: AsyncSession,
    conversation: Conversation,
    *,
    sender_id: int | None,
    kind: str,
    prepared: Prepared,
    reply_to_id: int | None = None,
    mentions: list[int] | None = None,
    mention_all: bool = False,
    forwarded: bool = False,
    client_msg_id: str | None = None,
) -> tuple[Message, bool]:
    """Add a message to a conversation whose row the caller has locked; the fan-out to members follows
    from its event. Returns the message and whether it is new: with `client_msg_id`, a resend of a
    message the sender already posted here returns that message and posts nothing (the unique key
    decides, in the same statement)."""
    now = clock.now()
    seq = conversation.last_seq + 1
    values = {
        "conversation_id": conversation.id,
        "id": new_id(),
        "seq": seq,
        "sender_id": sender_id,
        "kind": kind,
        "content": prepared.content,
        "text": prepared.text,
        "reply_to_id": reply_to_id,
        "mentions": [str(m) for m in mentions or []],
        "mention_all": mention_all,
        "forwarded": forwarded,
        "client_msg_id": client_msg_id,
        "recalled_at": None,
        "created_at": now,
    }
    if client_msg_id is not None:
        inserted = await session.execute(
            insert_for(session, Message)
            .values(values)
            .on_conflict_do_nothing(index_elements=["conversation_id", "sender_id", "client_msg_id"])
            .returning(Message.id)
        )
        if inserted.first() is None:
            existing = await session.scalar(
                select(Message).where(
                    Message.conversation_id == conversation.id,
                    Message.sender_id == sender_id,
                    Message.client_msg_id == client_msg_id,
                )
            )
            assert existing is not None
            return existing, False
        message = Message(**values)
    else:
        message = Message(**values)
        session.add(message)
    conversation.last_seq = seq
    conversation.last_message_id = message.id
    conversation.updated_at = now
    if conversation.kind == "service":  # the inbox order and the window counters (CHT-9, SHP-2)
        await service_desk.on_posted(session, conversation, message)
    emit(
        session,
        events.MESSAGE_CREATED,
        {
            "chat_id": str(conversation.id),
            "message_id": str(message.id),
            "sender_id": str(sender_id) if sender_id else None,
            "kind": kind,
            "seq": seq,
            "mentions": [str(m) for m in mentions or []],
            "mention_all": mention_all,
            "chat_kind": conversation.kind,
        },
    )
    return message, True


async def notice(
    session: AsyncSession,
    conversation: Conversation,
    event: str,
    text: str,
    *,
    names: Mapping[int, str] | None = None,
    **data: Any,
) -> Message:
    """A system notice ("Alice renamed the group …"); `data` says what happened for clients, and
    `names` (user id → display name, as of now) lets them write the line in their own language: the
    people a notice names are not always members whose cards a client has (an agent, a former member).
    `text` is the English line for clients that do not know the event."""
    content = {"event": event, "text": text, **data}
    if names is not None:
        content["names"] = {str(uid): name for uid, name in names.items()}
    message, _ = await post(
        session, conversation, sender_id=None, kind="system", prepared=Prepared(content, "")
    )
    return message


# --- sending ---------------------------------------------------------------------------------------


async def send_message(
    session: AsyncSession, actor: Actor, chat_id: int | str, data: MessageIn
) -> MessageOut:
    """Send into a chat the actor is an active member of. With `client_msg_id`, a resend answers the
    message the first attempt created and changes nothing (even after the first was recalled).
    Messages per sending account are rate-limited (429 ``rate_limited``; a resend counts too)."""
    # Counted before the conversation row is locked (that lock is the hot one, and stays as short),
    # in the same round trip where the database counts.
    hit = ("chat.message", ratelimit.key_of(actor.user_id))
    conversation, member = await access_chat(
        session, actor, chat_id, lock=True, rate_limit=("You are sending messages too fast.", hit)
    )
    sender_id = member.user_id  # the actor, or the official account its staff act as (CHT-9)
    await check_can_send(session, actor, conversation, member)
    ctx = KindContext(session, actor, conversation.id, conversation.kind)
    if data.forward is not None:
        kind_name, prepared = await _forwarded(
            session, actor, ctx, data.forward.chat_id, data.forward.message_id
        )
    else:
        assert data.kind is not None and data.content is not None
        kind = _sendable_kind(data.kind)
        if conversation.kind == "service" and kind.name in ("transfer", "red_packet"):
            raise InvalidInput("Money is not sent in a customer-service chat.", code="unknown_kind")
        kind_name, prepared = kind.name, await kind.prepare(ctx, data.content)
    if conversation.kind == "group" and kind_name == "text":
        prepared = await _screened(session, prepared)
    reply_to_id = await _reply_target(session, actor, conversation, member, data.reply_to_id)
    mentions = await _mentions(session, conversation, member, data)
    message, created = await post(
        session,
        conversation,
        sender_id=sender_id,
        kind=kind_name,
        prepared=prepared,
        reply_to_id=reply_to_id,
        mentions=mentions,
        mention_all=data.mention_all,
        forwarded=data.forward is not None,
        client_msg_id=data.client_msg_id,
    )
    if created and conversation.kind == "service":
        await service_desk.after_send(session, actor, conversation, member, message)
    return (await with_viewer_state(session, actor, [await render.message_out(session, message)]))[0]


async def _screened(session: AsyncSession, prepared: Prepared) -> Prepared:
    """Group text passes the sensitive-word filter (MOD-1). Groups are where a text reaches many;
    Quanzi has no open-join groups, so every group chat counts as public here (docs/moderation.md);
    direct and customer-service chats are private."""
    text = str(prepared.content.get("text", ""))
    screened = await moderation.screen(session, text, field="text")
    if screened == text:
        return prepared
    return replace(prepared, content={**prepared.content, "text": screened}, text=screened)


def _sendable_kind(name: str) -> MessageKind:
    kind = get_kind(name)
    if kind is None or not kind.user_sendable:
        raise InvalidInput(f"Unknown message kind {name!r}.", code="unknown_kind")
    return kind


async def _forwarded(
    session: AsyncSession, actor: Actor, ctx: KindContext, chat_id: str, message_id: str
) -> tuple[str, Prepared]:
    source_chat, source_member = await access_chat(session, actor, chat_id)
    source = await visible_message(session, actor, source_chat, source_member, message_id)
    kind = get_kind(source.kind)
    if source.recalled_at is not None or source.content is None:
        raise Conflict("A recalled message cannot be forwarded.", code="message_recalled")
    if kind is None or not kind.forwardable:
        raise InvalidInput("This kind of message cannot be forwarded.", code="not_forwardable")
    return kind.name, await kind.forward(ctx, source.content, source.text)


async def _reply_target(
    session: AsyncSession, actor: Actor, conversation: Conversation, member: Member, reply_to_id: str | None
) -> int | None:
    if reply_to_id is None:
        return None
    quoted = await visible_message(session, actor, conversation, member, reply_to_id)
    if quoted.recalled_at is not None:
        raise Conflict("A recalled message cannot be quoted.", code="message_recalled")
    return quoted.id


async def _mentions(
    session: AsyncSession, conversation: Conversation, member: Member, data: MessageIn
) -> list[int]:
    if not data.mentions and not data.mention_all:
        return []
    if conversation.kind != "group":
        raise InvalidInput("Mentions are for group chats.", code="invalid_mention")
    if data.mention_all and member.role not in MANAGERS:
        raise Forbidden(
            "Only the group's owner and admins can mention everyone.", code="mention_all_not_allowed"
        )
    wanted = {parse_id(m) or 0 for m in data.mentions}
    found = set(
        (
            await session.scalars(
                select(Member.user_id).where(
                    Member.conversation_id == conversation.id,
                    Member.status == ACTIVE,
                    Member.user_id.in_(wanted),
                )
            )
        ).all()
    )
    if wanted - found:
        raise InvalidInput("Only members of this group can be mentioned.", code="invalid_mention")
    return sorted(found)


# --- recall and delete for me (CHT-4) --------------------------------------------------------------


async def recall_message(
    session: AsyncSession, actor: Actor, chat_id: int | str, message_id: int | str
) -> RecallOut:
    """The sender recalls their message within its kind's window (2 minutes; a file 3 hours).
    Everyone who had it sees "recalled"; the text stays editable for the sender for 5 minutes.
    Recalling a recalled message answers it again."""
    conversation, member = await access_chat(session, actor, chat_id, lock=True)
    message = await visible_message(session, actor, conversation, member, message_id)
    if message.sender_id != actor.user_id:
        raise Forbidden("You can only recall your own messages.", code="not_your_message")
    now = clock.now()
    if message.recalled_at is None:
        if member.status != ACTIVE:
            raise Forbidden("You are no longer a member of this chat.", code="not_a_member")
        kind = get_kind(message.kind)
        window = kind.recall_window if kind is not None else timedelta(minutes=2)
        if now - message.created_at > window:
            raise Conflict(
                f"A message can only be recalled within {_spell(window)} of sending.",
                code="recall_window_passed",
                details={"window_seconds": int(window.total_seconds())},
            )
        message.recalled_at = now
        await jobs.schedule(
            session,
            PURGE_RECALLED_JOB,
            {"chat_id": str(conversation.id), "message_id": str(message.id)},
            run_at=now + RE_EDIT_WINDOW,
            dedupe_key=f"{PURGE_RECALLED_JOB}:{message.id}",
        )
        recipients = (
            await session.scalars(
                select(Member.user_id).where(
                    Member.conversation_id == conversation.id,
                    Member.status == ACTIVE,
                    Member.joined_seq < message.seq,
                )
            )
        ).all()
        if conversation.kind == "service":
            recipients = sorted({*recipients, *await service_desk.staff_audience(session, conversation.id)})
        await sync.append(
            session,
            recipients,
            kind="recall",
            conversation_id=conversation.id,
            message_id=message.id,
            live=sync.live_entry("recall", conversation.id, message_id=message.id),
        )
        emit(
            session, events.MESSAGE_RECALLED, {"chat_id": str(conversation.id), "message_id": str(message.id)}
        )
    until = message.recalled_at + RE_EDIT_WINDOW
    editable = message.kind == "text" and message.content is not None and now < until
    return RecallOut(
        message=await render.message_out(session, message),
        editable_text=str(message.content["text"]) if editable and message.content else None,
        editable_until=until if editable else None,
    )


def _spell(window: timedelta) -> str:
    minutes = int(window.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


async def purge_recalled(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Once the re-edit window has passed, a recalled message's content is gone for good."""
    message = await session.get(Message, (int(payload["chat_id"]), int(payload["message_id"])))
    if message is not None and message.recalled_at is not None:
        message.content = None
        message.text = ""


async def hide_message(
    session: AsyncSession, actor: Actor, chat_id: int | str, message_id: int | str
) -> None:
    """Delete a message for the actor only; their other devices learn it from the sync log. Idempotent."""
    conversation, member = await access_chat(session, actor, chat_id)
    message = await visible_message(session, actor, conversation, member, message_id, even_if_hidden=True)
    result = await session.execute(
        insert_for(session, HiddenMessage)
        .values(
            user_id=actor.user_id,
            message_id=message.id,
            conversation_id=conversation.id,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "message_id"])
    )
    if int(result.rowcount or 0):  # type: ignore[attr-defined]
        await sync.append(
            session,
            [actor.user_id],
            kind="hide",
            conversation_id=conversation.id,
            message_id=message.id,
            live=sync.live_entry("hide", conversation.id, message_id=message.id),
        )


# --- reading ---------------------------------------------------------------------------------------


async def get_message(
    session: AsyncSession, actor: Actor, chat_id: int | str, message_id: int | str
) -> MessageOut:
    conversation, member = await access_chat(session, actor, chat_id)
    out = await render.message_out(
        session, await visible_message(session, actor, conversation, member, message_id)
    )
    return (await with_viewer_state(session, actor, [out]))[0]


async def with_viewer_state(
    session: AsyncSession, actor: Actor, messages: list[MessageOut]
) -> list[MessageOut]:
    """Fill `money` on money messages (transfer, red packet) with how they stand for the actor now."""
    for out in messages:
        kind = get_kind(out.kind)
        if kind is not None and out.content is not None and not out.recalled:
            out.money = await kind.viewer_state(session, actor, out.content)
    return messages


def _visible_to(member: Member, user_id: int) -> Any:
    """Messages inside the member's window and not deleted for them."""
    conditions = [
        Message.conversation_id == member.conversation_id,
        Message.seq > member.joined_seq,
        ~exists().where(HiddenMessage.user_id == user_id, HiddenMessage.message_id == Message.id),
    ]
    if member.left_seq is not None:
        conditions.append(Message.seq <= member.left_seq)
    return and_(*conditions)


def _like(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_query(q: str) -> str:
    text = q.strip()
    if not 1 <= len(text) <= 100:
        raise InvalidInput("A search is 1-100 characters.", code="invalid_query")
    return text


async def list_messages(
    session: AsyncSession, actor: Actor, chat_id: int | str, page: PageRequest, *, q: str | None = None
) -> tuple[list[MessageOut], str | None]:
    """The chat's history as the actor may see it, newest first; with `q`, only messages whose text
    contains it (recalled messages never match)."""
    _, member = await access_chat(session, actor, chat_id)
    query = select(Message).where(_visible_to(member, actor.user_id))
    if q is not None:
        query = query.where(
            Message.recalled_at.is_(None), Message.text.ilike(_like(_search_query(q)), escape="\\")
        )
    if page.after:
        query = query.where(Message.seq < int(page.after[0]))
    rows = list((await session.scalars(query.order_by(Message.seq.desc()).limit(page.limit + 1))).all())
    kept, cursor = page_of(rows, page, key=lambda m: m.seq)
    return await with_viewer_state(session, actor, await render.messages_out(session, kept)), cursor


async def search_messages(
    session: AsyncSession, actor: Actor, q: str, page: PageRequest
) -> tuple[list[MessageOut], str | None]:
    """Search the text of every chat the actor is or was in, within what they may see, newest first."""
    pattern = _like(_search_query(q))
    query = (
        select(Message)
        .join(
            Member, and_(Member.conversation_id == Message.conversation_id, Member.user_id == actor.user_id)
        )
        .where(
            Message.seq > Member.joined_seq,
            or_(Member.left_seq.is_(None), Message.seq <= Member.left_seq),
            Message.recalled_at.is_(None),
            Message.text.ilike(pattern, escape="\\"),
            ~exists().where(HiddenMessage.user_id == actor.user_id, HiddenMessage.message_id == Message.id),
        )
    )
    if page.after:
        query = query.where(Message.id < int(page.after[0]))
    rows = list((await session.scalars(query.order_by(Message.id.desc()).limit(page.limit + 1))).all())
    kept, cursor = page_of(rows, page, key=lambda m: m.id)
    return await render.messages_out(session, kept), cursor
