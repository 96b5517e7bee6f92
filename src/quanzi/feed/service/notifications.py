"""The notification inbox (NTF-1): likes, comments, replies, mentions, reposts and removed comments.

A notification is written in the same transaction as what it reports, and an outbox event
``feed.notification.created`` (``{"user_id", "notification_id", "kind"}``, nothing more) tells the
WebSocket gateway to push a badge to that user; the client then reads the inbox. The inbox applies
the visibility rules when it is read, not only when it was written: a notification about a post or a
comment the recipient may no longer see (unfriended, hidden, blocked, deleted, unliked) is not shown
and not counted.

Friend requests (GRA-1) are not copied in here: their durable record is the graph's own pending
request, which the unread count adds (``friend_requests``) and the graph's ``/friend-requests`` lists;
the graph's ``graph.friend_request.created`` event carries the live push. So nothing is lost between
the two domains and there is one place a request's state lives. Order and payment notifications will
come from those domains calling `notify` in their own transactions.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import InvalidInput
from quanzi.core.ids import new_id, parse_id
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, encode_cursor
from quanzi.feed.models import Comment, Like, Notification, Post
from quanzi.feed.schemas import NotificationOut, UnreadOut
from quanzi.feed.service.paging import after_id
from quanzi.feed.service.visibility import Viewer, interaction_scopes, load_viewer, post_visible
from quanzi.graph import discovery as graph_lists
from quanzi.identity import service as identity

MAX_UNREAD_COUNTED = 999
EXCERPT_CHARS = 140


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def notify(
    session: AsyncSession,
    recipient_id: int,
    kind: str,
    *,
    actor_id: int | None,
    post_id: int | None = None,
    comment_id: int | None = None,
    text: str = "",
) -> int | None:
    """Put a notification in `recipient_id`'s inbox (none for one's own acts). The caller has checked
    that the recipient may see what it is about."""
    if recipient_id == actor_id:
        return None
    notification = Notification(
        id=new_id(),
        recipient_id=recipient_id,
        kind=kind,
        actor_id=actor_id,
        post_id=post_id,
        comment_id=comment_id,
        excerpt=excerpt(text),
        created_at=clock.now(),
        read_at=None,
    )
    session.add(notification)
    emit(
        session,
        "feed.notification.created",
        {
            "user_id": str(recipient_id),
            "notification_id": str(notification.id),
            "kind": kind,
        },
    )
    return notification.id


async def _still_visible(
    session: AsyncSession, viewer: Viewer, rows: Sequence[Notification]
) -> list[Notification]:
    """The notifications whose post, comment and actor the recipient may still see."""
    post_ids = {n.post_id for n in rows if n.post_id is not None}
    posts = (
        {
            p.id: p
            for p in (
                await session.scalars(select(Post).where(Post.id.in_(post_ids), post_visible(viewer)))
            ).all()
        }
        if post_ids
        else {}
    )
    scopes = await interaction_scopes(session, viewer, posts.values())
    comment_ids = {n.comment_id for n in rows if n.comment_id is not None}
    comments = (
        {c.id: c for c in (await session.scalars(select(Comment).where(Comment.id.in_(comment_ids)))).all()}
        if comment_ids
        else {}
    )
    like_keys = {(n.post_id, n.actor_id) for n in rows if n.kind == "like"}
    likes: set[tuple[int, int]] = set()
    if like_keys:
        liked = await session.execute(
            select(Like.post_id, Like.user_id).where(
                Like.post_id.in_({k[0] for k in like_keys}), Like.user_id.in_({k[1] for k in like_keys})
            )
        )
        likes = {(post_id, user_id) for post_id, user_id in liked.all()}
    kept = []
    for n in rows:
        if n.kind == "comment_removed":  # the commenter's own text; the post is shown only if visible
            kept.append(n)
            continue
        if n.post_id not in posts:
            continue
        scope = scopes[n.post_id]
        if n.actor_id is not None and not scope.shows(n.actor_id):
            continue
        if n.comment_id is not None:
            comment = comments.get(n.comment_id)
            if comment is None or not scope.shows(comment.author_id, comment.reply_to_user_id):
                continue
        if n.kind == "like" and (n.post_id, n.actor_id) not in likes:
            continue
        kept.append(n)
    return kept


async def list_notifications(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[NotificationOut], str | None]:
    """The actor's inbox, newest first, without what they may no longer see."""
    viewer = await load_viewer(session, actor)
    after = after_id(page)
    kept: list[Notification] = []
    exhausted = False
    batch = page.limit + 1
    # Hidden entries are skipped, so a page may take several batches; each batch is one index range.
    for _ in range(8):
        stmt = select(Notification).where(Notification.recipient_id == actor.user_id)
        if after is not None:
            stmt = stmt.where(Notification.id < after)
        rows = list((await session.scalars(stmt.order_by(Notification.id.desc()).limit(batch))).all())
        kept += await _still_visible(session, viewer, rows)
        exhausted = len(rows) < batch
        if rows:
            after = rows[-1].id
        if exhausted or len(kept) > page.limit:
            break
        batch = min(batch * 2, 400)
    items = kept[: page.limit]
    cursor: str | None
    if len(kept) > page.limit:
        cursor = encode_cursor(items[-1].id)
    else:
        cursor = None if exhausted or after is None else encode_cursor(after)
    cards = await identity.get_cards(session, {n.actor_id for n in items if n.actor_id is not None})
    post_ids = {n.post_id for n in items if n.post_id is not None}
    visible_posts = (
        set((await session.scalars(select(Post.id).where(Post.id.in_(post_ids), post_visible(viewer)))).all())
        if post_ids
        else set()
    )
    return [
        NotificationOut(
            id=n.id,
            kind=n.kind,
            actor=cards.get(n.actor_id) if n.actor_id else None,  # type: ignore[arg-type]
            post_id=n.post_id if n.post_id in visible_posts else None,
            comment_id=n.comment_id,
            excerpt=n.excerpt,
            read=n.read_at is not None,
            created_at=n.created_at,
        )
        for n in items
    ], cursor


