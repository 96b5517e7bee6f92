"""Access to chats and messages, shared by every chat service: who may see and do what.

`access_chat` is the one rule for "may this user see this chat": they have (or had) a member row, or
they are on the staff of a service chat's merchant and act as the account (its row). Anyone else gets
404 (``chat_not_found``), exactly as for a chat that does not exist.
`visible_message` is the one rule for messages: inside the member's window
(``joined_seq < seq <= left_seq``) and not deleted for them.

Lock order, the same in every service (so that two transactions never wait on each other in a
circle): the conversation row, then member rows, then the users' sync counters in user-id order.
"""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.models import Conversation, HiddenMessage, Member, Message
from quanzi.chat.service import service_desk
from quanzi.core import ratelimit
from quanzi.core.actor import Actor
from quanzi.core.errors import Conflict, Forbidden, NotFound
from quanzi.core.ids import parse_id
from quanzi.graph import service as graph
from quanzi.identity import service as identity

ACTIVE = "active"
MANAGERS = ("owner", "admin")

# Only the key column, to share-lock two users while a direct message is checked and written; the
# identity domain owns everything else there.


def chat_not_found() -> NotFound:
    return NotFound("No such chat.", code="chat_not_found")


def message_not_found() -> NotFound:
    return NotFound("No such message.", code="message_not_found")


async def access_chat(
    session: AsyncSession,
    actor: Actor,
    chat_id: int | str,
    *,
    lock: bool = False,
    share: bool = False,
    rate_limit: tuple[str, tuple[str, str]] | None = None,
) -> tuple[Conversation, Member]:
    """The chat and the actor's member row (any status), or 404.

    `lock` takes the conversation row FOR UPDATE (to add a message or change membership); `share`
    takes it FOR SHARE (to read counts that a concurrent message must not change underneath).
    `rate_limit` (the refusal's message, the hit) is counted first (`core.ratelimit.check_with`:
    in the same round trip as this query where it can)."""
    cid = parse_id(chat_id)
    if cid is None:
        if rate_limit is not None:
            await ratelimit.check(session, rate_limit[0], rate_limit[1])
        raise chat_not_found()
    # The actor's member row and the conversation in one query; the lock (FOR UPDATE OF the
    # conversation) is taken only through the actor's own member row, so a stranger holds up nobody.
    query = (
        select(Member, Conversation)
        .join(Conversation, Conversation.id == Member.conversation_id)
        .where(Member.conversation_id == cid, Member.user_id == actor.user_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update(of=Conversation)
    elif share:
        query = query.with_for_update(of=Conversation, read=True)
    if rate_limit is not None:
        row = await ratelimit.check_with(session, rate_limit[0], query, rate_limit[1])
    else:
        row = (await session.execute(query)).first()
    if row is not None:
        return row[1], row[0]
    # The merchant's staff act as the official account (CHT-9): they get the account's row.
    member = await service_desk.account_member_for(session, actor.user_id, cid)
    if member is None:
        raise chat_not_found()
    conversation_query = (
        select(Conversation).where(Conversation.id == cid).execution_options(populate_existing=True)
    )
    if lock:
        conversation_query = conversation_query.with_for_update()
    elif share:
        conversation_query = conversation_query.with_for_update(read=True)
    conversation = await session.scalar(conversation_query)
    if conversation is None:
        raise chat_not_found()
    return conversation, member


def require_active(member: Member) -> None:
    if member.status != ACTIVE:
        raise Forbidden("You are no longer a member of this chat.", code="not_a_member")


def require_group(conversation: Conversation) -> None:
    if conversation.kind != "group":
        raise Conflict("Only a group chat can do this.", code="not_a_group")


def require_manager(member: Member) -> None:
    if member.role not in MANAGERS:
        raise Forbidden("Only the group's owner and admins can do this.", code="not_group_admin")


def peer_of(conversation: Conversation, user_id: int) -> int | None:
    if conversation.kind != "direct":
        return None
    return (
        conversation.direct_high_id if conversation.direct_low_id == user_id else conversation.direct_low_id
    )


def visible_bound(conversation: Conversation, member: Member) -> int:
    """The newest seq this member may see."""
    return conversation.last_seq if member.status == ACTIVE else int(member.left_seq or 0)


def in_window(member: Member, seq: int) -> bool:
    return seq > member.joined_seq and (member.left_seq is None or seq <= member.left_seq)


async def lock_users_shared(session: AsyncSession, *user_ids: int) -> None:
    """Share-lock users' rows in id order: a graph change between them (unfriend, block), which locks
    the same rows for update, waits until this transaction ends, and this waits for it."""
    await identity.lock_users(session, user_ids, shared=True)


async def can_message_each_other(session: AsyncSession, a: int, b: int) -> bool:
    """Direct messages flow only between friends, and never across a block (CHT-1, GRA-3): one query."""
    allowed = and_(graph.are_friends_clause(a, b), ~graph.blocked_either_way_clause(a, b))
    return bool(await session.scalar(select(allowed)))


async def check_can_send(
    session: AsyncSession, actor: Actor, conversation: Conversation, member: Member
) -> None:
    require_active(member)
    if conversation.kind == "direct":
        peer = peer_of(conversation, actor.user_id)
        assert peer is not None
        await lock_users_shared(session, actor.user_id, peer)
        if not await can_message_each_other(session, actor.user_id, peer):
            raise Forbidden(
                "You can only message your friends. Add this person as a friend again to chat.",
                code="not_friends",
            )
    elif conversation.kind == "service":
        await service_desk.check_send(session, actor, conversation, member)
    elif conversation.mute_all and member.role not in MANAGERS:
        raise Forbidden(
            "Everyone is muted in this group; only the owner and admins can speak.", code="chat_muted"
        )


async def visible_message(
    session: AsyncSession,
    actor: Actor,
    conversation: Conversation,
    member: Member,
    message_id: int | str,
    *,
    even_if_hidden: bool = False,
) -> Message:
    """A message of this chat the actor may see (in their window, not deleted for them), or 404."""
    mid = parse_id(message_id)
    message = (
        await session.get(Message, (conversation.id, mid), populate_existing=True)
        if mid is not None
        else None
    )
    if message is None or not in_window(member, message.seq):
        raise message_not_found()
    if even_if_hidden:
        return message
    hidden = await session.get(HiddenMessage, (actor.user_id, message.id))
    if hidden is not None:
        raise message_not_found()
    return message


async def active_members(session: AsyncSession, conversation_id: int) -> list[Member]:
    return list(
        (
            await session.scalars(
                select(Member)
                .where(Member.conversation_id == conversation_id, Member.status == ACTIVE)
                .order_by(Member.user_id)
            )
        ).all()
    )
