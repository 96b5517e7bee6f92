"""Customer service (CHT-1, CHT-9, SHP-2): a customer's chat with an official account, the merchant's
shared inbox, assignment and transfer, and the staff who work it. docs/customer-service.md is the API.

Choices the rules leave open:
- Any consumer may open one service chat with a merchant account and write first, follower or not
  (SHP-2: a buyer with a question or an order must reach the shop). The window rules bound what the
  account sends back, never the customer. Only a block (either way) keeps them apart: the account is
  then, to the customer, one that does not exist.
- Staff are consumer accounts the merchant adds by username, as ``agent`` or ``admin``. Every staff
  member (and the merchant) may read every conversation of the inbox. Agents reply in conversations
  that are unassigned (a reply claims it) or assigned to them, and transfer only their own; admins and
  the merchant reply and transfer anywhere. Only the merchant account manages staff.
- A conversation is unassigned until claimed, replied to or transferred; claims and transfers are
  system notices in the chat, so the customer and every console learn them from the sync log.
- Removing a staff member hands their conversations back to "unassigned".
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.models import (
    MAX_STAFF,
    Conversation,
    Member,
    ServiceConversation,
    ServiceReply,
    ServiceStaff,
)
from quanzi.chat.schemas import (
    ChatOut,
    InboxFilter,
    ServiceConversationOut,
    ServiceMessageOut,
    ServiceWindowOut,
    StaffIn,
    StaffOut,
    WorkplaceOut,
)
from quanzi.chat.service import render, service_desk, sync
from quanzi.chat.service.common import access_chat, chat_not_found
from quanzi.chat.service.conversations import _new_member
from quanzi.chat.service.messages import list_messages, notice
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import insert_for
from quanzi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.pagination import PageRequest, page_of
from quanzi.graph import service as graph
from quanzi.identity import service as identity


def _merchant_not_found() -> NotFound:
    return NotFound("No such official account.", code="merchant_not_found")


def _inbox_not_found() -> NotFound:
    return NotFound("No such inbox.", code="inbox_not_found")


# --- the customer's side --------------------------------------------------------------------------------


async def open_service_chat(session: AsyncSession, actor: Actor, merchant_id: int | str) -> ChatOut:
    """The actor's service chat with a merchant account, created on first use (CHT-1, SHP-2). Anyone may
    open one, follower or not; an existing one is answered as it is."""
    mid = parse_id(merchant_id)
    merchant = await identity.get_user(session, mid) if mid is not None else None
    if merchant is None or merchant.kind != "merchant":
        raise _merchant_not_found()
    if merchant.id == actor.user_id:
        raise InvalidInput("An account cannot open a service chat with itself.", code="cannot_message_self")
    if await graph.is_blocked_either_way(session, actor.user_id, merchant.id):
        raise _merchant_not_found()
    if await service_desk.staff_role(session, merchant.id, actor.user_id) is not None:
        raise Conflict(
            "You work this account's inbox; a service chat with it is not for you.", code="staff_cannot_open"
        )
    existing = await _service_between(session, merchant.id, actor.user_id)
    if existing is None:
        existing = await _create(session, actor, merchant.id)
    _, member = await access_chat(session, actor, existing.conversation_id)
    return await render.chat_out(session, actor, member)


async def _service_between(
    session: AsyncSession, merchant_id: int, customer_id: int
) -> ServiceConversation | None:
    return await session.scalar(
        select(ServiceConversation)
        .where(ServiceConversation.merchant_id == merchant_id, ServiceConversation.customer_id == customer_id)
        .execution_options(populate_existing=True)
    )


async def _create(session: AsyncSession, actor: Actor, merchant_id: int) -> ServiceConversation:
    now = clock.now()
    conversation = Conversation(
        id=new_id(),
        kind="service",
        title=None,
        announcement=None,
        owner_id=merchant_id,
        direct_low_id=None,
        direct_high_id=None,
        mute_all=False,
        member_count=2,
        last_seq=0,
        last_message_id=None,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    await session.flush()
    result = await session.execute(
        insert_for(session, ServiceConversation)
        .values(
            conversation_id=conversation.id,
            merchant_id=merchant_id,
            customer_id=actor.user_id,
            assignee_id=None,
            activity_id=conversation.id,
            last_customer_message_at=None,
            account_replies=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["merchant_id", "customer_id"])
    )
    if not int(result.rowcount or 0):  # type: ignore[attr-defined]
        # A concurrent open won: ours was never seen by anyone, so it simply goes.
        await session.delete(conversation)
        await session.flush()
        found = await _service_between(session, merchant_id, actor.user_id)
        assert found is not None
        return found
    for uid in (actor.user_id, merchant_id):
        session.add(_new_member(conversation, uid, "member", invited_by=None, activity_id=conversation.id))
    await session.flush()
    await sync.append(session, [actor.user_id, merchant_id], kind="chat", conversation_id=conversation.id)
    found = await _service_between(session, merchant_id, actor.user_id)
    assert found is not None
    return found


# --- the console: access, inbox, conversations ----------------------------------------------------------


async def _access_service(
    session: AsyncSession, actor: Actor, chat_id: int | str, *, lock: bool = False
) -> tuple[Conversation, ServiceConversation, Member, str]:
    """A service chat of a merchant the actor works for (or is), with the account's member row and the
    actor's role there; 404 ``chat_not_found`` for anyone else, the customer included."""
    conversation, member = await access_chat(session, actor, chat_id, lock=lock)
    service = (
        await service_desk.service_of(session, conversation.id) if conversation.kind == "service" else None
    )
    if service is None or member.user_id != service.merchant_id:
        raise chat_not_found()
    role = await service_desk.staff_role(session, service.merchant_id, actor.user_id)
    if role is None:
        raise chat_not_found()
    return conversation, service, member, role


