"""The social graph's rules (GRA-1 … GRA-5): friend requests, friendships, follows, blocks, tags, remarks.

Changes live here; reading the graph for display (lists, profiles, search) lives in `discovery`.
Other domains ask the graph questions through the helpers in the first section (`are_friends`,
`is_blocked_either_way`, `friend_ids`, `tag_member_ids`, `follower_ids`, ...) and learn of changes
from its events (``graph.friend_request.created|accepted|declined``, ``graph.friendship.removed``,
``graph.follow.created|removed``, ``graph.block.created|removed``; user ids as strings).

Choices the API guide leaves open:
- A second request to the same user while one is pending updates that request's message and returns it.
  A request to someone whose own request to you is pending accepts theirs (both want it), and the
  answer is that request with status ``accepted``.
- Accepting an accepted request, or declining a declined one, answers the request again (no change);
  the opposite answer to an answered request is 409 ``friend_request_not_pending``.
- A user who blocked the actor is, to the actor, a user that does not exist (404 ``user_not_found``)
  for profiles, follows and search. The friend-request refusal is the one exception the product
  wants spelled out: 403 ``friend_request_refused``. Acting on a user one has blocked oneself
  (follow, friend request) is 409 ``user_blocked``: unblock first.
- Tag members must be friends: ``PUT /tags/{id}/members/{user}`` with a non-friend is 404
  ``friend_not_found``; ``member_ids`` with a non-friend in ``POST /tags`` is 422 ``not_a_friend``.

Concurrency: every change between two users first locks both users' rows in id order
(`_lock_users`), so that a block racing an acceptance or a follow cannot leave a friendship or a
follow behind on PostgreSQL (on SQLite the write transaction is already exclusive). Duplicates are
still refused by unique constraints (``ON CONFLICT DO NOTHING``), never by a read first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, ratelimit
from quanzi.core.actor import Actor
from quanzi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.outbox import emit
from quanzi.graph.models import Block, Follow, FriendRequest, Friendship, Tag, TagMember
from quanzi.graph.schemas import FriendOut, FriendRequestOut, TagOut, TagRef
from quanzi.identity import service as identity

MAX_TAGS_PER_USER = 100

# Only the key column, to lock rows in id order; the identity domain owns everything else there.


# --- questions other domains ask --------------------------------------------------------------


async def are_friends(session: AsyncSession, a: int, b: int) -> bool:
    """Whether `a` and `b` are friends (GRA-1). A friendship is always mutual, so one row suffices."""
    found = await session.scalar(
        select(Friendship.id).where(Friendship.user_id == a, Friendship.friend_id == b)
    )
    return found is not None


async def friend_ids(session: AsyncSession, user_id: int) -> set[int]:
    """Every friend of `user_id`."""
    rows = await session.scalars(select(Friendship.friend_id).where(Friendship.user_id == user_id))
    return set(rows.all())


async def remarks_of(session: AsyncSession, viewer_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    """The remarks `viewer_id` set on these users (GRA-5), for showing to `viewer_id` only."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(Friendship.friend_id, Friendship.remark).where(
            Friendship.user_id == viewer_id, Friendship.friend_id.in_(ids), Friendship.remark.is_not(None)
        )
    )
    return {friend_id: remark for friend_id, remark in rows.all() if remark is not None}


async def is_following(session: AsyncSession, follower_id: int, followee_id: int) -> bool:
    found = await session.scalar(
        select(Follow.id).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
    )
    return found is not None


async def follower_ids(session: AsyncSession, user_id: int) -> set[int]:
    """Everyone following `user_id` (e.g. to fan out a public post or a broadcast)."""
    return set((await session.scalars(select(Follow.follower_id).where(Follow.followee_id == user_id))).all())


async def following_ids(session: AsyncSession, user_id: int) -> set[int]:
    """Everyone `user_id` follows (e.g. to build a home timeline)."""
    return set((await session.scalars(select(Follow.followee_id).where(Follow.follower_id == user_id))).all())


