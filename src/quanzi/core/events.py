"""Event types: each topic's versioned, documented payload schema.

A domain declares the events it emits in its `events` module as `EventType`s (a topic, a Pydantic
payload model whose docstring says when the event happens, and a version) and lists them in its
manifest. The platform installs every declared type at start; from then on `core.outbox.emit` refuses
a topic nobody declared and a payload that does not match its schema, so the stream carries only
what docs/events.md (generated from these declarations by `quanzi events docs`) describes.

Payloads are JSON: ids travel as decimal strings, times as ISO 8601 strings, money as integer fen.
A change that breaks consumers gets a new version (a new model under the same topic); consumers read
`StreamEvent.version`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from quanzi.core.bus import check_topic

# Ids in payloads: decimal strings (JavaScript and JSON consumers lose precision above 2**53).
EventId = Annotated[str, Field(pattern=r"^[0-9]{1,19}$")]


class EventPayload(BaseModel):
    """Base of every payload schema: unknown fields are refused, so a producer cannot drift from the
    documented shape without a test noticing."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class EventType:
    topic: str
    payload: type[EventPayload]
    version: int = 1
    # Live-only events go straight to the bus and never enter the stream (typing indicators).
    live_only: bool = False

    def __post_init__(self) -> None:
        check_topic(self.topic)

    @property
    def description(self) -> str:
        return " ".join((self.payload.__doc__ or "").split())


class UnknownEvent(ValueError):
    pass


class _Registry:
    def __init__(self) -> None:
        self.types: dict[str, EventType] = {}
        self.installed = False

    def install(self, types: Iterable[EventType]) -> None:
        for event_type in types:
            existing = self.types.get(event_type.topic)
            if existing is not None and existing != event_type:
                raise ValueError(f"event topic {event_type.topic!r} is declared twice")
            self.types[event_type.topic] = event_type
        self.installed = bool(self.types)


_registry = _Registry()


def install(types: Iterable[EventType]) -> None:
    """Declare event types (the platform does this from every domain's manifest). Once any type is
    installed, emitting an undeclared topic is an error."""
    _registry.install(types)


def declared() -> list[EventType]:
    return sorted(_registry.types.values(), key=lambda t: t.topic)


def lookup(topic: str) -> EventType | None:
    return _registry.types.get(topic)


def check_payload(topic: str, data: Mapping[str, Any]) -> int:
    """Validate `data` against the topic's schema; returns the schema's version. Before any type is
    installed (a bare script, a core unit test) every topic passes as version 1."""
    if not _registry.installed:
        return 1
    event_type = _registry.types.get(topic)
    if event_type is None:
        raise UnknownEvent(f"event topic {topic!r} is not declared by any domain's manifest")
    try:
        event_type.payload.model_validate(data)
    except ValidationError as exc:
        raise UnknownEvent(f"payload of {topic!r} does not match its schema: {exc}") from None
    return event_type.version
