"""Teams (GRP-2 … GRP-5): forming → succeeded | failed.

- Opening a team reserves one unit of the deal's stock and pays the group price into the merchant's
  escrow (PIN); the team's deadline is its time limit, never past the deal's end.
- Joining takes a place with a conditional UPDATE (``joined_count = joined_count + 1 WHERE
  joined_count < size AND status = 'forming' AND deadline > now``) before any money moves, in the
  same transaction as the payment: of several racing for the last place one gets it, and the others
  wait on the team's row and are then refused (409 ``team_full``) having paid nothing. A user already
  in the team gets 409 ``already_in_team`` (and ``(team_id, user_id)`` is unique). A team that
  takes no one more (full, expired) is refused before any of that, from a read (`join_refusal`).
- The join that fills the team makes it succeed in its UPDATE (the "fill" transition of the declared
  `lifecycles.TEAM`; other joins are "join"), and every member's order goes to the merchant as a paid
  commerce order (commerce's `create_paid_order`), which then ships, completes and settles through the
  normal order flow.
- At the deadline the durable job ``groupbuy.team.expire`` (in the jobs table, so it runs after a
  restart too) fails a team still forming, refunds every member in full from escrow and gives the
  units back; its conditional UPDATE on ``status = 'forming'`` ("fail") makes it happen once.

Locks are taken in one order — team, deal, wallet accounts, SKU — so concurrent joins, openings and
failures cannot deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import service as commerce
from quanzi.commerce.schemas.shares import SharedProduct
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import insert_for, run_last, table_of
from quanzi.core.errors import AppError, Conflict, InvalidInput, NotFound
from quanzi.core.idempotency import EarlyRefusal
from quanzi.core.ids import new_id, parse_id
from quanzi.core.jobs import schedule
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.graph import service as graph
from quanzi.groupbuy import deals, rules
from quanzi.groupbuy.lifecycles import TEAM
from quanzi.groupbuy.models import Deal, Member, Team
from quanzi.groupbuy.schemas import AddressIn, DealOut, TeamMemberOut, TeamMine, TeamOut, TeamShareOut
from quanzi.identity import service as identity
from quanzi.wallet import service as wallet

_teams = table_of(Team)
_members = table_of(Member)
TEAM_EXPIRE_JOB = "groupbuy.team.expire"


class AlreadyInTeam(Conflict):
    code = "already_in_team"


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def team_not_found() -> NotFound:
    return NotFound("No such team.", code="team_not_found")


def _event(team: Team, **extra: Any) -> dict[str, Any]:
    return {
        "team_id": str(team.id),
        "deal_id": str(team.deal_id),
        "product_id": str(team.product_id),
        "leader_id": str(team.leader_id),
        "size": team.size,
        "joined_count": team.joined_count,
        "status": team.status,
        **extra,
    }


async def get_team(session: AsyncSession, team_id: int | str) -> Team:
    """Any team by id: a team is meant to be shared, so every signed-in user may see it."""
    parsed = parse_id(team_id)
    team = (
        await session.scalar(select(Team).where(Team.id == parsed).execution_options(populate_existing=True))
        if parsed is not None
        else None
    )
    if team is None:
        raise team_not_found()
    return team


def _refusal(team: Team) -> AppError:
    now = clock.now()
    if team.status == "succeeded" or (team.status == "forming" and team.joined_count >= team.size):
        return Conflict("This team is already full.", code="team_full")
    if team.status == "failed" or team.deadline <= now:
        return Conflict("This team did not form in time.", code="team_expired")
    return Conflict("This team cannot be joined now.", code="team_closed")


async def _is_member(session: AsyncSession, team_id: int, user_id: int) -> bool:
    found = await session.scalar(
        select(Member.id).where(Member.team_id == team_id, Member.user_id == user_id)
    )
    return found is not None


def _not_own_deal(actor: Actor, deal: Deal) -> None:
    if actor.user_id == deal.merchant_id:
        raise InvalidInput("You cannot buy from your own deal.", code="cannot_join_own_deal")


async def _pay_and_add(
    session: AsyncSession,
    actor: Actor,
    team: Team,
    deal: Deal,
    address: AddressIn,
    proof: wallet.PinProof | None,
    *,
    opening: bool,
) -> None:
    """Reserve the place's unit, pay the group price into escrow and record the member
    (attributed like any purchase). The shared rows — the deal's, then the merchant's escrow account —
    are written right before the commit (`run_last`), so they are held for as short a time as
    possible; a sold-out or ended deal still refuses the whole join."""
    share_link_id, chain = await commerce.attribution_for_purchase(session, actor.user_id, deal.product_id)

    async def reserve(session: AsyncSession) -> None:
        await deals.reserve_place(session, deal, opening=opening)

    await run_last(session, reserve)
    payment = await wallet.pay_to_escrow(
        session, actor, deal.merchant_id, deal.group_price, order_ref=f"groupbuy:{team.id}", proof=proof
    )
    inserted = await session.execute(
        insert_for(session, _members)
        .values(
            id=new_id(),
            team_id=team.id,
            user_id=actor.user_id,
            amount=deal.group_price,
            payment_id=payment.id,
            order_id=None,
            address=address.model_dump(),
            share_link_id=share_link_id,
            attribution_chain=list(chain),
            joined_at=clock.now(),
            refunded=False,
            refund_id=None,
        )
        .on_conflict_do_nothing(index_elements=["team_id", "user_id"])
    )
    if _rowcount(inserted) != 1:
        raise AlreadyInTeam("You are already in this team.")


async def open_team(
    session: AsyncSession,
    actor: Actor,
    deal_id: int | str,
    *,
    address: AddressIn,
    proof: wallet.PinProof | None,
) -> Team:
    """Open a team of a running deal: one unit reserved, the group price paid into escrow, the
    expiry job scheduled at the deadline."""
    deal = await deals.get_deal(session, deal_id)
    _not_own_deal(actor, deal)
    now = clock.now()
    team = Team(
        id=new_id(),
        deal_id=deal.id,
        product_id=deal.product_id,
        leader_id=actor.user_id,
        size=deal.team_size,
        joined_count=1,
        status="forming",
        deadline=deals.deadline_for(deal, now),
        created_at=now,
        finished_at=None,
    )
    session.add(team)
    await session.flush()
    await _pay_and_add(session, actor, team, deal, address, proof, opening=True)
    await schedule(
        session,
        TEAM_EXPIRE_JOB,
        {"team_id": str(team.id)},
        run_at=team.deadline,
        dedupe_key=f"{TEAM_EXPIRE_JOB}:{team.id}",
    )
    emit(session, "groupbuy.team.opened", _event(team, user_id=str(actor.user_id)))
    return team


def _takes_no_one(team: Team, now: datetime) -> bool:
    return team.status != "forming" or team.joined_count >= team.size or team.deadline <= now


def join_refusal(team_id: int | str) -> EarlyRefusal:
    """The early refusal of a join (`core.idempotency.EarlyRefusal`): on a read session, before any
    write transaction or PIN check, the 409 that `join_team` answers first for a team that takes no one
    more (``team_full``, ``team_expired``, ``team_closed``). Reads the team's status and count, which
    the join taking the last place sets in its own transaction (the "fill" transition); the
    conditional UPDATE in `join_team` stays the guarantee. Anything else is left to `join_team`."""

    async def refuse(session: AsyncSession) -> AppError | None:
        parsed = parse_id(team_id)
        team = await session.get(Team, parsed) if parsed is not None else None
        if team is None or not _takes_no_one(team, clock.now()):
            return None
        return _refusal(team)

    return refuse


async def join_team(
    session: AsyncSession,
    actor: Actor,
    team_id: int | str,
    *,
    address: AddressIn,
    proof: wallet.PinProof | None,
) -> Team:
    """Take a place in a forming team and pay (see the module docstring for the race)."""
    team = await get_team(session, team_id)
    now = clock.now()
    if _takes_no_one(team, now):
        raise _refusal(team)
    if await _is_member(session, team.id, actor.user_id):
        raise AlreadyInTeam("You are already in this team.")
    deal = await deals.get_deal(session, team.deal_id)
    _not_own_deal(actor, deal)
    taken = await _take_place(session, team.id, now)
    if taken is None:
        raise _refusal(await get_team(session, team.id))
    # A join of the same user may have committed while this one waited for the team's row.
    if await _is_member(session, team.id, actor.user_id):
        raise AlreadyInTeam("You are already in this team.")
    await _pay_and_add(session, actor, team, deal, address, proof, opening=False)
    team = await get_team(session, team.id)
    if taken.status == "succeeded":
        await _succeed(session, team, deal)
    else:
        emit(session, "groupbuy.team.joined", _event(team, user_id=str(actor.user_id)))
    return team


async def _take_place(session: AsyncSession, team_id: int, now: datetime) -> Row[Any] | None:
    """One more member, if the team is forming, not full and before its deadline: the team's row as it
    is now, or None. A join with places still left after it is tried first, and only when that finds
    one place left is it the "fill": joined_count only grows, so when the first refuses for lack of
    places the second refuses too, and no place is ever refused while one is free."""
    open_places = (_teams.c.deadline > now,)
    one_more = {"joined_count": _teams.c.joined_count + 1}
    joined = await TEAM.advance(
        session,
        team_id,
        "join",
        values=one_more,
        where=(*open_places, _teams.c.joined_count + 1 < _teams.c.size),
    )
    if joined is not None:
        return joined
    return await TEAM.advance(
        session,
        team_id,
        "fill",
        values=one_more,
        where=(*open_places, _teams.c.joined_count + 1 == _teams.c.size),
    )


async def _succeed(session: AsyncSession, team: Team, deal: Deal) -> None:
    """The team is full: every member's paid order goes to the merchant."""
    members = (
        await session.scalars(
            select(Member).where(Member.team_id == team.id).order_by(Member.joined_at, Member.id)
        )
    ).all()
    order_ids = []
    for member in members:
        order = await commerce.create_paid_order(
            session,
            buyer_id=member.user_id,
            shop_id=deal.merchant_id,
            sku_id=deal.sku_id,
            quantity=1,
            unit_price=member.amount,
            payment_id=member.payment_id,
            address=dict(member.address),
            source="group",
            share_link_id=member.share_link_id,
            attribution_chain=list(member.attribution_chain or []),
        )
        await session.execute(update(_members).where(_members.c.id == member.id).values(order_id=order.id))
        order_ids.append(str(order.id))
    emit(
        session,
        "groupbuy.team.succeeded",
        _event(team, member_ids=[str(m.user_id) for m in members], order_ids=order_ids),
    )


