"""Events the graph domain emits (docs/events.md)."""

from __future__ import annotations

from typing import Literal

from quanzi.core.events import EventId, EventPayload, EventType


class FriendRequest(EventPayload):
    """A friend request was sent, accepted or declined (GRA-1); the topic says which."""

    request_id: EventId
    from_user_id: EventId
    to_user_id: EventId


class FriendshipRemoved(EventPayload):
    """A friendship ended, by removal or because one side blocked the other (GRA-1, GRA-3)."""

    user_id: EventId
    friend_id: EventId
    reason: Literal["removed", "blocked"]


class FollowCreated(EventPayload):
    """A user followed another user, merchant or KOL (GRA-2)."""

    follower_id: EventId
    followee_id: EventId


class FollowRemoved(EventPayload):
    """A follow ended: unfollowed, or removed by a block (GRA-2, GRA-3)."""

    follower_id: EventId
    followee_id: EventId
    reason: Literal["unfollowed", "blocked"]


class Block(EventPayload):
    """A user blocked or unblocked another (GRA-3); the topic says which."""

    blocker_id: EventId
    blocked_id: EventId


EVENTS = (
    EventType("graph.friend_request.created", FriendRequest),
    EventType("graph.friend_request.accepted", FriendRequest),
    EventType("graph.friend_request.declined", FriendRequest),
    EventType("graph.friendship.removed", FriendshipRemoved),
    EventType("graph.follow.created", FollowCreated),
    EventType("graph.follow.removed", FollowRemoved),
    EventType("graph.block.created", Block),
    EventType("graph.block.removed", Block),
)
