"""Hot search (PUB-4): what accounts do with topics and terms, and the board computed from it.

Activity: posting a public post under a topic or with a term (`post`), liking, commenting on or
reposting such a post (`discuss`), searching for it (`search`), opening its topic page (`read`).
Moments never count: they are private, and a trend must not reveal what friends said to friends.

Score of a topic or term, over the last 48 hours:
- each account counts once per action (its latest), so one account posting a thousand times is one
  poster: ``heat = Σ_accounts Σ_actions weight(action) · 2^(−age / 2 h)``;
- ``interaction = (discussing accounts + ½ · reading accounts) / posting accounts``, capped at 3;
- ``score = heat · (1 + interaction)``; at least 2 distinct accounts to be on the board.
With a 2-hour half-life, activity from yesterday weighs 2^−12 of the same activity now, so a surge of
ten accounts in the last ten minutes outranks a topic a hundred accounts posted about a day ago.

The board (top 50) is recomputed by the job ``feed.hot_search.recompute`` at the start of every
minute while there is activity in the window; recording activity schedules the next run (one per
minute, by its dedupe key), and each run schedules the one after it, so the chain survives restarts.

Posting and discussing are recorded in the transaction that does them. Reading a topic page and
searching happen in GET requests, which must stay reads (a list page costs at most five round
trips): they are noted in a buffer of the process (`ACTIVITY`) and written in batches every few
seconds by the feed's process task. A process that dies loses at most those few seconds of reads and
searches, a statistic; what people post and say is never buffered.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.db import Database
from quanzi.core.ids import new_id
from quanzi.core.jobs import schedule
from quanzi.feed.models import Activity, HotSearchEntry
from quanzi.feed.schemas import HotSearchItem, HotSearchOut
from quanzi.feed.service import topics as parsing

log = logging.getLogger("quanzi.feed.hotsearch")

RECOMPUTE_JOB = "feed.hot_search.recompute"
BOARD_SIZE = 50
WINDOW = timedelta(hours=48)
HALF_LIFE = timedelta(hours=2)
WEIGHTS = {"post": 3.0, "discuss": 2.0, "search": 1.0, "read": 0.5}
MAX_INTERACTION = 3.0
MIN_ACCOUNTS = 2
MAX_TERMS_PER_POST = 20


def _next_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


async def schedule_recompute(session: AsyncSession, *, at: datetime | None = None) -> None:
    """Make sure the board is recomputed at the start of the next minute (one job per minute)."""
    run_at = at or _next_minute(clock.now())
    await schedule(
        session, RECOMPUTE_JOB, {}, run_at=run_at, dedupe_key=f"{RECOMPUTE_JOB}:{run_at:%Y-%m-%dT%H:%M}"
    )


async def record(
    session: AsyncSession,
    user_id: int,
    action: str,
    *,
    topics: Sequence[tuple[str, str]] = (),
    terms: Sequence[str] = (),
) -> None:
    """Record that `user_id` did `action` with these topics (key, name) and terms."""
    rows = _activity_rows(user_id, action, topics, terms, clock.now())
    if not rows:
        return
    await session.execute(insert(Activity), rows)
    await schedule_recompute(session)


def _activity_rows(
    user_id: int, action: str, topics: Sequence[tuple[str, str]], terms: Sequence[str], now: datetime
) -> list[dict[str, object]]:
    return [
        {
            "id": new_id(),
            "subject": "topic",
            "key": key[:64],
            "name": name[:64],
            "user_id": user_id,
            "action": action,
            "created_at": now,
        }
        for key, name in topics
    ] + [
        {
            "id": new_id(),
            "subject": "term",
            "key": term[:64],
            "name": term[:64],
            "user_id": user_id,
            "action": action,
            "created_at": now,
        }
        for term in list(dict.fromkeys(terms))[:MAX_TERMS_PER_POST]
    ]


class ActivityBuffer:
    """Reads and searches noted by GET requests, written in batches (see the module docstring), kept
    per database (a process serves one; tests run many). An account counts once per action and
    subject within a batch, as the board counts it anyway."""

    def __init__(self, *, flush_seconds: float = 5.0, max_rows: int = 5_000) -> None:
        self.flush_seconds = flush_seconds
        self.max_rows = max_rows
        self._rows: dict[str, dict[tuple[int, str, str, str], dict[str, object]]] = defaultdict(dict)
        # One wake-up per database's flushing task, made in that task's event loop: an Event made
        # here would belong to whichever loop first waited on it (tests run one loop per test).
        self._full: dict[str, asyncio.Event] = {}

    def note(
        self,
        session: AsyncSession,
        user_id: int,
        action: str,
        *,
        topics: Sequence[tuple[str, str]] = (),
        terms: Sequence[str] = (),
    ) -> None:
        url = str(session.get_bind().engine.url)
        pending = self._rows[url]
        for row in _activity_rows(user_id, action, topics, terms, clock.now()):
            pending[(user_id, action, str(row["subject"]), str(row["key"]))] = row
        if len(pending) >= self.max_rows and url in self._full:
            self._full[url].set()

    def note_search(self, session: AsyncSession, user_id: int, query: str) -> None:
        topics, terms = parsing.parse_topics(query), parsing.terms(query, for_search=False)
        self.note(session, user_id, "search", topics=topics, terms=terms)

    async def flush(self, db: Database) -> int:
        """Write what was noted against `db`; returns how many rows."""
        url = str(db.engine.url)
        rows = list(self._rows.pop(url, {}).values())
        if url in self._full:
            self._full[url].clear()
        if rows:
            async with db.transaction() as session:
                await session.execute(insert(Activity), rows)
                await schedule_recompute(session)
        return len(rows)

    async def run(self, db: Database, stop: asyncio.Event) -> None:
        """The process task: flush every `flush_seconds`, when the buffer fills, and once at stop."""
        full = self._full[str(db.engine.url)] = asyncio.Event()
        while not stop.is_set():
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(full.wait())]
            await asyncio.wait(waiters, timeout=self.flush_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            try:
                await self.flush(db)
            except Exception:
                log.exception("hot-search activity could not be written; keeping it for the next try")
        self._full.pop(str(db.engine.url), None)


ACTIVITY = ActivityBuffer()


async def record_post(session: AsyncSession, user_id: int, text: str, topics: list[tuple[str, str]]) -> None:
    """A public post's topics and whole-word terms count as posted by its author."""
    await record(session, user_id, "post", topics=topics, terms=parsing.terms(text, for_search=False))


