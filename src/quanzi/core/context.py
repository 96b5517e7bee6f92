"""Where the current unit of work comes from: the request's address, user agent, id and actor.

The HTTP middleware opens a context for each request and the auth dependency adds the actor once it
is known; `core.outbox.emit` copies the context onto every event the request writes, in the same
INSERT (no statement of its own), so a consumer such as the audit log can say who did something
and from where. A job, a consumer or a command runs outside any request: its events carry no
context, or the one its entry point opens (`quanzi admin` marks its actions as from the command
line).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

# Bounds on what a client controls, so that an event cannot be made to carry a novel.
MAX_USER_AGENT = 300


@dataclass(frozen=True)
class Origin:
    """Who acts and from where; `via` names the entry point (`http`, `cli`)."""

    via: str
    address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    actor_id: int | None = None

    def as_event_context(self) -> dict[str, Any]:
        """The JSON stored with an event (ids as strings, like payloads)."""
        return {
            "via": self.via,
            "address": self.address,
            "user_agent": self.user_agent,
            "request_id": self.request_id,
            "actor_id": None if self.actor_id is None else str(self.actor_id),
        }


_current: ContextVar[Origin | None] = ContextVar("quanzi_origin", default=None)


def current() -> Origin | None:
    return _current.get()


@contextlib.contextmanager
def origin(value: Origin) -> Iterator[Origin]:
    """Run a block (a request, a command) as coming from `value`."""
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


def set_actor(actor_id: int) -> None:
    """Name the authenticated user of the current request (no-op outside one). Called from an async
    dependency, which runs in the request's own context, so the endpoint sees the change."""
    present = _current.get()
    if present is not None and present.actor_id != actor_id:
        _current.set(replace(present, actor_id=actor_id))


def clip_user_agent(value: str | None) -> str | None:
    if not value:
        return None
    return value[:MAX_USER_AGENT]
