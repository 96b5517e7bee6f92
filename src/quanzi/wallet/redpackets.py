"""Red packets (WAL-5): direct (one share) or group (N shares, lucky or equal), 24-hour expiry.

The shares are split when the packet is made and stored one row each, so the amounts are fixed and
visible to the checks from the start. A grab:

1. reads the packet (no lock): the actor must be in its audience, and it must be open and unexpired;
2. claims one unclaimed share row — ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent grabs take
   different rows instead of queueing on one (SQLite's single writer serializes them);
3. records the grab under the primary key (packet, user) with ON CONFLICT DO NOTHING, so a member
   grabs at most once even with two requests in flight;
4. moves the share from the sender's red-packet hold to the grabber's wallet (a conditional debit, the
   last guard against paying out more than the packet holds).

A grab of an emptied (or expired) packet is refused before any of that, from a read (`grab_refusal`).

The expiry job (the packet's one declared transition, `lifecycles.RED_PACKET`) marks every
still-unclaimed share refunded in one UPDATE — on PostgreSQL it waits for
shares locked by grabs in flight and skips those they claimed — and returns their sum to the sender.

A group packet's audience is an explicit list of member ids (chat passes the group's members and a
``conversation_ref``) or, when no list is given, the sender's friends.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat import service as chat
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import table_of
from quanzi.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from quanzi.core.idempotency import EarlyRefusal
from quanzi.core.ids import new_id, parse_id
from quanzi.core.jobs import schedule
from quanzi.core.outbox import emit
from quanzi.graph import service as graph
from quanzi.identity import service as identity
from quanzi.wallet import ledger, rules
from quanzi.wallet.lifecycles import RED_PACKET
from quanzi.wallet.models import (
    RED_PACKET_HOLD,
    WALLET,
    RedPacket,
    RedPacketGrab,
    RedPacketMember,
    RedPacketShare,
)
from quanzi.wallet.pins import PinProof, confirm_pin
from quanzi.wallet.schemas import GrabOut, RedPacketOut

_shares = table_of(RedPacketShare)
_grabs = table_of(RedPacketGrab)
_members = table_of(RedPacketMember)
_packets = table_of(RedPacket)


class RedPacketClosed(Conflict):
    code = "red_packet_expired"


async def create_red_packet(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: str,
    total: int,
    count: int = 1,
    split: str = "lucky",
    greeting: str = "",
    to_user_id: int | str | None = None,
    audience: list[int] | list[str] | None = None,
    conversation_ref: str | None = None,
    proof: PinProof | None,
    rng: random.Random | None = None,
) -> RedPacket:
    """Make a red packet and move its total into the sender's red-packet hold.

    direct: `to_user_id` is a friend, one share. group: `count` shares for `audience` (user ids) or,
    with no audience, for the sender's friends; N ≤ min(100, audience size), total ≤ 200 CNY, every
    share ≥ 1 fen."""
    if kind not in ("direct", "group"):
        raise InvalidInput("kind is direct or group.", code="invalid_kind")
    if split not in ("lucky", "equal"):
        raise InvalidInput("split is lucky or equal.", code="invalid_split")
    audience_kind = "list"
    members: list[int] = []
    if kind == "direct":
        if count != 1:
            raise InvalidInput("A direct red packet has one share.", code="invalid_share_count")
        target_id = parse_id(to_user_id) if to_user_id is not None else None
        if target_id is None:
            raise InvalidInput("A direct red packet needs to_user_id.", code="recipient_required")
        if target_id == actor.user_id:
            raise InvalidInput("You cannot send a red packet to yourself.", code="cannot_send_to_self")
        target = await identity.require_user(session, target_id)
        if not await graph.are_friends(session, actor.user_id, target.id):
            raise Forbidden("You can only send a red packet to a friend.", code="not_a_friend")
        members = [target.id]
    elif audience is None:
        audience_kind = "friends"
        members_count = len(await graph.friend_ids(session, actor.user_id))
        rules.check_red_packet(total, count, members_count)
    else:
        parsed = {parse_id(member) for member in audience}
        if None in parsed:
            raise InvalidInput("audience holds user ids.", code="invalid_audience")
        members = sorted(p for p in parsed if p is not None)
        known = await identity.get_cards(session, members)
        if len(known) != len(members):
            raise InvalidInput("Some audience members do not exist.", code="invalid_audience")
    if audience_kind == "list":
        rules.check_red_packet(total, count, len(members))
    await confirm_pin(session, actor, proof)

    shares = rules.split_lucky(total, count, rng) if split == "lucky" else rules.split_equal(total, count)
    now = clock.now()
    packet = RedPacket(
        id=new_id(),
        sender_id=actor.user_id,
        kind=kind,
        split=split,
        total=total,
        share_count=count,
        greeting=greeting[:60],
        audience=audience_kind,
        conversation_ref=conversation_ref,
        status="open",
        refunded_amount=0,
        created_at=now,
        expires_at=now + rules.RED_PACKET_TTL,
        resolved_at=None,
    )
    session.add(packet)
    await session.flush()
    await session.execute(
        _shares.insert().values(
            [
                {
                    "id": new_id(),
                    "packet_id": packet.id,
                    "seq": seq,
                    "amount": amount,
                    "claimed_by": None,
                    "claimed_at": None,
                    "refunded_at": None,
                }
                for seq, amount in enumerate(shares)
            ]
        )
    )
    if members:
        await session.execute(
            _members.insert().values([{"packet_id": packet.id, "user_id": m} for m in members])
        )
    await ledger.move(
        session,
        "red_packet_sent",
        source=(actor.user_id, WALLET),
        target=(actor.user_id, RED_PACKET_HOLD),
        amount=total,
        reference_type="red_packet",
        reference_id=packet.id,
        memo=packet.greeting,
    )
    await schedule(
        session, "wallet.red_packet.expire", {"packet_id": str(packet.id)}, run_at=packet.expires_at
    )
    emit(
        session,
        "wallet.red_packet.created",
        {
            "packet_id": str(packet.id),
            "sender_id": str(actor.user_id),
            "kind": kind,
            "count": count,
            "total": total,
            "conversation_ref": conversation_ref,
        },
    )
    return packet


async def _may_see(session: AsyncSession, actor: Actor, packet: RedPacket) -> bool:
    """The sender; a friend of the sender for a friends packet; for a list packet, someone on the list
    who, when the packet was sent into a group chat, is still a member of it now — a member removed
    (or gone) after it was sent neither sees nor grabs it."""
    if actor.user_id == packet.sender_id:
        return True
    if packet.audience == "friends":
        return await graph.are_friends(session, packet.sender_id, actor.user_id)
    found = await session.scalar(
        select(_members.c.user_id).where(
            _members.c.packet_id == packet.id, _members.c.user_id == actor.user_id
        )
    )
    if found is None:
        return False
    if packet.kind == "group" and packet.conversation_ref is not None:
        return await chat.is_active_member(session, packet.conversation_ref, actor.user_id)
    return True


async def _visible_packet(session: AsyncSession, actor: Actor, packet_id: int | str) -> RedPacket:
    parsed = parse_id(packet_id)
    packet = await session.get(RedPacket, parsed) if parsed is not None else None
    if packet is None or not await _may_see(session, actor, packet):
        raise NotFound("No such red packet.", code="red_packet_not_found")
    return packet


def _unclaimed_share(packet_id: Any) -> Any:
    return select(_shares.c.id).where(
        _shares.c.packet_id == packet_id, _shares.c.claimed_by.is_(None), _shares.c.refunded_at.is_(None)
    )


def grab_refusal(actor: Actor, packet_id: int | str) -> EarlyRefusal:
    """The early refusal of a grab (`core.idempotency.EarlyRefusal`): on a read session, before any
    write transaction, the 409 ``red_packet_empty`` (or ``red_packet_expired``) that
    `grab_red_packet` would answer. Reads the packet and whether a share is still unclaimed (the grab
    taking the last share claims it in its own transaction) in one statement, which is all a grab
    that goes ahead pays; only for an empty or closed packet does it ask what `grab_red_packet` asks
    first (may the actor see it, is it the sender of a direct packet, did they grab already) and
    leave those answers to it. The claim in `grab_red_packet` stays the guarantee."""

    async def refuse(session: AsyncSession) -> AppError | None:
        parsed = parse_id(packet_id)
        if parsed is None:
            return None
        found = (
            await session.execute(
                select(RedPacket, _unclaimed_share(RedPacket.id).exists()).where(RedPacket.id == parsed)
            )
        ).first()
        if found is None:
            return None
        packet, share_left = found
        closed = packet.status != "open" or packet.expires_at <= clock.now()
        if not closed and share_left:
            return None
        if not await _may_see(session, actor, packet):
            return None
        if packet.kind == "direct" and actor.user_id == packet.sender_id:
            return None
        if closed:
            return _closed()
        if await _grabbed_by(session, packet.id, actor.user_id):
            return None
        return _emptied()

    return refuse


def _closed() -> RedPacketClosed:
    return RedPacketClosed("This red packet has expired.")


def _emptied() -> Conflict:
    return Conflict("Every share of this red packet was taken.", code="red_packet_empty")


async def _grabbed_by(session: AsyncSession, packet_id: int, user_id: int) -> bool:
    grabbed = await session.scalar(
        select(_grabs.c.amount).where(_grabs.c.packet_id == packet_id, _grabs.c.user_id == user_id)
    )
    return grabbed is not None


async def grab_red_packet(session: AsyncSession, actor: Actor, packet_id: int | str) -> RedPacketGrab:
    """Claim one share for the actor (see the module docstring). Refused, moving nothing: not in the
    audience (404), the sender of a direct packet (403), a second grab (409 ``already_grabbed``), no share
    left (409 ``red_packet_empty``), past its expiry (409 ``red_packet_expired``)."""
    packet = await _visible_packet(session, actor, packet_id)
    if packet.kind == "direct" and actor.user_id == packet.sender_id:
        raise Forbidden("The receiver opens a direct red packet.", code="not_the_receiver")
    if packet.status != "open" or packet.expires_at <= clock.now():
        raise _closed()
    if await _grabbed_by(session, packet.id, actor.user_id):
        raise Conflict("You already grabbed this red packet.", code="already_grabbed")
    claim = (
        _unclaimed_share(packet.id)
        .add_columns(_shares.c.amount)
        .order_by(_shares.c.seq)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    share = (await session.execute(claim)).first()
    if share is None:
        raise _emptied()
    share_id, amount = share
    now = clock.now()
    inserted = await session.execute(
        ledger.insert_for(session, _grabs)
        .values(packet_id=packet.id, user_id=actor.user_id, share_id=share_id, amount=amount, grabbed_at=now)
        .on_conflict_do_nothing(index_elements=["packet_id", "user_id"])
    )
    if inserted.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("You already grabbed this red packet.", code="already_grabbed")
    await session.execute(
        update(_shares).where(_shares.c.id == share_id).values(claimed_by=actor.user_id, claimed_at=now)
    )
    grabbed = {
        "packet_id": str(packet.id),
        "sender_id": str(packet.sender_id),
        "user_id": str(actor.user_id),
        "amount": amount,
        "conversation_ref": packet.conversation_ref,
    }
    emit(session, "wallet.red_packet.grabbed", grabbed)
    # The money moves last: the sender's hold row is the one every grab of this packet queues on, so
    # it is locked for as short a time as possible (until the commit that follows).
    await ledger.move(
        session,
        "red_packet_grabbed",
        source=(packet.sender_id, RED_PACKET_HOLD),
        target=(actor.user_id, WALLET),
        amount=amount,
        reference_type="red_packet",
        reference_id=packet.id,
        source_counterparty=actor.user_id,
        target_counterparty=packet.sender_id,
        memo=packet.greeting,
    )
    return RedPacketGrab(
        packet_id=packet.id, user_id=actor.user_id, share_id=share_id, amount=amount, grabbed_at=now
    )


async def expire_red_packet(session: AsyncSession, packet_id: int) -> int:
    """The expiry job: refund every unclaimed share to the sender, once. Returns the fen refunded."""
    packet = await session.get(RedPacket, packet_id, with_for_update=True, populate_existing=True)
    if packet is None or packet.status != "open" or packet.expires_at > clock.now():
        return 0
    now = clock.now()
    refunded = (
        (
            await session.execute(
                update(_shares)
                .where(
                    _shares.c.packet_id == packet_id,
                    _shares.c.claimed_by.is_(None),
                    _shares.c.refunded_at.is_(None),
                )
                .values(refunded_at=now)
                .returning(_shares.c.amount)
            )
        )
        .scalars()
        .all()
    )
    amount = sum(refunded)
    # The row is locked above and was open and due, so the transition cannot be refused here.
    expired_packet = await RED_PACKET.advance(
        session, packet_id, "expire", values={"refunded_amount": amount, "resolved_at": now}, entity=RedPacket
    )
    assert expired_packet is not None
    packet = expired_packet
    if amount:
        await ledger.move(
            session,
            "red_packet_refunded",
            source=(packet.sender_id, RED_PACKET_HOLD),
            target=(packet.sender_id, WALLET),
            amount=amount,
            reference_type="red_packet",
            reference_id=packet.id,
            memo=packet.greeting,
        )
    expired = {
        "packet_id": str(packet.id),
        "sender_id": str(packet.sender_id),
        "refunded": amount,
        "conversation_ref": packet.conversation_ref,
    }
    emit(session, "wallet.red_packet.expired", expired)
    return amount


async def red_packet_audience(session: AsyncSession, actor: Actor, packet_id: int | str) -> list[int] | None:
    """Who may grab the packet (user ids), for its sender only (404 for anyone else); None when the
    audience is the sender's friends."""
    packet = await _visible_packet(session, actor, packet_id)
    if packet.sender_id != actor.user_id:
        raise NotFound("No such red packet.", code="red_packet_not_found")
    if packet.audience == "friends":
        return None
    rows = await session.scalars(select(_members.c.user_id).where(_members.c.packet_id == packet.id))
    return sorted(int(uid) for uid in rows.all())


