"""The operators' sensitive-word list (MOD-1): list, add, remove. Every change bumps the stored
version and emits ``moderation.words.changed``, so each process reloads its copy (`filter`)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import insert_for
from quanzi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.moderation.events import WORDS_CHANGED
from quanzi.moderation.matcher import fold
from quanzi.moderation.models import SensitiveWord, WordListVersion
from quanzi.moderation.schemas import WordIn, WordOut
from quanzi.moderation.service.filter import VERSION_ROW, note_changed


def require_operator(actor: Actor) -> None:
    if not actor.is_operator:
        raise Forbidden("Only operators can do this.", code="not_an_operator")


async def _changed(session: AsyncSession) -> None:
    table = WordListVersion.__table__
    statement = insert_for(session, table).values(id=VERSION_ROW, version=1)
    version = await session.scalar(
        statement.on_conflict_do_update(
            index_elements=["id"], set_={"version": table.c.version + 1}
        ).returning(table.c.version)
    )
    emit(session, WORDS_CHANGED, {"version": int(version or 0)})
    note_changed(session)


async def list_words(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[WordOut], str | None]:
    """The list, newest first (operators only)."""
    require_operator(actor)
    stmt = select(SensitiveWord)
    if page.after:
        after = page.after[0]
        if len(page.after) != 1 or not isinstance(after, int):
            raise _bad_cursor()
        stmt = stmt.where(SensitiveWord.id < after)
    rows, cursor = page_of(
        list((await session.scalars(stmt.order_by(SensitiveWord.id.desc()).limit(page.limit + 1))).all()),
        page,
        key=lambda w: w.id,
    )
    return [WordOut.model_validate(w) for w in rows], cursor


def _bad_cursor() -> InvalidInput:
    return InvalidInput("cursor is not valid", code="invalid_cursor")


async def add_word(session: AsyncSession, actor: Actor, data: WordIn) -> WordOut:
    """Add a word (stored folded: NFKC, lower case); the same word twice is 409 ``word_exists``."""
    require_operator(actor)
    word = fold(data.word)
    row = await session.scalar(
        insert_for(session, SensitiveWord)
        .values(id=new_id(), word=word, action=data.action, created_by=actor.user_id, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["word"])
        .returning(SensitiveWord)
    )
    if row is None:
        raise Conflict("That word is already on the list.", code="word_exists")
    await _changed(session)
    return WordOut.model_validate(row)


async def remove_word(session: AsyncSession, actor: Actor, word_id: str) -> None:
    require_operator(actor)
    parsed = parse_id(word_id)
    result = await session.execute(delete(SensitiveWord).where(SensitiveWord.id == (parsed or 0)))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("No such word.", code="word_not_found")
    await _changed(session)
