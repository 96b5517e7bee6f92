"""The numbers of the cart, orders and refunds (ORD-1 … ORD-3, REV-1) and the platform fee.

Plain Python with no I/O. Amounts are fen (int). Durations are the defaults FEATURES.md names.
"""

from __future__ import annotations

from datetime import timedelta

# ORD-1: an order not paid within this window is cancelled and its stock released.
PAY_WINDOW = timedelta(minutes=30)
# ORD-1: a shipped order the buyer has not confirmed completes on its own this long after shipping.
AUTO_COMPLETE_AFTER = timedelta(days=7)
# While a refund request is open, auto-completion waits and looks again after this long.
AUTO_COMPLETE_RETRY = timedelta(days=1)
# REV-1: a completed order's items can be reviewed for this long.
REVIEW_WINDOW = timedelta(days=30)

# The platform keeps this share of what settles to the merchant, in basis points (60 = 0.6%).
PLATFORM_FEE_BPS = 60

MAX_QUANTITY_PER_LINE = 99
MAX_LINES_PER_ORDER = 50  # lines in one checkout request (across all shops)
MAX_CART_LINES = 100
# The wallet's per-payment cap (WAL-9: 200,000 CNY): an order over it could never be paid.
MAX_ORDER_TOTAL = 200_000 * 100


def platform_fee(amount: int) -> int:
    """The fee on a settled amount, rounded down to the fen (never more than the amount)."""
    return max(0, amount) * PLATFORM_FEE_BPS // 10_000
