"""The double-entry ledger (WAL-1): accounts, journal entries, postings, balances and the statement.

Every movement of money is one `post_entry` call: one journal entry whose postings sum to zero. Each
posting changes its account's cached balance with one conditional UPDATE
(``balance = balance + :d WHERE balance >= -:d``), taken in account-id order so that two entries
touching the same accounts never deadlock; a debit that would take a user's money below zero changes
nothing and raises `InsufficientBalance`. The UPDATE returns the new balance and the account's
sequence number, which the posting keeps: the statement's running balance is exact under any
concurrency. Entries and postings are never updated or deleted (the database refuses); a correction
is a new entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, bindparam, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.db import insert_for, table_of
from quanzi.core.errors import Conflict, InvalidInput
from quanzi.core.ids import new_id
from quanzi.core.pagination import PageRequest, page_of
from quanzi.wallet.models import (
    ACCOUNT_KINDS,
    BANK_CLEARING,
    PLATFORM,
    PLATFORM_KINDS,
    WALLET,
    DailyUsage,
    JournalEntry,
    Posting,
    WalletAccount,
)
from quanzi.wallet.rules import day_key

_accounts = table_of(WalletAccount)
_entries = table_of(JournalEntry)
_postings = table_of(Posting)


class InsufficientBalance(Conflict):
    code = "insufficient_balance"


@dataclass(frozen=True)
class Leg:
    """One side of an entry: `amount` fen added to (negative: taken from) the account's balance."""

    account_id: int
    amount: int
    counterparty_id: int | None = None


@dataclass(frozen=True)
class PostedLeg:
    account_id: int
    amount: int
    balance_after: int


