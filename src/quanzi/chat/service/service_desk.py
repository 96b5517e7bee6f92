"""What every chat path consults about service chats (CHT-1, CHT-9, SHP-2): who is staff, how staff act
as the official account, who may send, and the counters a new message moves.

A service chat has two members, the customer and the merchant account. The merchant's staff are not
members: `account_member_for` hands them the account's member row, so every chat route treats a staff
member as the account (same read state, same unread count, messages sent with the account as sender).
The use cases (opening, the inbox, claim, transfer, staff management) are in `customer_service`.

The window (SHP-2), decided under the conversation row's lock by `check_send`:
- a payment by the customer to the merchant in the last 48 hours: the account sends without limit;
- else, within 48 hours of the customer's latest message: at most 5 account messages since it;
- else nothing (409 ``service_window_closed``; 429 ``service_reply_limit`` once the 5 are used).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.models import (
    Conversation,
    CustomerPayment,
    Member,
    Message,
    ServiceConversation,
    ServiceReply,
    ServiceStaff,
)
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import AppError, Conflict, Forbidden
from quanzi.graph import service as graph

REPLY_WINDOW = timedelta(hours=48)
PAYMENT_WINDOW = timedelta(hours=48)
REPLY_LIMIT = 5
OWNER = "owner"


class ReplyLimitReached(AppError):
    """429: the account used its messages since the customer last wrote (not a rate: it lifts only
    when the customer writes again or pays)."""

    status_code = 429
    code = "service_reply_limit"


# --- staff ----------------------------------------------------------------------------------------------


async def staff_role(session: AsyncSession, merchant_id: int, user_id: int) -> str | None:
    """'owner' for the merchant itself, 'admin' or 'agent' for its staff, None for anyone else."""
    if user_id == merchant_id:
        return OWNER
    found = await session.get(ServiceStaff, (merchant_id, user_id), populate_existing=True)
    return found.role if found is not None else None


async def staff_ids(session: AsyncSession, merchant_id: int) -> list[int]:
    return list(
        (
            await session.scalars(
                select(ServiceStaff.user_id)
                .where(ServiceStaff.merchant_id == merchant_id)
                .order_by(ServiceStaff.user_id)
            )
        ).all()
    )


async def service_of(session: AsyncSession, conversation_id: int) -> ServiceConversation | None:
    return await session.get(ServiceConversation, conversation_id, populate_existing=True)


async def account_member_for(session: AsyncSession, actor_id: int, conversation_id: int) -> Member | None:
    """The account's member row of a service chat when `actor_id` is on its merchant's staff (they act
    as the account); None otherwise."""
    service = await session.get(ServiceConversation, conversation_id)
    if service is None or service.customer_id == actor_id:
        return None
    if await staff_role(session, service.merchant_id, actor_id) is None:
        return None
    return await session.scalar(
        select(Member)
        .where(Member.conversation_id == conversation_id, Member.user_id == service.merchant_id)
        .execution_options(populate_existing=True)
    )


# --- the window (SHP-2) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    state: str  # "paid" | "reply" | "closed"
    until: datetime | None
    replies_left: int | None


async def last_payments(
    session: AsyncSession, merchant_id: int, customer_ids: list[int]
) -> dict[int, datetime]:
    """When each of these customers last paid the merchant (those who never did are left out), as the
    consumer `chat.customer_payments` recorded it from the wallet's events."""
    if not customer_ids:
        return {}
    rows = await session.execute(
        select(CustomerPayment.customer_id, CustomerPayment.last_paid_at).where(
            CustomerPayment.merchant_id == merchant_id,
            CustomerPayment.customer_id.in_(sorted(set(customer_ids))),
        )
    )
    return {int(customer): paid_at for customer, paid_at in rows.all()}


