"""A clock per asyncio task, for race tests at a deadline.

With one frozen clock, a request and the job that closes its window can never both be on time: the
clock decides before the database does. Two processes whose clocks differ by a second can — the buyer's
request read the time just before the deadline, the worker's job just at it — and then only the
database's conditional updates decide. `TaskClock` gives each task its own `now` (`here(when)`), and
every other task the frozen clock's.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from datetime import datetime

from quanzi.core.clock import FrozenClock


class TaskClock:
    def __init__(self, base: FrozenClock) -> None:
        self.base = base
        self._here: ContextVar[datetime | None] = ContextVar("task_now", default=None)

    def now(self) -> datetime:
        return self._here.get() or self.base.now()

    def here(self, when: datetime) -> None:
        """From now on, in the calling task (and the tasks it starts), the time is `when`."""
        self._here.set(when)


async def late_start(round_: int) -> None:
    """Hold the job's side of a race back 0–21 ms, varying from round to round. The request does more
    before it reaches the rows in question (the key, the PIN), so without this the job would win
    every round; no outcome is asserted from it, the rounds only meet both interleavings."""
    await asyncio.sleep(0.003 * (round_ % 8))
