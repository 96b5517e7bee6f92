"""Events the identity domain emits (docs/events.md)."""

from __future__ import annotations

from quanzi.core.events import EventId, EventPayload, EventType


class UserCreated(EventPayload):
    """A person signed up (ACC-1)."""

    user_id: EventId
    kind: str


class UserUpdated(EventPayload):
    """A user changed their profile or avatar; caches of their card are stale."""

    user_id: EventId


class MerchantVerificationChanged(EventPayload):
    """An operator verified a merchant, or withdrew the verification (ACC-2)."""

    user_id: EventId
    verified: bool


class KolBadgeChanged(EventPayload):
    """An operator granted or revoked a creator's KOL badge (ACC-2)."""

    user_id: EventId
    granted: bool


class OperatorChanged(EventPayload):
    """An account was given the operator role, or lost it (`quanzi admin make-operator`)."""

    user_id: EventId
    granted: bool


class SessionRevoked(EventPayload):
    """Sessions of a user stopped standing for what they did: logged out, revoked, ended by a password
    change (`session_ids`), or every session of the user (null) after a change to the account's rights.
    Every server process drops them from its session cache."""

    user_id: EventId
    session_ids: list[EventId] | None


EVENTS = (
    EventType("identity.user.created", UserCreated),
    EventType("identity.user.updated", UserUpdated),
    EventType("identity.merchant.verification_changed", MerchantVerificationChanged),
    EventType("identity.kol.badge_changed", KolBadgeChanged),
    EventType("identity.operator.changed", OperatorChanged),
    EventType("identity.session.revoked", SessionRevoked),
)
