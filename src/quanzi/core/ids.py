"""Time-ordered 64-bit ids.

Layout (most significant first): 41 bits of milliseconds since 2024-01-01 UTC, 10 bits of node id,
12 bits of per-millisecond sequence. Ids sort by creation time, fit a signed BIGINT, and are sent to
clients as strings because JavaScript numbers lose precision above 2**53.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
NODE_BITS = 10
SEQUENCE_BITS = 12
MAX_NODE = (1 << NODE_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
TIMESTAMP_BITS = 63 - NODE_BITS - SEQUENCE_BITS
MAX_TIMESTAMP_MS = (1 << TIMESTAMP_BITS) - 1  # early 2093
# The decimal form we send (str(int)): ASCII digits, no sign, spaces, underscores or leading zeros.
_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,18}")


class IdGenerator:
    def __init__(self, node_id: int | None = None) -> None:
        if node_id is None:
            env = os.environ.get("QUANZI_NODE_ID")
            node_id = int(env) if env else random.randrange(MAX_NODE + 1)
        if not 0 <= node_id <= MAX_NODE:
            raise ValueError(f"node id must be within 0..{MAX_NODE}")
        self.node_id = node_id
        self._lock = threading.Lock()
        self._last_ms = -1
        self._sequence = 0

    def next_id(self) -> int:
        with self._lock:
            now_ms = int(time.time() * 1000) - EPOCH_MS
            # A clock that steps backwards must not produce an id lower than the last one.
            now_ms = max(now_ms, self._last_ms)
            sequence = 0
            if now_ms == self._last_ms:
                sequence = (self._sequence + 1) & MAX_SEQUENCE
                if sequence == 0:  # this millisecond is full: borrow the next one
                    now_ms += 1
            if not 0 <= now_ms <= MAX_TIMESTAMP_MS:
                # Before 2024 or after 2093 the id would be negative or overflow a signed BIGINT.
                raise RuntimeError(f"system clock is outside the id range: {now_ms + EPOCH_MS} ms")
            self._last_ms, self._sequence = now_ms, sequence
            return (now_ms << (NODE_BITS + SEQUENCE_BITS)) | (self.node_id << SEQUENCE_BITS) | sequence


_generator = IdGenerator()


def new_id() -> int:
    return _generator.next_id()


def id_timestamp_ms(value: int) -> int:
    """Unix milliseconds at which an id was made."""
    return (value >> (NODE_BITS + SEQUENCE_BITS)) + EPOCH_MS


def parse_id(value: str | int) -> int | None:
    """A client-supplied id, or None when it is not a plausible id (callers answer 404).

    Only the canonical decimal form is accepted: `int()` alone would also take " 12", "1_2", "+12",
    non-ASCII digits and floats, so one object would answer to many spellings.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        parsed = value
    elif isinstance(value, str) and _CANONICAL_ID.fullmatch(value):
        parsed = int(value)
    else:
        return None
    if not 0 < parsed < 1 << 63:
        return None
    return parsed