async def follower_stats(
    session: AsyncSession, user_ids: Iterable[int], viewer_id: int | None
) -> dict[int, tuple[int, bool]]:
    """For each of these accounts, in one query: (how many follow it, whether `viewer_id` does).
    Accounts nobody follows are (0, False)."""
    ids = sorted(set(user_ids))
    stats = {user_id: (0, False) for user_id in ids}
    if not ids:
        return stats
    mine = func.max(case((Follow.follower_id == (viewer_id or 0), 1), else_=0))
    rows = await session.execute(
        select(Follow.followee_id, func.count(), mine)
        .where(Follow.followee_id.in_(ids))
        .group_by(Follow.followee_id)
    )
    for followee, count, following in rows.all():
        stats[int(followee)] = (int(count), bool(following))
    return stats


async def follow_counts(session: AsyncSession, user_id: int) -> tuple[int, int]:
    """(followers, following) of a user."""
    followers = await session.scalar(
        select(func.count()).select_from(Follow).where(Follow.followee_id == user_id)
    )
    following = await session.scalar(
        select(func.count()).select_from(Follow).where(Follow.follower_id == user_id)
    )
    return int(followers or 0), int(following or 0)


async def has_blocked(session: AsyncSession, blocker_id: int, blocked_id: int) -> bool:
    """Whether `blocker_id` has blocked `blocked_id` (one direction only)."""
    found = await session.scalar(
        select(Block.id).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id)
    )
    return found is not None


async def is_blocked_either_way(session: AsyncSession, a: int, b: int) -> bool:
    """Whether either user has blocked the other (GRA-3): then they cannot message, befriend or see
    each other's Moments, whichever side blocked."""
    found = await session.scalar(
        select(Block.id)
        .where(
            or_(
                and_(Block.blocker_id == a, Block.blocked_id == b),
                and_(Block.blocker_id == b, Block.blocked_id == a),
            )
        )
        .limit(1)
    )
    return found is not None


async def blocked_ids(session: AsyncSession, user_id: int) -> set[int]:
    """The users `user_id` has blocked."""
    return set((await session.scalars(select(Block.blocked_id).where(Block.blocker_id == user_id))).all())


async def blocker_ids(session: AsyncSession, user_id: int) -> set[int]:
    """The users who have blocked `user_id`: to `user_id` they do not exist (hidden from search and
    profiles)."""
    return set((await session.scalars(select(Block.blocker_id).where(Block.blocked_id == user_id))).all())


async def tag_member_ids(session: AsyncSession, owner_id: int, tag_ids: Iterable[int]) -> set[int]:
    """The friends under any of these tags of `owner_id` (GRA-4, the audience of a Moment, MOM-2).
    Tags that do not exist or belong to someone else contribute nobody."""
    ids = set(tag_ids)
    if not ids:
        return set()
    return set(
        (
            await session.scalars(
                select(TagMember.member_id).where(TagMember.owner_id == owner_id, TagMember.tag_id.in_(ids))
            )
        ).all()
    )


async def owned_tag_ids(session: AsyncSession, owner_id: int, tag_ids: Iterable[int]) -> set[int]:
    """Which of these tag ids belong to `owner_id` (to validate a Moment's audience)."""
    ids = set(tag_ids)
    if not ids:
        return set()
    return set((await session.scalars(select(Tag.id).where(Tag.owner_id == owner_id, Tag.id.in_(ids)))).all())


async def require_visible_user(session: AsyncSession, viewer_id: int, user_id: int | str) -> Any:
    """The user `viewer_id` may see: NotFound for an unknown id and for a user who blocked the viewer
    (GRA-3: the blocked cannot find the blocker). Returns identity's user object."""
    user = await identity.require_user(session, user_id)
    if user.id != viewer_id and await has_blocked(session, user.id, viewer_id):
        raise NotFound("No such user.", code="user_not_found")
    return user


# --- plumbing ----------------------------------------------------------------------------------