@dataclass(frozen=True)
class Posted:
    entry_id: int
    legs: tuple[PostedLeg, ...]


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def account_ids(session: AsyncSession, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The ids of the accounts `(owner_id, kind)`, creating those that do not exist yet.

    Platform accounts (fee, bank clearing) are owned by `PLATFORM` (0). Creation is
    ON CONFLICT DO NOTHING, so two transactions creating the same account end with one row.
    """
    wanted = sorted(set(keys))
    for owner_id, kind in wanted:
        if kind not in ACCOUNT_KINDS or (owner_id == PLATFORM) != (kind in PLATFORM_KINDS):
            raise ValueError(f"no account kind {kind!r} for owner {owner_id}")
    found = await _select_ids(session, wanted)
    missing = [key for key in wanted if key not in found]
    if missing:
        now = clock.now()
        # RETURNING names the accounts this INSERT created; only one that a concurrent transaction
        # created first (skipped by ON CONFLICT) needs another look.
        created = await session.execute(
            insert_for(session, _accounts)
            .values(
                [
                    {
                        "id": new_id(),
                        "owner_id": owner_id,
                        "kind": kind,
                        "currency": "CNY",
                        "balance": 0,
                        "seq": 0,
                        "created_at": now,
                    }
                    for owner_id, kind in missing
                ]
            )
            .on_conflict_do_nothing(index_elements=["owner_id", "kind"])
            .returning(_accounts.c.owner_id, _accounts.c.kind, _accounts.c.id)
        )
        found.update({(owner, kind): account_id for owner, kind, account_id in created})
        raced = [key for key in missing if key not in found]
        if raced:
            found.update(await _select_ids(session, raced))
    return found


async def _select_ids(session: AsyncSession, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], int]:
    rows = await session.execute(
        select(_accounts.c.owner_id, _accounts.c.kind, _accounts.c.id).where(
            tuple_(_accounts.c.owner_id, _accounts.c.kind).in_(keys)
        )
    )
    return {(owner, kind): account_id for owner, kind, account_id in rows}


async def account_id(session: AsyncSession, owner_id: int, kind: str) -> int:
    return (await account_ids(session, [(owner_id, kind)]))[(owner_id, kind)]


async def post_entry(
    session: AsyncSession,
    kind: str,
    legs: Sequence[Leg],
    *,
    reference_type: str,
    reference_id: int,
    memo: str = "",
) -> Posted:
    """Record one journal entry and move the balances. Preconditions: at least two legs, whole-fen
    non-zero amounts, one leg per account, summing to zero (a violation is a programming error:
    ValueError). Raises `InsufficientBalance` (and changes nothing the caller's rollback would not
    undo) when a debit would take an account other than bank clearing below zero."""
    if len(legs) < 2:
        raise ValueError("a journal entry needs at least two postings")
    for leg in legs:
        if isinstance(leg.amount, bool) or not isinstance(leg.amount, int) or leg.amount == 0:
            raise ValueError(f"posting amount must be a non-zero int of fen, got {leg.amount!r}")
    if sum(leg.amount for leg in legs) != 0:
        raise ValueError("postings of a journal entry must sum to zero")
    if len({leg.account_id for leg in legs}) != len(legs):
        raise ValueError("one posting per account in a journal entry")

    now = clock.now()
    entry_id = new_id()
    posted: list[PostedLeg] = []
    rows: list[dict[str, Any]] = []
    # Account-id order: two entries over the same accounts lock them in the same order.
    for leg in sorted(legs, key=lambda leg: leg.account_id):
        statement = _DEBIT if leg.amount < 0 else _CREDIT
        result = (
            await session.execute(statement, {"account_id": leg.account_id, "delta": leg.amount})
        ).first()
        if result is None:
            # Undo the legs already applied (their rows are still locked by us), so the entry is all or
            # nothing even for a caller that catches the error and commits.
            await _undo(session, posted)
            raise InsufficientBalance("The balance is not enough for this.", details={"needed": -leg.amount})
        balance_after, seq = result
        posted.append(PostedLeg(leg.account_id, leg.amount, balance_after))
        rows.append(
            {
                "id": new_id(),
                "entry_id": entry_id,
                "account_id": leg.account_id,
                "amount": leg.amount,
                "balance_after": balance_after,
                "account_seq": seq,
                "counterparty_id": leg.counterparty_id,
                "created_at": now,
            }
        )
    await session.execute(
        _entries.insert().values(
            id=entry_id,
            kind=kind,
            reference_type=reference_type,
            reference_id=reference_id,
            memo=memo[:200],
            created_at=now,
        )
    )
    await session.execute(_postings.insert().values(rows))
    return Posted(entry_id=entry_id, legs=tuple(posted))


def _balance_update(*, debit: bool) -> Any:
    """Built once: the UPDATE of one posting (for a debit, only while the balance covers it)."""
    delta = bindparam("delta", type_=BigInteger)
    statement = update(_accounts).where(_accounts.c.id == bindparam("account_id", type_=BigInteger))
    if debit:
        statement = statement.where(or_(_accounts.c.kind == BANK_CLEARING, _accounts.c.balance + delta >= 0))
    return statement.values(balance=_accounts.c.balance + delta, seq=_accounts.c.seq + 1).returning(
        _accounts.c.balance, _accounts.c.seq
    )


_DEBIT = _balance_update(debit=True)
_CREDIT = _balance_update(debit=False)


async def _undo(session: AsyncSession, applied: list[PostedLeg]) -> None:
    for leg in reversed(applied):
        await session.execute(
            update(_accounts)
            .where(_accounts.c.id == leg.account_id)
            .values(balance=_accounts.c.balance - leg.amount, seq=_accounts.c.seq - 1)
        )


async def move(
    session: AsyncSession,
    kind: str,
    *,
    source: tuple[int, str],
    target: tuple[int, str],
    amount: int,
    reference_type: str,
    reference_id: int,
    source_counterparty: int | None = None,
    target_counterparty: int | None = None,
    memo: str = "",
) -> Posted:
    """The common two-legged entry: `amount` from account `source` (owner, kind) to `target`."""
    ids = await account_ids(session, [source, target])
    return await post_entry(
        session,
        kind,
        [
            Leg(ids[source], -amount, source_counterparty),
            Leg(ids[target], amount, target_counterparty),
        ],
        reference_type=reference_type,
        reference_id=reference_id,
        memo=memo,
    )


async def balance_of(session: AsyncSession, owner_id: int, kind: str = WALLET) -> int:
    found = await session.scalar(
        select(_accounts.c.balance).where(_accounts.c.owner_id == owner_id, _accounts.c.kind == kind)
    )
    return int(found or 0)


@dataclass(frozen=True)
class StatementLine:
    posting_id: int
    entry_id: int
    kind: str
    amount: int
    balance_after: int
    counterparty_id: int | None
    reference_type: str
    reference_id: int
    memo: str
    created_at: Any
    seq: int


async def statement(
    session: AsyncSession, owner_id: int, page: PageRequest, kind: str = WALLET
) -> tuple[list[StatementLine], str | None]:
    """The postings of one account, newest first (by the account's own sequence), keyset-paginated."""
    account = await session.scalar(
        select(_accounts.c.id).where(_accounts.c.owner_id == owner_id, _accounts.c.kind == kind)
    )
    if account is None:
        return [], None
    query = (
        select(
            _postings.c.id,
            _postings.c.entry_id,
            _entries.c.kind,
            _postings.c.amount,
            _postings.c.balance_after,
            _postings.c.counterparty_id,
            _entries.c.reference_type,
            _entries.c.reference_id,
            _entries.c.memo,
            _postings.c.created_at,
            _postings.c.account_seq,
        )
        .join(_entries, _entries.c.id == _postings.c.entry_id)
        .where(_postings.c.account_id == account)
        .order_by(_postings.c.account_seq.desc())
        .limit(page.limit + 1)
    )
    if page.after:
        after = page.after[0]
        if len(page.after) != 1 or not isinstance(after, int):
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        query = query.where(_postings.c.account_seq < after)
    lines = [StatementLine(*row) for row in (await session.execute(query)).all()]
    return page_of(lines, page, key=lambda line: line.seq)


class LimitExceeded(InvalidInput):
    code = "limit_exceeded"


async def consume_daily_limit(session: AsyncSession, user_id: int, kind: str, amount: int, cap: int) -> None:
    """Count `amount` against the user's cap for `kind` today (China time), in one statement:
    an upsert whose update only happens while the new total stays within the cap (WAL-9)."""
    if amount > cap:
        raise LimitExceeded(
            "This is over your daily limit.", code="daily_limit_exceeded", details={"daily_limit": cap}
        )
    usage = table_of(DailyUsage)
    statement = insert_for(session, usage).values(
        user_id=user_id, day=day_key(clock.now()), kind=kind, amount=amount
    )
    statement = statement.on_conflict_do_update(
        index_elements=["user_id", "day", "kind"],
        set_={"amount": usage.c.amount + amount},
        where=usage.c.amount + amount <= cap,
    ).returning(usage.c.amount)
    if (await session.execute(statement)).first() is None:
        raise LimitExceeded(
            "This is over your daily limit.", code="daily_limit_exceeded", details={"daily_limit": cap}
        )
