"""The sensitive-word filter as the other domains' services call it (MOD-1): `screen(session, text)`.

The compiled list is kept in each process, one per database (keyed by the engine's connection pool,
which the write and read engines of one `Database` share on PostgreSQL), so screening a post, a
comment, a group message or a nickname costs no statement once the list is loaded. It is loaded on
first use and again after it changes:
- the process that commits a change drops its copy when the transaction commits (`note_changed`);
- every other process hears ``moderation.words.changed`` on the bus (`WordListListener`);
- and, should a bus message be lost, `poll_versions` (a task each process runs) compares the stored
  version with its copy's every `POLL_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.db import Database
from quanzi.core.errors import InvalidInput
from quanzi.moderation.matcher import WordList
from quanzi.moderation.models import SensitiveWord, WordListVersion

log = logging.getLogger("quanzi.moderation")
POLL_SECONDS = 10.0
VERSION_ROW = 1


class SensitiveContent(InvalidInput):
    """A text holds a word the operators refuse. The message names nothing of the list."""

    code = "sensitive_content"

    def __init__(self, field: str) -> None:
        super().__init__(
            "This text contains content that is not allowed here. Please edit it and try again.",
            details={"field": field},
        )


@dataclass
class _Copy:
    words: WordList | None = None  # None: load before use


_copies: weakref.WeakKeyDictionary[Any, _Copy] = weakref.WeakKeyDictionary()


def _key(bind: Any) -> Any:
    return bind.pool


def _copy_for(bind: Any) -> _Copy:
    key = _key(bind)
    copy = _copies.get(key)
    if copy is None:
        copy = _copies[key] = _Copy()
    return copy


async def stored_version(session: AsyncSession) -> int:
    return (
        await session.scalar(select(WordListVersion.version).where(WordListVersion.id == VERSION_ROW))
    ) or 0


async def current_list(session: AsyncSession) -> WordList:
    """This process's copy of the list, loaded (two statements) when it has none."""
    copy = _copy_for(session.get_bind())
    words = copy.words
    if words is None:
        # Version first: a change committed between the two reads leaves a copy older than its
        # words, which the next poll reloads; never the other way round.
        version = await stored_version(session)
        rows = (await session.execute(select(SensitiveWord.word, SensitiveWord.action))).all()
        words = WordList.of([(row.word, row.action) for row in rows], version)
        copy.words = words
    return words


def forget(bind: Any) -> None:
    _copy_for(bind).words = None


def note_changed(session: AsyncSession) -> None:
    """Drop this process's copy once the caller's transaction commits (not before: a request
    screening in between would load and keep the list as it was)."""
    bind = session.get_bind()
    event.listen(session.sync_session, "after_commit", lambda _s: forget(bind), once=True)


async def screen(session: AsyncSession, text: str, *, field: str = "body") -> str:
    """`text` with the list's "mask" words replaced by asterisks; `SensitiveContent` (422
    ``sensitive_content``) when it holds a "refuse" word."""
    if not text:
        return text
    words = await current_list(session)
    screened, refused = words.screen(text)
    if refused:
        raise SensitiveContent(field)
    return screened


class WordListListener:
    """The bus handler of ``moderation.words.changed`` for one process's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(self, _topic: str, _envelope: dict[str, Any]) -> None:
        forget(self.db.engine.sync_engine)


async def poll_versions(db: Database, stop: asyncio.Event) -> None:
    """A process task: drop the copy when the stored version moved on (a lost bus message)."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=POLL_SECONDS)
        if stop.is_set():
            return
        copy = _copies.get(_key(db.engine.sync_engine))
        if copy is None or copy.words is None:
            continue
        try:
            async with db.read() as session:
                version = await stored_version(session)
        except Exception:  # the database is away for a moment: try again at the next tick
            log.warning("could not read the sensitive-word list's version", exc_info=True)
            continue
        if copy.words is not None and copy.words.version != version:
            copy.words = None