async def list_workplaces(session: AsyncSession, actor: Actor) -> list[WorkplaceOut]:
    """The inboxes the actor may open: their own account's (a merchant), then those they staff."""
    rows = (
        await session.execute(
            select(ServiceStaff.merchant_id, ServiceStaff.role)
            .where(ServiceStaff.user_id == actor.user_id)
            .order_by(ServiceStaff.added_at, ServiceStaff.merchant_id)
        )
    ).all()
    places = [(actor.user_id, "owner")] if actor.kind == "merchant" else []
    places += [(int(mid), str(role)) for mid, role in rows]
    cards = await identity.get_cards(session, [mid for mid, _ in places])
    return [WorkplaceOut(merchant=cards[mid], role=role) for mid, role in places if mid in cards]  # type: ignore[arg-type]


async def _inbox_merchant(session: AsyncSession, actor: Actor, merchant_id: int | str | None) -> int:
    if merchant_id is None:
        if actor.kind == "merchant":
            return actor.user_id
        staffed = list(
            (
                await session.scalars(
                    select(ServiceStaff.merchant_id).where(ServiceStaff.user_id == actor.user_id).limit(2)
                )
            ).all()
        )
        if len(staffed) == 1:
            return int(staffed[0])
        if not staffed:
            raise _inbox_not_found()
        raise InvalidInput("Say which merchant's inbox (merchant_id).", code="merchant_required")
    mid = parse_id(merchant_id)
    if mid is None or await service_desk.staff_role(session, mid, actor.user_id) is None:
        raise _inbox_not_found()
    return mid


async def inbox(
    session: AsyncSession,
    actor: Actor,
    merchant_id: int | str | None,
    which: InboxFilter,
    page: PageRequest,
) -> tuple[list[ServiceConversationOut], str | None]:
    """A merchant's service conversations, newest activity first: all, the actor's, or unassigned."""
    mid = await _inbox_merchant(session, actor, merchant_id)
    query = select(ServiceConversation).where(ServiceConversation.merchant_id == mid)
    if which == "mine":
        query = query.where(ServiceConversation.assignee_id == actor.user_id)
    elif which == "unassigned":
        query = query.where(ServiceConversation.assignee_id.is_(None))
    if page.after:
        if len(page.after) != 2:
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        after = tuple(int(part) for part in page.after)
        query = query.where(
            tuple_(ServiceConversation.activity_id, ServiceConversation.conversation_id) < tuple_(*after)
        )
    query = query.order_by(
        ServiceConversation.activity_id.desc(), ServiceConversation.conversation_id.desc()
    ).limit(page.limit + 1)
    rows = list((await session.scalars(query.execution_options(populate_existing=True))).all())
    kept, cursor = page_of(rows, page, key=lambda r: (r.activity_id, r.conversation_id))
    return await _conversations_out(session, mid, kept), cursor


