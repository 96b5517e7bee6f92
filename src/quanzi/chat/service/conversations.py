"""Chats and their members: direct chats, groups, invitations, roles, read state, mute and pin
(CHT-1, CHT-2, CHT-6, CHT-7).

Choices the rules leave open:
- A direct chat exists once per pair of friends; opening it again answers the same chat. A user who is
  not the actor's friend (or blocked either way) is, to this API, a user that does not exist (404).
  After an unfriending both keep the history, and sending answers 403 ``not_friends``.
- A group starts with its creator and at least one friend. Any member may invite their own friends;
  up to 40 members they join at once, past 40 each invitee gets an invitation to accept (CHT-2).
- A member who leaves or is removed keeps what they saw (history up to the notice of their leaving)
  and receives nothing after. Rejoining later starts a new window: the earlier history stays hidden.
- When the owner leaves, the longest-standing admin (else member) becomes the owner.
- Every change to a group is also a system notice in it, so members learn of it from their log.
"""

from __future__ import annotations

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.models import (
    CONSENT_THRESHOLD,
    MAX_GROUP_MEMBERS,
    Conversation,
    Invitation,
    Member,
    Message,
)
from quanzi.chat.schemas import (
    ChatOut,
    ChatSettingsIn,
    DirectChatIn,
    GroupCreateIn,
    GroupUpdateIn,
    InvitationOut,
    MemberOut,
    MembersAddIn,
    MembersAddOut,
)
from quanzi.chat.service import render, sync
from quanzi.chat.service.common import (
    ACTIVE,
    access_chat,
    can_message_each_other,
    chat_not_found,
    peer_of,
    require_active,
    require_group,
    require_manager,
    visible_bound,
)
from quanzi.chat.service.messages import notice
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import insert_for
from quanzi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.pagination import PageRequest, page_of
from quanzi.graph import service as graph
from quanzi.identity import service as identity


def _user_not_found() -> NotFound:
    return NotFound("No such user.", code="user_not_found")


async def _names(session: AsyncSession, user_ids: list[int]) -> dict[int, str]:
    cards = await identity.get_cards(session, user_ids)
    return {uid: card.display_name for uid, card in cards.items()}


def _names_of(names: dict[int, str], user_ids: list[int]) -> str:
    listed = [names.get(uid, "") for uid in user_ids]
    return ", ".join(listed[:10]) + (f" and {len(listed) - 10} more" if len(listed) > 10 else "")


async def _chat_entry(session: AsyncSession, conversation: Conversation, user_ids: list[int]) -> None:
    """Tell these users their own relation to the chat changed; each reads their view from the log."""
    await sync.append(session, user_ids, kind="chat", conversation_id=conversation.id)


def _new_member(
    conversation: Conversation, user_id: int, role: str, *, invited_by: int | None, activity_id: int
) -> Member:
    return Member(
        conversation_id=conversation.id,
        user_id=user_id,
        role=role,
        status=ACTIVE,
        joined_seq=conversation.last_seq,
        left_seq=None,
        left_title=None,
        read_seq=conversation.last_seq,
        unread_count=0,
        mention_seq=0,
        muted=False,
        pinned_at=None,
        activity_id=activity_id,
        last_message_id=None,
        invited_by=invited_by,
        joined_at=clock.now(),
    )


async def _admit(
    session: AsyncSession, conversation: Conversation, user_ids: list[int], invited_by: int
) -> None:
    """Make these users active members from the next message on (the caller holds the chat's lock)."""
    existing = {
        m.user_id: m
        for m in (
            await session.scalars(
                select(Member).where(Member.conversation_id == conversation.id, Member.user_id.in_(user_ids))
            )
        ).all()
    }
    activity = new_id()
    for uid in user_ids:
        member = existing.get(uid)
        if member is None:
            session.add(_new_member(conversation, uid, "member", invited_by=invited_by, activity_id=activity))
            continue
        fresh = _new_member(conversation, uid, "member", invited_by=invited_by, activity_id=activity)
        for field in (
            "role",
            "status",
            "joined_seq",
            "left_seq",
            "left_title",
            "read_seq",
            "unread_count",
            "mention_seq",
            "activity_id",
            "last_message_id",
            "invited_by",
            "joined_at",
        ):
            setattr(member, field, getattr(fresh, field))
    conversation.member_count += len(user_ids)
    await session.flush()


