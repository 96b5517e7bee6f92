"""The wallet's numbers and pure rules: limits (WAL-9), red-packet bounds and splits (WAL-5), expiries.

Everything here is plain Python with no I/O, so the rules are tested directly. Amounts are fen (int).
Limits are read at call time from `LIMITS`, so an operator (or a test) can replace the object.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from quanzi.core.errors import InvalidInput

CURRENCY = "CNY"
FEN_PER_YUAN = 100

TRANSFER_TTL = timedelta(hours=24)
RED_PACKET_TTL = timedelta(hours=24)
REFUND_WINDOW = timedelta(days=365)
MAX_REFUNDS_PER_PAYMENT = 50

RED_PACKET_MAX_TOTAL = 200 * FEN_PER_YUAN
RED_PACKET_MAX_SHARES = 100

PIN_MAX_FAILURES = 5
PIN_LOCK = timedelta(hours=3)

# Daily caps count by the China Standard Time calendar day, as the users live it.
CHINA_TIME = timezone(timedelta(hours=8))

MAX_AMOUNT = 10**12  # far above every cap: refuses absurd numbers before they reach the database


@dataclass(frozen=True)
class Limits:
    """WAL-9: caps per transaction and per calendar day (China time), in fen."""

    transfer_per_transaction: int = 50_000 * FEN_PER_YUAN
    transfer_per_day: int = 200_000 * FEN_PER_YUAN
    withdrawal_per_transaction: int = 50_000 * FEN_PER_YUAN
    withdrawal_per_day: int = 100_000 * FEN_PER_YUAN
    topup_per_transaction: int = 50_000 * FEN_PER_YUAN
    payment_per_transaction: int = 200_000 * FEN_PER_YUAN


LIMITS = Limits()


def day_key(when: datetime) -> str:
    return when.astimezone(CHINA_TIME).date().isoformat()


def check_amount(amount: int, *, field: str = "amount") -> int:
    """A positive whole number of fen. Booleans and floats are refused even where Python allows them."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput(f"{field} must be a whole number of fen.", code="invalid_amount")
    if amount <= 0:
        raise InvalidInput(f"{field} must be at least 1 fen.", code="invalid_amount")
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"{field} is too large.", code="invalid_amount")
    return amount


def split_lucky(total: int, count: int, rng: random.Random | None = None) -> list[int]:
    """WAL-5 lucky split: draw i is uniform in [1, 2 × remaining / remaining_count] fen (whole fen),
    capped so that every later share can still get 1 fen; the last share takes the rest.

    The mean share at every draw position is total/count (the "double the average" rule).
    """
    _check_split(total, count)
    draw = rng or secrets.SystemRandom()
    shares: list[int] = []
    remaining = total
    for left in range(count, 1, -1):
        high = min(2 * remaining // left, remaining - (left - 1))
        share = draw.randint(1, max(1, high))
        shares.append(share)
        remaining -= share
    shares.append(remaining)
    return shares


def split_equal(total: int, count: int) -> list[int]:
    """Equal shares; when `total` does not divide evenly the first shares carry one extra fen."""
    _check_split(total, count)
    base, extra = divmod(total, count)
    return [base + 1 if i < extra else base for i in range(count)]


def _check_split(total: int, count: int) -> None:
    if count < 1:
        raise InvalidInput("A red packet needs at least one share.", code="invalid_share_count")
    if total < count:
        raise InvalidInput("Every share must be at least 0.01 CNY.", code="share_too_small")


def check_red_packet(total: int, count: int, audience_size: int | None) -> None:
    check_amount(total, field="total")
    if total > RED_PACKET_MAX_TOTAL:
        raise InvalidInput("A red packet holds at most 200 CNY.", code="red_packet_too_large")
    if not 1 <= count <= RED_PACKET_MAX_SHARES:
        raise InvalidInput(
            f"A red packet has between 1 and {RED_PACKET_MAX_SHARES} shares.", code="invalid_share_count"
        )
    if audience_size is not None and count > audience_size:
        raise InvalidInput(
            "A red packet cannot have more shares than people who may grab it.", code="invalid_share_count"
        )
    _check_split(total, count)
