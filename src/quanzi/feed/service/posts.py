"""Posts of both kinds: writing them (shared by Moments), public posts (PUB-1), reposts and their
cascades (PUB-2), reading one post and deleting one.

A repost is a public post that records its `parent` (what was reposted) and its `root` (the original
at the top), so every share forms a tree analytics can read; its own comment is its `body`, and the
``//@name: comment`` chain of the reposts between it and the root is rendered per viewer from
`chain_ids`, so a link the viewer may not see is left out rather than quoted. Only public posts can
be reposted: Moments stay with the friends they were shown to (WeChat).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, ratelimit
from quanzi.core.actor import Actor
from quanzi.core.errors import Forbidden, InvalidInput
from quanzi.core.ids import new_id, parse_id
from quanzi.core.jobs import schedule
from quanzi.core.outbox import emit
from quanzi.core.storage import get_storage
from quanzi.feed.models import Media, Post
from quanzi.feed.schemas import CascadeNode, CascadeOut, PostOut, PublicPostIn, RepostIn, ShareIn
from quanzi.feed.service import hotsearch, indexing, media, notifications
from quanzi.feed.service import topics as parsing
from quanzi.feed.service.views import render_post
from quanzi.feed.service.visibility import Viewer, find_post, load_viewer, post_visible, require_post
from quanzi.identity import service as identity
from quanzi.moderation import service as moderation

PURGE_MEDIA_JOB = "feed.media.purge"
MAX_CHAIN = 10
MAX_CASCADE_NODES = 5000


@dataclass
class NewPost:
    """What a new post of either kind holds, validated by the request model."""

    kind: str
    body: str
    media_ids: list[str] = field(default_factory=list)
    location: str | None = None
    share: ShareIn | None = None
    visibility: str = "public"
    audience_tag_ids: list[int] = field(default_factory=list)
    audience_user_ids: list[int] = field(default_factory=list)
    parent: Post | None = None


def _media_ids(raw: list[str]) -> list[int]:
    parsed = [parse_id(i) for i in raw]
    bad = [r for r, p in zip(raw, parsed, strict=True) if p is None]
    if bad:
        raise InvalidInput(
            "Some uploads are not yours or are already in a post.",
            code="media_not_found",
            details={"media_ids": bad},
        )
    return [p for p in parsed if p is not None]


async def write_post(
    session: AsyncSession, actor: Actor, viewer: Viewer, new: NewPost
) -> tuple[Post, indexing.Filed]:
    """Insert a post, attach its media and file its topics, terms and mentions (the caller tells the
    mentioned and counts it for hot search). Returns the post (flushed) and what it was filed under.
    Moments, public posts and reposts share one rate limit per author (429 ``rate_limited``)."""
    media_ids = _media_ids(new.media_ids)
    await parsing.ready()
    if not new.body.strip() and not media_ids and new.share is None and new.parent is None:
        raise InvalidInput("A post needs text, images, a video or a share.", code="empty_post")
    await ratelimit.check(
        session, "You are posting too often.", ("feed.post", ratelimit.key_of(actor.user_id))
    )
    parent = new.parent
    post = Post(
        id=new_id(),
        author_id=actor.user_id,
        kind=new.kind,
        visibility=new.visibility,
        body=new.body,
        location=new.location or None,
        share_kind=new.share.kind if new.share else None,
        share_ref=new.share.ref if new.share else None,
        share_title=new.share.title if new.share else None,
        audience_tag_ids=[str(i) for i in new.audience_tag_ids],
        audience_user_ids=[str(i) for i in new.audience_user_ids],
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        chain_ids=([str(parent.id), *parent.chain_ids][:MAX_CHAIN] if parent and parent.root_id else []),
        like_count=0,
        comment_count=0,
        repost_count=0,
        created_at=clock.now(),
        deleted_at=None,
    )
    session.add(post)
    await session.flush()
    await media.attach(session, actor, post.id, media_ids)
    filed = await indexing.file_post(session, post, new.body, hidden=set(viewer.blocked_ids))
    emit(
        session,
        "feed.post.created",
        {
            "post_id": str(post.id),
            "author_id": str(actor.user_id),
            "kind": post.kind,
            "parent_id": str(post.parent_id) if post.parent_id else None,
            "root_id": str(post.root_id) if post.root_id else None,
        },
    )
    return post, filed


async def notify_mentioned(session: AsyncSession, post: Post, mentioned_ids: list[int], text: str) -> None:
    """Tell each mentioned user who may see the post; mentioning adds nobody to its audience."""
    for user_id in mentioned_ids:
        if await find_post(session, await load_viewer(session, user_id), post.id) is not None:
            notifications.notify(
                session, user_id, "mention", actor_id=post.author_id, post_id=post.id, text=text
            )


async def create_public_post(session: AsyncSession, actor: Actor, data: PublicPostIn) -> PostOut:
    """Publish a public post (PUB-1): anyone not blocked either way sees it; followers in their home."""
    body = await moderation.screen(session, data.body)
    viewer = await load_viewer(session, actor)
    post, filed = await write_post(
        session,
        actor,
        viewer,
        NewPost(
            kind="public",
            body=body,
            media_ids=data.media_ids,
            location=data.location,
            share=data.share,
        ),
    )
    await notify_mentioned(session, post, filed.mentioned_ids, body)
    await hotsearch.record_post(session, actor.user_id, body, filed.topics)
    return await render_post(session, viewer, post)


async def repost(session: AsyncSession, actor: Actor, post_id: int | str, data: RepostIn) -> PostOut:
    """Repost a public post the actor may see, with an optional comment (PUB-2). A Moment is 422
    ``not_repostable``; a repost whose original the actor may no longer see is 422
    ``original_unavailable``. The parent's and the root's authors are told."""
    comment = await moderation.screen(session, data.comment, field="comment")
    viewer = await load_viewer(session, actor)
    parent = await require_post(session, viewer, post_id)
    if parent.kind != "public":
        raise InvalidInput("Moments cannot be reposted.", code="not_repostable")
    root_id = parent.root_id or parent.id
    root = parent if root_id == parent.id else await find_post(session, viewer, root_id)
    if root is None:
        raise InvalidInput("The original of this repost is no longer available.", code="original_unavailable")
    post, filed = await write_post(
        session,
        actor,
        viewer,
        NewPost(
            kind="public",
            body=comment,
            parent=parent,
        ),
    )
    counted = {parent.id, root.id}
    await session.execute(update(Post).where(Post.id.in_(counted)).values(repost_count=Post.repost_count + 1))
    for original in {parent.author_id, root.author_id}:
        notifications.notify(
            session, original, "repost", actor_id=actor.user_id, post_id=post.id, text=comment
        )
    await notify_mentioned(session, post, filed.mentioned_ids, comment)
    await hotsearch.record_post(session, actor.user_id, comment, filed.topics)
    root_topics = await indexing.topics_of(session, root.id)
    if root_topics:
        await hotsearch.record(session, actor.user_id, "discuss", topics=root_topics)
    return await render_post(session, viewer, post)


async def get_post(session: AsyncSession, actor: Actor | None, post_id: int | str) -> PostOut:
    """One post as the actor (or a logged-out visitor) may see it; 404 ``post_not_found`` otherwise."""
    viewer = await load_viewer(session, actor)
    return await render_post(session, viewer, await require_post(session, viewer, post_id))


async def delete_post(session: AsyncSession, actor: Actor, post_id: int | str) -> None:
    """The author deletes their post: it disappears from every path at once (its reposts stay, showing
    the original as unavailable); its media files are removed by a job after the commit."""
    viewer = await load_viewer(session, actor)
    post = await require_post(session, viewer, post_id, lock=True)
    if post.author_id != actor.user_id:
        raise Forbidden("Only the author can delete a post.", code="not_your_post")
    post.deleted_at = clock.now()
    emit(session, "feed.post.deleted", {"post_id": str(post.id), "author_id": str(actor.user_id)})
    await schedule(
        session, PURGE_MEDIA_JOB, {"post_id": str(post.id)}, dedupe_key=f"{PURGE_MEDIA_JOB}:{post.id}"
    )


async def purge_media(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Remove a deleted post's media rows and files (files after the rows, so a retry finds the keys)."""
    post_id = int(payload["post_id"])
    rows = (await session.scalars(select(Media).where(Media.post_id == post_id))).all()
    storage = get_storage()
    for row in rows:
        for key in (row.key, row.thumb_key):
            if key:
                storage.delete(key)
        await session.delete(row)