async def fail_team(session: AsyncSession, team_id: int) -> bool:
    """The deadline passed with places left (job): fail the team once, refund every member in full
    and give the units back. False when the team had already succeeded or failed."""
    now = clock.now()
    row = await TEAM.advance(
        session, team_id, "fail", values={"finished_at": now}, where=(_teams.c.deadline <= now,)
    )
    if row is None:
        return False
    deal = await deals.get_deal(session, int(row.deal_id))
    members = (
        await session.scalars(
            select(Member).where(Member.team_id == team_id, Member.refunded.is_(False)).order_by(Member.id)
        )
    ).all()
    # Locks in the order joins take them (deal, then wallet accounts, then the SKU): no deadlock.
    back_to_deal = await deals.release_to_deal(session, deal.id, len(members))
    for member in members:
        refund = await wallet.refund(
            session, None, member.payment_id, member.amount, reason="Group-buy team did not form in time"
        )
        await session.execute(
            update(_members).where(_members.c.id == member.id).values(refunded=True, refund_id=refund.id)
        )
    if not back_to_deal:
        await commerce.return_stock(session, deal.sku_id, len(members))
    team = await get_team(session, team_id)
    emit(session, "groupbuy.team.failed", _event(team, member_ids=[str(m.user_id) for m in members]))
    return True