async def _depart(
    session: AsyncSession, conversation: Conversation, member: Member, status: str, seq: int
) -> None:
    member.status = status
    member.left_seq = seq
    # What the chat was called when they left: they see it as it was then, not its later names.
    member.left_title = conversation.title
    member.pinned_at = None
    conversation.member_count -= 1
    await session.flush()


# --- direct chats and groups ------------------------------------------------------------------------


async def open_direct(session: AsyncSession, actor: Actor, data: DirectChatIn) -> ChatOut:
    """The direct chat with a friend, created on first use (CHT-1)."""
    peer_id = parse_id(data.user_id)
    if peer_id is None or peer_id == actor.user_id:
        raise _user_not_found()
    if not await can_message_each_other(session, actor.user_id, peer_id):
        raise _user_not_found()
    low, high = sorted((actor.user_id, peer_id))
    now = clock.now()
    conversation_id = new_id()
    result = await session.execute(
        insert_for(session, Conversation)
        .values(
            id=conversation_id,
            kind="direct",
            title=None,
            announcement=None,
            owner_id=None,
            direct_low_id=low,
            direct_high_id=high,
            mute_all=False,
            member_count=2,
            last_seq=0,
            last_message_id=None,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["direct_low_id", "direct_high_id"])
    )
    conversation = await session.scalar(
        select(Conversation).where(Conversation.direct_low_id == low, Conversation.direct_high_id == high)
    )
    assert conversation is not None
    if int(result.rowcount or 0):  # type: ignore[attr-defined]
        for uid in (low, high):
            session.add(
                _new_member(conversation, uid, "member", invited_by=None, activity_id=conversation.id)
            )
        await session.flush()
        await _chat_entry(session, conversation, [low, high])
    _, member = await access_chat(session, actor, conversation.id)
    return await render.chat_out(session, actor, member)


