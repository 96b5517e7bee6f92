"""Group buying's declared lifecycles (`core.lifecycle`): teams and bargains.

Every status change of a team or a bargain goes through its lifecycle's `advance`, one conditional
UPDATE, so a team fills or fails once and a bargain is bought or expires once, however they race.
"""

from __future__ import annotations

from quanzi.core.db import table_of
from quanzi.core.lifecycle import Lifecycle, Transition
from quanzi.groupbuy.models import BARGAIN_STATUSES, TEAM_STATUSES, Bargain, Team

# GRP-2 … GRP-5. A join that leaves places open keeps the team forming ("join"); the join that takes
# the last place makes it succeed ("fill"); the deadline fails a team still forming ("fail").
TEAM = Lifecycle(
    "groupbuy.team",
    table_of(Team),
    TEAM_STATUSES,
    {
        "join": Transition(("forming",), "forming"),
        "fill": Transition(("forming",), "succeeded", "finished_at"),
        "fail": Transition(("forming",), "failed", "finished_at"),
    },
)

# BAR-1. Cuts lower the price of an active bargain without changing its status.
BARGAIN = Lifecycle(
    "groupbuy.bargain",
    table_of(Bargain),
    BARGAIN_STATUSES,
    {
        "buy": Transition(("active",), "bought", "bought_at"),
        "expire": Transition(("active",), "expired"),
    },
)

LIFECYCLES = (TEAM, BARGAIN)