# --- views -----------------------------------------------------------------------------------------------


async def teams_out(session: AsyncSession, viewer_id: int, teams: Sequence[Team]) -> list[TeamOut]:
    if not teams:
        return []
    now = clock.now()
    members = (
        await session.scalars(
            select(Member)
            .where(Member.team_id.in_([team.id for team in teams]))
            .order_by(Member.joined_at, Member.id)
        )
    ).all()
    by_team: dict[int, list[Member]] = defaultdict(list)
    for member in members:
        by_team[member.team_id].append(member)
    cards = await identity.get_cards(
        session, {m.user_id for m in members} | {team.leader_id for team in teams}
    )
    friends = await graph.friend_ids(session, viewer_id)
    prices = dict(
        (
            await session.execute(
                select(Deal.id, Deal.group_price).where(Deal.id.in_({team.deal_id for team in teams}))
            )
        ).all()
    )
    products: dict[int, SharedProduct] = {}
    out = []
    for team in teams:
        if team.product_id not in products:
            products[team.product_id] = SharedProduct.model_validate(
                await commerce.product_summary(session, team.product_id)
            )
        mine = next((m for m in by_team[team.id] if m.user_id == viewer_id), None)
        out.append(
            TeamOut(
                id=team.id,
                deal_id=team.deal_id,
                product=products[team.product_id],
                group_price=int(prices.get(team.deal_id, 0)),
                leader=cards[team.leader_id],
                size=team.size,
                joined_count=team.joined_count,
                places_left=team.size - team.joined_count if team.status == "forming" else 0,
                status=team.status,  # type: ignore[arg-type]
                deadline=team.deadline,
                seconds_left=deals.seconds_until(team.deadline, now) if team.status == "forming" else 0,
                created_at=team.created_at,
                finished_at=team.finished_at,
                members=[
                    TeamMemberOut(
                        user=cards[m.user_id], is_leader=m.user_id == team.leader_id, joined_at=m.joined_at
                    )
                    for m in by_team[team.id]
                    if m.user_id in cards
                ],
                friends_in_team=sum(1 for m in by_team[team.id] if m.user_id in friends),
                me=TeamMine(joined_at=mine.joined_at, order_id=mine.order_id, refunded=mine.refunded)
                if mine
                else None,
            )
        )
    return out


