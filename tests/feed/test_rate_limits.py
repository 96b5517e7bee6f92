"""Posts (Moments, public posts and reposts together) and comments are rate-limited per author
(docs/security.md, section 4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from quanzi.config import Settings
from quanzi.feed.models import Post
from tests.feed.helpers import V1, befriend, public_post
from tests.ratelimits import assert_limited, burst


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_posts": "3/hour", "rate_limit_comments": "2/minute"})


async def test_moments_posts_and_reposts_share_one_limit(
    app: Any, client: httpx.AsyncClient, users: Any, frozen_clock: Any
) -> None:
    author, other = await users.create("author"), await users.create("other")
    original = await public_post(client, other, "worth sharing")

    def write(i: int) -> Any:
        if i % 3 == 0:
            return client.post(f"{V1}/moments", json={"body": f"moment {i}"}, headers=author.headers)
        if i % 3 == 1:
            return client.post(f"{V1}/posts", json={"body": f"post {i}"}, headers=author.headers)
        return client.post(
            f"{V1}/posts/{original['id']}/reposts", json={"comment": "+1"}, headers=author.headers
        )

    assert_limited(await burst(8, write), 3)
    async with app.state.db.read() as session:
        written = await session.scalar(select(func.count()).where(Post.author_id == int(author.id)))
    assert written == 3  # nothing refused was written

    frozen_clock.advance(hours=1)
    assert_limited(await burst(5, write), 3)


async def test_a_burst_of_comments_posts_only_the_limit_per_minute(
    client: httpx.AsyncClient, users: Any, frozen_clock: Any
) -> None:
    author, fan = await users.create("author"), await users.create("fan")
    await befriend(client, author, fan)
    post = await public_post(client, author, "hello")

    def comment(i: int) -> Any:
        return client.post(f"{V1}/posts/{post['id']}/comments", json={"body": f"c{i}"}, headers=fan.headers)

    assert_limited(await burst(6, comment), 2)
    shown = (await client.get(f"{V1}/posts/{post['id']}/comments", headers=author.headers)).json()["items"]
    assert len(shown) == 2
    assert (await client.get(f"{V1}/posts/{post['id']}", headers=author.headers)).json()["comment_count"] == 2

    frozen_clock.advance(minutes=1)
    assert_limited(await burst(3, comment), 2)
