"""The injectable clock: every expiry and timestamp reads `now()` from here, so tests move time.

The clock is process-wide; tests install a `FrozenClock` with `use_clock` and advance it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        if self._now.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta or timedelta(**kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


_current: Clock = SystemClock()


def now() -> datetime:
    return _current.now()


def current_clock() -> Clock:
    return _current


@contextlib.contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    global _current
    previous, _current = _current, clock
    try:
        yield clock
    finally:
        _current = previous


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