def _insert(session: AsyncSession, model: type[Any]) -> Any:
    """An INSERT that can say ON CONFLICT DO NOTHING on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


async def _lock_users(session: AsyncSession, *user_ids: int) -> None:
    """Graph changes between the same users happen one after the other: both users' rows are locked
    (in id order) for the rest of the transaction."""
    await identity.lock_users(session, user_ids)


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


def _parse_user_id(user_id: int | str) -> int:
    parsed = parse_id(user_id)
    if parsed is None:
        raise NotFound("No such user.", code="user_not_found")
    return parsed


# --- friend requests (GRA-1) -------------------------------------------------------------------


async def _request_out(session: AsyncSession, request: FriendRequest) -> FriendRequestOut:
    cards = await identity.get_cards(session, (request.from_user_id, request.to_user_id))
    return FriendRequestOut(
        id=request.id,
        from_user=cards[request.from_user_id],
        to_user=cards[request.to_user_id],
        message=request.message,
        status=request.status,  # type: ignore[arg-type]
        created_at=request.created_at,
    )


def _pending_pair_query(a: int, b: int) -> Any:
    low, high = sorted((a, b))
    return select(FriendRequest).where(
        FriendRequest.pair_low_id == low,
        FriendRequest.pair_high_id == high,
        FriendRequest.status == "pending",
    )


async def pending_request_between(session: AsyncSession, a: int, b: int) -> FriendRequest | None:
    """The pending friend request between two users, sent by either, if there is one (at most one)."""
    return await session.scalar(_pending_pair_query(a, b))


async def _pending_between(session: AsyncSession, a: int, b: int) -> FriendRequest | None:
    return await session.scalar(
        _pending_pair_query(a, b).with_for_update().execution_options(populate_existing=True)
    )


async def _accept(session: AsyncSession, request: FriendRequest) -> None:
    """Turn a pending request into a friendship: two rows, one per side (idempotent on conflict)."""
    now = clock.now()
    request.status = "accepted"
    request.responded_at = now
    await session.execute(
        _insert(session, Friendship)
        .values(
            [
                {
                    "id": new_id(),
                    "user_id": request.to_user_id,
                    "friend_id": request.from_user_id,
                    "remark": None,
                    "created_at": now,
                },
                {
                    "id": new_id(),
                    "user_id": request.from_user_id,
                    "friend_id": request.to_user_id,
                    "remark": None,
                    "created_at": now,
                },
            ]
        )
        .on_conflict_do_nothing(index_elements=["user_id", "friend_id"])
    )
    emit(
        session,
        "graph.friend_request.accepted",
        {
            "request_id": str(request.id),
            "from_user_id": str(request.from_user_id),
            "to_user_id": str(request.to_user_id),
        },
    )


async def send_friend_request(
    session: AsyncSession, actor: Actor, to_user_id: int | str, message: str | None
) -> FriendRequestOut:
    """Ask `to_user_id` to be friends (GRA-1). Refused when the target blocked the actor (403
    ``friend_request_refused``), when the actor blocked the target (409 ``user_blocked``) and between
    friends (409 ``already_friends``). At most one request per pair is pending: a repeat updates the
    message of the actor's own pending request; a request crossing the target's pending request
    accepts that one. New requests per sender, and per sender and target (asking again after a
    decline), are rate-limited (429 ``rate_limited``)."""
    target_id = _parse_user_id(to_user_id)
    if target_id == actor.user_id:
        raise InvalidInput("You cannot send a friend request to yourself.", code="cannot_befriend_self")
    target = await identity.require_user(session, target_id)
    await _lock_users(session, actor.user_id, target.id)
    if await has_blocked(session, target.id, actor.user_id):
        raise Forbidden("This user is not accepting friend requests from you.", code="friend_request_refused")
    if await has_blocked(session, actor.user_id, target.id):
        raise Conflict("You have blocked this user. Unblock them first.", code="user_blocked")
    if await are_friends(session, actor.user_id, target.id):
        raise Conflict("You are already friends.", code="already_friends")

    pending = await _pending_between(session, actor.user_id, target.id)
    if pending is None:
        # Only a new request tells the target anything: a repeat that edits the pending one, or one
        # that accepts theirs, is not counted.
        await ratelimit.check(
            session,
            "You have sent too many friend requests.",
            ("graph.friend_request", ratelimit.key_of(actor.user_id)),
            ("graph.friend_request_target", ratelimit.key_of(actor.user_id, target.id)),
        )
        low, high = sorted((actor.user_id, target.id))
        request_id = new_id()
        result = await session.execute(
            _insert(session, FriendRequest)
            .values(
                id=request_id,
                from_user_id=actor.user_id,
                to_user_id=target.id,
                pair_low_id=low,
                pair_high_id=high,
                message=message or "",
                status="pending",
                created_at=clock.now(),
                responded_at=None,
            )
            # The predicate must be literal: PostgreSQL cannot match a bound parameter to the
            # partial index once it plans the prepared statement generically (6th run onwards).
            .on_conflict_do_nothing(
                index_elements=["pair_low_id", "pair_high_id"], index_where=text("status = 'pending'")
            )
        )
        if _rowcount(result) == 1:
            emit(
                session,
                "graph.friend_request.created",
                {
                    "request_id": str(request_id),
                    "from_user_id": str(actor.user_id),
                    "to_user_id": str(target.id),
                },
            )
            created = await session.get(FriendRequest, request_id)
            assert created is not None
            return await _request_out(session, created)
        # Someone else's transaction got there first (only possible without the user lock).
        pending = await _pending_between(session, actor.user_id, target.id)
        if pending is None:
            raise Conflict("The friend request changed meanwhile; try again.", code="concurrent_change")

    if pending.from_user_id == actor.user_id:
        if message is not None:
            pending.message = message
        return await _request_out(session, pending)
    await _accept(session, pending)
    return await _request_out(session, pending)


async def _request_for_recipient(session: AsyncSession, actor: Actor, request_id: int | str) -> FriendRequest:
    """A request addressed to the actor, locked; anyone else's (the sender's included) is NotFound."""
    parsed = parse_id(request_id)
    found = await session.get(FriendRequest, parsed) if parsed is not None else None
    if found is None or found.to_user_id != actor.user_id:
        raise NotFound("No such friend request.", code="friend_request_not_found")
    await _lock_users(session, found.from_user_id, found.to_user_id)
    locked = await session.scalar(
        select(FriendRequest)
        .where(FriendRequest.id == found.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:  # a block removed it meanwhile
        raise NotFound("No such friend request.", code="friend_request_not_found")
    return locked


async def accept_friend_request(
    session: AsyncSession, actor: Actor, request_id: int | str
) -> FriendRequestOut:
    """The recipient accepts: both become friends. Accepting again answers the same request while
    the friendship it made lasts; once that friendship has ended, the old request is spent (409)."""
    request = await _request_for_recipient(session, actor, request_id)
    if request.status == "declined":
        raise Conflict("You already declined this friend request.", code="friend_request_not_pending")
    if request.status == "pending":
        await _accept(session, request)
    elif not await are_friends(session, request.to_user_id, request.from_user_id):
        raise Conflict(
            "This friend request was answered and that friendship has ended; send a new request.",
            code="friend_request_not_pending",
        )
    return await _request_out(session, request)


async def decline_friend_request(
    session: AsyncSession, actor: Actor, request_id: int | str
) -> FriendRequestOut:
    """The recipient declines; the sender may ask again later. Declining again changes nothing."""
    request = await _request_for_recipient(session, actor, request_id)
    if request.status == "accepted":
        raise Conflict("You already accepted this friend request.", code="friend_request_not_pending")
    if request.status == "pending":
        request.status = "declined"
        request.responded_at = clock.now()
        emit(
            session,
            "graph.friend_request.declined",
            {
                "request_id": str(request.id),
                "from_user_id": str(request.from_user_id),
                "to_user_id": str(request.to_user_id),
            },
        )
    return await _request_out(session, request)


# --- friends and remarks (GRA-1, GRA-5) ----------------------------------------------------------


async def friend_tags(
    session: AsyncSession, owner_id: int, member_ids: Iterable[int]
) -> dict[int, list[TagRef]]:
    """The tags `owner_id` put each of these friends under (private to `owner_id`), by friend."""
    ids = set(member_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(TagMember.member_id, Tag.id, Tag.name)
        .join(Tag, Tag.id == TagMember.tag_id)
        .where(TagMember.owner_id == owner_id, TagMember.member_id.in_(ids))
        .order_by(Tag.id)
    )
    tags: dict[int, list[TagRef]] = {}
    for member_id, tag_id, name in rows.all():
        tags.setdefault(member_id, []).append(TagRef(id=tag_id, name=name))
    return tags


async def _own_friendship(session: AsyncSession, actor: Actor, user_id: int | str) -> Friendship:
    parsed = parse_id(user_id)
    row = (
        await session.scalar(
            select(Friendship).where(Friendship.user_id == actor.user_id, Friendship.friend_id == parsed)
        )
        if parsed is not None
        else None
    )
    if row is None:
        raise NotFound("This user is not your friend.", code="friend_not_found")
    return row


async def set_remark(session: AsyncSession, actor: Actor, user_id: int | str, remark: str) -> FriendOut:
    """Set the actor's private remark for a friend (GRA-5); "" clears it. Non-friends are NotFound."""
    friendship = await _own_friendship(session, actor, user_id)
    friendship.remark = remark or None
    cards = await identity.get_cards(session, [friendship.friend_id])
    tags = await friend_tags(session, actor.user_id, [friendship.friend_id])
    return FriendOut(
        user=cards[friendship.friend_id],
        remark=friendship.remark,
        tags=tags.get(friendship.friend_id, []),
        since=friendship.created_at,
    )