async def team_out(session: AsyncSession, viewer: Actor, team: Team) -> TeamOut:
    return (await teams_out(session, viewer.user_id, [team]))[0]


async def view_team(session: AsyncSession, viewer: Actor, team_id: int | str) -> TeamOut:
    return await team_out(session, viewer, await get_team(session, team_id))


async def open_teams(
    session: AsyncSession, viewer: Actor, *, product_id: int | None = None, deal_id: int | None = None
) -> list[TeamOut]:
    """GRP-5: forming teams of a product (or a deal) the viewer can still join — teams with the
    viewer's friends first, then the nearest to complete, then the soonest to close."""
    now = clock.now()
    stmt = select(Team).where(Team.status == "forming", Team.deadline > now, Team.joined_count < Team.size)
    stmt = (
        stmt.where(Team.product_id == product_id)
        if product_id is not None
        else stmt.where(Team.deal_id == deal_id)
    )
    candidates = (
        await session.scalars(
            stmt.order_by(Team.size - Team.joined_count, Team.deadline, Team.id).limit(
                rules.OPEN_TEAMS_CONSIDERED
            )
        )
    ).all()
    shown = await teams_out(session, viewer.user_id, candidates)
    shown.sort(key=lambda t: (0 if t.friends_in_team else 1, t.places_left, t.deadline, t.id))
    return shown[: rules.OPEN_TEAMS_SHOWN]


async def product_teams(session: AsyncSession, viewer: Actor, product_id: int | str) -> list[TeamOut]:
    parsed = parse_id(product_id)
    if parsed is None:
        raise NotFound("No such product.", code="product_not_found")
    await commerce.product_summary(session, parsed)
    return await open_teams(session, viewer, product_id=parsed)


async def my_teams(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[TeamOut], str | None]:
    """The teams the actor joined (or opened), newest place first."""
    stmt = select(Member.id, Member.team_id).where(Member.user_id == actor.user_id)
    if page.after:
        stmt = stmt.where(Member.id < int(page.after[0]))
    rows = list((await session.execute(stmt.order_by(Member.id.desc()).limit(page.limit + 1))).all())
    kept, cursor = page_of(rows, page, lambda row: row.id)
    teams = {
        t.id: t
        for t in (await session.scalars(select(Team).where(Team.id.in_([r.team_id for r in kept])))).all()
    }
    return await teams_out(session, actor.user_id, [teams[r.team_id] for r in kept]), cursor


async def share_team(session: AsyncSession, actor: Actor, team_id: int | str) -> TeamShareOut:
    """A share link (channel ``team``, ATT-1) of the team's product, and the team page that carries it."""
    team = await get_team(session, team_id)
    share = await commerce.create_share(session, actor, team.product_id, "team")
    return TeamShareOut(
        token=share.token,
        url=f"/#/teams/{team.id}?s={share.token}",
        share_url=share.url,
        team=await team_out(session, actor, team),
    )


async def view_deal(session: AsyncSession, viewer: Actor, deal_id: int | str) -> DealOut:
    """A deal with its countdown and the open teams to join (friends' first); the deal's merchant also
    sees its results."""
    deal = await deals.get_deal(session, deal_id)
    (out,) = await deals.deals_out(session, viewer, [deal], with_stats=True)
    out.open_teams = await open_teams(session, viewer, deal_id=deal.id)
    return out
