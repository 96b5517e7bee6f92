"""Reading the social graph for display (GRA-1 … GRA-6): the actor's lists (requests, friends,
follows, blocks, tags), user profiles with the viewer's relation, and people search.

Everything here is a read scoped to the actor: a list only ever holds the actor's own relations, a
tag's members only the actor's own tag, a remark only the actor's own. A user who blocked the viewer
does not exist for the viewer: their profile is 404 and search skips them. Who may be found at all
(by username, by phone) is each user's own choice, applied by `identity.service.find_discoverable`.

Lists are newest first, keyset-paginated on the relation row's time-ordered id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.actor import Actor
from quanzi.core.errors import InvalidInput
from quanzi.core.pagination import PageRequest, page_of
from quanzi.graph.models import Block, Follow, FriendRequest, Friendship, Tag, TagMember
from quanzi.graph.schemas import (
    FriendOut,
    FriendRequestOut,
    Relation,
    RequestDirection,
    TagList,
    TagOut,
    UserProfile,
)
from quanzi.graph.service import relations as graph
from quanzi.identity import service as identity
from quanzi.identity.schemas import UserCard

MAX_QUERY = 64


async def _id_page(
    session: AsyncSession, stmt: Any, id_column: Any, page: PageRequest
) -> tuple[list[Any], str | None]:
    """One page of `stmt` (whose first column is `id_column`), newest first, after the cursor's id."""
    if page.after:
        after = page.after[0]
        if len(page.after) != 1 or not isinstance(after, int):
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        stmt = stmt.where(id_column < after)
    rows = (await session.execute(stmt.order_by(id_column.desc()).limit(page.limit + 1))).all()
    return page_of(list(rows), page, key=lambda row: row[0])


async def _cards_in_order(session: AsyncSession, user_ids: Sequence[int]) -> list[UserCard]:
    cards = await identity.get_cards(session, user_ids)
    return [cards[user_id] for user_id in user_ids if user_id in cards]


# --- the actor's lists ---------------------------------------------------------------------------


async def list_friend_requests(
    session: AsyncSession, actor: Actor, direction: RequestDirection, page: PageRequest
) -> tuple[list[FriendRequestOut], str | None]:
    """The actor's pending requests, received (`incoming`) or sent (`outgoing`), newest first."""
    mine = FriendRequest.to_user_id if direction == "incoming" else FriendRequest.from_user_id
    stmt = select(FriendRequest.id, FriendRequest).where(
        mine == actor.user_id, FriendRequest.status == "pending"
    )
    rows, cursor = await _id_page(session, stmt, FriendRequest.id, page)
    requests = [row[1] for row in rows]
    cards = await identity.get_cards(
        session, {r.from_user_id for r in requests} | {r.to_user_id for r in requests}
    )
    return [
        FriendRequestOut(
            id=r.id,
            from_user=cards[r.from_user_id],
            to_user=cards[r.to_user_id],
            message=r.message,
            status=r.status,
            created_at=r.created_at,  # type: ignore[arg-type]
        )
        for r in requests
    ], cursor


async def list_friends(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[FriendOut], str | None]:
    """The actor's friends, newest friendship first, each with the actor's own remark and tags."""
    stmt = select(Friendship.id, Friendship).where(Friendship.user_id == actor.user_id)
    rows, cursor = await _id_page(session, stmt, Friendship.id, page)
    friendships = [row[1] for row in rows]
    cards = await identity.get_cards(session, [f.friend_id for f in friendships])
    tags = await graph.friend_tags(session, actor.user_id, cards)
    return [
        FriendOut(
            user=cards[f.friend_id], remark=f.remark, tags=tags.get(f.friend_id, []), since=f.created_at
        )
        for f in friendships
        if f.friend_id in cards
    ], cursor


async def list_following(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[UserCard], str | None]:
    """Who the actor follows, most recently followed first."""
    stmt = select(Follow.id, Follow.followee_id).where(Follow.follower_id == actor.user_id)
    rows, cursor = await _id_page(session, stmt, Follow.id, page)
    return await _cards_in_order(session, [row[1] for row in rows]), cursor


