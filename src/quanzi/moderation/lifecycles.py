"""Moderation's declared lifecycle (`core.lifecycle`): a report, from open to what an operator did.

"restore" undoes a take-down (the post or comment comes back) or a ban (the account may log in again).
"""

from __future__ import annotations

from quanzi.core.db import table_of
from quanzi.core.lifecycle import Lifecycle, Transition
from quanzi.moderation.models import REPORT_STATES, Report

REPORT = Lifecycle(
    "moderation.report",
    table_of(Report),
    REPORT_STATES,
    {
        "take_down": Transition(("open",), "taken_down", "handled_at"),
        "ban": Transition(("open",), "banned", "handled_at"),
        "dismiss": Transition(("open",), "dismissed", "handled_at"),
        "restore": Transition(("taken_down", "banned"), "restored", "handled_at"),
    },
)

LIFECYCLES = (REPORT,)
