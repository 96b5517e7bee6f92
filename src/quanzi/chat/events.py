"""Events the chat domain publishes (through the outbox) and the ephemeral ones it sends on the bus.

``chat.delivery`` — after a commit that appended sync-log entries: ``{"to": [[user_id, seq], …],
"entry": {…} | null}``. `entry` is the entry as every recipient sees it, without its seq (null when
it must be read from the database for each recipient, e.g. a chat's state). One event per fan-out,
whatever the number of recipients; every server process subscribes and pushes to the sockets it
holds. Consumers that must not miss anything read the log (GET /sync), not this event.

``chat.message.created`` — a message was sent (for notifications, analytics): ``{"chat_id",
"message_id", "sender_id", "kind", "seq"}``.

``chat.message.recalled`` — ``{"chat_id", "message_id"}``.

``chat.typing`` — ephemeral, published straight on the bus (never stored): ``{"chat_id", "user_id",
"to": [user_id, …]}``.
"""

from __future__ import annotations

from typing import Any

from quanzi.core.events import EventId, EventPayload, EventType

DELIVERY = "chat.delivery"
MESSAGE_CREATED = "chat.message.created"
MESSAGE_RECALLED = "chat.message.recalled"
TYPING = "chat.typing"


class Delivery(EventPayload):
    """Sync-log entries were appended for these users (CHT-5): each recipient with the seq of their new
    entry, and the entry as every recipient sees it (without its seq), or null when it must be read
    per recipient. One event per fan-out; gateways push it to the sockets they hold."""

    to: list[tuple[EventId, int]]
    entry: dict[str, Any] | None


class MessageCreated(EventPayload):
    """A message was posted in a chat (a person's, or a system notice when `sender_id` is null). Chat's
    consumer `chat.fanout` delivers it to the members' unread counts and sync logs; `mentions` and
    `mention_all` say whom it @-mentions (groups)."""

    chat_id: EventId
    message_id: EventId
    sender_id: EventId | None
    kind: str
    seq: int
    mentions: list[EventId] = []
    mention_all: bool = False
    chat_kind: str = "direct"


class MessageRecalled(EventPayload):
    """The sender recalled a message (CHT-4)."""

    chat_id: EventId
    message_id: EventId


class Typing(EventPayload):
    """Someone is typing in a chat (CHT-6); sent on the bus to the other members' sockets only."""

    chat_id: EventId
    user_id: EventId
    to: list[EventId]


EVENTS = (
    EventType(DELIVERY, Delivery),
    EventType(MESSAGE_CREATED, MessageCreated),
    EventType(MESSAGE_RECALLED, MessageRecalled),
    EventType(TYPING, Typing, live_only=True),
)