async def list_followers(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[UserCard], str | None]:
    """Who follows the actor, most recent follower first."""
    stmt = select(Follow.id, Follow.follower_id).where(Follow.followee_id == actor.user_id)
    rows, cursor = await _id_page(session, stmt, Follow.id, page)
    return await _cards_in_order(session, [row[1] for row in rows]), cursor


async def list_blocks(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[UserCard], str | None]:
    """The users the actor has blocked, most recent first."""
    stmt = select(Block.id, Block.blocked_id).where(Block.blocker_id == actor.user_id)
    rows, cursor = await _id_page(session, stmt, Block.id, page)
    return await _cards_in_order(session, [row[1] for row in rows]), cursor


async def list_tags(session: AsyncSession, actor: Actor) -> TagList:
    """All of the actor's tags (at most `service.MAX_TAGS_PER_USER`), in the order they were made,
    with member counts."""
    counts = (
        select(TagMember.tag_id, func.count().label("n"))
        .where(TagMember.owner_id == actor.user_id)
        .group_by(TagMember.tag_id)
        .subquery()
    )
    rows = await session.execute(
        select(Tag.id, Tag.name, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.tag_id == Tag.id)
        .where(Tag.owner_id == actor.user_id)
        .order_by(Tag.id)
    )
    return TagList(
        items=[TagOut(id=tag_id, name=name, member_count=int(n)) for tag_id, name, n in rows.all()]
    )


async def list_tag_members(
    session: AsyncSession, actor: Actor, tag_id: int | str, page: PageRequest
) -> tuple[list[UserCard], str | None]:
    """The friends under one of the actor's tags, most recently added first; anyone else's tag is
    NotFound."""
    tag = await graph.access_tag(session, actor, tag_id)
    stmt = select(TagMember.id, TagMember.member_id).where(TagMember.tag_id == tag.id)
    rows, cursor = await _id_page(session, stmt, TagMember.id, page)
    return await _cards_in_order(session, [row[1] for row in rows]), cursor


# --- people --------------------------------------------------------------------------------------


async def relation_between(session: AsyncSession, viewer_id: int, user_id: int) -> Relation:
    """How `viewer_id` stands to `user_id`, as only the viewer may see it (their own remark)."""
    if viewer_id == user_id:
        return Relation(
            is_self=True,
            is_friend=False,
            is_following=False,
            follows_me=False,
            blocked_by_me=False,
            remark=None,
            pending_request=None,
            pending_request_id=None,
        )
    friendship = await session.scalar(
        select(Friendship).where(Friendship.user_id == viewer_id, Friendship.friend_id == user_id)
    )
    pending = await graph.pending_request_between(session, viewer_id, user_id)
    direction = None if pending is None else ("outgoing" if pending.from_user_id == viewer_id else "incoming")
    return Relation(
        is_self=False,
        is_friend=friendship is not None,
        is_following=await graph.is_following(session, viewer_id, user_id),
        follows_me=await graph.is_following(session, user_id, viewer_id),
        blocked_by_me=await graph.has_blocked(session, viewer_id, user_id),
        remark=friendship.remark if friendship is not None else None,
        pending_request=direction,
        pending_request_id=None if pending is None else pending.id,
    )


async def get_profile(session: AsyncSession, actor: Actor, user_id: int | str) -> UserProfile:
    """A user's profile as the actor sees it; NotFound for unknown users and for users who blocked
    the actor."""
    user = await graph.require_visible_user(session, actor.user_id, user_id)
    followers, following = await graph.follow_counts(session, user.id)
    return UserProfile(
        **identity.card_of(user).model_dump(),
        bio=user.bio,
        region=user.region,
        follower_count=followers,
        following_count=following,
        relation=await relation_between(session, actor.user_id, user.id),
    )


async def search_users(
    session: AsyncSession, actor: Actor, query: str, page: PageRequest
) -> tuple[list[UserCard], str | None]:
    """Users the actor may find by username prefix or exact phone (GRA-6), never the actor and never
    anyone who blocked the actor (GRA-3)."""
    if not query.strip():
        return [], None
    exclude = {actor.user_id} | await graph.blocker_ids(session, actor.user_id)
    users, cursor = await identity.find_discoverable(session, query[:MAX_QUERY], page, exclude=exclude)
    return [identity.card_of(user) for user in users], cursor
