"""Posts and comments as things users can report (MOD-2), for moderation's extension point
``moderation.report_targets``: the reporter must be able to see them (the feed's own rules)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.actor import Actor
from quanzi.core.errors import NotFound
from quanzi.feed.service.comments import visible_comment
from quanzi.feed.service.visibility import find_post, load_viewer
from quanzi.moderation.service import ReportTarget, TargetInfo


async def describe_post(session: AsyncSession, actor: Actor, post_id: int) -> TargetInfo | None:
    post = await find_post(session, await load_viewer(session, actor), post_id)
    return None if post is None else TargetInfo(owner_id=post.author_id, excerpt=post.body)


async def describe_comment(session: AsyncSession, actor: Actor, comment_id: int) -> TargetInfo | None:
    try:
        comment, _post = await visible_comment(session, await load_viewer(session, actor), comment_id)
    except NotFound:
        return None
    return TargetInfo(owner_id=comment.author_id, excerpt=comment.body)


REPORT_TARGETS = (ReportTarget("post", describe_post), ReportTarget("comment", describe_comment))
