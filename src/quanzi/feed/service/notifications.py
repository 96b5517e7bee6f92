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

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import InvalidInput
from quanzi.core.ids import new_id, parse_id
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.feed.models import Comment, Like, Notification, Post
from quanzi.feed.schemas import NotificationOut, UnreadOut
from quanzi.feed.service.paging import after_id
from quanzi.feed.service.visibility import Viewer, interaction_visible, post_visible, viewer_of
from quanzi.graph import service as graph_lists
from quanzi.identity import service as identity

MAX_UNREAD_COUNTED = 999
# Notices about the recipient's own post or comment (removed by the post's author, taken down or
# restored by an operator): shown whatever became of what they are about.
OWN_NOTICES = ("comment_removed", "taken_down", "restored")
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


def _still_visible(viewer: Viewer) -> ColumnElement[bool]:
    """The rule of the inbox, as SQL over `Notification` joined to its post (`_joined`): a
    notification is shown while its post, its actor's like or comment and that comment's addressee
    are all still visible to the recipient — the feed's own rules (`post_visible`,
    `interaction_visible`). A removed comment's notice is the commenter's own and always shown."""
    reply_visible = or_(
        Comment.reply_to_user_id.is_(None), interaction_visible(viewer, Comment.reply_to_user_id)
    )
    still_liked = exists(
        select(Like.id).where(Like.post_id == Notification.post_id, Like.user_id == Notification.actor_id)
    )
    return or_(
        Notification.kind.in_(OWN_NOTICES),
        and_(
            Post.id.is_not(None),
            or_(Notification.actor_id.is_(None), interaction_visible(viewer, Notification.actor_id)),
            or_(
                Notification.comment_id.is_(None),
                and_(
                    Comment.id.is_not(None),
                    Comment.taken_down_at.is_(None),
                    interaction_visible(viewer, Comment.author_id),
                    reply_visible,
                ),
            ),
            or_(Notification.kind != "like", still_liked),
        ),
    )


def _joined(viewer: Viewer, *columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Notification)
        .outerjoin(Post, and_(Post.id == Notification.post_id, post_visible(viewer)))
        .outerjoin(Comment, Comment.id == Notification.comment_id)
        .where(Notification.recipient_id == viewer.user_id, _still_visible(viewer))
    )


async def list_notifications(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[NotificationOut], str | None]:
    """The actor's inbox, newest first, without what they may no longer see: two queries."""
    viewer = viewer_of(actor)
    stmt = _joined(viewer, Notification, Post.id)
    after = after_id(page)
    if after is not None:
        stmt = stmt.where(Notification.id < after)
    rows = list((await session.execute(stmt.order_by(Notification.id.desc()).limit(page.limit + 1))).all())
    kept, cursor = page_of(rows, page, key=lambda row: row[0].id)
    cards = await identity.get_cards(session, {n.actor_id for n, _ in kept if n.actor_id is not None})
    return [
        NotificationOut(
            id=n.id,
            kind=n.kind,
            actor=cards.get(n.actor_id) if n.actor_id else None,  # type: ignore[arg-type]
            post_id=n.post_id if visible_post is not None else None,
            comment_id=n.comment_id,
            excerpt=n.excerpt,
            read=n.read_at is not None,
            created_at=n.created_at,
        )
        for n, visible_post in kept
    ], cursor


async def unread_counts(session: AsyncSession, actor: Actor) -> UnreadOut:
    """Unread notifications the actor may see, and pending friend requests to them (capped at 999)."""
    viewer = viewer_of(actor)
    unread_ids = (
        _joined(viewer, Notification.id)
        .where(Notification.read_at.is_(None))
        .limit(MAX_UNREAD_COUNTED)
        .subquery()
    )
    count = int(await session.scalar(select(func.count()).select_from(unread_ids)) or 0)
    requests = await _pending_friend_requests(session, actor)
    return UnreadOut(notifications=count, friend_requests=requests, total=count + requests)


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
