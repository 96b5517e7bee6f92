"""The wallet's consumers of its own event stream.

`wallet.chat_notices`: a transfer or red packet made in a chat (``conversation_ref``) tells that chat
when it is accepted, declined, grabbed or expires, as a system notice. It runs after the change
committed, in the consumer's own transaction, so a notice is posted exactly once and never holds up
the money (the card's true state is read from the wallet anyway, `chat_cards.viewer_state`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat import service as chat
from quanzi.core.stream import Consumer, StreamEvent
from quanzi.identity import service as identity


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


async def _names(session: AsyncSession, *user_ids: int) -> list[str]:
    cards = await identity.get_cards(session, list(user_ids))
    return [cards[u].display_name if u in cards else "Someone" for u in user_ids]


async def post_money_notice(session: AsyncSession, event: StreamEvent) -> None:
    data = event.data
    chat_id = data.get("conversation_ref")
    if not chat_id:
        return
    sender_id = int(data["sender_id"])
    if event.topic.startswith("wallet.transfer."):
        status = event.topic.rsplit(".", 1)[1]
        receiver_id = int(data["receiver_id"])
        sender, receiver = await _names(session, sender_id, receiver_id)
        text = {
            "accepted": f"{receiver} accepted {sender}'s transfer of {_yuan(int(data['amount']))}",
            "declined": f"{receiver} declined {sender}'s transfer; the money went back",
            "expired": f"{sender}'s transfer expired; the money went back",
        }[status]
        await chat.post_system_notice(
            session,
            chat_id,
            f"transfer_{status}",
            text,
            transfer_id=data["transfer_id"],
            status=status,
            sender_id=str(sender_id),
            receiver_id=str(receiver_id),
            amount=int(data["amount"]),
            names={sender_id: sender, receiver_id: receiver},
        )
    elif event.topic == "wallet.red_packet.grabbed":
        grabber_id = int(data["user_id"])
        sender, grabber = await _names(session, sender_id, grabber_id)
        whose = "their own" if grabber_id == sender_id else f"{sender}'s"
        await chat.post_system_notice(
            session,
            chat_id,
            "red_packet_grabbed",
            f"{grabber} grabbed {whose} red packet",
            red_packet_id=data["packet_id"],
            user_id=str(grabber_id),
            sender_id=str(sender_id),
            names={sender_id: sender, grabber_id: grabber},
        )
    elif event.topic == "wallet.red_packet.expired":
        (sender,) = await _names(session, sender_id)
        await chat.post_system_notice(
            session,
            chat_id,
            "red_packet_expired",
            f"{sender}'s red packet expired",
            red_packet_id=data["packet_id"],
            sender_id=str(sender_id),
            names={sender_id: sender},
        )


CHAT_NOTICES = Consumer(
    name="wallet.chat_notices",
    topics=(
        "wallet.transfer.accepted",
        "wallet.transfer.declined",
        "wallet.transfer.expired",
        "wallet.red_packet.grabbed",
        "wallet.red_packet.expired",
    ),
    handle=post_money_notice,
    start="end",  # notices of earlier events were posted by the job this consumer replaced
)
