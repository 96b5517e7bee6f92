"""Commerce's consumers of other domains' events.

`commerce.shop_verification`: a shop is listed only while an operator has verified its merchant
(ACC-2). Verification is the identity domain's; commerce keeps a copy of the flag on the shop row from
``identity.merchant.verification_changed``, so the shop list filters in one query.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import shops
from quanzi.core.stream import Consumer, StreamEvent


async def follow_verification(session: AsyncSession, event: StreamEvent) -> None:
    await shops.set_verified(session, int(event.data["user_id"]), bool(event.data["verified"]))


SHOP_VERIFICATION = Consumer(
    name="commerce.shop_verification",
    topics=("identity.merchant.verification_changed",),
    handle=follow_verification,
    # The migration that added the flag copied every merchant's verification; from then on, events.
    start="end",
)
