"""Events the feed domain emits (docs/events.md)."""

from __future__ import annotations

from typing import Literal

from quanzi.core.events import EventId, EventPayload, EventType


class PostCreated(EventPayload):
    """A Moment or public post was published; a repost names its parent and the root of its cascade
    (PUB-2)."""

    post_id: EventId
    author_id: EventId
    kind: Literal["moment", "public"]
    parent_id: EventId | None
    root_id: EventId | None


class PostDeleted(EventPayload):
    """The author deleted a post."""

    post_id: EventId
    author_id: EventId


class LikeCreated(EventPayload):
    """A user liked a post."""

    post_id: EventId
    user_id: EventId


class CommentCreated(EventPayload):
    """A user commented on a post or replied to a comment."""

    comment_id: EventId
    post_id: EventId
    author_id: EventId


class CommentDeleted(EventPayload):
    """A comment was deleted by its author or by the post's author (MOM-6)."""

    comment_id: EventId
    post_id: EventId


class NotificationCreated(EventPayload):
    """A notification landed in a user's inbox (NTF-1); the gateway pushes a badge to that user."""

    user_id: EventId
    notification_id: EventId
    kind: Literal[
        "like", "comment", "reply", "mention", "repost", "comment_removed", "taken_down", "restored"
    ]


class NotificationRead(EventPayload):
    """A user read their notifications; their other devices clear the badge."""

    user_id: EventId


EVENTS = (
    EventType("feed.post.created", PostCreated),
    EventType("feed.post.deleted", PostDeleted),
    EventType("feed.like.created", LikeCreated),
    EventType("feed.comment.created", CommentCreated),
    EventType("feed.comment.deleted", CommentDeleted),
    EventType("feed.notification.created", NotificationCreated),
    EventType("feed.notification.read", NotificationRead),
)