async def create_group(session: AsyncSession, actor: Actor, data: GroupCreateIn) -> ChatOut:
    """A group of the creator (its owner) and some of the creator's friends (CHT-2)."""
    invitees = sorted({parse_id(i) or 0 for i in data.member_ids} - {actor.user_id})
    if not invitees:
        raise InvalidInput("A group needs at least one other member.", code="group_too_small")
    friends = await graph.friend_ids(session, actor.user_id)
    strangers = [uid for uid in invitees if uid not in friends]
    if strangers:
        raise NotFound(
            "Only your friends can be added to a group.",
            code="user_not_found",
            details={"user_ids": [str(uid) for uid in strangers]},
        )
    if len(invitees) + 1 > MAX_GROUP_MEMBERS:
        raise Conflict(f"A group has at most {MAX_GROUP_MEMBERS} members.", code="group_full")
    now = clock.now()
    conversation = Conversation(
        id=new_id(),
        kind="group",
        title=data.title,
        announcement=None,
        owner_id=actor.user_id,
        direct_low_id=None,
        direct_high_id=None,
        mute_all=False,
        member_count=1 + len(invitees),
        last_seq=0,
        last_message_id=None,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    await session.flush()
    session.add(
        _new_member(conversation, actor.user_id, "owner", invited_by=None, activity_id=conversation.id)
    )
    for uid in invitees:
        session.add(
            _new_member(conversation, uid, "member", invited_by=actor.user_id, activity_id=conversation.id)
        )
    await session.flush()
    everyone = [actor.user_id, *invitees]
    await _chat_entry(session, conversation, everyone)
    names = await _names(session, everyone)
    await notice(
        session,
        conversation,
        "created",
        f"{names.get(actor.user_id, '')} created the group with {_names_of(names, invitees)}",
        by=str(actor.user_id),
        user_ids=[str(u) for u in invitees],
        names=names,
    )
    _, member = await access_chat(session, actor, conversation.id)
    return await render.chat_out(session, actor, member)


async def get_chat(session: AsyncSession, actor: Actor, chat_id: int | str) -> ChatOut:
    _, member = await access_chat(session, actor, chat_id)
    return await render.chat_out(session, actor, member)


def _pin_rank():  # type: ignore[no-untyped-def]
    return case((Member.pinned_at.is_not(None), 1), else_=0)


async def list_chats(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[ChatOut], str | None]:
    """The actor's chats: pinned first, then by latest activity. A group the actor left is gone from the
    list; one they were removed from stays (showing only what they saw)."""
    query = render.chat_rows(actor).where(Member.status != "left")
    if page.after:
        if len(page.after) != 3:
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        after = tuple(int(part) for part in page.after)
        query = query.where(tuple_(_pin_rank(), Member.activity_id, Member.conversation_id) < tuple_(*after))
    query = query.order_by(_pin_rank().desc(), Member.activity_id.desc(), Member.conversation_id.desc())
    rows = list((await session.execute(query.limit(page.limit + 1))).all())
    kept, cursor = page_of(
        rows, page, key=lambda row: (1 if row[0].pinned_at else 0, row[0].activity_id, row[0].conversation_id)
    )
    return await render.chats_out(session, actor, kept), cursor


async def update_group(
    session: AsyncSession, actor: Actor, chat_id: int | str, data: GroupUpdateIn
) -> ChatOut:
    """Rename, set the announcement, mute or unmute everyone: the owner and admins only (CHT-2)."""
    conversation, member = await access_chat(session, actor, chat_id, lock=True)
    require_active(member)
    require_group(conversation)
    require_manager(member)
    name = (await _names(session, [actor.user_id])).get(actor.user_id, "")
    if data.title is not None and data.title != conversation.title:
        conversation.title = data.title
        await notice(
            session,
            conversation,
            "renamed",
            f'{name} renamed the group to "{data.title}"',
            by=str(actor.user_id),
            title=data.title,
            names={actor.user_id: name},
        )
    if data.announcement is not None and data.announcement != (conversation.announcement or ""):
        conversation.announcement = data.announcement or None
        await notice(
            session,
            conversation,
            "announcement",
            f"{name} {'updated' if data.announcement else 'cleared'} the announcement",
            by=str(actor.user_id),
            announcement=data.announcement,
            names={actor.user_id: name},
        )
    if data.mute_all is not None and data.mute_all != conversation.mute_all:
        conversation.mute_all = data.mute_all
        await notice(
            session,
            conversation,
            "mute_all",
            f"{name} {'muted' if data.mute_all else 'unmuted'} everyone",
            by=str(actor.user_id),
            mute_all=data.mute_all,
            names={actor.user_id: name},
        )
    await session.flush()
    _, member = await access_chat(session, actor, conversation.id)
    return await render.chat_out(session, actor, member)


async def update_settings(
    session: AsyncSession, actor: Actor, chat_id: int | str, data: ChatSettingsIn
) -> ChatOut:
    """Mute (no push) or pin a chat, for the actor only (CHT-7); their other devices follow by the log."""
    conversation, member = await access_chat(session, actor, chat_id)
    if member.user_id != actor.user_id:
        raise Forbidden("Only the account itself changes its chat settings.", code="not_a_member")
    changed = False
    if data.muted is not None and data.muted != member.muted:
        member.muted, changed = data.muted, True
    if data.pinned is not None and data.pinned != (member.pinned_at is not None):
        if data.pinned:
            require_active(member)
        member.pinned_at, changed = (clock.now() if data.pinned else None), True
    if changed:
        await session.flush()
        await _chat_entry(session, conversation, [actor.user_id])
    return await render.chat_out(session, actor, member)


async def mark_read(session: AsyncSession, actor: Actor, chat_id: int | str, seq: int) -> ChatOut:
    """Move the actor's read position forward to `seq` (never back) and recount their unread messages.
    In a direct chat the other person learns it too: a read receipt (CHT-6)."""
    conversation, member = await access_chat(session, actor, chat_id, share=True)
    bound = visible_bound(conversation, member)
    target = min(seq, bound)
    if target > member.read_seq:
        unread = await session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.conversation_id == conversation.id,
                Message.seq > target,
                Message.seq <= bound,
                Message.sender_id.is_not(None),
                Message.sender_id != member.user_id,
            )
        )
        member.read_seq = target
        member.unread_count = int(unread or 0)
        await session.flush()
        reader = member.user_id  # the actor, or the official account its staff act as (CHT-9)
        readers = [reader]
        peer = peer_of(conversation, reader)
        if peer is not None and member.status == ACTIVE:
            readers.append(peer)
        data = {"user_id": str(reader), "read_seq": target}
        await sync.append(
            session,
            readers,
            kind="read",
            conversation_id=conversation.id,
            data=data,
            live=sync.live_entry("read", conversation.id, user_id=reader, read_seq=target),
        )
    return await render.chat_out(session, actor, member)