async def _conversations_out(
    session: AsyncSession, merchant_id: int, rows: list[ServiceConversation]
) -> list[ServiceConversationOut]:
    if not rows:
        return []
    ids = [r.conversation_id for r in rows]
    conversations = {
        c.id: c
        for c in (
            await session.scalars(
                select(Conversation).where(Conversation.id.in_(ids)).execution_options(populate_existing=True)
            )
        ).all()
    }
    accounts = {
        m.conversation_id: m
        for m in (
            await session.scalars(
                select(Member)
                .where(Member.conversation_id.in_(ids), Member.user_id == merchant_id)
                .execution_options(populate_existing=True)
            )
        ).all()
    }
    last = await render.load_messages(session, [(c.id, c.last_message_id) for c in conversations.values()])
    last_out = {m.id: m for m in await render.messages_out(session, last)}
    cards = await identity.get_cards(
        session, {r.customer_id for r in rows} | {r.assignee_id for r in rows if r.assignee_id is not None}
    )
    paid = await service_desk.last_payments(session, merchant_id, [r.customer_id for r in rows])
    out = []
    for row in rows:
        conversation, account = conversations[row.conversation_id], accounts.get(row.conversation_id)
        if row.customer_id not in cards or account is None:
            continue
        window = service_desk.window_for(row, paid.get(row.customer_id))
        out.append(
            ServiceConversationOut(
                chat_id=row.conversation_id,
                merchant_id=row.merchant_id,
                customer=cards[row.customer_id],
                assignee=cards.get(row.assignee_id) if row.assignee_id is not None else None,
                unread_count=account.unread_count,
                read_seq=account.read_seq,
                last_seq=conversation.last_seq,
                last_message=last_out.get(conversation.last_message_id or 0),
                last_customer_message_at=row.last_customer_message_at,
                window=ServiceWindowOut(
                    state=window.state,  # type: ignore[arg-type]
                    until=window.until,
                    replies_left=window.replies_left,
                ),
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )
    return out


async def _one_out(session: AsyncSession, service: ServiceConversation) -> ServiceConversationOut:
    await session.flush()
    return (await _conversations_out(session, service.merchant_id, [service]))[0]


async def get_service_conversation(
    session: AsyncSession, actor: Actor, chat_id: int | str
) -> ServiceConversationOut:
    _, service, _, _ = await _access_service(session, actor, chat_id)
    return await _one_out(session, service)


async def service_history(
    session: AsyncSession, actor: Actor, chat_id: int | str, page: PageRequest
) -> tuple[list[ServiceMessageOut], str | None]:
    """The chat's history as the account sees it (newest first), with who wrote each account message."""
    conversation, _, _, _ = await _access_service(session, actor, chat_id)
    messages, cursor = await list_messages(session, actor, conversation.id, page)
    authors: dict[int, int | None] = {}
    if messages:
        authors = {
            int(mid): agent
            for mid, agent in (
                await session.execute(
                    select(ServiceReply.message_id, ServiceReply.agent_id).where(
                        ServiceReply.conversation_id == conversation.id,
                        ServiceReply.message_id.in_([int(m.id) for m in messages]),
                    )
                )
            ).all()
        }
    cards = await identity.get_cards(session, {a for a in authors.values() if a is not None})
    return [
        ServiceMessageOut(message=m, agent=cards.get(authors.get(int(m.id)) or 0)) for m in messages
    ], cursor


async def _name(session: AsyncSession, user_id: int) -> str:
    cards = await identity.get_cards(session, [user_id])
    return cards[user_id].display_name if user_id in cards else "Someone"


async def claim(session: AsyncSession, actor: Actor, chat_id: int | str) -> ServiceConversationOut:
    """Take an unassigned conversation (CHT-9). Claiming one's own again answers it again."""
    conversation, service, _, _ = await _access_service(session, actor, chat_id, lock=True)
    if service.assignee_id == actor.user_id:
        return await _one_out(session, service)
    if service.assignee_id is not None:
        raise Conflict(
            "Someone else is already serving this conversation.",
            code="already_assigned",
            details={"assignee_id": str(service.assignee_id)},
        )
    service.assignee_id = actor.user_id
    await session.flush()
    agent = await _name(session, actor.user_id)
    await notice(
        session,
        conversation,
        "service_claimed",
        f"{agent} is now serving you",
        agent_id=str(actor.user_id),
        names={actor.user_id: agent},
    )
    return await _one_out(session, service)


async def transfer(
    session: AsyncSession, actor: Actor, chat_id: int | str, to_user_id: int | str
) -> ServiceConversationOut:
    """Hand a conversation to another staff member or the merchant (CHT-9): an agent their own, an
    admin or the merchant any. The chat gets a notice."""
    conversation, service, _, role = await _access_service(session, actor, chat_id, lock=True)
    target = parse_id(to_user_id)
    if (
        target is None
        or target == service.customer_id
        or await service_desk.staff_role(session, service.merchant_id, target) is None
    ):
        raise InvalidInput("Conversations go only to this account's staff.", code="not_staff")
    if role == "agent" and service.assignee_id != actor.user_id:
        raise Forbidden(
            "Only the one serving a conversation (or an admin) can transfer it.", code="not_assignee"
        )
    if service.assignee_id == target:
        return await _one_out(session, service)
    previous = service.assignee_id
    service.assignee_id = target
    await session.flush()
    by, to = await _name(session, actor.user_id), await _name(session, target)
    await notice(
        session,
        conversation,
        "service_transferred",
        f"{by} transferred the conversation to {to}",
        by=str(actor.user_id),
        from_id=str(previous) if previous is not None else None,
        to_id=str(target),
        names={actor.user_id: by, target: to},
    )
    return await _one_out(session, service)


# --- staff (the merchant account only) ------------------------------------------------------------------


def _require_merchant(actor: Actor) -> None:
    if actor.kind != "merchant":
        raise Forbidden("Only a merchant account manages its customer-service staff.", code="merchant_only")


async def _staff_out(session: AsyncSession, rows: list[ServiceStaff]) -> list[StaffOut]:
    cards = await identity.get_cards(session, [r.user_id for r in rows])
    return [
        StaffOut(user=cards[r.user_id], role=r.role, added_at=r.added_at)  # type: ignore[arg-type]
        for r in rows
        if r.user_id in cards
    ]


async def list_staff(session: AsyncSession, actor: Actor) -> list[StaffOut]:
    _require_merchant(actor)
    rows = (
        await session.scalars(
            select(ServiceStaff)
            .where(ServiceStaff.merchant_id == actor.user_id)
            .order_by(ServiceStaff.added_at, ServiceStaff.user_id)
        )
    ).all()
    return await _staff_out(session, list(rows))


async def add_staff(session: AsyncSession, actor: Actor, data: StaffIn) -> StaffOut:
    """Add a consumer account to the merchant's staff by username, or change their role."""
    _require_merchant(actor)
    user = await identity.find_by_login(session, data.username)
    if user.kind != "consumer":
        raise InvalidInput("Staff are consumer accounts.", code="not_a_consumer")
    await identity.lock_users(session, [actor.user_id])  # one staff change per merchant at a time
    found = await session.get(ServiceStaff, (actor.user_id, user.id), populate_existing=True)
    if found is None:
        count = await session.scalar(
            select(func.count()).select_from(ServiceStaff).where(ServiceStaff.merchant_id == actor.user_id)
        )
        if int(count or 0) >= MAX_STAFF:
            raise Conflict(f"An account has at most {MAX_STAFF} staff.", code="staff_limit")
        found = ServiceStaff(merchant_id=actor.user_id, user_id=user.id, role=data.role, added_at=clock.now())
        session.add(found)
    else:
        found.role = data.role
    await session.flush()
    return (await _staff_out(session, [found]))[0]


async def remove_staff(session: AsyncSession, actor: Actor, user_id: int | str) -> None:
    """Take someone off the staff: their access ends at once and their conversations go unassigned."""
    _require_merchant(actor)
    uid = parse_id(user_id)
    result = await session.execute(
        delete(ServiceStaff).where(
            ServiceStaff.merchant_id == actor.user_id, ServiceStaff.user_id == (uid or 0)
        )
    )
    if not int(result.rowcount or 0):  # type: ignore[attr-defined]
        raise NotFound("No such staff member.", code="staff_not_found")
    await session.execute(
        update(ServiceConversation)
        .where(ServiceConversation.merchant_id == actor.user_id, ServiceConversation.assignee_id == uid)
        .values(assignee_id=None)
        .execution_options(synchronize_session=False)
    )
