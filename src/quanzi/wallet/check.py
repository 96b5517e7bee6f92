"""`quanzi ledger check`: proof that the books are sound (WAL-1, WAL-8).

Each check is one query; `check_ledger` returns the problems found (an empty list means the books
balance). It reads in one transaction, so on PostgreSQL it sees one consistent snapshot only with
REPEATABLE READ; a live server may make it report a transient difference, never a lasting one.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.db import Database
from quanzi.wallet.models import BANK_CLEARING, Posting, WalletAccount
from quanzi.wallet.redpackets import overdue_red_packet_ids, overpaid_red_packets
from quanzi.wallet.transfers import overdue_transfer_ids


async def check_ledger(db: Database) -> list[str]:
    """Every problem with the books, as sentences; [] when they balance."""
    async with db.read() as session:
        if not db.is_sqlite:
            await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        return await ledger_problems(session)


async def ledger_problems(session: AsyncSession) -> list[str]:
    problems: list[str] = []
    total = await session.scalar(select(func.coalesce(func.sum(Posting.amount), 0)))
    if total != 0:
        problems.append(f"postings sum to {total} fen, not 0")
    unbalanced = (
        await session.execute(
            select(Posting.entry_id, func.sum(Posting.amount))
            .group_by(Posting.entry_id)
            .having(func.sum(Posting.amount) != 0)
            .limit(20)
        )
    ).all()
    for entry_id, amount in unbalanced:
        problems.append(f"journal entry {entry_id} sums to {amount} fen")
    sums = (
        select(
            Posting.account_id,
            func.sum(Posting.amount).label("total"),
            func.max(Posting.account_seq).label("seq"),
        )
        .group_by(Posting.account_id)
        .subquery()
    )
    mismatched = (
        await session.execute(
            select(
                WalletAccount.id,
                WalletAccount.kind,
                WalletAccount.owner_id,
                WalletAccount.balance,
                func.coalesce(sums.c.total, 0),
                WalletAccount.seq,
                func.coalesce(sums.c.seq, 0),
            )
            .outerjoin(sums, sums.c.account_id == WalletAccount.id)
            .where(
                (WalletAccount.balance != func.coalesce(sums.c.total, 0))
                | (WalletAccount.seq != func.coalesce(sums.c.seq, 0))
            )
            .limit(20)
        )
    ).all()
    for account_id, kind, owner, balance, posted, seq, posted_seq in mismatched:
        problems.append(
            f"account {account_id} ({kind} of {owner}) holds {balance} fen at seq {seq} "
            f"but its postings sum to {posted} fen at seq {posted_seq}"
        )
    negative = (
        await session.execute(
            select(WalletAccount.id, WalletAccount.kind, WalletAccount.owner_id, WalletAccount.balance).where(
                WalletAccount.balance < 0, WalletAccount.kind != BANK_CLEARING
            )
        )
    ).all()
    for account_id, kind, owner, balance in negative:
        problems.append(f"account {account_id} ({kind} of {owner}) is negative: {balance} fen")
    for transfer_id in await overdue_transfer_ids(session):
        problems.append(f"transfer {transfer_id} is still pending past its expiry")
    for packet_id in await overdue_red_packet_ids(session):
        problems.append(f"red packet {packet_id} is still open past its expiry")
    for packet_id in await overpaid_red_packets(session):
        problems.append(f"red packet {packet_id} paid out more than it holds")
    return problems
