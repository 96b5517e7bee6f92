"""Events moderation emits (docs/events.md). The owning domains react to them: feed hides and
restores posts and comments and tells the author, identity bans and unbans accounts."""

from __future__ import annotations

from typing import Literal

from quanzi.core.events import EventId, EventPayload, EventType

WORDS_CHANGED = "moderation.words.changed"
REPORT_FILED = "moderation.report.filed"
CONTENT_TAKEN_DOWN = "moderation.content.taken_down"
CONTENT_RESTORED = "moderation.content.restored"
USER_BANNED = "moderation.user.banned"
USER_UNBANNED = "moderation.user.unbanned"


class WordsChanged(EventPayload):
    """An operator changed the sensitive-word list; every process reloads its copy (MOD-1)."""

    version: int


class ReportFiled(EventPayload):
    """A user reported a post, comment, user or shop (MOD-2)."""

    report_id: EventId
    target_kind: Literal["post", "comment", "user", "shop"]
    target_id: EventId


class ContentTakenDown(EventPayload):
    """An operator took a post or comment down: it disappears for everyone but is kept; the author is
    told why (`reason` of the report, the operator's `note`)."""

    report_id: EventId
    target_kind: Literal["post", "comment"]
    target_id: EventId
    owner_id: EventId | None
    reason: str
    note: str


class ContentRestored(EventPayload):
    """An operator restored a post or comment they had taken down."""

    report_id: EventId
    target_kind: Literal["post", "comment"]
    target_id: EventId
    owner_id: EventId | None


class UserBanned(EventPayload):
    """An operator banned an account (the reported user, author or shop's merchant): its sessions end
    and it cannot log in."""

    report_id: EventId
    user_id: EventId
    reason: str
    note: str


class UserUnbanned(EventPayload):
    """An operator lifted a ban."""

    report_id: EventId
    user_id: EventId


EVENTS = (
    EventType(WORDS_CHANGED, WordsChanged),
    EventType(REPORT_FILED, ReportFiled),
    EventType(CONTENT_TAKEN_DOWN, ContentTakenDown),
    EventType(CONTENT_RESTORED, ContentRestored),
    EventType(USER_BANNED, UserBanned),
    EventType(USER_UNBANNED, UserUnbanned),
)