# --- cascades (PUB-2, ANA-2) ---------------------------------------------------------------------


async def cascade(session: AsyncSession, actor: Actor | None, post_id: int | str) -> CascadeOut:
    """The share tree under a post, as the actor may see it: reposts the actor may not see are left
    out and their visible reposts hang from the nearest visible ancestor."""
    viewer = await load_viewer(session, actor)
    top = await require_post(session, viewer, post_id)
    root_id = top.root_id or top.id
    visible = post_visible(viewer).label("visible")
    rows = (
        await session.execute(
            select(Post.id, Post.parent_id, Post.author_id, Post.body, Post.created_at, visible)
            .where(Post.root_id == root_id)
            .order_by(Post.id)
            .limit(MAX_CASCADE_NODES + 1)
        )
    ).all()
    truncated = len(rows) > MAX_CASCADE_NODES
    rows = rows[:MAX_CASCADE_NODES]
    parent_of = {row.id: row.parent_id for row in rows}
    shown = {row.id: row for row in rows if row.visible}

    def attach_point(node_id: int) -> int | None:
        """The nearest visible ancestor inside `top`'s subtree, or None when outside it."""
        current = parent_of.get(node_id)
        while current is not None and current != top.id:
            if current in shown:
                return current
            current = parent_of.get(current)
        return top.id if current == top.id else None

    children: dict[int, list[int]] = defaultdict(list)
    for node_id in shown:
        if node_id == top.id:
            continue
        anchor = attach_point(node_id)
        if anchor is not None:
            children[anchor].append(node_id)
    members = {top.id} | {c for kids in children.values() for c in kids}
    cards = await identity.get_cards(
        session, {top.author_id} | {shown[i].author_id for i in members if i in shown}
    )
    stats = {"size": 0, "max_depth": 0, "max_breadth": 0}
    breadth: dict[int, int] = defaultdict(int)

    def build(node_id: int, depth: int) -> CascadeNode:
        stats["size"] += 1
        stats["max_depth"] = max(stats["max_depth"], depth)
        breadth[depth] += 1
        if node_id == top.id:
            author_id, body, created_at = top.author_id, top.body, top.created_at
        else:
            row = shown[node_id]
            author_id, body, created_at = row.author_id, row.body, row.created_at
        return CascadeNode(
            id=node_id,
            author=cards[author_id],
            comment=body,
            depth=depth,
            created_at=created_at,
            children=[build(child, depth + 1) for child in sorted(children.get(node_id, []))],
        )

    tree = build(top.id, 0)
    return CascadeOut(
        root=tree,
        size=stats["size"],
        max_depth=stats["max_depth"],
        max_breadth=max(breadth.values()),
        truncated=truncated,
    )