async def unread_counts(session: AsyncSession, actor: Actor) -> UnreadOut:
    """Unread notifications the actor may see, and pending friend requests to them (capped at 999)."""
    viewer = await load_viewer(session, actor)
    rows = list(
        (
            await session.scalars(
                select(Notification)
                .where(Notification.recipient_id == actor.user_id, Notification.read_at.is_(None))
                .order_by(Notification.id.desc())
                .limit(MAX_UNREAD_COUNTED)
            )
        ).all()
    )
    unread = len(await _still_visible(session, viewer, rows))
    requests = await _pending_friend_requests(session, actor)
    return UnreadOut(notifications=unread, friend_requests=requests, total=unread + requests)


async def _pending_friend_requests(session: AsyncSession, actor: Actor) -> int:
    """Pending friend requests to the actor, counted up to 100 (the badge shows 99+ beyond)."""
    page = PageRequest(limit=100)
    requests, _cursor = await graph_lists.list_friend_requests(session, actor, "incoming", page)
    return len(requests)


async def mark_read(session: AsyncSession, actor: Actor, up_to_id: str | None) -> None:
    """Mark the actor's notifications read, all or up to and including `up_to_id`."""
    stmt = update(Notification).where(
        Notification.recipient_id == actor.user_id, Notification.read_at.is_(None)
    )
    if up_to_id is not None:
        parsed = parse_id(up_to_id)
        if parsed is None:
            raise InvalidInput("up_to_id is not an id.", code="invalid_id")
        stmt = stmt.where(Notification.id <= parsed)
    await session.execute(stmt.values(read_at=clock.now()))
    emit(session, "feed.notification.read", {"user_id": str(actor.user_id)})
