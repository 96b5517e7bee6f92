"""Likes, comments and one-level replies under posts (MOM-3, MOM-6).

Who may act: anyone who may see the post (`visibility.require_post`). Whose likes and comments are
shown: the viewer's `InteractionScope` — under a Moment only friends of both the viewer and the
author; a reply is addressed only to someone the replier can see there. The post's author may delete
any comment under it (the commenter is told); a commenter may delete their own.

Counters on public posts change with ``x = x ± 1``; under a Moment the counts a viewer sees are
counted within their scope, never the stored totals.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, ratelimit
from quanzi.core.actor import Actor
from quanzi.core.errors import Forbidden, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.feed.models import Comment, Like, Post
from quanzi.feed.schemas import CommentOut
from quanzi.feed.service import hotsearch, indexing, notifications
from quanzi.feed.service import topics as parsing
from quanzi.feed.service.paging import after_id
from quanzi.feed.service.views import comment_out
from quanzi.feed.service.visibility import (
    Viewer,
    interaction_scope,
    load_viewer,
    post_visible,
    require_post,
)
from quanzi.identity import service as identity
from quanzi.identity.schemas import UserCard
from quanzi.moderation import service as moderation


async def _discussed(session: AsyncSession, actor: Actor, post: Post) -> None:
    """Liking or commenting on a public post counts towards its topics' heat (PUB-4)."""
    if post.kind == "public":
        topics = await indexing.topics_of(session, post.root_id or post.id)
        if topics:
            await hotsearch.record(session, actor.user_id, "discuss", topics=topics)


# --- likes -----------------------------------------------------------------------------------------


