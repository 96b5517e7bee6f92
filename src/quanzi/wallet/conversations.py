"""Following a transfer or red packet into the conversation it was sent in (WAL-4, WAL-5 in chat).

A transfer or packet made with a ``conversation_ref`` (a chat id) tells that conversation when it is
accepted, declined, grabbed or expires. The wallet knows nothing of chat: it schedules the durable job
``wallet.conversation_event`` in the same transaction as the change, and the job hands the event to
whatever handlers another domain registered with `on_conversation_event` (chat posts a notice). A
process that dies after the commit still runs the job; a handler must tolerate running twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.jobs import schedule

CONVERSATION_EVENT_JOB = "wallet.conversation_event"

ConversationEventHandler = Callable[[AsyncSession, str, dict[str, Any]], Awaitable[None]]
_handlers: list[ConversationEventHandler] = []


def on_conversation_event(handler: ConversationEventHandler) -> ConversationEventHandler:
    """Register `handler(session, topic, data)` for wallet events that carry a conversation_ref."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


async def tell_conversation(session: AsyncSession, topic: str, data: dict[str, Any]) -> None:
    """Schedule the event for the conversation handlers when it names a conversation (else nothing)."""
    if data.get("conversation_ref"):
        await schedule(session, CONVERSATION_EVENT_JOB, {"topic": topic, "data": data})


async def dispatch(session: AsyncSession, payload: dict[str, Any]) -> None:
    for handler in list(_handlers):
        await handler(session, str(payload["topic"]), dict(payload["data"]))