# --- members ------------------------------------------------------------------------------------------


async def list_members(
    session: AsyncSession, actor: Actor, chat_id: int | str, page: PageRequest
) -> tuple[list[MemberOut], str | None]:
    """The chat's current members, by user id; only for its current members."""
    conversation, member = await access_chat(session, actor, chat_id)
    if member.status != ACTIVE:
        raise chat_not_found()
    query = select(Member).where(Member.conversation_id == conversation.id, Member.status == ACTIVE)
    if page.after:
        query = query.where(Member.user_id > int(page.after[0]))
    rows = list((await session.scalars(query.order_by(Member.user_id).limit(page.limit + 1))).all())
    kept, cursor = page_of(rows, page, key=lambda m: m.user_id)
    cards = await identity.get_cards(session, [m.user_id for m in kept])
    return [
        MemberOut(user=cards[m.user_id], role=m.role, joined_at=m.joined_at)  # type: ignore[arg-type]
        for m in kept
        if m.user_id in cards
    ], cursor


async def add_members(
    session: AsyncSession, actor: Actor, chat_id: int | str, data: MembersAddIn
) -> MembersAddOut:
    """Invite friends into a group: they join at once while the group has at most 40 members, and are
    sent an invitation to accept once it has more (CHT-2). Current members are skipped."""
    conversation, member = await access_chat(session, actor, chat_id, lock=True)
    require_active(member)
    require_group(conversation)
    wanted = sorted({parse_id(i) or 0 for i in data.user_ids} - {actor.user_id})
    current = set(
        (
            await session.scalars(
                select(Member.user_id).where(
                    Member.conversation_id == conversation.id,
                    Member.status == ACTIVE,
                    Member.user_id.in_(wanted),
                )
            )
        ).all()
    )
    newcomers = [uid for uid in wanted if uid not in current]
    friends = await graph.friend_ids(session, actor.user_id)
    strangers = [uid for uid in newcomers if uid not in friends]
    if strangers:
        raise NotFound(
            "Only your friends can be invited.",
            code="user_not_found",
            details={"user_ids": [str(uid) for uid in strangers]},
        )
    if not newcomers:
        return MembersAddOut(added=[], invited=[])
    if conversation.member_count + len(newcomers) > MAX_GROUP_MEMBERS:
        raise Conflict(f"A group has at most {MAX_GROUP_MEMBERS} members.", code="group_full")
    if conversation.member_count > CONSENT_THRESHOLD:
        return MembersAddOut(added=[], invited=await _invite(session, actor, conversation, newcomers))
    await _admit(session, conversation, newcomers, invited_by=actor.user_id)
    await _chat_entry(session, conversation, newcomers)
    names = await _names(session, [actor.user_id, *newcomers])
    await notice(
        session,
        conversation,
        "joined",
        f"{names.get(actor.user_id, '')} invited {_names_of(names, newcomers)} to the group",
        by=str(actor.user_id),
        user_ids=[str(u) for u in newcomers],
        names=names,
    )
    return MembersAddOut(added=newcomers, invited=[])