async def like(session: AsyncSession, actor: Actor, post_id: int | str) -> None:
    """Like a post the actor may see. Idempotent; the author is told of the first like."""
    viewer = await load_viewer(session, actor)
    post = await require_post(session, viewer, post_id)
    result = await session.execute(
        indexing.insert_ignore(session, Like)
        .values(id=new_id(), post_id=post.id, user_id=actor.user_id, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["post_id", "user_id"])
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return
    if post.kind == "public":
        await session.execute(update(Post).where(Post.id == post.id).values(like_count=Post.like_count + 1))
    notifications.notify(session, post.author_id, "like", actor_id=actor.user_id, post_id=post.id)
    emit(session, "feed.like.created", {"post_id": str(post.id), "user_id": str(actor.user_id)})
    await _discussed(session, actor, post)


async def unlike(session: AsyncSession, actor: Actor, post_id: int | str) -> None:
    """Take back a like. Idempotent."""
    viewer = await load_viewer(session, actor)
    post = await require_post(session, viewer, post_id)
    result = await session.execute(delete(Like).where(Like.post_id == post.id, Like.user_id == actor.user_id))
    if result.rowcount and post.kind == "public":  # type: ignore[attr-defined]
        await session.execute(
            update(Post).where(Post.id == post.id, Post.like_count > 0).values(like_count=Post.like_count - 1)
        )


async def list_likes(
    session: AsyncSession, actor: Actor | None, post_id: int | str, page: PageRequest
) -> tuple[list[UserCard], str | None]:
    """Who liked a post, as far as the viewer may see (MOM-3), most recent first."""
    viewer = await load_viewer(session, actor)
    post = await require_post(session, viewer, post_id)
    scope = await interaction_scope(session, viewer, post)
    stmt = select(Like.id, Like.user_id).where(Like.post_id == post.id, scope.clause(Like.user_id))
    after = after_id(page)
    if after is not None:
        stmt = stmt.where(Like.id < after)
    rows, cursor = page_of(
        list((await session.execute(stmt.order_by(Like.id.desc()).limit(page.limit + 1))).all()),
        page,
        key=lambda row: row[0],
    )
    cards = await identity.get_cards(session, [row[1] for row in rows])
    return [cards[row[1]] for row in rows if row[1] in cards], cursor


# --- comments ----------------------------------------------------------------------------------------


async def visible_comment(
    session: AsyncSession, viewer: Viewer, comment_id: int | str, *, post: Post | None = None
) -> tuple[Comment, Post]:
    """A comment the viewer may see, with its post; NotFound otherwise."""
    parsed = parse_id(comment_id)
    comment = await session.get(Comment, parsed) if parsed is not None else None
    if comment is not None and comment.taken_down_at is None and (post is None or comment.post_id == post.id):
        found = post or await session.scalar(
            select(Post).where(Post.id == comment.post_id, post_visible(viewer))
        )
        if found is not None:
            scope = await interaction_scope(session, viewer, found)
            if scope.shows(comment.author_id, comment.reply_to_user_id):
                return comment, found
    raise NotFound("No such comment.", code="comment_not_found")


async def add_comment(
    session: AsyncSession, actor: Actor, post_id: int | str, body: str, reply_to_comment_id: str | None
) -> CommentOut:
    """Comment on a post the actor may see, or reply to a comment there that the actor may see (one
    level: a reply to a reply is addressed to its author, under the same post). The author is told of
    comments, the addressee of replies, and mentioned users who may see the comment of mentions.
    Comments per author are rate-limited (429 ``rate_limited``)."""
    await ratelimit.check(
        session, "You are commenting too fast.", ("feed.comment", ratelimit.key_of(actor.user_id))
    )
    body = await moderation.screen(session, body)
    viewer = await load_viewer(session, actor)
    post = await require_post(session, viewer, post_id)
    reply_to: Comment | None = None
    if reply_to_comment_id is not None:
        reply_to, _ = await visible_comment(session, viewer, reply_to_comment_id, post=post)
    comment = Comment(
        id=new_id(),
        post_id=post.id,
        author_id=actor.user_id,
        body=body,
        reply_to_comment_id=reply_to.id if reply_to else None,
        reply_to_user_id=reply_to.author_id if reply_to and reply_to.author_id != actor.user_id else None,
        created_at=clock.now(),
    )
    session.add(comment)
    await session.flush()
    if post.kind == "public":
        await session.execute(
            update(Post).where(Post.id == post.id).values(comment_count=Post.comment_count + 1)
        )
    told = {actor.user_id}
    if comment.reply_to_user_id is not None:
        notifications.notify(
            session,
            comment.reply_to_user_id,
            "reply",
            actor_id=actor.user_id,
            post_id=post.id,
            comment_id=comment.id,
            text=body,
        )
        told.add(comment.reply_to_user_id)
    if post.author_id not in told:
        notifications.notify(
            session,
            post.author_id,
            "comment",
            actor_id=actor.user_id,
            post_id=post.id,
            comment_id=comment.id,
            text=body,
        )
        told.add(post.author_id)
    mentioned = await indexing.resolve_mentions(
        session, actor.user_id, parsing.parse_mentions(body), hidden=set(viewer.blocked_ids) | told
    )
    for user_id in mentioned:
        # Told only if they may see the post and, there, both the commenter and the addressee.
        their_view = await load_viewer(session, user_id)
        if await session.scalar(select(Post.id).where(Post.id == post.id, post_visible(their_view))) is None:
            continue
        if (await interaction_scope(session, their_view, post)).shows(
            actor.user_id, comment.reply_to_user_id
        ):
            notifications.notify(
                session,
                user_id,
                "mention",
                actor_id=actor.user_id,
                post_id=post.id,
                comment_id=comment.id,
                text=body,
            )
    emit(
        session,
        "feed.comment.created",
        {
            "comment_id": str(comment.id),
            "post_id": str(post.id),
            "author_id": str(actor.user_id),
        },
    )
    await _discussed(session, actor, post)
    cards = await identity.get_cards(
        session, {actor.user_id, *([comment.reply_to_user_id] if comment.reply_to_user_id else [])}
    )
    return comment_out(comment, cards)


async def list_comments(
    session: AsyncSession, actor: Actor | None, post_id: int | str, page: PageRequest
) -> tuple[list[CommentOut], str | None]:
    """The comments under a post the viewer may see (MOM-3), newest first."""
    viewer = await load_viewer(session, actor)
    post = await require_post(session, viewer, post_id)
    scope = await interaction_scope(session, viewer, post)
    stmt = select(Comment).where(
        Comment.post_id == post.id,
        Comment.taken_down_at.is_(None),
        scope.clause(Comment.author_id, Comment.reply_to_user_id),
    )
    after = after_id(page)
    if after is not None:
        stmt = stmt.where(Comment.id < after)
    rows, cursor = page_of(
        list((await session.scalars(stmt.order_by(Comment.id.desc()).limit(page.limit + 1))).all()),
        page,
        key=lambda c: c.id,
    )
    cards = await identity.get_cards(
        session, {c.author_id for c in rows} | {c.reply_to_user_id for c in rows if c.reply_to_user_id}
    )
    return [comment_out(c, cards) for c in rows], cursor


async def delete_comment(session: AsyncSession, actor: Actor, comment_id: int | str) -> None:
    """Delete a comment: its author may, and so may the post's author (MOM-6), who then tells the
    commenter. A comment the actor may not see is 404; someone else's under someone else's post 403."""
    viewer = await load_viewer(session, actor)
    comment, post = await visible_comment(session, viewer, comment_id)
    if actor.user_id not in (comment.author_id, post.author_id):
        raise Forbidden(
            "Only the commenter or the post's author can delete a comment.", code="not_your_comment"
        )
    await session.execute(delete(Comment).where(Comment.id == comment.id))
    if post.kind == "public":
        await session.execute(
            update(Post)
            .where(Post.id == post.id, Post.comment_count > 0)
            .values(comment_count=Post.comment_count - 1)
        )
    if comment.author_id != actor.user_id:
        notifications.notify(
            session, comment.author_id, "comment_removed", actor_id=None, post_id=post.id, text=comment.body
        )
    emit(session, "feed.comment.deleted", {"comment_id": str(comment.id), "post_id": str(post.id)})