def score_board(
    rows: list[tuple[str, str, str, int, str, datetime]], now: datetime
) -> list[tuple[str, str, str, float, int]]:
    """(subject, key, name, score, accounts) ranked best first, from (subject, key, name, user, action,
    latest time) rows — one per account and action."""
    heat: dict[tuple[str, str], float] = defaultdict(float)
    accounts: dict[tuple[str, str], dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    names: dict[tuple[str, str], str] = {}
    half_life = HALF_LIFE.total_seconds()
    for subject, key, name, user_id, action, latest in rows:
        age = max(0.0, (now - latest).total_seconds())
        heat[(subject, key)] += WEIGHTS.get(action, 0.0) * math.pow(2.0, -age / half_life)
        accounts[(subject, key)][action].add(user_id)
        names.setdefault((subject, key), name)
    board = []
    for item, value in heat.items():
        by_action = accounts[item]
        everyone = set().union(*by_action.values())
        if len(everyone) < MIN_ACCOUNTS:
            continue
        posters = len(by_action["post"])
        interacting = len(by_action["discuss"]) + 0.5 * len(by_action["read"])
        interaction = min(MAX_INTERACTION, interacting / posters) if posters else MAX_INTERACTION
        board.append((item[0], item[1], names[item], value * (1.0 + interaction), len(everyone)))
    board.sort(key=lambda entry: (-entry[3], -entry[4], entry[1]))
    return board[:BOARD_SIZE]


async def recompute(session: AsyncSession) -> int:
    """Replace the board with one computed from the activity of the last 48 hours; returns its size."""
    now = clock.now()
    since = now - WINDOW
    rows = await session.execute(
        select(
            Activity.subject,
            Activity.key,
            func.min(Activity.name),
            Activity.user_id,
            Activity.action,
            func.max(Activity.created_at),
        )
        .where(Activity.created_at >= since, Activity.created_at <= now)
        .group_by(Activity.subject, Activity.key, Activity.user_id, Activity.action)
    )
    # SQLite hands back naive datetimes from an aggregate; every stored time is UTC.
    scored = score_board(
        [
            (s, k, n, u, a, clock.as_utc(t) if isinstance(t, datetime) else _parse_time(t))
            for s, k, n, u, a, t in rows.all()
        ],
        now,
    )
    await session.execute(delete(HotSearchEntry))
    if scored:
        await session.execute(
            insert(HotSearchEntry),
            [
                {
                    "rank": rank,
                    "subject": subject,
                    "key": key,
                    "name": name,
                    "score": round(score, 6),
                    "accounts": accounts,
                    "computed_at": now,
                }
                for rank, (subject, key, name, score, accounts) in enumerate(scored, start=1)
            ],
        )
    # Old activity is no longer read; keep the table to the window.
    await session.execute(delete(Activity).where(Activity.created_at < since))
    return len(scored)


def _parse_time(value: object) -> datetime:
    return clock.as_utc(datetime.fromisoformat(str(value)))


async def board(session: AsyncSession) -> HotSearchOut:
    rows = (await session.scalars(select(HotSearchEntry).order_by(HotSearchEntry.rank))).all()
    return HotSearchOut(
        items=[
            HotSearchItem(rank=r.rank, kind=r.subject, name=r.name, score=r.score, accounts=r.accounts)  # type: ignore[arg-type]
            for r in rows
        ],
        computed_at=rows[0].computed_at if rows else None,
    )


async def rank_of_topic(session: AsyncSession, key: str) -> int | None:
    return await session.scalar(
        select(HotSearchEntry.rank).where(HotSearchEntry.subject == "topic", HotSearchEntry.key == key)
    )


async def has_recent_activity(session: AsyncSession) -> bool:
    since = clock.now() - WINDOW
    return await session.scalar(select(Activity.id).where(Activity.created_at >= since).limit(1)) is not None
