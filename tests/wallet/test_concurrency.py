"""Concurrency (issue 5's PostgreSQL acceptance lines; on SQLite the same tests run serialized by
its single writer): concurrent transfers never overdraw, concurrent grabs never over-pay."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import text

from quanzi.core.actor import Actor
from quanzi.core.errors import AppError
from quanzi.core.idempotency import execute
from quanzi.wallet import service
from quanzi.wallet.ledger import balance_of, move
from quanzi.wallet.models import BANK_CLEARING, PLATFORM, WALLET
from tests.wallet.conftest import PIN, Wallet


async def _fund(wallet: Wallet, actor: Actor, amount: int) -> None:
    async with wallet.db.transaction() as session:
        await move(
            session,
            "topup",
            source=(PLATFORM, BANK_CLEARING),
            target=(actor.user_id, WALLET),
            amount=amount,
            reference_type="test",
            reference_id=1,
        )


async def test_hundred_concurrent_transfers_from_an_account_that_affords_ten(
    wallet: Wallet, frozen_clock: Any
) -> None:
    sender_user, receiver_user = await wallet.user("sender"), await wallet.user("receiver", pin=None)
    await wallet.befriend(sender_user, receiver_user)
    sender, receiver = wallet.actor(sender_user), wallet.actor(receiver_user)
    await _fund(wallet, sender, 10_00)
    proof = await service.verify_pin(wallet.db, sender, PIN)

    async def one(index: int) -> int:
        async def action(session: Any, _proof: Any) -> tuple[int, dict[str, Any]]:
            transfer = await service.send_transfer(session, sender, receiver.user_id, 1_00, proof=proof)
            return 201, {"id": str(transfer.id)}

        outcome = await execute(
            wallet.db,
            sender,
            key=f"burst-{index}",
            scope="wallet.transfer",
            payload={"n": index},
            action=action,
        )
        return outcome.status_code

    statuses = await asyncio.gather(*(one(i) for i in range(100)))
    assert statuses.count(201) == 10
    assert statuses.count(409) == 90  # insufficient_balance, stored as those keys' answers
    async with wallet.db.read() as session:
        assert await balance_of(session, sender.user_id) == 0
    await wallet.assert_books_balance()


async def test_two_hundred_concurrent_grabs_of_a_hundred_share_packet(
    wallet: Wallet, frozen_clock: Any
) -> None:
    sender_user = await wallet.user("sender")
    sender = wallet.actor(sender_user)
    crowd = await wallet.fast_users(200)
    await _fund(wallet, sender, 200_00)
    proof = await service.verify_pin(wallet.db, sender, PIN)
    async with wallet.db.transaction() as session:
        packet = await service.create_red_packet(
            session,
            sender,
            kind="group",
            total=200_00,
            count=100,
            audience=[a.user_id for a in crowd],
            proof=proof,
        )

    async def grab(actor: Actor) -> int | None:
        try:
            async with wallet.db.transaction() as session:
                return (await service.grab_red_packet(session, actor, packet.id)).amount
        except AppError as error:
            assert error.code == "red_packet_empty"
            return None

    results = await asyncio.gather(*(grab(actor) for actor in crowd))
    won = [amount for amount in results if amount is not None]
    assert len(won) == 100
    assert sum(won) == 200_00
    assert min(won) >= 1
    async with wallet.db.read() as session:
        view = await service.get_red_packet(session, sender, packet.id)
        paid = [await balance_of(session, a.user_id) for a in crowd]
    assert (view.status, view.claimed_count, view.claimed_amount) == ("finished", 100, 200_00)
    assert sorted(p for p in paid if p) == sorted(won)
    await wallet.assert_books_balance()


async def test_racing_expiry_jobs_and_a_late_accept_resolve_once(wallet: Wallet, frozen_clock: Any) -> None:
    sender_user, receiver_user = await wallet.user("sender"), await wallet.user("receiver", pin=None)
    await wallet.befriend(sender_user, receiver_user)
    sender, receiver = wallet.actor(sender_user), wallet.actor(receiver_user)
    await _fund(wallet, sender, 5_00)
    proof = await service.verify_pin(wallet.db, sender, PIN)
    async with wallet.db.transaction() as session:
        transfer = await service.send_transfer(session, sender, receiver.user_id, 5_00, proof=proof)
    frozen_clock.advance(hours=24)

    async def expire() -> bool:
        from quanzi.wallet.transfers import expire_transfer

        async with wallet.db.transaction() as session:
            return await expire_transfer(session, transfer.id)

    async def accept() -> bool:
        try:
            async with wallet.db.transaction() as session:
                await service.accept_transfer(session, receiver, transfer.id)
        except AppError:
            return False
        return True

    results = await asyncio.gather(expire(), accept(), expire(), expire())
    assert results == [True, False, False, False] or results.count(True) == 1
    assert results[1] is False
    async with wallet.db.read() as session:
        assert await balance_of(session, sender.user_id) == 5_00
    await wallet.assert_books_balance()


async def test_one_key_raced_by_two_users_has_one_owner(wallet: Wallet, frozen_clock: Any) -> None:
    """Two users racing with the same key: one request runs, the other is refused (422) without
    seeing the first one's answer, and only one transfer exists."""
    users = [await wallet.user(f"racer{i}") for i in range(2)]
    friend = await wallet.user("friend", pin=None)
    for user in users:
        await wallet.befriend(user, friend)
        await _fund(wallet, wallet.actor(user), 1_00)
    key = uuid.uuid4().hex
    answers = await asyncio.gather(
        *(
            wallet.post(
                "/transfers", user, {"to_user_id": friend.id, "amount": 1_00, "pin": PIN}, idempotency_key=key
            )
            for user in users
        )
    )
    assert sorted(a.status_code for a in answers) == [201, 422]
    [refused] = [a for a in answers if a.status_code == 422]
    assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert "id" not in refused.json()
    async with wallet.db.read() as session:
        assert await session.scalar(text("SELECT COUNT(*) FROM wallet_transfers")) == 1
