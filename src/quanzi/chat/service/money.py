"""Notices in a chat when its transfers and red packets move (accepted, declined, grabbed, expired).

The wallet runs these in its durable job ``wallet.conversation_event`` (one transaction per event,
after the change committed), so a notice is never lost; a job that runs twice may post one twice, and
chat readers get the money's true state from `MessageOut.money` regardless.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.models import Conversation
from quanzi.chat.service.messages import notice
from quanzi.core.ids import parse_id
from quanzi.identity import service as identity
from quanzi.wallet import service as wallet


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


async def _names(session: AsyncSession, *user_ids: int) -> list[str]:
    cards = await identity.get_cards(session, list(user_ids))
    return [cards[u].display_name if u in cards else "Someone" for u in user_ids]


async def post_money_notice(session: AsyncSession, topic: str, data: dict[str, Any]) -> None:
    chat_id = parse_id(str(data.get("conversation_ref") or ""))
    if chat_id is None:
        return
    conversation = await session.scalar(
        select(Conversation)
        .where(Conversation.id == chat_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if conversation is None:
        return
    sender_id = int(data["sender_id"])
    if topic.startswith("wallet.transfer."):
        receiver_id = int(data["receiver_id"])
        sender, receiver = await _names(session, sender_id, receiver_id)
        status = topic.rsplit(".", 1)[1]
        text = {
            "accepted": f"{receiver} accepted {sender}'s transfer of {_yuan(int(data['amount']))}",
            "declined": f"{receiver} declined {sender}'s transfer; the money went back",
            "expired": f"{sender}'s transfer expired; the money went back",
        }.get(status)
        if text is None:
            return
        await notice(
            session, conversation, f"transfer_{status}", text, transfer_id=data["transfer_id"], status=status
        )
    elif topic == "wallet.red_packet.grabbed":
        grabber_id = int(data["user_id"])
        sender, grabber = await _names(session, sender_id, grabber_id)
        whose = "their own" if grabber_id == sender_id else f"{sender}'s"
        await notice(
            session,
            conversation,
            "red_packet_grabbed",
            f"{grabber} grabbed {whose} red packet",
            red_packet_id=data["packet_id"],
            user_id=str(grabber_id),
        )
    elif topic == "wallet.red_packet.expired":
        (sender,) = await _names(session, sender_id)
        await notice(
            session,
            conversation,
            "red_packet_expired",
            f"{sender}'s red packet expired",
            red_packet_id=data["packet_id"],
        )


wallet.on_conversation_event(post_money_notice)