async def _end_friendship(session: AsyncSession, a: int, b: int, *, reason: str) -> bool:
    """Delete both sides of a friendship and each side's tags on the other; returns whether there was
    one. The caller holds the pair's lock."""
    result = await session.execute(
        delete(Friendship).where(
            or_(
                and_(Friendship.user_id == a, Friendship.friend_id == b),
                and_(Friendship.user_id == b, Friendship.friend_id == a),
            )
        )
    )
    await session.execute(
        delete(TagMember).where(
            or_(
                and_(TagMember.owner_id == a, TagMember.member_id == b),
                and_(TagMember.owner_id == b, TagMember.member_id == a),
            )
        )
    )
    if _rowcount(result) == 0:
        return False
    emit(session, "graph.friendship.removed", {"user_id": str(a), "friend_id": str(b), "reason": reason})
    return True


async def remove_friend(session: AsyncSession, actor: Actor, user_id: int | str) -> None:
    """Either side ends a friendship (GRA-1): both rows go, and the friend leaves the tags of both."""
    friend_id = parse_id(user_id)
    if friend_id is None:
        raise NotFound("This user is not your friend.", code="friend_not_found")
    await _lock_users(session, actor.user_id, friend_id)
    if not await _end_friendship(session, actor.user_id, friend_id, reason="removed"):
        raise NotFound("This user is not your friend.", code="friend_not_found")


