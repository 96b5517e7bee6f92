"""The composition root: the domains, and what every process runs besides HTTP.

`DOMAINS` lists every domain's manifest in dependency order. `Platform` wires them for one process:
the database, the bus, the outbox relay (which sequences the event stream), the job runner with
every domain's job handlers, and the consumer runner with every domain's consumers; it declares the
event types and hands each extension point what the other domains contribute to it. The ASGI app
(`quanzi.app`) builds one and adds HTTP; `quanzi worker` builds one and runs it alone, so a worker
never imports FastAPI.

Extra manifests (an operator's own consumers, a test's) are loaded from ``QUANZI_PLUGINS``
(``package.module:attribute``, comma separated).
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from quanzi.audit import domain as audit_domain
from quanzi.chat import domain as chat_domain
from quanzi.commerce import domain as commerce_domain
from quanzi.config import Settings
from quanzi.core import events, ratelimit
from quanzi.core.bus import EventBus, make_bus
from quanzi.core.db import Database
from quanzi.core.jobs import JobHandler, JobRunner
from quanzi.core.manifest import DomainManifest
from quanzi.core.outbox import OutboxRelay
from quanzi.core.stream import Consumer, ConsumerRunner
from quanzi.feed import domain as feed_domain
from quanzi.graph import domain as graph_domain
from quanzi.groupbuy import domain as groupbuy_domain
from quanzi.identity import domain as identity_domain
from quanzi.moderation import domain as moderation_domain
from quanzi.wallet import domain as wallet_domain

DOMAINS: tuple[DomainManifest, ...] = (
    moderation_domain.manifest,
    identity_domain.manifest,
    graph_domain.manifest,
    chat_domain.manifest,
    feed_domain.manifest,
    wallet_domain.manifest,
    commerce_domain.manifest,
    groupbuy_domain.manifest,
    # Last: it reads every other domain's events (and identity's cards), and nothing reads it.
    audit_domain.manifest,
)


def load_plugin(spec: str) -> DomainManifest:
    module_name, _, attribute = spec.strip().partition(":")
    manifest = getattr(importlib.import_module(module_name), attribute or "manifest")
    if not isinstance(manifest, DomainManifest):
        raise TypeError(f"QUANZI_PLUGINS entry {spec!r} is not a DomainManifest")
    return manifest


def domains_for(settings: Settings) -> list[DomainManifest]:
    plugins = [load_plugin(spec) for spec in settings.plugins.split(",") if spec.strip()]
    manifests = [*DOMAINS, *plugins]
    names = [m.name for m in manifests]
    if len(names) != len(set(names)):
        raise ValueError(f"two manifests share a name: {sorted(names)}")
    return manifests


def install(manifests: Iterable[DomainManifest]) -> None:
    """Declare every event type and hand each extension point what the manifests contribute to it
    (idempotent). A contribution to a point no domain offers is an error."""
    manifests = list(manifests)
    events.install(t for m in manifests for t in m.events)
    points = {name: installer for m in manifests for name, installer in m.extension_points.items()}
    contributions: dict[str, list[Any]] = {name: [] for name in points}
    for manifest in manifests:
        for name, items in manifest.contributes.items():
            if name not in points:
                raise ValueError(f"{manifest.name} contributes to {name!r}, which no domain offers")
            contributions[name].extend(items)
    for name, installer in points.items():
        installer(contributions[name])


def job_handlers(manifests: Iterable[DomainManifest]) -> dict[str, JobHandler]:
    handlers: dict[str, JobHandler] = {}
    for manifest in manifests:
        for kind, handler in manifest.jobs.items():
            if kind in handlers:
                raise ValueError(f"job kind {kind!r} has two handlers")
            handlers[kind] = handler
    return handlers


def consumers(manifests: Iterable[DomainManifest]) -> list[Consumer]:
    return [consumer for manifest in manifests for consumer in manifest.consumers]


@dataclass
class Platform:
    settings: Settings
    domains: Sequence[DomainManifest]
    db: Database
    bus: EventBus
    relay: OutboxRelay
    jobs: JobRunner
    consumers: ConsumerRunner
    limiter: ratelimit.RateLimiter
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stop: asyncio.Event | None = None

    @classmethod
    def build(cls, settings: Settings) -> Platform:
        domains = domains_for(settings)
        install(domains)
        db = Database(settings.database_url)
        limiter = ratelimit.RateLimiter.from_specs(
            settings.rate_limits, redis_url=settings.rate_limit_redis_url
        )
        ratelimit.attach(db, limiter)
        bus = make_bus(settings.bus_url, jetstream=settings.jetstream)
        relay = OutboxRelay(db, bus)
        consumer_runner = ConsumerRunner(db, consumers(domains))
        relay.on_sequenced(consumer_runner.wake)
        return cls(
            settings=settings,
            domains=domains,
            db=db,
            bus=bus,
            relay=relay,
            jobs=JobRunner(db, job_handlers(domains)),
            consumers=consumer_runner,
            limiter=limiter,
        )

    def consumer(self, name: str) -> Consumer:
        for consumer in self.consumers.consumers:
            if consumer.name == name:
                return consumer
        raise LookupError(f"no consumer named {name!r}")

    async def start(self, *, background: bool, consumers: bool | None = None) -> None:
        """Connect the bus; with `background`, also run jobs in this process, and consumers unless
        `consumers` says otherwise. The relay always runs: every process sequences its own commits
        without waiting for a worker."""
        await self.bus.start()
        self._stop = asyncio.Event()
        self._tasks = [asyncio.create_task(self.relay.run(self._stop), name="outbox-relay")]
        self._tasks += [
            asyncio.create_task(task(self.db, self._stop), name=f"{manifest.name}-task")
            for manifest in self.domains
            for task in manifest.tasks
        ]
        if background:
            self._tasks.append(asyncio.create_task(self.jobs.run(self._stop), name="job-runner"))
            self._tasks.append(
                asyncio.create_task(ratelimit.prune_loop(self.db, self._stop), name="rate-limit-pruner")
            )
        if background if consumers is None else consumers:
            self._tasks.append(asyncio.create_task(self.consumers.run(self._stop), name="consumer-runner"))

    async def run_until_idle(self) -> tuple[int, int]:
        """Sequence every committed event, then run every due job and consumer batch, until nothing
        is left (tests, `quanzi worker --once`); returns (jobs run, events handled)."""
        jobs = handled = 0
        while True:
            while await self.relay.publish_pending() == self.relay.batch_size:
                pass
            ran = await self.jobs.run_due()
            while await self.relay.publish_pending() == self.relay.batch_size:
                pass
            consumed = await self.consumers.run_until_idle()
            jobs, handled = jobs + ran, handled + consumed
            if not ran and not consumed:
                return jobs, handled

    async def close(self) -> None:
        if self._stop is not None:
            self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.bus.close()
        await self.limiter.close()
        await self.db.dispose()