def window_for(service: ServiceConversation, paid_at: datetime | None) -> Window:
    now = clock.now()
    if paid_at is not None and now < paid_at + PAYMENT_WINDOW:
        return Window("paid", paid_at + PAYMENT_WINDOW, None)
    wrote_at = service.last_customer_message_at
    if wrote_at is not None and now < wrote_at + REPLY_WINDOW and service.account_replies < REPLY_LIMIT:
        return Window("reply", wrote_at + REPLY_WINDOW, REPLY_LIMIT - service.account_replies)
    return Window("closed", None, 0)


async def window_of(session: AsyncSession, service: ServiceConversation) -> Window:
    paid = await last_payments(session, service.merchant_id, [service.customer_id])
    return window_for(service, paid.get(service.customer_id))


# --- sending --------------------------------------------------------------------------------------------


async def check_send(session: AsyncSession, actor: Actor, conversation: Conversation, member: Member) -> None:
    """May the actor send into this service chat now? The customer always, follower or not (SHP-2 bounds
    only the account), unless either side has blocked the other; the account (its staff) within the
    window, an agent only in a conversation that is unassigned or theirs. Changes nothing."""
    service = await service_of(session, conversation.id)
    assert service is not None
    if member.user_id == service.customer_id:
        if await graph.is_blocked_either_way(session, service.customer_id, service.merchant_id):
            raise Forbidden("You cannot message this account.", code="blocked")
        return
    role = await staff_role(session, service.merchant_id, actor.user_id)
    if role is None:  # pragma: no cover - access_chat only hands the account's row to its staff
        raise Forbidden("You do not work this account's inbox.", code="not_staff")
    if role == "agent" and service.assignee_id not in (None, actor.user_id):
        raise Conflict(
            "This conversation is assigned to someone else; ask them or an admin to transfer it.",
            code="assigned_to_other",
            details={"assignee_id": str(service.assignee_id)},
        )
    window = await window_of(session, service)
    if window.state != "closed":
        return
    wrote_at = service.last_customer_message_at
    if wrote_at is not None and clock.now() < wrote_at + REPLY_WINDOW:
        raise ReplyLimitReached(
            f"The account may send {REPLY_LIMIT} messages after a customer's message; wait for them to"
            " write again.",
            details={"limit": REPLY_LIMIT, "window_until": (wrote_at + REPLY_WINDOW).isoformat()},
        )
    raise Conflict(
        "The account can message a customer only within 48 hours of their last message or payment.",
        code="service_window_closed",
        details={"last_customer_message_at": wrote_at.isoformat() if wrote_at else None},
    )


async def after_send(
    session: AsyncSession, actor: Actor, conversation: Conversation, member: Member, message: Message
) -> None:
    """After the account sent `message` for the actor: remember who wrote it, and a reply in an
    unassigned conversation assigns it to the one who replied."""
    service = await service_of(session, conversation.id)
    if service is None or member.user_id != service.merchant_id:
        return
    session.add(
        ServiceReply(
            conversation_id=conversation.id,
            message_id=message.id,
            agent_id=actor.user_id,
            created_at=clock.now(),
        )
    )
    if service.assignee_id is None:
        service.assignee_id = actor.user_id
    await session.flush()


async def on_posted(session: AsyncSession, conversation: Conversation, message: Message) -> list[int]:
    """A message was posted into a service chat (under its lock): move the inbox order and the window
    counters, and name the staff whose logs must carry it too."""
    service = await service_of(session, conversation.id)
    if service is None:
        return []
    if message.sender_id == service.customer_id:
        service.last_customer_message_at = message.created_at
        service.account_replies = 0
    elif message.sender_id == service.merchant_id:
        service.account_replies += 1
    service.activity_id = message.id
    service.updated_at = message.created_at
    await session.flush()
    return await staff_audience(session, conversation.id)


async def staff_audience(session: AsyncSession, conversation_id: int) -> list[int]:
    """The staff whose logs carry what happens in this service chat (besides its two members)."""
    service = await service_of(session, conversation_id)
    if service is None:
        return []
    return [uid for uid in await staff_ids(session, service.merchant_id) if uid != service.customer_id]