# --- follows (GRA-2) -----------------------------------------------------------------------------


async def follow(session: AsyncSession, actor: Actor, user_id: int | str) -> None:
    """Follow a user (one-way, no consent). Idempotent. Yourself: 422; a user who blocked you: 404 as
    if they did not exist; a user you blocked: 409 ``user_blocked``."""
    target_id = _parse_user_id(user_id)
    if target_id == actor.user_id:
        raise InvalidInput("You cannot follow yourself.", code="cannot_follow_self")
    target = await require_visible_user(session, actor.user_id, target_id)
    await _lock_users(session, actor.user_id, target.id)
    if await has_blocked(session, target.id, actor.user_id):  # blocked between the check and the lock
        raise NotFound("No such user.", code="user_not_found")
    if await has_blocked(session, actor.user_id, target.id):
        raise Conflict("You have blocked this user. Unblock them first.", code="user_blocked")
    result = await session.execute(
        _insert(session, Follow)
        .values(id=new_id(), follower_id=actor.user_id, followee_id=target.id, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["follower_id", "followee_id"])
    )
    if _rowcount(result) == 1:
        emit(
            session,
            "graph.follow.created",
            {
                "follower_id": str(actor.user_id),
                "followee_id": str(target.id),
            },
        )


async def _delete_follow(session: AsyncSession, follower_id: int, followee_id: int, *, reason: str) -> bool:
    result = await session.execute(
        delete(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
    )
    if _rowcount(result) == 0:
        return False
    emit(
        session,
        "graph.follow.removed",
        {
            "follower_id": str(follower_id),
            "followee_id": str(followee_id),
            "reason": reason,
        },
    )
    return True


async def unfollow(session: AsyncSession, actor: Actor, user_id: int | str) -> None:
    """Stop following. Idempotent; an unknown user (or one who blocked the actor) is NotFound."""
    target = await require_visible_user(session, actor.user_id, user_id)
    await _delete_follow(session, actor.user_id, target.id, reason="unfollowed")


# --- blocks (GRA-3) ------------------------------------------------------------------------------


async def block(session: AsyncSession, actor: Actor, user_id: int | str) -> None:
    """Block a user. Ends the friendship (and both sides' tags on each other), the follows both
    ways and the pending requests both ways; from then on the blocked user cannot befriend, follow,
    find or see the actor. Idempotent."""
    target_id = _parse_user_id(user_id)
    if target_id == actor.user_id:
        raise InvalidInput("You cannot block yourself.", code="cannot_block_self")
    target = await identity.require_user(session, target_id)
    await _lock_users(session, actor.user_id, target.id)
    result = await session.execute(
        _insert(session, Block)
        .values(id=new_id(), blocker_id=actor.user_id, blocked_id=target.id, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["blocker_id", "blocked_id"])
    )
    if _rowcount(result) == 0:
        return
    low, high = sorted((actor.user_id, target.id))
    await session.execute(
        delete(FriendRequest).where(
            FriendRequest.pair_low_id == low,
            FriendRequest.pair_high_id == high,
            FriendRequest.status == "pending",
        )
    )
    await _end_friendship(session, actor.user_id, target.id, reason="blocked")
    await _delete_follow(session, actor.user_id, target.id, reason="blocked")
    await _delete_follow(session, target.id, actor.user_id, reason="blocked")
    emit(session, "graph.block.created", {"blocker_id": str(actor.user_id), "blocked_id": str(target.id)})


async def unblock(session: AsyncSession, actor: Actor, user_id: int | str) -> None:
    """Lift a block. Idempotent; nothing that the block ended comes back."""
    target = await identity.require_user(session, user_id)
    result = await session.execute(
        delete(Block).where(Block.blocker_id == actor.user_id, Block.blocked_id == target.id)
    )
    if _rowcount(result):
        emit(session, "graph.block.removed", {"blocker_id": str(actor.user_id), "blocked_id": str(target.id)})


# --- tags (GRA-4) --------------------------------------------------------------------------------


async def access_tag(session: AsyncSession, actor: Actor, tag_id: int | str) -> Tag:
    """One of the actor's tags; anyone else's is NotFound (tags are private)."""
    parsed = parse_id(tag_id)
    tag = await session.get(Tag, parsed) if parsed is not None else None
    if tag is None or tag.owner_id != actor.user_id:
        raise NotFound("No such tag.", code="tag_not_found")
    return tag


async def member_count(session: AsyncSession, tag_id: int) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(TagMember).where(TagMember.tag_id == tag_id))
        or 0
    )


