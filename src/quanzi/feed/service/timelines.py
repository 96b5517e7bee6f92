"""Lists of posts, newest first, keyset-paginated by post id: friends' Moments, home (followed
accounts' public posts), a user's profile, a topic page and search.

Fan-out on read (docs/feed.md says why): each list is one indexed query over `feed_posts`, filtered
by the one visibility rule (`post_visible`) at the moment it is read, so a hide, an unfriending, a
block or a deletion applies at once to every list.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.actor import Actor
from quanzi.core.errors import NotFound
from quanzi.core.pagination import PageRequest, page_of
from quanzi.feed.models import Post, PostTerm, PostTopic, Topic
from quanzi.feed.schemas import PostOut, TopicOut
from quanzi.feed.service import hotsearch
from quanzi.feed.service import topics as parsing
from quanzi.feed.service.paging import after_id
from quanzi.feed.service.views import render_posts
from quanzi.feed.service.visibility import Viewer, moment_authors, post_visible, viewer_of
from quanzi.graph import service as graph
from quanzi.identity import service as identity

MAX_SEARCH_TERMS = 8
TOPIC_COUNT_CAP = 100_000


async def _page(
    session: AsyncSession, viewer: Viewer, stmt: Select[Any], page: PageRequest
) -> tuple[list[PostOut], str | None]:
    after = after_id(page)
    if after is not None:
        stmt = stmt.where(Post.id < after)
    rows: list[Post] = list(
        (
            await session.scalars(
                stmt.where(post_visible(viewer)).order_by(Post.id.desc()).limit(page.limit + 1)
            )
        ).all()
    )
    posts, cursor = page_of(rows, page, key=lambda p: p.id)
    return await render_posts(session, viewer, posts), cursor


async def friends_moments(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[PostOut], str | None]:
    """The actor's Moments timeline: their own Moments and those of friends they may see and have not
    muted (MOM-5)."""
    viewer = viewer_of(actor)
    stmt = select(Post).where(Post.kind == "moment", moment_authors(viewer))
    return await _page(session, viewer, stmt, page)


async def home(session: AsyncSession, actor: Actor, page: PageRequest) -> tuple[list[PostOut], str | None]:
    """The home timeline: public posts (and reposts) of the accounts the actor follows, and their own."""
    viewer = viewer_of(actor)
    followed = or_(Post.author_id == actor.user_id, Post.author_id.in_(graph.followee_ids_of(actor.user_id)))
    stmt = select(Post).where(Post.kind == "public", followed)
    return await _page(session, viewer, stmt, page)


async def _profile_owner(session: AsyncSession, viewer: Viewer, user_id: int | str) -> int:
    if viewer.user_id is None:
        return int((await identity.require_user(session, user_id)).id)
    return int((await graph.require_visible_user(session, viewer.user_id, user_id)).id)


async def profile(
    session: AsyncSession, actor: Actor | None, user_id: int | str, kind: str, page: PageRequest
) -> tuple[list[PostOut], str | None]:
    """A user's Moments (`kind` 'moment') or public posts ('public') as the viewer may see them. A
    user who blocked the viewer is 404, as everywhere (GRA-3)."""
    viewer = viewer_of(actor)
    owner = await _profile_owner(session, viewer, user_id)
    stmt = select(Post).where(Post.author_id == owner, Post.kind == kind)
    return await _page(session, viewer, stmt, page)


async def _topic(session: AsyncSession, name: str) -> Topic:
    cleaned = parsing.clean_topic_name(name)
    topic = (
        await session.scalar(select(Topic).where(Topic.key == parsing.topic_key(cleaned)))
        if cleaned
        else None
    )
    if topic is None:
        raise NotFound("No such topic.", code="topic_not_found")
    return topic


async def topic_info(session: AsyncSession, actor: Actor | None, name: str) -> TopicOut:
    """A topic page's head: its name, how many of its posts the viewer may see, its hot-search rank."""
    viewer = viewer_of(actor)
    topic = await _topic(session, name)
    visible = (
        select(Post.id)
        .join(PostTopic, PostTopic.post_id == Post.id)
        .where(PostTopic.topic_id == topic.id, post_visible(viewer))
        .limit(TOPIC_COUNT_CAP)
        .subquery()
    )
    count = await session.scalar(select(func.count()).select_from(visible))
    return TopicOut(
        name=topic.name,
        post_count=int(count or 0),
        hot_rank=await hotsearch.rank_of_topic(session, topic.key),
    )


async def topic_posts(
    session: AsyncSession, actor: Actor | None, name: str, page: PageRequest
) -> tuple[list[PostOut], str | None]:
    """The posts under a topic the viewer may see. Opening the first page counts as reading the
    topic for hot search (logged-in accounts only)."""
    viewer = viewer_of(actor)
    topic = await _topic(session, name)
    stmt = select(Post).where(Post.id.in_(select(PostTopic.post_id).where(PostTopic.topic_id == topic.id)))
    if actor is not None and not page.after:
        hotsearch.ACTIVITY.note(session, actor.user_id, "read", topics=[(topic.key, topic.name)])
    return await _page(session, viewer, stmt, page)


async def search_posts(
    session: AsyncSession, actor: Actor | None, query: str, page: PageRequest
) -> tuple[list[PostOut], str | None]:
    """Posts the viewer may see whose text holds every term of `query` (jieba-segmented, so Chinese
    needs no spaces). A logged-in first-page search counts for hot search."""
    viewer = viewer_of(actor)
    query = parsing.printable(query)
    await parsing.ready()
    words = parsing.terms(query, for_search=False)
    words += [key[:64] for key, _ in parsing.parse_topics(query)]
    words = list(dict.fromkeys(words))[:MAX_SEARCH_TERMS]
    if not words:
        return [], None
    if actor is not None and not page.after:
        hotsearch.ACTIVITY.note_search(session, actor.user_id, query)
    stmt = select(Post)
    for word in words:
        stmt = stmt.where(Post.id.in_(select(PostTerm.post_id).where(PostTerm.term == word)))
    return await _page(session, viewer, stmt, page)
