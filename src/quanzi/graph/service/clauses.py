"""The graph's relations as SQL building blocks, for other domains' queries.

A domain that lists things filtered by the graph (a Moments timeline: only friends' posts, nobody
blocked either way) should not load a user's whole friend list into Python and send it back as a
parameter list, nor learn the graph's tables. These functions return SQL expressions over the
graph's own tables that a caller composes into its query, so the filter costs no round trip of its
own and the tables stay the graph's. Each takes user ids as plain ints or as columns of the caller's
query (`Post.author_id`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, literal, or_, select

from quanzi.graph.models import Block, Follow, Friendship

UserRef = int | ColumnElement[Any] | Any


def friend_ids_of(user_id: UserRef) -> Select[Any]:
    """SELECT of the friends of `user_id` (for `IN (...)`)."""
    return select(Friendship.friend_id).where(Friendship.user_id == user_id)


def followee_ids_of(user_id: UserRef) -> Select[Any]:
    """SELECT of the accounts `user_id` follows."""
    return select(Follow.followee_id).where(Follow.follower_id == user_id)


def follows_clause(follower: UserRef, followee: UserRef) -> ColumnElement[bool]:
    """True when `follower` follows `followee` (GRA-2)."""
    return exists(select(Follow.id).where(Follow.follower_id == follower, Follow.followee_id == followee))


def are_friends_clause(a: UserRef, b: UserRef) -> ColumnElement[bool]:
    """True when `a` and `b` are friends (a friendship is mutual: one row each way)."""
    return exists(select(Friendship.id).where(Friendship.user_id == a, Friendship.friend_id == b))


def blocked_either_way_clause(a: UserRef, b: UserRef) -> ColumnElement[bool]:
    """True when `a` blocked `b` or `b` blocked `a` (GRA-3)."""
    return exists(
        select(Block.id).where(
            or_(
                and_(Block.blocker_id == a, Block.blocked_id == b),
                and_(Block.blocker_id == b, Block.blocked_id == a),
            )
        )
    )


def relations_of(user_id: int) -> list[Select[str, int]]:
    """The SELECTs of every relation of `user_id` that visibility rules need, as (relation, other)
    rows: ("friend", id), ("blocked", id) for those it blocked, ("blocker", id) for those who blocked
    it. The caller runs them as one `union_all`, with rows of its own of the same shape."""
    return [
        select(literal("friend").label("relation"), Friendship.friend_id.label("other")).where(
            Friendship.user_id == user_id
        ),
        select(literal("blocked"), Block.blocked_id).where(Block.blocker_id == user_id),
        select(literal("blocker"), Block.blocker_id).where(Block.blocked_id == user_id),
    ]