async def _invite(
    session: AsyncSession, actor: Actor, conversation: Conversation, user_ids: list[int]
) -> list[int]:
    invited = []
    now = clock.now()
    for uid in user_ids:
        invitation_id = new_id()
        result = await session.execute(
            insert_for(session, Invitation)
            .values(
                id=invitation_id,
                conversation_id=conversation.id,
                inviter_id=actor.user_id,
                invitee_id=uid,
                status="pending",
                created_at=now,
                responded_at=None,
            )
            .on_conflict_do_nothing(
                index_elements=["conversation_id", "invitee_id"], index_where=Invitation.status == "pending"
            )
        )
        if int(result.rowcount or 0):  # type: ignore[attr-defined]
            await sync.append(
                session,
                [uid],
                kind="invite",
                conversation_id=conversation.id,
                data={"invitation_id": str(invitation_id)},
            )
        invited.append(uid)
    return invited


async def list_invitations(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[InvitationOut], str | None]:
    query = select(Invitation).where(Invitation.invitee_id == actor.user_id, Invitation.status == "pending")
    if page.after:
        query = query.where(Invitation.id < int(page.after[0]))
    rows = list((await session.scalars(query.order_by(Invitation.id.desc()).limit(page.limit + 1))).all())
    kept, cursor = page_of(rows, page, key=lambda i: i.id)
    return await render.invitations_out(session, kept), cursor


