"""What other domains may ask of a conversation they refer to: its active members, and a system notice
posted into it (a transfer accepted, a red packet grabbed). The caller owns the reason; chat owns the
conversation and its log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.models import Conversation, Member, Message
from quanzi.chat.service.common import ACTIVE, active_members
from quanzi.chat.service.messages import notice
from quanzi.core.ids import parse_id


async def active_member_ids(session: AsyncSession, chat_id: int | str) -> set[int]:
    """The users who are members of the chat now (empty for an unknown chat)."""
    conversation_id = parse_id(str(chat_id))
    if conversation_id is None:
        return set()
    return {int(member.user_id) for member in await active_members(session, conversation_id)}


async def is_active_member(session: AsyncSession, chat_id: int | str, user_id: int) -> bool:
    """Whether the user is a member of the chat now (not removed, not left)."""
    conversation_id = parse_id(str(chat_id))
    if conversation_id is None:
        return False
    found = await session.scalar(
        select(Member.user_id).where(
            Member.conversation_id == conversation_id, Member.user_id == user_id, Member.status == ACTIVE
        )
    )
    return found is not None


async def post_system_notice(
    session: AsyncSession, chat_id: int | str, event: str, text: str, **data: Any
) -> Message | None:
    """Post a system notice into the chat (None when the chat no longer exists). `event` and `data`
    tell clients what happened, so they can show it in their own language; `text` is the fallback."""
    conversation_id = parse_id(str(chat_id))
    if conversation_id is None:
        return None
    conversation = await session.scalar(
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if conversation is None:
        return None
    return await notice(session, conversation, event, text, **data)
