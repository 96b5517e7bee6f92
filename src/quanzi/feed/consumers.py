"""The feed's consumers of other domains' events.

`feed.moderation`: an operator took a post or comment down, or restored it (MOD-2). The feed stamps
`taken_down_at` (the row is kept: a restore clears the stamp) — `visibility.post_visible` and the
comment queries then leave it out for everyone — and tells the author why, in their inbox. A comment
taken down from a public post no longer counts in its comment count.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.stream import Consumer, StreamEvent
from quanzi.feed.models import Comment, Post
from quanzi.feed.service import notifications
from quanzi.moderation.events import CONTENT_RESTORED, CONTENT_TAKEN_DOWN


def _notice(data: dict[str, str]) -> str:
    """The reason travels as its code in brackets (the web client shows it in the reader's language),
    then the operator's note."""
    return f"[{data.get('reason', '')}] {data.get('note', '')}".strip()


async def apply_moderation(session: AsyncSession, event: StreamEvent) -> None:
    data = event.data
    taking_down = event.topic == CONTENT_TAKEN_DOWN
    target_id = int(data["target_id"])
    stamp = event.occurred_at if taking_down else None
    if data["target_kind"] == "post":
        row = (
            await session.execute(
                update(Post)
                .where(
                    Post.id == target_id,
                    Post.taken_down_at.is_(None) if taking_down else Post.taken_down_at.is_not(None),
                )
                .values(taken_down_at=stamp)
                .returning(Post.author_id)
            )
        ).first()
        if row is not None:
            notifications.notify(
                session,
                row.author_id,
                "taken_down" if taking_down else "restored",
                actor_id=None,
                post_id=target_id,
                text=_notice(data) if taking_down else "",
            )
        return
    comment = (
        await session.execute(
            update(Comment)
            .where(
                Comment.id == target_id,
                Comment.taken_down_at.is_(None) if taking_down else Comment.taken_down_at.is_not(None),
            )
            .values(taken_down_at=stamp)
            .returning(Comment.author_id, Comment.post_id)
        )
    ).first()
    if comment is None:
        return
    counter = Post.comment_count - 1 if taking_down else Post.comment_count + 1
    await session.execute(
        update(Post)
        .where(
            Post.id == comment.post_id, Post.kind == "public", Post.comment_count > (0 if taking_down else -1)
        )
        .values(comment_count=counter)
    )
    notifications.notify(
        session,
        comment.author_id,
        "taken_down" if taking_down else "restored",
        actor_id=None,
        post_id=comment.post_id,
        comment_id=target_id,
        text=_notice(data) if taking_down else "",
    )


MODERATION = Consumer(
    name="feed.moderation",
    topics=(CONTENT_TAKEN_DOWN, CONTENT_RESTORED),
    handle=apply_moderation,
)

CONSUMERS = (MODERATION,)
