"""Time-ordered 64-bit ids: monotonic, unique under load and across threads, inside a signed BIGINT."""

from __future__ import annotations

import itertools
import threading
import time
from types import SimpleNamespace

import pytest

from quanzi.core import ids
from quanzi.core.ids import (
    EPOCH_MS,
    MAX_NODE,
    MAX_TIMESTAMP_MS,
    NODE_BITS,
    SEQUENCE_BITS,
    IdGenerator,
    id_timestamp_ms,
    new_id,
    parse_id,
)

SIGNED_BIGINT_MAX = (1 << 63) - 1


class SteppedTime:
    """Stands in for the `time` module inside ids.py so a test can hold or step the wall clock."""

    def __init__(self, unix_ms: int) -> None:
        self.unix_ms = unix_ms

    def time(self) -> float:
        return self.unix_ms / 1000


@pytest.fixture
def wall_clock(monkeypatch: pytest.MonkeyPatch) -> SteppedTime:
    stepped = SteppedTime(EPOCH_MS + 900_000_000_000)  # mid 2052
    monkeypatch.setattr(ids, "time", SimpleNamespace(time=stepped.time))
    return stepped


def test_one_hundred_thousand_ids_in_a_tight_loop_are_strictly_increasing() -> None:
    generated = [new_id() for _ in range(100_000)]
    assert all(a < b for a, b in itertools.pairwise(generated))
    assert len(set(generated)) == 100_000
    assert generated[0] > 0 and generated[-1] <= SIGNED_BIGINT_MAX


def test_ids_from_many_threads_are_unique_and_each_thread_sees_them_increase() -> None:
    generator = IdGenerator(node_id=7)
    per_thread: list[list[int]] = [[] for _ in range(8)]
    start = threading.Barrier(len(per_thread))

    def work(out: list[int]) -> None:
        start.wait()
        out.extend(generator.next_id() for _ in range(25_000))

    threads = [threading.Thread(target=work, args=(out,)) for out in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [value for out in per_thread for value in out]
    assert len(everything) == 200_000
    assert len(set(everything)) == 200_000
    for out in per_thread:
        assert all(a < b for a, b in itertools.pairwise(out))


def test_timestamp_round_trips_and_node_is_encoded() -> None:
    generator = IdGenerator(node_id=MAX_NODE)
    before = int(time.time() * 1000)
    value = generator.next_id()
    after = int(time.time() * 1000)
    assert before <= id_timestamp_ms(value) <= after
    assert (value >> SEQUENCE_BITS) & MAX_NODE == MAX_NODE
    assert value & ((1 << SEQUENCE_BITS) - 1) == 0  # first id of its millisecond


def test_ids_stay_increasing_when_the_wall_clock_steps_back(wall_clock: SteppedTime) -> None:
    generator = IdGenerator(node_id=1)
    first = generator.next_id()
    wall_clock.unix_ms -= 5_000  # NTP steps the clock back five seconds
    second = generator.next_id()
    wall_clock.unix_ms += 10_000
    third = generator.next_id()
    assert first < second < third
    assert id_timestamp_ms(third) == wall_clock.unix_ms


def test_more_ids_than_a_millisecond_holds_borrow_the_next_millisecond(wall_clock: SteppedTime) -> None:
    generator = IdGenerator(node_id=3)
    burst = [generator.next_id() for _ in range(3 * 4096 + 5)]  # the clock does not move meanwhile
    assert all(a < b for a, b in itertools.pairwise(burst))
    assert id_timestamp_ms(burst[0]) == wall_clock.unix_ms
    assert id_timestamp_ms(burst[4095]) == wall_clock.unix_ms
    assert id_timestamp_ms(burst[4096]) == wall_clock.unix_ms + 1
    assert id_timestamp_ms(burst[-1]) == wall_clock.unix_ms + 3


def test_the_last_millisecond_of_the_layout_still_fits_a_signed_bigint(wall_clock: SteppedTime) -> None:
    assert NODE_BITS + SEQUENCE_BITS + MAX_TIMESTAMP_MS.bit_length() == 63
    wall_clock.unix_ms = EPOCH_MS + MAX_TIMESTAMP_MS
    generator = IdGenerator(node_id=MAX_NODE)
    values = [generator.next_id() for _ in range(4096)]
    assert values[-1] == SIGNED_BIGINT_MAX
    # One more in that millisecond would need 64 bits: refused rather than wrapped or overflowed.
    for _ in range(2):  # and a failed call leaves no state behind that would repeat an id
        with pytest.raises(RuntimeError, match="outside the id range"):
            generator.next_id()


def test_a_clock_before_the_epoch_is_refused_not_turned_into_negative_ids(wall_clock: SteppedTime) -> None:
    wall_clock.unix_ms = EPOCH_MS - 1
    with pytest.raises(RuntimeError, match="outside the id range"):
        IdGenerator(node_id=0).next_id()


@pytest.mark.parametrize("node_id", [-1, MAX_NODE + 1])
def test_node_id_out_of_range_is_refused(node_id: int) -> None:
    with pytest.raises(ValueError, match="node id"):
        IdGenerator(node_id=node_id)


def test_node_id_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUANZI_NODE_ID", "513")
    value = IdGenerator().next_id()
    assert (value >> SEQUENCE_BITS) & MAX_NODE == 513


@pytest.mark.parametrize("value", ["1", "42", str(SIGNED_BIGINT_MAX), 1, SIGNED_BIGINT_MAX])
def test_parse_id_accepts_canonical_ids(value: str | int) -> None:
    assert parse_id(value) == int(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "abc",
        "12abc",
        "0",
        "-1",
        "+5",
        " 12",
        "12 ",
        "1_000",
        "1e3",
        "1.0",
        "0x1f",
        "007",
        "١٢٣",  # Arabic-Indic digits, which int() accepts
        "１２",  # full-width digits
        str(1 << 63),
        "9" * 40,
        0,
        -5,
        1 << 63,
        True,
        False,
        5.7,
        None,
        b"12",
        [1],
    ],
)
def test_parse_id_rejects_junk(value: object) -> None:
    assert parse_id(value) is None  # type: ignore[arg-type]
