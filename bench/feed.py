"""Feed timelines at scale: friends' Moments and home, first and next page, beside a hand-written SQL floor.

    .venv/bin/python bench/feed.py [--database sqlite] [--database postgresql://...]
                                   [--users 10000] [--posts 1000000] [--celebrity-followers 100000]
                                   [--samples 200]

For each database (default: a scratch SQLite file and the scratch PostgreSQL database
``quanzi_feed_bench``, dropped and created again) it builds, with bulk inserts, a world of `--users`
accounts with a power-law friend graph (configuration model, Pareto degrees, mean ≈ 30, capped at
2,000) and a power-law follow graph (Zipf popularity), one celebrity followed by
`--celebrity-followers` accounts (extra follow-only accounts are added to reach it), and `--posts`
posts over 180 days (half Moments with WeChat-like audiences: 80 % all friends, 10 % only some,
5 % all but some, 5 % private; half public), plus likes, comments, browse-back settings and hides.

Then it measures, for `--samples` viewers each:
- service: `timelines.friends_moments` / `timelines.home` (the routes' service: the viewer's relations,
  the one visibility rule, keyset page, and the rendering of each post with its likes and comments);
- query: the same without rendering (`render_posts` switched off) — what the rule and the page cost;
- floor: one hand-written SQL query that returns the same page of ids on the same database (checked
  to return the same ids as the service);
and the cost of posting: a public post and a Moment by an ordinary account and a public post by the
celebrity (fan-out on read: no per-follower work), beside what fan-out on write would add for the
celebrity (inserting one inbox row per follower, measured in a rolled-back transaction).

The last column is the ratio of the service's p99 to the floor's p99.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text

from benchkit import prepare
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import Database, UTCDateTime
from quanzi.core.ids import EPOCH_MS
from quanzi.core.pagination import PageRequest
from quanzi.core.storage import LocalStorage, configure_storage
from quanzi.feed.schemas import MomentIn, PublicPostIn
from quanzi.feed.service import moments, posts, timelines
from quanzi.feed.service.visibility import BROWSE_BACK_WINDOWS

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/quanzi_feed_bench"
NOW = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
SPAN = timedelta(days=180)
PAGE = 20
BATCH = 20_000


# --- the world ----------------------------------------------------------------------------------


def pareto(rng: random.Random, xmin: float, alpha: float, cap: int) -> int:
    return int(min(cap, xmin * (1.0 - rng.random()) ** (-1.0 / (alpha - 1.0))))


class World:
    def __init__(self, users: int, posts: int, celebrity_followers: int, seed: int = 20261111) -> None:
        rng = random.Random(seed)
        self.rng = rng
        self.user_ids = [1_000_000 + i for i in range(users)]
        self.lurker_ids = [5_000_000 + i for i in range(max(0, celebrity_followers - (users - 1)))]
        self.celebrity = self.user_ids[0]
        # friends: configuration model on Pareto degrees
        stubs = [u for u in self.user_ids for _ in range(pareto(rng, 5, 2.2, 2000))]
        rng.shuffle(stubs)
        pairs = {(min(a, b), max(a, b)) for a, b in zip(stubs[::2], stubs[1::2], strict=False) if a != b}
        self.friends: dict[int, set[int]] = {u: set() for u in self.user_ids}
        for a, b in pairs:
            self.friends[a].add(b)
            self.friends[b].add(a)
        # follows: Pareto out-degrees, Zipf popularity; the celebrity is followed by (nearly) everyone
        popularity = list(itertools.accumulate(1.0 / (rank + 1) ** 1.1 for rank in range(users)))
        follows: set[tuple[int, int]] = set()
        for follower in self.user_ids:
            for _ in range(pareto(rng, 3, 2.0, 300)):
                followee = self.user_ids[bisect.bisect(popularity, rng.random() * popularity[-1]) % users]
                if followee != follower:
                    follows.add((follower, followee))
        for follower in (self.user_ids[1:] + self.lurker_ids)[:celebrity_followers]:
            follows.add((follower, self.celebrity))
        self.follows = sorted(follows)
        # posts: heavy-tailed activity, time-ordered ids from their times
        activity = list(itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(users)))
        order = self.user_ids[:]
        rng.shuffle(order)
        start_ms = int((NOW - SPAN).timestamp() * 1000)
        times = sorted(rng.randrange(start_ms, int(NOW.timestamp() * 1000)) for _ in range(posts))
        self.posts: list[tuple[int, int, str, str, datetime]] = []
        self.audience: list[tuple[int, int]] = []
        for seq, ms in enumerate(times):
            author = order[bisect.bisect(activity, rng.random() * activity[-1]) % users]
            post_id = ((ms - EPOCH_MS) << 22) | (seq & 0x3FFFFF)
            created = datetime.fromtimestamp(ms / 1000, UTC)
            if rng.random() < 0.5:
                self.posts.append((post_id, author, "public", "public", created))
                continue
            roll = rng.random()
            visibility = (
                "friends"
                if roll < 0.8
                else "include"
                if roll < 0.9
                else "exclude"
                if roll < 0.95
                else "private"
            )
            self.posts.append((post_id, author, "moment", visibility, created))
            if visibility in ("include", "exclude") and self.friends[author]:
                pool = sorted(self.friends[author])
                for member in rng.sample(pool, min(3, len(pool))):
                    self.audience.append((post_id, member))
        # likes and comments from people who could see the post
        self.likes: list[tuple[int, int, int, datetime]] = []
        self.comments: list[tuple[int, int, int, str, datetime]] = []
        ids = itertools.count(1)
        for post_id, author, kind, _visibility, created in self.posts:
            if rng.random() > 0.15:
                continue
            pool = sorted(self.friends[author]) if kind == "moment" else self.user_ids
            if not pool:
                continue
            for user in rng.sample(pool, min(len(pool), rng.randint(1, 5))):
                self.likes.append((next(ids), post_id, user, created))
            for user in rng.sample(pool, min(len(pool), rng.randint(0, 2))):
                self.comments.append((next(ids), post_id, user, "不错", created))
        self.settings = [
            (u, rng.choice(list(BROWSE_BACK_WINDOWS)), NOW) for u in self.user_ids if rng.random() < 0.1
        ]
        self.hides = [(a, b, NOW) for a in self.user_ids for b in self.friends[a] if rng.random() < 0.01]


def _dt(value: datetime, sqlite: bool) -> Any:
    return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value


async def _bulk(db: Database, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    count = 0
    batch: list[tuple[Any, ...]] = []

    async def flush() -> None:
        async with db.engine.begin() as conn:
            if db.is_sqlite:
                marks = ", ".join("?" for _ in columns)
                statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
                await conn.exec_driver_sql(statement, batch)
            else:
                raw = await conn.get_raw_connection()
                driver: Any = raw.driver_connection
                await driver.copy_records_to_table(table, records=batch, columns=list(columns))

    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            await flush()
            count += len(batch)
            batch = []
    if batch:
        await flush()
        count += len(batch)
    return count


async def load(db: Database, world: World) -> None:
    sq = db.is_sqlite
    empty = "[]"
    stamp = _dt(NOW, sq)
    await _bulk(
        db,
        "users",
        [
            "id",
            "username",
            "password_hash",
            "display_name",
            "bio",
            "region",
            "kind",
            "is_kol",
            "is_operator",
            "discoverable_by_username",
            "discoverable_by_phone",
            "created_at",
            "password_changed_at",
        ],
        (
            (u, f"u{u}", "x", f"用户{u}", "", "", "consumer", False, False, True, True, stamp, stamp)
            for u in world.user_ids + world.lurker_ids
        ),
    )
    await _bulk(
        db,
        "friendships",
        ["id", "user_id", "friend_id", "created_at"],
        (
            (i, a, b, stamp)
            for i, (a, b) in enumerate(
                ((a, b) for a, friends in world.friends.items() for b in friends), start=1
            )
        ),
    )
    await _bulk(
        db,
        "follows",
        ["id", "follower_id", "followee_id", "created_at"],
        ((i, a, b, stamp) for i, (a, b) in enumerate(world.follows, start=1)),
    )
    await _bulk(
        db,
        "feed_posts",
        [
            "id",
            "author_id",
            "kind",
            "visibility",
            "body",
            "audience_tag_ids",
            "audience_user_ids",
            "depth",
            "chain_ids",
            "like_count",
            "comment_count",
            "repost_count",
            "created_at",
        ],
        (
            (pid, author, kind, vis, f"post {pid}", empty, empty, 0, empty, 0, 0, 0, _dt(created, sq))
            for pid, author, kind, vis, created in world.posts
        ),
    )
    await _bulk(db, "feed_post_audience", ["post_id", "user_id"], world.audience)
    await _bulk(
        db,
        "feed_likes",
        ["id", "post_id", "user_id", "created_at"],
        ((i, p, u, _dt(t, sq)) for i, p, u, t in world.likes),
    )
    await _bulk(
        db,
        "feed_comments",
        ["id", "post_id", "author_id", "body", "created_at"],
        ((i, p, u, b, _dt(t, sq)) for i, p, u, b, t in world.comments),
    )
    await _bulk(
        db,
        "feed_moment_settings",
        ["user_id", "browse_back", "updated_at"],
        ((u, b, stamp) for u, b, _ in world.settings),
    )
    await _bulk(
        db,
        "feed_moment_hides",
        ["owner_id", "hidden_id", "created_at"],
        ((a, b, stamp) for a, b, _ in world.hides),
    )
    async with db.engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()


# --- the floor: one hand-written query per page --------------------------------------------------

# `{authors}` is the best way each database has to say "by one of these authors" so that the
# planner walks the (author_id, id) index: an array built once on PostgreSQL, an IN list on SQLite.
AUTHORS = {
    "postgresql": "p.author_id = ANY(ARRAY({subquery}))",
    "sqlite": "p.author_id IN ({subquery})",
}

FRIENDS_AND_ME = "SELECT f.friend_id FROM friendships f WHERE f.user_id = :me UNION ALL SELECT :me"
FOLLOWED_AND_ME = "SELECT f.followee_id FROM follows f WHERE f.follower_id = :me UNION ALL SELECT :me"

FLOOR_MOMENTS = """
SELECT p.id FROM feed_posts p
WHERE p.kind = 'moment' AND p.deleted_at IS NULL AND p.id < :after
  AND {authors}
  AND (p.author_id = :me OR (
        NOT EXISTS (SELECT 1 FROM feed_moment_hides h WHERE h.owner_id = p.author_id AND h.hidden_id = :me)
    AND NOT EXISTS (SELECT 1 FROM feed_moment_mutes m WHERE m.owner_id = :me AND m.muted_id = p.author_id)
    AND (p.visibility = 'friends'
      OR (p.visibility = 'include' AND EXISTS (
            SELECT 1 FROM feed_post_audience a WHERE a.post_id = p.id AND a.user_id = :me))
      OR (p.visibility = 'exclude' AND NOT EXISTS (
            SELECT 1 FROM feed_post_audience a WHERE a.post_id = p.id AND a.user_id = :me)))
    AND NOT EXISTS (SELECT 1 FROM feed_moment_settings s WHERE s.user_id = p.author_id
      AND s.browse_back <> 'all'
      AND p.created_at < CASE s.browse_back WHEN '3d' THEN :c3 WHEN '1m' THEN :c1 WHEN '6m' THEN :c6 END)))