async def _insert_members(session: AsyncSession, tag: Tag, member_ids: Iterable[int]) -> int:
    rows = [
        {
            "id": new_id(),
            "tag_id": tag.id,
            "owner_id": tag.owner_id,
            "member_id": member_id,
            "created_at": clock.now(),
        }
        for member_id in member_ids
    ]
    if not rows:
        return 0
    result = await session.execute(
        _insert(session, TagMember)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["tag_id", "member_id"])
    )
    return _rowcount(result)


async def create_tag(
    session: AsyncSession, actor: Actor, name: str, member_ids: Sequence[str] = ()
) -> TagOut:
    """Make a tag (name unique per owner: 409 ``tag_name_taken``), optionally with friends in it;
    any non-friend among them is 422 ``not_a_friend`` and nothing is made."""
    parsed = [parse_id(raw) for raw in member_ids]
    wanted = {p for p in parsed if p is not None}
    if wanted:
        await _lock_users(session, actor.user_id, *wanted)
    friends = (
        set(
            (
                await session.scalars(
                    select(Friendship.friend_id).where(
                        Friendship.user_id == actor.user_id, Friendship.friend_id.in_(wanted)
                    )
                )
            ).all()
        )
        if wanted
        else set()
    )
    strangers = [raw for raw, p in zip(member_ids, parsed, strict=True) if p is None or p not in friends]
    if strangers:
        raise InvalidInput(
            "Only friends can be put under a tag.", code="not_a_friend", details={"user_ids": strangers}
        )
    count = await session.scalar(select(func.count()).select_from(Tag).where(Tag.owner_id == actor.user_id))
    if int(count or 0) >= MAX_TAGS_PER_USER:
        raise Conflict(f"You can have at most {MAX_TAGS_PER_USER} tags.", code="too_many_tags")
    tag_id = new_id()
    result = await session.execute(
        _insert(session, Tag)
        .values(id=tag_id, owner_id=actor.user_id, name=name, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["owner_id", "name"])
    )
    if _rowcount(result) == 0:
        raise Conflict("You already have a tag with this name.", code="tag_name_taken")
    tag = await session.get(Tag, tag_id)
    assert tag is not None
    added = await _insert_members(session, tag, sorted(wanted))
    return TagOut(id=tag.id, name=tag.name, member_count=added)


