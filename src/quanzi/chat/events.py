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

DELIVERY = "chat.delivery"
MESSAGE_CREATED = "chat.message.created"
MESSAGE_RECALLED = "chat.message.recalled"
TYPING = "chat.typing"
