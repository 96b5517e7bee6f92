"""The numbers of group buying and bargains (GRP-1, BAR-1), and the bargain cut. Plain Python, no I/O.

A cut is drawn from ``random.Random`` seeded with the bargain's seed and the cut's position, so a
bargain's cuts are reproducible (tests, disputes) and independent of which friend comes when.
"""

from __future__ import annotations

import random
from datetime import timedelta

TEAM_SIZE_MIN, TEAM_SIZE_MAX = 2, 10
DEFAULT_TIME_LIMIT = timedelta(hours=24)  # GRP-1: time to form a team
MIN_TIME_LIMIT = timedelta(minutes=5)
MAX_TIME_LIMIT = timedelta(days=7)
DEFAULT_DEAL_PERIOD = timedelta(days=7)
MAX_DEAL_STOCK = 1_000_000
OPEN_TEAMS_SHOWN = 10  # GRP-5: open teams a product or deal page lists
OPEN_TEAMS_CONSIDERED = 200  # nearest-to-complete candidates ranked for friends first

BARGAIN_TTL = timedelta(hours=24)  # BAR-1: reach the floor within 24 h
MAX_HELPERS = 100


def cut_amount(
    *,
    seed: int,
    index: int,
    current_price: int,
    start_price: int,
    floor_price: int,
    cut_min: int,
    cut_max: int,
    max_helpers: int,
) -> int:
    """The fen the `index`-th helper (0-based) takes off `current_price`.

    A draw uniform in [cut_min, cut_max], scaled by how much of the way to the floor is still left
    (so cuts shrink as the price nears the floor), at least 1 fen and never past the floor. The last
    helper allowed takes the price to the floor, so `max_helpers` friends always get there."""
    remaining = current_price - floor_price
    if remaining <= 0:
        return 0
    if index >= max_helpers - 1:
        return remaining
    span = max(1, start_price - floor_price)
    draw = random.Random(f"{seed}:{index}").randint(cut_min, cut_max)
    return max(1, min(remaining, draw * remaining // span))
