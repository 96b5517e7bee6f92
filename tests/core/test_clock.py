"""The injectable clock: UTC, timezone-aware, moved by tests instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from quanzi.core import clock
from quanzi.core.clock import FrozenClock, SystemClock, as_utc, use_clock


def test_system_clock_is_timezone_aware_utc() -> None:
    before = datetime.now(UTC)
    value = SystemClock().now()
    after = datetime.now(UTC)
    assert value.utcoffset() == timedelta(0)
    assert before <= value <= after


def test_frozen_clock_moves_only_when_told() -> None:
    start = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
    frozen = FrozenClock(start)
    assert frozen.now() == start
    assert frozen.now() == start
    assert frozen.advance(hours=24) == start + timedelta(hours=24)
    assert frozen.advance(timedelta(seconds=1)) == start + timedelta(hours=24, seconds=1)
    frozen.set(start)
    assert frozen.now() == start


def test_frozen_clock_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FrozenClock(datetime(2026, 1, 1))


def test_use_clock_installs_and_restores_even_on_error() -> None:
    original = clock.current_clock()
    frozen = FrozenClock(datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(KeyError), use_clock(frozen):
        assert clock.now() == datetime(2030, 1, 1, tzinfo=UTC)
        assert clock.current_clock() is frozen
        raise KeyError("boom")
    assert clock.current_clock() is original
    assert clock.now() != datetime(2030, 1, 1, tzinfo=UTC)


def test_frozen_clock_fixture_is_installed(frozen_clock: FrozenClock) -> None:
    assert clock.now() == datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
    frozen_clock.advance(minutes=5)
    assert clock.now() == datetime(2026, 11, 11, 12, 5, tzinfo=UTC)


def test_as_utc_reads_naive_values_as_utc_and_converts_offsets() -> None:
    assert as_utc(datetime(2026, 1, 1, 8, 0)) == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    beijing = timezone(timedelta(hours=8))
    converted = as_utc(datetime(2026, 1, 1, 8, 0, tzinfo=beijing))
    assert converted == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    assert converted.tzinfo is UTC