async def respond_invitation(
    session: AsyncSession, actor: Actor, invitation_id: int | str, accept: bool
) -> InvitationOut:
    """Accept (join) or decline a group invitation. It is void if the inviter has left or the group
    is full; answering it again answers the same."""
    iid = parse_id(invitation_id)
    found = await session.get(Invitation, iid) if iid is not None else None
    if found is None or found.invitee_id != actor.user_id:
        raise NotFound("No such invitation.", code="invitation_not_found")
    conversation = await session.scalar(
        select(Conversation).where(Conversation.id == found.conversation_id).with_for_update()
    )
    invitation = await session.scalar(
        select(Invitation)
        .where(Invitation.id == found.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert conversation is not None and invitation is not None
    if invitation.status != "pending":
        if invitation.status == ("accepted" if accept else "declined"):
            return (await render.invitations_out(session, [invitation]))[0]
        raise Conflict("This invitation has already been answered.", code="invitation_closed")
    invitation.responded_at = clock.now()
    if not accept:
        invitation.status = "declined"
        return (await render.invitations_out(session, [invitation]))[0]
    inviter = await session.get(Member, (conversation.id, invitation.inviter_id))
    if inviter is None or inviter.status != ACTIVE:
        invitation.status = "void"
        await session.flush()
        raise Conflict("The person who invited you is no longer in the group.", code="invitation_void")
    already = await session.get(Member, (conversation.id, actor.user_id))
    if already is None or already.status != ACTIVE:
        if conversation.member_count >= MAX_GROUP_MEMBERS:
            raise Conflict(f"The group is full ({MAX_GROUP_MEMBERS} members).", code="group_full")
        await _admit(session, conversation, [actor.user_id], invited_by=invitation.inviter_id)
        await _chat_entry(session, conversation, [actor.user_id])
        names = await _names(session, [actor.user_id, invitation.inviter_id])
        await notice(
            session,
            conversation,
            "joined",
            f"{names.get(actor.user_id, '')} joined the group, invited by "
            f"{names.get(invitation.inviter_id, '')}",
            by=str(invitation.inviter_id),
            user_ids=[str(actor.user_id)],
            names=names,
        )
    invitation.status = "accepted"
    return (await render.invitations_out(session, [invitation]))[0]


async def _active_member(session: AsyncSession, conversation: Conversation, user_id: int | str) -> Member:
    uid = parse_id(user_id)
    target = await session.get(Member, (conversation.id, uid), populate_existing=True) if uid else None
    if target is None or target.status != ACTIVE:
        raise NotFound("No such member.", code="member_not_found")
    return target


async def remove_member(session: AsyncSession, actor: Actor, chat_id: int | str, user_id: int | str) -> None:
    """The owner removes anyone; an admin removes plain members. Removing oneself is leaving."""
    if parse_id(user_id) == actor.user_id:
        await leave_chat(session, actor, chat_id)
        return
    conversation, member = await access_chat(session, actor, chat_id, lock=True)
    require_active(member)
    require_group(conversation)
    require_manager(member)
    target = await _active_member(session, conversation, user_id)
    if target.role == "owner" or (target.role == "admin" and member.role != "owner"):
        raise Forbidden("Only the owner can remove an admin.", code="not_group_owner")
    names = await _names(session, [actor.user_id, target.user_id])
    notice_message = await notice(
        session,
        conversation,
        "removed",
        f"{names.get(actor.user_id, '')} removed {names.get(target.user_id, '')} from the group",
        by=str(actor.user_id),
        user_ids=[str(target.user_id)],
        names=names,
    )
    await _depart(session, conversation, target, "removed", notice_message.seq)
    await _chat_entry(session, conversation, [target.user_id])


async def leave_chat(session: AsyncSession, actor: Actor, chat_id: int | str) -> None:
    """Leave a group. An owner who leaves hands the group to the longest-standing admin, else member."""
    conversation, member = await access_chat(session, actor, chat_id, lock=True)
    require_group(conversation)
    if member.status != ACTIVE:
        return
    successor: Member | None = None
    if member.role == "owner":
        successor = await session.scalar(
            select(Member)
            .where(
                Member.conversation_id == conversation.id,
                Member.status == ACTIVE,
                Member.user_id != actor.user_id,
            )
            .order_by(case((Member.role == "admin", 0), else_=1), Member.joined_seq, Member.user_id)
            .limit(1)
        )
    name = (await _names(session, [actor.user_id])).get(actor.user_id, "")
    extra = {"new_owner_id": str(successor.user_id)} if successor is not None else {}
    notice_message = await notice(
        session,
        conversation,
        "left",
        f"{name} left the group",
        user_ids=[str(actor.user_id)],
        names={actor.user_id: name},
        **extra,
    )
    await _depart(session, conversation, member, "left", notice_message.seq)
    conversation.owner_id = None if member.role == "owner" else conversation.owner_id
    if successor is not None:
        successor.role = "owner"
        conversation.owner_id = successor.user_id
        await session.flush()
        await _chat_entry(session, conversation, [successor.user_id])
    await _chat_entry(session, conversation, [actor.user_id])


async def set_role(
    session: AsyncSession, actor: Actor, chat_id: int | str, user_id: int | str, role: str
) -> MemberOut:
    """The owner makes a member an admin or a plain member, or hands over ownership (then becomes an
    admin)."""
    conversation, member = await access_chat(session, actor, chat_id, lock=True)
    require_active(member)
    require_group(conversation)
    if member.role != "owner":
        raise Forbidden("Only the group's owner can change roles.", code="not_group_owner")
    target = await _active_member(session, conversation, user_id)
    if target.user_id == actor.user_id:
        raise InvalidInput(
            "Hand ownership to someone else to change your own role.", code="cannot_change_own_role"
        )
    if target.role != role:
        names = await _names(session, [actor.user_id, target.user_id])
        changed = [target.user_id]
        if role == "owner":
            member.role = "admin"
            conversation.owner_id = target.user_id
            changed.append(actor.user_id)
            text = f"{names.get(target.user_id, '')} is now the group owner"
        elif role == "admin":
            text = f"{names.get(actor.user_id, '')} made {names.get(target.user_id, '')} an admin"
        else:
            text = f"{names.get(actor.user_id, '')} removed {names.get(target.user_id, '')} as admin"
        target.role = role
        await session.flush()
        await notice(
            session,
            conversation,
            "role",
            text,
            by=str(actor.user_id),
            user_ids=[str(target.user_id)],
            role=role,
            names=names,
        )
        await _chat_entry(session, conversation, changed)
    card = (await identity.get_cards(session, [target.user_id]))[target.user_id]
    return MemberOut(user=card, role=target.role, joined_at=target.joined_at)  # type: ignore[arg-type]


# --- typing (ephemeral) ------------------------------------------------------------------------------


async def typing_recipients(session: AsyncSession, actor: Actor, chat_id: int | str) -> list[int]:
    """Who should see that the actor is typing: the other person of a direct chat the actor may still
    write to (CHT-6). Groups show no typing indicator."""
    conversation, member = await access_chat(session, actor, chat_id)
    require_active(member)
    peer = peer_of(conversation, actor.user_id)
    if peer is None or not await can_message_each_other(session, actor.user_id, peer):
        return []
    return [peer]
