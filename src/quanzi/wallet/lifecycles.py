"""The wallet's declared lifecycles (`core.lifecycle`): transfers, red packets and bank orders.

Each status change of these rows goes through the lifecycle's `advance`, one conditional UPDATE, so a
transfer, a packet or a bank order resolves exactly once however its resolutions race.
"""

from __future__ import annotations

from quanzi.core.db import table_of
from quanzi.core.lifecycle import Lifecycle, Transition
from quanzi.wallet.models import BankOrder, RedPacket, Transfer

# WAL-4: the receiver accepts or declines within 24 hours, or the money goes back on its own.
TRANSFER = Lifecycle(
    "wallet.transfer",
    table_of(Transfer),
    ("pending", "accepted", "declined", "expired"),
    {
        "accept": Transition(("pending",), "accepted", "resolved_at"),
        "decline": Transition(("pending",), "declined", "resolved_at"),
        "expire": Transition(("pending",), "expired", "resolved_at"),
    },
)

# WAL-5: a packet is open until its expiry refunds what nobody grabbed; being emptied by grabs does
# not change its status (the shares say it is empty).
RED_PACKET = Lifecycle(
    "wallet.red_packet",
    table_of(RedPacket),
    ("open", "expired"),
    {"expire": Transition(("open",), "expired", "resolved_at")},
)

# A top-up or withdrawal waits for the bank's one answer.
BANK_ORDER = Lifecycle(
    "wallet.bank_order",
    table_of(BankOrder),
    ("pending", "succeeded", "failed"),
    {
        "succeed": Transition(("pending",), "succeeded", "resolved_at"),
        "fail": Transition(("pending",), "failed", "resolved_at"),
    },
)

LIFECYCLES = (TRANSFER, RED_PACKET, BANK_ORDER)
