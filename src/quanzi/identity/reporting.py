"""Users as things others can report (MOD-2), for moderation's ``moderation.report_targets``."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.actor import Actor
from quanzi.identity.models import User
from quanzi.moderation.service import ReportTarget, TargetInfo


async def describe_user(session: AsyncSession, actor: Actor, user_id: int) -> TargetInfo | None:
    user = await session.get(User, user_id)
    if user is None:
        return None
    return TargetInfo(owner_id=user.id, excerpt=f"{user.display_name} (@{user.username or user.id})")


REPORT_TARGETS = (ReportTarget("user", describe_user),)