async def rename_tag(session: AsyncSession, actor: Actor, tag_id: int | str, name: str) -> TagOut:
    """Rename one of the actor's tags; a name the actor already uses is 409 ``tag_name_taken``."""
    tag = await access_tag(session, actor, tag_id)
    if tag.name != name:
        try:
            async with session.begin_nested():
                tag.name = name
                await session.flush()
        except IntegrityError as exc:
            raise Conflict("You already have a tag with this name.", code="tag_name_taken") from exc
    return TagOut(id=tag.id, name=tag.name, member_count=await member_count(session, tag.id))


async def delete_tag(session: AsyncSession, actor: Actor, tag_id: int | str) -> None:
    """Delete one of the actor's tags; the friends in it stay friends."""
    tag = await access_tag(session, actor, tag_id)
    await session.execute(delete(TagMember).where(TagMember.tag_id == tag.id))
    await session.execute(delete(Tag).where(Tag.id == tag.id))


async def add_tag_member(session: AsyncSession, actor: Actor, tag_id: int | str, user_id: int | str) -> None:
    """Put a friend under one of the actor's tags (idempotent); a non-friend is 404 ``friend_not_found``."""
    tag = await access_tag(session, actor, tag_id)
    member_id = parse_id(user_id)
    if member_id is None:
        raise NotFound("This user is not your friend.", code="friend_not_found")
    await _lock_users(session, actor.user_id, member_id)
    if not await are_friends(session, actor.user_id, member_id):
        raise NotFound("This user is not your friend.", code="friend_not_found")
    await _insert_members(session, tag, [member_id])


async def remove_tag_member(
    session: AsyncSession, actor: Actor, tag_id: int | str, user_id: int | str
) -> None:
    """Take someone off one of the actor's tags (idempotent)."""
    tag = await access_tag(session, actor, tag_id)
    member_id = parse_id(user_id)
    if member_id is None:
        raise NotFound("This user is not your friend.", code="friend_not_found")
    await session.execute(
        delete(TagMember).where(TagMember.tag_id == tag.id, TagMember.member_id == member_id)
    )
