"""Cursor pagination: lists are newest first and a cursor is the opaque position after the last item.

A cursor encodes the sort key of the last item returned (an id, or a (key, id) pair) so the next page
is a keyset query, stable while new rows arrive.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from quanzi.core.errors import InvalidInput

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Cursors we issue are short; the bounds keep a forged one from reaching the database as a value it
# rejects (an integer past BIGINT, a NUL or lone surrogate in text) or from nesting JSON deep enough
# to exhaust the parser's recursion, each of which would otherwise be a 500.
MAX_CURSOR_LENGTH = 8192  # four text parts of MAX_KEY_TEXT characters, all escaped, still fit
MAX_KEY_TEXT = 200
_MIN_KEY, _MAX_KEY = -(1 << 63), (1 << 63) - 1
_CURSOR_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after: tuple[Any, ...] | None = None

    @classmethod
    def parse(cls, cursor: str | None, limit: int | None) -> PageRequest:
        if limit is None:
            limit = DEFAULT_LIMIT
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
        return cls(limit=limit, after=decode_cursor(cursor) if cursor else None)


def encode_cursor(*key: Any) -> str:
    """The cursor for a sort key; the key must be one `decode_cursor` accepts back (else ValueError)."""
    # Datetimes, UUIDs and decimals travel as their text. None, bools and floats are refused rather
    # than turned into a cursor that decode_cursor would reject on the next page.
    if any(part is None or isinstance(part, float) for part in key):
        raise ValueError(f"a cursor key is 1-4 bounded ints or short texts, not {key!r}")
    parts = [part if isinstance(part, int | str) else str(part) for part in key]
    if not 1 <= len(parts) <= 4 or not all(_valid_key_part(part) for part in parts):
        raise ValueError(f"a cursor key is 1-4 bounded ints or short texts, not {key!r}")
    raw = json.dumps(parts, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, ...]:
    """The sort key a cursor carries; `InvalidInput` for anything we could not have issued.

    Cursors are opaque but not signed: editing a well-formed one only moves the position inside a
    list the service has already scoped to what the caller may see.
    """
    if len(cursor) > MAX_CURSOR_LENGTH or not _CURSOR_ALPHABET.fullmatch(cursor):
        raise _invalid_cursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, RecursionError) as exc:
        raise _invalid_cursor() from exc
    if not isinstance(value, list) or not value or len(value) > 4:
        raise _invalid_cursor()
    for part in value:
        if not _valid_key_part(part):
            raise _invalid_cursor()
    return tuple(value)


def _valid_key_part(part: Any) -> bool:
    if isinstance(part, bool):
        return False
    if isinstance(part, int):
        return _MIN_KEY <= part <= _MAX_KEY
    if isinstance(part, str):
        if len(part) > MAX_KEY_TEXT or "\x00" in part:
            return False
        try:
            part.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, which JSON escapes can carry
            return False
        return True
    return False


def _invalid_cursor() -> InvalidInput:
    return InvalidInput("cursor is not valid", code="invalid_cursor")


def page_of(rows: list[T], request: PageRequest, key: Any) -> tuple[list[T], str | None]:
    """Trim a result fetched with limit+1 rows and make the cursor from the last kept row's key."""
    if len(rows) > request.limit:
        kept = rows[: request.limit]
        last_key = key(kept[-1])
        return kept, encode_cursor(*(last_key if isinstance(last_key, tuple) else (last_key,)))
    return rows, None
