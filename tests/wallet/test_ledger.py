"""The ledger itself (WAL-1, WAL-8): entries balance, rows are append-only, the check finds problems,
the lucky split follows WAL-5 exactly."""

from __future__ import annotations

import random
import statistics
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from quanzi.wallet import ledger, rules
from quanzi.wallet.check import check_ledger
from quanzi.wallet.ledger import InsufficientBalance, Leg
from quanzi.wallet.models import BANK_CLEARING, PLATFORM, WALLET
from tests.wallet.conftest import Wallet


async def test_post_entry_refuses_unbalanced_and_overdrawn(wallet: Wallet, frozen_clock: Any) -> None:
    (alice,) = await wallet.fast_users(1)
    async with wallet.db.transaction() as session:
        ids = await ledger.account_ids(session, [(alice.user_id, WALLET), (PLATFORM, BANK_CLEARING)])
        user, bank = ids[(alice.user_id, WALLET)], ids[(PLATFORM, BANK_CLEARING)]
        for legs in (
            [Leg(user, 5), Leg(bank, -4)],
            [Leg(user, 5)],
            [Leg(user, 0), Leg(bank, 0)],
            [Leg(user, True), Leg(bank, -1)],
            [Leg(user, 1.0), Leg(bank, -1.0)],
        ):  # type: ignore[arg-type]
            with pytest.raises(ValueError):
                await ledger.post_entry(session, "test", legs, reference_type="test", reference_id=1)
        posted = await ledger.post_entry(
            session, "test", [Leg(user, 7), Leg(bank, -7)], reference_type="test", reference_id=1
        )
        assert {leg.account_id: leg.balance_after for leg in posted.legs} == {user: 7, bank: -7}
    async with wallet.db.transaction() as session:
        with pytest.raises(InsufficientBalance):
            await ledger.post_entry(
                session, "test", [Leg(user, -8), Leg(bank, 8)], reference_type="test", reference_id=2
            )
    async with wallet.db.read() as session:
        assert await ledger.balance_of(session, alice.user_id) == 7
    assert await check_ledger(wallet.db) == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE wallet_postings SET amount = amount + 1",
        "DELETE FROM wallet_postings",
        "UPDATE wallet_journal_entries SET memo = 'edited'",
        "DELETE FROM wallet_journal_entries",
    ],
)
async def test_ledger_rows_are_append_only(wallet: Wallet, frozen_clock: Any, statement: str) -> None:
    (alice,) = await wallet.fast_users(1)
    async with wallet.db.transaction() as session:
        await ledger.move(
            session,
            "test",
            source=(PLATFORM, BANK_CLEARING),
            target=(alice.user_id, WALLET),
            amount=100,
            reference_type="test",
            reference_id=1,
        )
    with pytest.raises(DBAPIError, match="append-only"):
        async with wallet.db.transaction() as session:
            await session.execute(text(statement))
    assert await check_ledger(wallet.db) == []


async def test_database_refuses_negative_user_balance(wallet: Wallet, frozen_clock: Any) -> None:
    (alice,) = await wallet.fast_users(1)
    async with wallet.db.transaction() as session:
        await ledger.account_id(session, alice.user_id, WALLET)
    with pytest.raises(IntegrityError):
        async with wallet.db.transaction() as session:
            await session.execute(text("UPDATE wallet_accounts SET balance = -1 WHERE kind = 'wallet'"))


async def test_check_reports_a_cached_balance_that_drifted(wallet: Wallet, frozen_clock: Any) -> None:
    (alice,) = await wallet.fast_users(1)
    async with wallet.db.transaction() as session:
        await ledger.move(
            session,
            "test",
            source=(PLATFORM, BANK_CLEARING),
            target=(alice.user_id, WALLET),
            amount=100,
            reference_type="test",
            reference_id=1,
        )
        await session.execute(text("UPDATE wallet_accounts SET balance = balance + 5 WHERE kind = 'wallet'"))
    problems = await check_ledger(wallet.db)
    assert len(problems) == 1
    assert "holds 105 fen" in problems[0] and "sum to 100 fen" in problems[0]


def test_lucky_split_shares_and_means() -> None:
    generator = random.Random(20261111)
    for total, count in ((10_00, 3), (200_00, 100), (100, 100), (1_01, 2), (5, 1)):
        sums = [0] * count
        packets = 10_000 if count < 100 else 2_000
        for _ in range(packets):
            shares = rules.split_lucky(total, count, generator)
            assert len(shares) == count
            assert sum(shares) == total
            assert min(shares) >= 1
            for position, share in enumerate(shares):
                sums[position] += share
        for position in range(count):
            mean = sums[position] / packets
            assert abs(mean - total / count) <= 0.05 * total / count, (total, count, position, mean)


def test_lucky_draw_bounds_follow_wal5() -> None:
    generator = random.Random(7)
    for _ in range(2_000):
        total, count = generator.randint(3, 200_00), generator.randint(2, 100)
        if total < count:
            continue
        shares = rules.split_lucky(total, count, generator)
        remaining = total
        for left, share in zip(range(count, 1, -1), shares, strict=False):
            assert 1 <= share <= max(1, 2 * remaining // left)
            remaining -= share
        assert shares[-1] == remaining


def test_equal_split() -> None:
    assert rules.split_equal(10_00, 3) == [334, 333, 333]
    assert rules.split_equal(3, 3) == [1, 1, 1]
    assert statistics.pstdev(rules.split_equal(200_00, 100)) == 0
