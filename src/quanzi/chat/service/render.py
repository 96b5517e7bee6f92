"""How chats, messages and invitations look to a user: the one place that turns rows into answers.

A message looks the same to everyone who may see it (whether they may is decided before this), so it
is rendered once and the same JSON goes to every recipient's socket. A recalled message shows no
content, to anyone (CHT-4). A chat shows a member who left or was removed only what they could see
while they were in it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.kinds import preview_of
from quanzi.chat.models import Conversation, Invitation, Member, Message, ServiceConversation
from quanzi.chat.schemas import ChatOut, InvitationOut, MessageOut, MyChatState, QuoteOut
from quanzi.chat.service.common import ACTIVE
from quanzi.core.actor import Actor
from quanzi.identity import service as identity


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


async def message_out(session: AsyncSession, message: Message) -> MessageOut:
    return (await messages_out(session, [message]))[0]


async def chats_out(session: AsyncSession, actor: Actor, members: list[Member]) -> list[ChatOut]:
    """The actor's chats, from the actor's member rows, in the order given."""
    if not members:
        return []
    conversation_ids = [m.conversation_id for m in members]
    conversations = {
        c.id: c
        for c in (
            await session.scalars(
                select(Conversation)
                .where(Conversation.id.in_(conversation_ids))
                .execution_options(populate_existing=True)
            )
        ).all()
    }
    last = {
        m.id: m
        for m in await load_messages(session, [(m.conversation_id, m.last_message_id) for m in members])
    }
    last_out = {m.id: m for m in await messages_out(session, list(last.values()))}
    peers: dict[int, int] = {}
    for member in members:
        conversation = conversations[member.conversation_id]
        if conversation.kind == "direct":
            low, high = conversation.direct_low_id, conversation.direct_high_id
            peers[conversation.id] = int(high if low == actor.user_id else low)  # type: ignore[arg-type]
    service_peers = await _service_peers(
        session, [m for m in members if conversations[m.conversation_id].kind == "service"]
    )
    cards = await identity.get_cards(session, set(peers.values()) | set(service_peers.values()))
    peer_rows = {}
    if peers:
        peer_rows = {
            m.conversation_id: m
            for m in (
                await session.scalars(
                    select(Member)
                    .where(tuple_(Member.conversation_id, Member.user_id).in_(list(peers.items())))
                    .execution_options(populate_existing=True)
                )
            ).all()
        }
    out = []
    for member in members:
        conversation = conversations[member.conversation_id]
        active = member.status == ACTIVE
        peer_row = peer_rows.get(conversation.id)
        out.append(
            ChatOut(
                id=conversation.id,
                kind=conversation.kind,  # type: ignore[arg-type]
                title=conversation.title,
                announcement=conversation.announcement if active else None,
                owner_id=conversation.owner_id,
                mute_all=conversation.mute_all,
                member_count=conversation.member_count if active else None,
                last_seq=conversation.last_seq if active else int(member.left_seq or 0),
                last_message=last_out.get(member.last_message_id or 0),
                peer=cards.get(peers.get(conversation.id) or service_peers.get(conversation.id) or 0),
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


async def _service_peers(session: AsyncSession, members: list[Member]) -> dict[int, int]:
    """The other side of each service chat: the merchant for its customer, the customer for the
    account (and the staff who read with the account's row)."""
    if not members:
        return {}
    rows = (
        await session.scalars(
            select(ServiceConversation).where(
                ServiceConversation.conversation_id.in_([m.conversation_id for m in members])
            )
        )
    ).all()
    by_id = {row.conversation_id: row for row in rows}
    peers = {}
    for member in members:
        row = by_id.get(member.conversation_id)
        if row is not None:
            peers[row.conversation_id] = (
                row.merchant_id if member.user_id == row.customer_id else row.customer_id
            )
    return peers


async def chat_out(session: AsyncSession, actor: Actor, member: Member) -> ChatOut:
    return (await chats_out(session, actor, [member]))[0]


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
