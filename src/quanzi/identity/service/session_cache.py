"""Resolved sessions kept in each server process, so a request's bearer token costs no database round
trip (DESIGN.md rule 16; the request-path issue's "session lookup cached in each process").

Correctness rests on invalidation, not on the time-to-live:
- every revocation (logout, revoking a session, a password change, an operator's change to an
  account's rights) is noted on the unit of work (`note_revoked`) and emitted as
  ``identity.session.revoked``; the process that committed it drops the entries in its commit
  callback, before the response leaves, and every other process drops them when the event reaches
  it over the bus (well within a second);
- a lookup that raced with an eviction of the same user (read the row before the revocation
  committed, would store it after) is answered but not stored: the cache numbers its evictions,
  remembers the latest per user, and stores only when that user's did not happen during the lookup;
- the time-to-live (a minute) only bounds how long a lost bus message could matter.
An expired session is refused from the entry itself; `last_seen_at` is still touched every few
minutes, as without the cache.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import Database
from quanzi.core.outbox import emit
from quanzi.identity.models import AuthSession, User

REVOKED_TOPIC = "identity.session.revoked"
_NOTED = "identity.revoked_sessions"
DEFAULT_TTL = timedelta(minutes=1)
DEFAULT_MAX_ENTRIES = 100_000
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)


def note_revoked(session: AsyncSession, user_id: int, session_ids: list[int] | None) -> None:
    """Record, in the caller's transaction, that these sessions of `user_id` (all of them when None)
    no longer stand for what they did: the event tells every process, and the committing process's
    cache hears of it at the commit."""
    emit(
        session,
        REVOKED_TOPIC,
        {
            "user_id": str(user_id),
            "session_ids": None if session_ids is None else [str(s) for s in session_ids],
        },
    )
    session.info.setdefault(_NOTED, []).append((user_id, session_ids))


@dataclass
class _Entry:
    actor: Actor
    expires_at: datetime
    last_seen_at: datetime
    cached_at: datetime


class SessionCache:
    def __init__(self, *, ttl: timedelta = DEFAULT_TTL, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._by_user: dict[int, set[str]] = {}
        self._evictions = 0
        # The number of the latest eviction of each user (forgotten in bulk when it grows too big,
        # which then counts as an eviction of everyone: `_all_evicted_at`).
        self._evicted_at: dict[int, int] = {}
        self._all_evicted_at = 0

    def attach(self, db: Database) -> None:
        """Drop revoked sessions as soon as this process commits their revocation."""
        db.on_commit(self._after_commit)

    async def resolve(self, db: Database, digest: str) -> Actor | None:
        now = clock.now()
        entry = self._entries.get(digest)
        if entry is not None and now - entry.cached_at < self.ttl:
            if entry.expires_at <= now:
                self._drop(digest)
                return None
            self._entries.move_to_end(digest)
            if now - entry.last_seen_at > SESSION_TOUCH_INTERVAL:
                await _touch(db, entry.actor.session_id, now)
                entry.last_seen_at = now
            return entry.actor
        evictions = self._evictions
        async with db.read() as session:
            row = (
                await session.execute(
                    select(AuthSession, User.kind, User.is_operator, User.banned_at)
                    .join(User, User.id == AuthSession.user_id)
                    .where(AuthSession.token_hash == digest)
                )
            ).first()
        if row is None:
            return None
        auth, kind, is_operator, banned_at = row
        # A banned account's sessions are revoked with the ban; one issued by a login that raced
        # with it is refused here.
        if auth.revoked_at is not None or auth.expires_at <= now or banned_at is not None:
            self._drop(digest)
            return None
        actor = Actor(user_id=auth.user_id, session_id=auth.id, kind=kind, is_operator=is_operator)
        last_seen = auth.last_seen_at
        if now - last_seen > SESSION_TOUCH_INTERVAL:
            await _touch(db, auth.id, now)
            last_seen = now
        if max(self._evicted_at.get(actor.user_id, 0), self._all_evicted_at) <= evictions:
            self._store(digest, _Entry(actor, auth.expires_at, last_seen, now))
        return actor

    def forget(self, user_id: int, session_ids: list[int] | None) -> None:
        """Drop the cached sessions of `user_id` (these ones, or all)."""
        self._evictions += 1
        self._evicted_at[user_id] = self._evictions
        if len(self._evicted_at) > self.max_entries:
            self._evicted_at.clear()
            self._all_evicted_at = self._evictions
        for digest in list(self._by_user.get(user_id, ())):
            entry = self._entries.get(digest)
            if entry is not None and (session_ids is None or entry.actor.session_id in session_ids):
                self._drop(digest)

    async def on_revoked(self, _topic: str, envelope: dict[str, Any]) -> None:
        """The bus handler of ``identity.session.revoked`` (revocations committed by any process)."""
        data = envelope.get("data") or {}
        ids = data.get("session_ids")
        self.forget(int(data["user_id"]), None if ids is None else [int(i) for i in ids])

    def _after_commit(self, session: AsyncSession) -> None:
        for user_id, session_ids in session.info.pop(_NOTED, ()):
            self.forget(user_id, session_ids)

    def _store(self, digest: str, entry: _Entry) -> None:
        self._entries[digest] = entry
        self._by_user.setdefault(entry.actor.user_id, set()).add(digest)
        while len(self._entries) > self.max_entries:
            oldest, _ = next(iter(self._entries.items()))
            self._drop(oldest)

    def _drop(self, digest: str) -> None:
        entry = self._entries.pop(digest, None)
        if entry is None:
            return
        digests = self._by_user.get(entry.actor.user_id)
        if digests is not None:
            digests.discard(digest)
            if not digests:
                del self._by_user[entry.actor.user_id]


async def _touch(db: Database, session_id: int, now: datetime) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now)
        )
