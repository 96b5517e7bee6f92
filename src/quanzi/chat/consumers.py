"""Chat's consumers of the event stream: its own messages' fan-out, and other domains' events.

`chat.fanout`: a posted message reaches the members' unread counts, chat lists and sync logs after
the send committed (see `chat.service.messages`), in the stream's order.

`chat.customer_payments`: a payment to a merchant opens the official account's 48-hour messaging
window with that customer (SHP-2). Chat learns of payments from the wallet's ``wallet.payment.created``
events and keeps, per (merchant, customer), the time of the latest one; the window is computed from
it when the account writes. The wallet knows nothing of chat.
"""

from __future__ import annotations

from sqlalchemy import and_, case, delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.events import MESSAGE_CREATED
from quanzi.chat.models import Conversation, CustomerPayment, Member, Message
from quanzi.chat.service import render, service_desk, sync
from quanzi.core.db import insert_for
from quanzi.core.stream import Consumer, StreamEvent


async def record_payment(session: AsyncSession, event: StreamEvent) -> None:
    paid_at = event.occurred_at
    insert = insert_for(session, CustomerPayment).values(
        merchant_id=int(event.data["merchant_id"]),
        customer_id=int(event.data["payer_id"]),
        last_paid_at=paid_at,
    )
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["merchant_id", "customer_id"],
            set_={"last_paid_at": paid_at},
            where=CustomerPayment.last_paid_at < paid_at,
        )
    )


async def forget_payments(session: AsyncSession) -> None:
    await session.execute(delete(CustomerPayment))


CUSTOMER_PAYMENTS = Consumer(
    name="chat.customer_payments",
    topics=("wallet.payment.created",),
    handle=record_payment,
    reset=forget_payments,
)


# --- fan-out (CHT-5) -------------------------------------------------------------------------------


async def fan_out(session: AsyncSession, event: StreamEvent) -> None:
    """Deliver a posted message to the members whose window holds its seq: their unread count (not
    the sender's, not for a seq they already read), @-mentions, chat-list position, and one entry in
    each one's sync log (the staff of a service chat included). Runs in order of the stream, so a
    conversation's messages fan out in seq order."""
    data = event.data
    conversation_id, message_id, seq = int(data["chat_id"]), int(data["message_id"]), int(data["seq"])
    sender_id = int(data["sender_id"]) if data.get("sender_id") else None
    counts = sender_id is not None  # a system notice is nobody's unread message
    mentioned = {int(m) for m in data.get("mentions") or []}
    is_sender = Member.user_id == (sender_id or 0)
    targets = or_(literal(bool(data.get("mention_all"))), Member.user_id.in_(sorted(mentioned)))
    # The conversation row first, as every request that changes members takes it (a removal, a
    # leave, a send): member rows are then always locked after it, and never in two orders.
    await session.execute(select(Conversation.id).where(Conversation.id == conversation_id).with_for_update())
    result = await session.execute(
        update(Member)
        .where(
            Member.conversation_id == conversation_id,
            Member.joined_seq < seq,
            or_(Member.left_seq.is_(None), Member.left_seq >= seq),
        )
        .values(
            activity_id=case((Member.activity_id < message_id, message_id), else_=Member.activity_id),
            last_message_id=case(
                (func.coalesce(Member.last_message_id, 0) < message_id, message_id),
                else_=Member.last_message_id,
            ),
            unread_count=case(
                (is_sender, 0),
                (and_(literal(counts), Member.read_seq < seq), Member.unread_count + 1),
                else_=Member.unread_count,
            ),
            read_seq=case((and_(is_sender, Member.read_seq < seq), seq), else_=Member.read_seq),
            mention_seq=case(
                (and_(~is_sender, targets, Member.mention_seq < seq), seq), else_=Member.mention_seq
            ),
        )
        .returning(Member.user_id)
        .execution_options(synchronize_session=False)
    )
    recipients = {int(uid) for uid in result.scalars().all()}
    if data.get("chat_kind") == "service":  # the merchant's staff read the account's chats (CHT-9)
        recipients |= set(await service_desk.staff_audience(session, conversation_id))
    message = await session.scalar(
        select(Message).where(Message.conversation_id == conversation_id, Message.id == message_id)
    )
    if message is None or not recipients:
        return
    rendered = await render.message_out(session, message)
    await sync.append(
        session,
        recipients,
        kind="message",
        conversation_id=conversation_id,
        message_id=message_id,
        live=sync.live_entry("message", conversation_id, message=rendered, message_id=message_id),
    )


FANOUT = Consumer(
    name="chat.fanout",
    topics=(MESSAGE_CREATED,),
    handle=fan_out,
    # Messages posted before the fan-out moved here were delivered in their own transactions.
    start="end",
    # One message per transaction, so the locks follow the requests' order (the conversation, then
    # its members, then their sync logs): a batch spanning two conversations would hold the first
    # one's sync logs while waiting for the second conversation, which a request may hold while it
    # appends to one of those logs.
    batch_size=1,
)
