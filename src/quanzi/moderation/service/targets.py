"""What can be reported (MOD-2), as the owning domains describe it.

Moderation depends on no domain; the domains that own reportable things contribute a `ReportTarget`
for each kind to the extension point ``moderation.report_targets`` in their manifests (feed: posts
and comments; identity: users; commerce: shops). `describe` answers, for the reporter, whether they
may see the thing (None: 404, the same answer as for one that does not exist) and whose it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.actor import Actor


@dataclass(frozen=True)
class TargetInfo:
    owner_id: int | None  # the author, the user, the shop's merchant
    excerpt: str  # what the operator sees in the queue


Describe = Callable[[AsyncSession, Actor, int], Awaitable[TargetInfo | None]]


@dataclass(frozen=True)
class ReportTarget:
    kind: str
    describe: Describe


_targets: dict[str, ReportTarget] = {}


def install_report_targets(targets: Iterable[ReportTarget]) -> None:
    """The extension point's installer (idempotent)."""
    for target in targets:
        _targets[target.kind] = target


def report_target(kind: str) -> ReportTarget | None:
    return _targets.get(kind)
