"""Shops as things users can report (MOD-2), for moderation's ``moderation.report_targets``. A shop
is its merchant's: banning the owner is what an operator can do about it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce.models.catalog import Shop
from quanzi.core.actor import Actor
from quanzi.moderation.service import ReportTarget, TargetInfo


async def describe_shop(session: AsyncSession, actor: Actor, shop_id: int) -> TargetInfo | None:
    shop = await session.scalar(select(Shop).where(Shop.merchant_id == shop_id))
    return None if shop is None else TargetInfo(owner_id=shop.merchant_id, excerpt=shop.name)


REPORT_TARGETS = (ReportTarget("shop", describe_shop),)
