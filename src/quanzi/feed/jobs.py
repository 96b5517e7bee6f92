"""Durable jobs of the feed: the hot-search recompute (PUB-4) and purging a deleted post's media.

The manifest (`feed.domain`) lists them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.jobs import JobHandler
from quanzi.feed.service import hotsearch, posts


async def recompute_hot_search(session: AsyncSession, _payload: dict[str, Any]) -> None:
    """Recompute the board; while anything is in the window, the next run is due in a minute."""
    await hotsearch.recompute(session)
    if await hotsearch.has_recent_activity(session):
        now = clock.now()
        await hotsearch.schedule_recompute(
            session, at=now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        )


async def purge_media(session: AsyncSession, payload: dict[str, Any]) -> None:
    await posts.purge_media(session, payload)


JOBS: dict[str, JobHandler] = {
    hotsearch.RECOMPUTE_JOB: recompute_hot_search,
    posts.PURGE_MEDIA_JOB: purge_media,
}
