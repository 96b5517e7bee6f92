"""What a post's text is filed under: its topics, its search terms and the users it mentions (PUB-3).

Mentioning someone files the post under their name and may notify them (if they can see the post);
it never adds them to the post's audience.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.errors import NotFound
from quanzi.core.ids import new_id
from quanzi.feed.models import Mention, Post, PostTerm, PostTopic, Topic
from quanzi.feed.service import topics as parsing
from quanzi.identity import service as identity


def insert_ignore(session: AsyncSession, model: type[Any]) -> Any:
    """An INSERT that can say ON CONFLICT DO NOTHING on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


@dataclass(frozen=True)
class Filed:
    topics: list[tuple[str, str]]
    mentioned_ids: list[int]


async def topic_ids(session: AsyncSession, topics: list[tuple[str, str]]) -> dict[str, int]:
    """The ids of these topics (key → id), creating the ones new to the platform."""
    if not topics:
        return {}
    await session.execute(
        insert_ignore(session, Topic)
        .values(
            [{"id": new_id(), "key": key, "name": name, "created_at": clock.now()} for key, name in topics]
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    rows = await session.execute(select(Topic.key, Topic.id).where(Topic.key.in_([key for key, _ in topics])))
    return {key: topic_id for key, topic_id in rows.all()}


async def resolve_mentions(
    session: AsyncSession, author_id: int, usernames: list[str], *, hidden: set[int]
) -> list[int]:
    """The users named by these usernames, without the author and without anyone in `hidden`."""
    found: list[int] = []
    for name in usernames:
        try:
            user = await identity.find_by_login(session, name)
        except NotFound:
            continue
        if user.id != author_id and user.id not in hidden and user.id not in found:
            found.append(user.id)
    return found


async def file_post(session: AsyncSession, post: Post, text: str, *, hidden: set[int]) -> Filed:
    """File `post` under the topics, terms and mentions of `text` (its author's own words)."""
    parsed = parsing.parse(text)
    ids = await topic_ids(session, parsed.topics)
    if ids:
        await session.execute(
            insert_ignore(session, PostTopic)
            .values([{"post_id": post.id, "topic_id": topic_id} for topic_id in ids.values()])
            .on_conflict_do_nothing()
        )
    words = parsing.terms(text) + [key[:64] for key, _ in parsed.topics]
    if words:
        await session.execute(
            insert_ignore(session, PostTerm)
            .values([{"term": term[:64], "post_id": post.id} for term in dict.fromkeys(words)])
            .on_conflict_do_nothing()
        )
    mentioned = await resolve_mentions(session, post.author_id, parsed.mentions, hidden=hidden)
    if mentioned:
        await session.execute(
            insert_ignore(session, Mention)
            .values([{"post_id": post.id, "user_id": user_id} for user_id in mentioned])
            .on_conflict_do_nothing()
        )
    return Filed(topics=parsed.topics, mentioned_ids=mentioned)


async def topics_of(session: AsyncSession, post_id: int) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(Topic.key, Topic.name)
        .join(PostTopic, PostTopic.topic_id == Topic.id)
        .where(PostTopic.post_id == post_id)
    )
    return [(key, name) for key, name in rows.all()]
