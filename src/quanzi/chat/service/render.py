"""How chats, messages and invitations look to a user: the one place that turns rows into answers.

A message looks the same to everyone who may see it (whether they may is decided before this), so it
is rendered once and the same JSON goes to every recipient's socket. A recalled message shows no
content, to anyone (CHT-4). A chat shows a member who left or was removed only what they could see
while they were in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, case, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from quanzi.chat.kinds import preview_of
from quanzi.chat.models import Conversation, HiddenMessage, Invitation, Member, Message, ServiceConversation
from quanzi.chat.schemas import ChatOut, InvitationOut, MessageOut, MyChatState, QuoteOut
from quanzi.chat.service.common import ACTIVE
from quanzi.core.actor import Actor
from quanzi.identity import service as identity

_LAST = aliased(Message, name="last_message")
_QUOTED = aliased(Message, name="quoted_message")
_PEER = aliased(Member, name="peer_member")


async def load_messages(session: AsyncSession, keys: Iterable[tuple[int, int | None]]) -> list[Message]:
    pairs = [(cid, mid) for cid, mid in set(keys) if mid is not None]
    if not pairs:
        return []
    found: list[Message] = []
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        found.extend(
            (
                await session.scalars(
                    select(Message).where(tuple_(Message.conversation_id, Message.id).in_(chunk))
                )
            ).all()
        )
    return found


def _quote(message: Message) -> QuoteOut:
    recalled = message.recalled_at is not None
    return QuoteOut(
        id=message.id,
        sender_id=message.sender_id,
        kind=message.kind,
        preview="Message recalled" if recalled else preview_of(message.kind, message.content),
        recalled=recalled,
    )


def _message_out(message: Message, quote: QuoteOut | None) -> MessageOut:
    recalled = message.recalled_at is not None
    return MessageOut(
        id=message.id,
        chat_id=message.conversation_id,
        seq=message.seq,
        sender_id=message.sender_id,
        kind=message.kind,
        content=None if recalled else message.content,
        recalled=recalled,
        reply_to=quote,
        mentions=[int(m) for m in message.mentions or []],
        mention_all=message.mention_all,
        forwarded=message.forwarded,
        client_msg_id=message.client_msg_id,
        created_at=message.created_at,
    )


async def messages_out(session: AsyncSession, messages: list[Message]) -> list[MessageOut]:
    quoted = {
        m.id: m
        for m in await load_messages(
            session, [(m.conversation_id, m.reply_to_id) for m in messages if m.reply_to_id is not None]
        )
    }
    return [
        _message_out(m, _quote(quoted[m.reply_to_id]) if m.reply_to_id in quoted else None) for m in messages
    ]


async def visible_messages_out(
    session: AsyncSession, user_id: int, keys: Iterable[tuple[int, int | None]]
) -> dict[int, MessageOut]:
    """These messages as `user_id` sees them, in one query (each with what it quotes), less those
    the user deleted for themselves."""
    pairs = sorted({(cid, mid) for cid, mid in keys if mid is not None})
    out: dict[int, MessageOut] = {}
    for start in range(0, len(pairs), 500):
        rows = await session.execute(
            select(Message, _QUOTED)
            .outerjoin(
                _QUOTED,
                and_(_QUOTED.conversation_id == Message.conversation_id, _QUOTED.id == Message.reply_to_id),
            )
            .outerjoin(
                HiddenMessage, and_(HiddenMessage.user_id == user_id, HiddenMessage.message_id == Message.id)
            )
            .where(tuple_(Message.conversation_id, Message.id).in_(pairs[start : start + 500]))
            .where(HiddenMessage.message_id.is_(None))
        )
        for message, quoted in rows.all():
            out[message.id] = _message_out(message, _quote(quoted) if quoted is not None else None)
    return out


async def message_out(session: AsyncSession, message: Message) -> MessageOut:
    return (await messages_out(session, [message]))[0]


def chat_rows(
    actor: Actor, *, as_user: int | None = None
) -> Select[Member, Conversation, Message, Message, ServiceConversation, Member]:
    """One query for everything a chat list shows of each chat: the member row (the actor's, or
    `as_user`'s — the official account whose inbox staff work, CHT-9), the conversation, its last
    message and what that quotes, the service chat's two sides, and the direct peer's member row
    (their read receipt). Callers add their WHERE, ORDER and LIMIT."""
    me = actor.user_id if as_user is None else as_user
    # An active member's last message is the conversation's (there at once, before the fan-out);
    # a departed member's is the last one their window held.
    last_id = case((Member.status == ACTIVE, Conversation.last_message_id), else_=Member.last_message_id)
    peer_id = case(
        (Conversation.direct_low_id == me, Conversation.direct_high_id), else_=Conversation.direct_low_id
    )
    return (
        select(Member, Conversation, _LAST, _QUOTED, ServiceConversation, _PEER)
        .join(Conversation, Conversation.id == Member.conversation_id)
        .outerjoin(_LAST, and_(_LAST.conversation_id == Member.conversation_id, _LAST.id == last_id))
        .outerjoin(
            _QUOTED, and_(_QUOTED.conversation_id == _LAST.conversation_id, _QUOTED.id == _LAST.reply_to_id)
        )
        .outerjoin(ServiceConversation, ServiceConversation.conversation_id == Member.conversation_id)
        .outerjoin(
            _PEER,
            and_(
                Conversation.kind == "direct",
                _PEER.conversation_id == Conversation.id,
                _PEER.user_id == peer_id,
            ),
        )
        .where(Member.user_id == me)
        .execution_options(populate_existing=True)
    )


async def chats_out(session: AsyncSession, actor: Actor, rows: Sequence[Any]) -> list[ChatOut]:
    """The actor's chats from `chat_rows` rows, in the order given (one more query: the peers' cards)."""
    if not rows:
        return []
    peers: dict[int, int] = {}
    for member, conversation, _last, _quoted, service, _peer in rows:
        if conversation.kind == "direct":
            low, high = conversation.direct_low_id, conversation.direct_high_id
            peers[conversation.id] = int(high if low == member.user_id else low)
        elif service is not None:
            peers[conversation.id] = (
                service.merchant_id if member.user_id == service.customer_id else service.customer_id
            )
    cards = await identity.get_cards(session, set(peers.values()))
    out = []
    for member, conversation, last, quoted, _service, peer_row in rows:
        active = member.status == ACTIVE
        out.append(
            ChatOut(
                id=conversation.id,
                kind=conversation.kind,
                title=conversation.title if active else member.left_title,
                announcement=conversation.announcement if active else None,
                owner_id=conversation.owner_id,
                mute_all=conversation.mute_all,
                member_count=conversation.member_count if active else None,
                last_seq=conversation.last_seq if active else int(member.left_seq or 0),
                last_message=None if last is None else _message_out(last, _quote(quoted) if quoted else None),
                peer=cards.get(peers.get(conversation.id) or 0),
                peer_read_seq=peer_row.read_seq if peer_row is not None else None,
                me=MyChatState(
                    role=member.role,  # type: ignore[arg-type]
                    status=member.status,  # type: ignore[arg-type]
                    muted=member.muted,
                    pinned=member.pinned_at is not None,
                    read_seq=member.read_seq,
                    unread_count=member.unread_count,
                    mentioned=member.mention_seq > member.read_seq,
                ),
                created_at=conversation.created_at,
            )
        )
    return out


async def chat_out(session: AsyncSession, actor: Actor, member: Member) -> ChatOut:
    """One chat as `member`'s user sees it now (two queries)."""
    query = chat_rows(actor, as_user=member.user_id).where(Member.conversation_id == member.conversation_id)
    rows = (await session.execute(query)).all()
    return (await chats_out(session, actor, rows))[0]


async def invitations_out(session: AsyncSession, invitations: list[Invitation]) -> list[InvitationOut]:
    if not invitations:
        return []
    titles = dict(
        (
            await session.execute(
                select(Conversation.id, Conversation.title).where(
                    Conversation.id.in_({i.conversation_id for i in invitations})
                )
            )
        ).all()
    )
    cards = await identity.get_cards(session, {i.inviter_id for i in invitations})
    return [
        InvitationOut(
            id=i.id,
            chat_id=i.conversation_id,
            chat_title=titles.get(i.conversation_id),
            inviter=cards[i.inviter_id],
            status=i.status,
            created_at=i.created_at,  # type: ignore[arg-type]
        )
        for i in invitations
        if i.inviter_id in cards
    ]
