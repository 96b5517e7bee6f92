"""Identity's consumers of other domains' events.

`identity.moderation`: an operator banned an account or lifted the ban (MOD-2). A ban stamps
`banned_at`, revokes every session of the account (each process's session cache drops them through
``identity.session.revoked``), and from then on login answers 403 ``account_banned``.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.stream import Consumer, StreamEvent
from quanzi.identity.models import AuthSession, User
from quanzi.identity.service.session_cache import note_revoked
from quanzi.moderation.events import USER_BANNED, USER_UNBANNED


async def apply_ban(session: AsyncSession, event: StreamEvent) -> None:
    user_id = int(event.data["user_id"])
    if event.topic == USER_UNBANNED:
        await session.execute(update(User).where(User.id == user_id).values(banned_at=None))
        return
    await session.execute(
        update(User).where(User.id == user_id, User.banned_at.is_(None)).values(banned_at=event.occurred_at)
    )
    await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=event.occurred_at)
    )
    note_revoked(session, user_id, None)


MODERATION = Consumer(name="identity.moderation", topics=(USER_BANNED, USER_UNBANNED), handle=apply_ban)

CONSUMERS = (MODERATION,)
