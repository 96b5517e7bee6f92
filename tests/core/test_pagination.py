"""Cursor pagination: round trips, bounds on limits, and refusal of cursors we could not have issued."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quanzi.core.errors import InvalidInput
from quanzi.core.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PageRequest,
    decode_cursor,
    encode_cursor,
    page_of,
)

BIGINT_MIN, BIGINT_MAX = -(1 << 63), (1 << 63) - 1


def forge(value: Any) -> str:
    """A cursor built the way ours are, around any JSON value."""
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "key",
    [
        (1,),
        (BIGINT_MAX,),
        (BIGINT_MIN,),
        (-17, 42),
        ("2026-11-11T12:00:00+00:00", 7_362_341_111_222_333),
        ("圈子 🧧", 5),
        ("a", "b", 3, 4),
    ],
)
def test_cursor_round_trips(key: tuple[Any, ...]) -> None:
    cursor = encode_cursor(*key)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor) == key


def test_datetime_keys_travel_as_iso_text() -> None:
    when = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
    assert decode_cursor(encode_cursor(when, 9)) == (str(when), 9)


KEY_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=200)
KEY_PART = st.one_of(st.integers(BIGINT_MIN, BIGINT_MAX), KEY_TEXT)


@given(st.lists(KEY_PART, min_size=1, max_size=4))
def test_every_key_we_can_issue_round_trips(key: list[Any]) -> None:
    assert decode_cursor(encode_cursor(*key)) == tuple(key)


@pytest.mark.parametrize(
    "key",
    [
        (),
        (1, 2, 3, 4, 5),
        (BIGINT_MAX + 1,),
        ("x" * 201,),
        ("nul\x00",),
        ("\ud800",),
        (True,),
        (None,),
        (1.5,),
        (3, None),
    ],
)
def test_a_key_that_could_not_come_back_is_refused_when_encoding(key: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match="cursor key"):
        encode_cursor(*key)


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!!",
        "not a cursor",
        "abc$def",
        "eyJ",  # truncated
        "=" * 8,
        "AAAA",  # decodes to NUL bytes
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),  # not UTF-8
        forge({"id": 5}),
        forge(5),
        forge("5"),
        forge(None),
        forge([]),
        forge([1, 2, 3, 4, 5]),
        forge([1.5]),
        forge([True]),
        forge([None]),
        forge([[1]]),
        forge([{"a": 1}]),
        forge([BIGINT_MAX + 1]),  # would be a 500 from PostgreSQL (integer out of range)
        forge([BIGINT_MIN - 1]),
        forge([10**40]),
        forge(["x" * 201]),
        forge(["nul\x00byte"]),  # PostgreSQL refuses NUL in text
        base64.urlsafe_b64encode(b'["\\ud800"]').decode().rstrip("="),  # a lone surrogate
        base64.urlsafe_b64encode(b"[" * 300 + b"]" * 300).decode(),  # deep nesting
        "A" * 8193,  # longer than any cursor we issue
    ],
)
def test_garbage_cursors_are_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(cursor)
    assert caught.value.code == "invalid_cursor"
    assert caught.value.status_code == 422


def test_deeply_nested_json_is_invalid_input_not_a_crash() -> None:
    # Deep enough to exhaust the JSON parser's recursion if it reached it (a RecursionError is a 500).
    cursor = base64.urlsafe_b64encode(b"[" * 100_000).decode()
    with pytest.raises(InvalidInput):
        decode_cursor(cursor)


def test_every_single_character_edit_of_a_cursor_is_refused_or_well_formed() -> None:
    """Cursors are not signed (editing one only moves a position inside what the caller may see);
    what matters is that no edit gets past decoding as anything but a well-formed key."""
    cursor = encode_cursor("2026-11-11T12:00:00+00:00", 7_362_341_111_222_333)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. "
    outcomes = {"refused": 0, "well_formed": 0}
    for position in range(len(cursor) + 1):
        for replacement in [*alphabet, ""]:
            for tampered in (
                cursor[:position] + replacement + cursor[position + 1 :],
                cursor[:position] + replacement + cursor[position:],
            ):
                try:
                    key = decode_cursor(tampered)
                except InvalidInput:
                    outcomes["refused"] += 1
                    continue
                outcomes["well_formed"] += 1
                assert 1 <= len(key) <= 4
                assert all(
                    (
                        isinstance(part, int)
                        and not isinstance(part, bool)
                        and BIGINT_MIN <= part <= BIGINT_MAX
                    )
                    or (isinstance(part, str) and len(part) <= 200)
                    for part in key
                )
    assert outcomes["refused"] > 0


@settings(max_examples=300)
@given(st.text(max_size=600))
def test_arbitrary_text_is_refused_or_a_well_formed_key(text: str) -> None:
    try:
        key = decode_cursor(text)
    except InvalidInput:
        return
    assert isinstance(key, tuple) and 1 <= len(key) <= 4


def test_page_request_defaults_and_bounds() -> None:
    assert PageRequest.parse(None, None) == PageRequest(limit=DEFAULT_LIMIT, after=None)
    assert PageRequest.parse("", 1) == PageRequest(limit=1, after=None)
    assert PageRequest.parse(encode_cursor(9, "x"), MAX_LIMIT) == PageRequest(limit=MAX_LIMIT, after=(9, "x"))


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1, 10_000])
def test_limit_outside_bounds_is_invalid_input(limit: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        PageRequest.parse(None, limit)
    assert caught.value.code == "invalid_limit"
    assert str(MAX_LIMIT) in caught.value.message


def test_page_request_refuses_a_garbage_cursor() -> None:
    with pytest.raises(InvalidInput) as caught:
        PageRequest.parse("garbage!", 10)
    assert caught.value.code == "invalid_cursor"


def test_keyset_walk_visits_every_row_once_newest_first_while_rows_arrive() -> None:
    """page_of on limit+1 rows, driven the way a service drives it, over a list that grows mid-walk."""
    rows = [{"id": n, "score": n % 7} for n in range(1, 58)]

    def key(row: dict[str, int]) -> tuple[int, int]:
        return (row["score"], row["id"])

    def fetch(request: PageRequest) -> list[dict[str, int]]:
        ordered = sorted(rows, key=key, reverse=True)
        if request.after is not None:
            after = tuple(request.after)
            ordered = [row for row in ordered if key(row) < after]
        return ordered[: request.limit + 1]

    expected = sorted(rows, key=key, reverse=True)
    seen: list[dict[str, int]] = []
    cursor: str | None = None
    pages = 0
    while True:
        request = PageRequest.parse(cursor, 10)
        page, cursor = page_of(fetch(request), request, key)
        assert len(page) <= 10
        seen.extend(page)
        pages += 1
        if pages == 2:
            rows.append({"id": 1000, "score": 6})  # newer than everything: must not shift the walk
        if cursor is None:
            break
    assert seen == expected
    assert pages == 6  # 57 rows in pages of 10: five full pages and one of seven


def test_page_of_gives_no_cursor_when_nothing_is_left() -> None:
    request = PageRequest(limit=3)
    assert page_of([5, 4, 3], request, key=lambda n: n) == ([5, 4, 3], None)
    page, cursor = page_of([5, 4, 3, 2], request, key=lambda n: n)
    assert page == [5, 4, 3]
    assert cursor is not None and decode_cursor(cursor) == (3,)