async def get_red_packet(session: AsyncSession, actor: Actor, packet_id: int | str) -> RedPacketOut:
    return await red_packet_out(session, actor, await _visible_packet(session, actor, packet_id))


async def red_packet_out(session: AsyncSession, actor: Actor, packet: RedPacket) -> RedPacketOut:
    grabs = (
        await session.scalars(
            select(RedPacketGrab)
            .where(RedPacketGrab.packet_id == packet.id)
            .order_by(RedPacketGrab.grabbed_at)
        )
    ).all()
    cards = await identity.get_cards(session, [packet.sender_id, *(g.user_id for g in grabs)])
    claimed = sum(g.amount for g in grabs)
    finished = len(grabs) == packet.share_count
    best: Any = None
    if finished and packet.kind == "group" and packet.split == "lucky" and grabs:
        best = max(grabs, key=lambda g: (g.amount, -g.grabbed_at.timestamp()))
    if packet.status == "expired":
        status = "expired"
    elif finished:
        status = "finished"
    else:
        status = "expired" if packet.expires_at <= clock.now() else "open"
    mine = next((g.amount for g in grabs if g.user_id == actor.user_id), None)
    return RedPacketOut(
        id=packet.id,
        sender=cards[packet.sender_id],
        kind=packet.kind,  # type: ignore[arg-type]
        split=packet.split,
        total=packet.total,
        count=packet.share_count,  # type: ignore[arg-type]
        greeting=packet.greeting,
        status=status,
        claimed_count=len(grabs),  # type: ignore[arg-type]
        claimed_amount=claimed,
        refunded_amount=packet.refunded_amount,
        my_amount=mine,
        grabs=[
            GrabOut(user=cards[g.user_id], amount=g.amount, grabbed_at=g.grabbed_at, best_luck=g is best)
            for g in grabs
            if g.user_id in cards
        ],
        conversation_ref=packet.conversation_ref,
        created_at=packet.created_at,
        expires_at=packet.expires_at,
    )


async def overdue_red_packet_ids(session: AsyncSession) -> list[int]:
    return list(
        (
            await session.scalars(
                select(RedPacket.id).where(RedPacket.status == "open", RedPacket.expires_at <= clock.now())
            )
        ).all()
    )


async def overpaid_red_packets(session: AsyncSession) -> list[int]:
    """Packets whose grabs and refunds exceed their total or their share count (must be none)."""
    paid = (
        select(_grabs.c.packet_id, func.count().label("n"), func.sum(_grabs.c.amount).label("paid"))
        .group_by(_grabs.c.packet_id)
        .subquery()
    )
    rows = await session.execute(
        select(_packets.c.id)
        .join(paid, paid.c.packet_id == _packets.c.id)
        .where(
            (paid.c.n > _packets.c.share_count)
            | (paid.c.paid + _packets.c.refunded_amount > _packets.c.total)
        )
    )
    return [row[0] for row in rows]
