"""Keyset pages over the feed's time-ordered ids."""

from __future__ import annotations

from quanzi.core.errors import InvalidInput
from quanzi.core.pagination import PageRequest


def after_id(page: PageRequest) -> int | None:
    """The id a page continues after, from its cursor (one id)."""
    if not page.after:
        return None
    value = page.after[0]
    if len(page.after) != 1 or not isinstance(value, int) or not 0 < value < 1 << 63:
        raise InvalidInput("cursor is not valid", code="invalid_cursor")
    return value
