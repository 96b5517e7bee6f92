"""A domain's manifest: everything the platform needs to know about it, in one object.

Each domain package exports ``manifest`` from its ``domain`` module. The platform (`quanzi.platform`)
iterates the manifests to mount routers, register job handlers and event consumers, declare event
types, hand each extension point (chat's card kinds, ...) what other domains contribute to it, and
seed the demo world; nothing registers itself as a side effect of
an import. The router is named by a dotted path, not imported, so processes that serve no HTTP
(`quanzi worker`, the CLI) never import FastAPI.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.db import Database
from quanzi.core.events import EventType
from quanzi.core.jobs import JobHandler
from quanzi.core.lifecycle import Lifecycle
from quanzi.core.stream import Consumer

DemoSeeder = Callable[[AsyncSession, Mapping[str, Any]], Awaitable[Mapping[str, Any] | None]]
# A loop every process runs until `stop` is set (a buffer it flushes now and then).
ProcessTask = Callable[[Database, asyncio.Event], Coroutine[Any, Any, None]]
Installer = Callable[[Sequence[Any]], None]


@dataclass(frozen=True)
class DomainManifest:
    name: str
    # "package.module:attribute" of the domain's APIRouter, mounted under /api/v1 by the app.
    router: str | None = None
    jobs: Mapping[str, JobHandler] = field(default_factory=dict)
    consumers: Sequence[Consumer] = ()
    events: Sequence[EventType] = ()
    # The declared state graphs of this domain's rows (`core.lifecycle`), so they can be checked and
    # documented without knowing the domain.
    lifecycles: Sequence[Lifecycle] = ()
    # Extension points this domain offers to the domains above it, by name ("chat.card_kinds"): each
    # installs what the other manifests contribute under that name.
    extension_points: Mapping[str, Installer] = field(default_factory=dict)
    # What this domain contributes to other domains' extension points (chat card kinds it implements,
    # checkout adjustments...), by the point's name; core does not know their types.
    contributes: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    # Loops each server and worker process runs beside its requests (see `ProcessTask`).
    tasks: Sequence[ProcessTask] = ()
    # Bus topics the WebSocket gateway forwards to the user named in the event (notification badges).
    live_topics: Sequence[str] = ()
    # Seeds this domain's part of the demo world; gets what earlier domains' seeders returned
    # (merged) and returns what later ones may use.
    seed_demo: DemoSeeder | None = None

    def __post_init__(self) -> None:
        prefix = f"{self.name}."
        for kind in self.jobs:
            if not kind.startswith(prefix):
                raise ValueError(f"{self.name}: job kind {kind!r} must start with {prefix!r}")
        for consumer in self.consumers:
            if not consumer.name.startswith(prefix):
                raise ValueError(f"{self.name}: consumer {consumer.name!r} must start with {prefix!r}")
        for event_type in self.events:
            if not event_type.topic.startswith(prefix):
                raise ValueError(f"{self.name}: event {event_type.topic!r} must start with {prefix!r}")
        for lifecycle in self.lifecycles:
            if not lifecycle.name.startswith(prefix):
                raise ValueError(f"{self.name}: lifecycle {lifecycle.name!r} must start with {prefix!r}")
        for point in self.extension_points:
            if not point.startswith(prefix):
                raise ValueError(f"{self.name}: extension point {point!r} must start with {prefix!r}")