ORDER BY p.id DESC LIMIT :limit
"""

FLOOR_HOME = """
SELECT p.id FROM feed_posts p
WHERE p.kind = 'public' AND p.deleted_at IS NULL AND p.id < :after
  AND {authors}
  AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = :me AND b.blocked_id = p.author_id)
                                         OR (b.blocker_id = p.author_id AND b.blocked_id = :me))
ORDER BY p.id DESC LIMIT :limit
"""


async def floor_page(db: Database, sql: str, me: int, after: int | None) -> list[int]:
    authors = FRIENDS_AND_ME if sql is FLOOR_MOMENTS else FOLLOWED_AND_ME
    form = AUTHORS["sqlite" if db.is_sqlite else "postgresql"].format(subquery=authors)
    statement = text(sql.format(authors=form))
    params: dict[str, Any] = {"me": me, "after": after or (1 << 62), "limit": PAGE}
    if ":c3" in sql:
        cuts = {"c3": "3d", "c1": "1m", "c6": "6m"}
        statement = statement.bindparams(*(bindparam(name, type_=UTCDateTime()) for name in cuts))
        params |= {name: NOW - BROWSE_BACK_WINDOWS[setting] for name, setting in cuts.items()}
    async with db.read() as session:
        return list((await session.execute(statement, params)).scalars().all())


# --- measuring ----------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return (time.perf_counter() - started) * 1000, result


async def measure_timeline(
    db: Database, name: str, service: Any, floor_sql: str, viewers: list[int]
) -> list[tuple[str, str, str, float, float]]:
    results: dict[tuple[str, str], list[float]] = {}
    mismatches = 0
    real_render = timelines.render_posts

    async def ids_only(_session: Any, _viewer: Any, rows: Any) -> list[Any]:
        return [type("P", (), {"id": r.id})() for r in rows]

    for me in viewers:
        actor = Actor(user_id=me, session_id=0, kind="consumer")
        cursor: int | None = None
        for page_name in ("first", "next"):

            async def call_service(
                after: int | None = cursor, who: Actor = actor
            ) -> tuple[list[Any], str | None]:
                async with db.read() as session:
                    page = PageRequest(limit=PAGE, after=(after,) if after else None)
                    return await service(session, who, page)  # type: ignore[no-any-return]

            ms, (items, _next) = await timed(call_service)
            results.setdefault(("service", page_name), []).append(ms)
            timelines.render_posts = ids_only  # type: ignore[assignment]
            try:
                ms, _ = await timed(call_service)
            finally:
                timelines.render_posts = real_render
            results.setdefault(("query", page_name), []).append(ms)
            ms, floor_ids = await timed(lambda after=cursor, who=me: floor_page(db, floor_sql, who, after))
            results.setdefault(("floor", page_name), []).append(ms)
            if [int(item.id) for item in items] != floor_ids:
                mismatches += 1
            if not items:
                break
            cursor = int(items[-1].id)
    if mismatches:
        print(f"  !! {name}: the floor and the service disagreed on {mismatches} pages", file=sys.stderr)
    rows = []
    for page_name in ("first", "next"):
        for what in ("service", "query", "floor"):
            values = results.get((what, page_name), [])
            if values:
                rows.append((name, page_name, what, pct(values, 0.5), pct(values, 0.99)))
    return rows


async def measure_posting(db: Database, world: World, samples: int) -> list[tuple[str, float, float]]:
    by_followers: dict[int, int] = {}
    for _follower, followee in world.follows:
        by_followers[followee] = by_followers.get(followee, 0) + 1
    ordinary = sorted(world.user_ids[1:], key=lambda u: by_followers.get(u, 0))[len(world.user_ids) // 2]
    cases: list[tuple[str, int, Callable[[Any, Actor], Awaitable[Any]]]] = [
        (
            f"public post, ordinary ({by_followers.get(ordinary, 0)} followers)",
            ordinary,
            lambda s, a: posts.create_public_post(s, a, PublicPostIn(body="今天天气不错 #日常#")),
        ),
        (
            f"Moment, ordinary ({len(world.friends[ordinary])} friends)",
            ordinary,
            lambda s, a: moments.create_moment(s, a, MomentIn(body="朋友圈 #日常#")),
        ),
        (
            f"public post, celebrity ({by_followers.get(world.celebrity, 0)} followers)",
            world.celebrity,
            lambda s, a: posts.create_public_post(s, a, PublicPostIn(body="新品发布 #新品#")),
        ),
    ]
    rows = []
    for label, user, make in cases:
        actor = Actor(user_id=user, session_id=0, kind="consumer")
        times = []
        for _ in range(samples):

            async def write(a: Actor = actor, m: Any = make) -> None:
                async with db.transaction() as session:
                    await m(session, a)

            ms, _ = await timed(write)
            times.append(ms)
        rows.append((label, pct(times, 0.5), pct(times, 0.99)))
    # What fan-out on write would add for the celebrity: one inbox row per follower, rolled back.
    times = []
    for _ in range(max(3, samples // 5)):
        async with db.engine.connect() as conn:
            trans = await conn.begin()
            await conn.execute(
                text("CREATE TEMPORARY TABLE IF NOT EXISTS bench_inbox (user_id BIGINT, post_id BIGINT)")
            )
            started = time.perf_counter()
            await conn.execute(
                text("INSERT INTO bench_inbox SELECT follower_id, 1 FROM follows WHERE followee_id = :c"),
                {"c": world.celebrity},
            )
            times.append((time.perf_counter() - started) * 1000)
            await trans.rollback()
    rows.append(
        (
            f"+ fan-out on write, celebrity ({by_followers.get(world.celebrity, 0)} inbox rows)",
            pct(times, 0.5),
            pct(times, 0.99),
        )
    )
    return rows


# --- running ------------------------------------------------------------------------------------


async def run_one(database: str, args: argparse.Namespace, world: World, workdir: Path) -> list[Any]:
    url = await prepare(database, workdir, "feed-bench.db")
    db = Database(url)
    label = "sqlite" if db.is_sqlite else "postgresql"
    try:
        started = time.perf_counter()
        await load(db, world)
        print(
            f"[{label}] loaded {len(world.posts):,} posts, {sum(len(f) for f in world.friends.values()):,} "
            f"friendship rows, {len(world.follows):,} follows in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        rng = random.Random(7)
        with_friends = [u for u in world.user_ids if world.friends[u]]
        viewers = rng.sample(with_friends, min(args.samples, len(with_friends)))
        rows = []
        rows += await measure_timeline(
            db, "friends' Moments", timelines.friends_moments, FLOOR_MOMENTS, viewers
        )
        rows += await measure_timeline(db, "home", timelines.home, FLOOR_HOME, viewers)
        posting = await measure_posting(db, world, max(10, args.samples // 10))
        return [(label, *row) for row in rows], [(label, *row) for row in posting]
    finally:
        await db.dispose()


def print_tables(timeline_rows: list[Any], posting_rows: list[Any]) -> None:
    head = f"{'database':<11} {'timeline':<17} {'page':<6} {'measured':<8} {'p50 ms':>8} {'p99 ms':>8}"
    print(f"{head} {'p99 / floor':>12}")
    floors = {(r[0], r[1], r[2]): r[5] for r in timeline_rows if r[3] == "floor"}
    for database, timeline, page, what, p50, p99 in timeline_rows:
        ratio = p99 / floors[(database, timeline, page)] if floors.get((database, timeline, page)) else 0.0
        print(f"{database:<11} {timeline:<17} {page:<6} {what:<8} {p50:>8.2f} {p99:>8.2f} {ratio:>11.2f}x")
    print()
    print(f"{'database':<11} {'posting':<58} {'p50 ms':>8} {'p99 ms':>8}")
    for database, label, p50, p99 in posting_rows:
        print(f"{database:<11} {label:<58} {p50:>8.2f} {p99:>8.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", action="append", help="sqlite or a PostgreSQL URL (repeatable)")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--celebrity-followers", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    databases = args.database or ["sqlite", DEFAULT_PG]
    started = time.perf_counter()
    world = World(args.users, args.posts, args.celebrity_followers)
    print(
        f"world generated in {time.perf_counter() - started:.0f} s: {args.users:,} users "
        f"(+{len(world.lurker_ids):,} follow-only), {len(world.posts):,} posts",
        file=sys.stderr,
    )
    timeline_rows: list[Any] = []
    posting_rows: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="quanzi-feed-bench-") as tmp:
        workdir = Path(tmp)
        configure_storage(LocalStorage(workdir / "media"))
        with clock.use_clock(clock.FrozenClock(NOW)):
            for database in databases:
                rows, posting = await run_one(database, args, world, workdir)
                timeline_rows += rows
                posting_rows += posting
    print_tables(timeline_rows, posting_rows)
    print(json.dumps({"users": args.users, "posts": args.posts, "samples": args.samples}), file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
