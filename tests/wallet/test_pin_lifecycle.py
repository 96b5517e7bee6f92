"""The payment PIN over its life (WAL-3): what the wallet reports about it, the attempts a first PIN
starts with, the lock's countdown, and changing it with proof of the current one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from quanzi.core.errors import InvalidInput
from quanzi.wallet.models import PaymentPin
from quanzi.wallet.pins import (
    PinChanged,
    WrongPin,
    _attempt,
    _candidate,
    _refusal,
    confirm_pin,
    hash_pin,
    set_pin,
    verify_pin,
)
from tests.wallet.conftest import PIN, V1, Wallet

WRONG = "246801"


async def test_the_wallet_says_whether_a_pin_is_set_and_until_when_it_is_locked(
    wallet: Wallet, frozen_clock: Any
) -> None:
    mei, lei = await wallet.user("mei", pin=None), await wallet.user("lei", pin=None)
    fresh = (await wallet.get("", mei)).json()
    assert (fresh["pin_set"], fresh["pin_locked_until"]) == (False, None)

    await wallet.set_pin(mei, PIN)
    assert (await wallet.get("", mei)).json() == fresh | {"pin_set": True}
    await wallet.befriend(mei, lei)
    body = {"to_user_id": lei.id, "amount": 1_00}
    # A first PIN starts with all five attempts (the PIN is checked before the balance).
    first_wrong = await wallet.post("/transfers", mei, body | {"pin": WRONG})
    assert (first_wrong.status_code, first_wrong.json()["error"]["code"]) == (403, "wrong_pin")
    assert first_wrong.json()["error"]["details"] == {"attempts_left": 4}
    await wallet.top_up(mei, 10_00)  # a right PIN: the count starts again
    for _ in range(5):
        await wallet.post("/transfers", mei, body | {"pin": WRONG})
    locked_at = frozen_clock.now()
    state = (await wallet.get("", mei)).json()
    assert state["pin_set"] is True
    assert _instant(state["pin_locked_until"]) == locked_at + timedelta(hours=3)

    # The countdown: Retry-After says how long is left, and never less than a second.
    frozen_clock.advance(hours=2, minutes=59, seconds=59, microseconds=500_000)
    almost = await wallet.post("/transfers", mei, body | {"pin": PIN})
    assert (almost.status_code, almost.headers["retry-after"]) == (429, "1")
    frozen_clock.advance(microseconds=500_000)
    # The lock ran out: the wallet reports none, though no attempt has cleared it yet.
    assert (await wallet.get("", mei)).json()["pin_locked_until"] is None
    assert (await wallet.post("/transfers", mei, body | {"pin": PIN})).status_code == 201


async def test_a_changed_pin_starts_a_fresh_count_and_the_old_pin_stops_working(
    wallet: Wallet, frozen_clock: Any
) -> None:
    mei, lei = await wallet.user("mei"), await wallet.user("lei", pin=None)
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 10_00)
    body = {"to_user_id": lei.id, "amount": 1_00}
    for _ in range(3):
        await wallet.post("/transfers", mei, body | {"pin": WRONG})
    changed = await wallet.client.put(
        f"{V1}/wallet/pin", json={"new_pin": "975312", "current_pin": PIN}, headers=mei.headers
    )
    assert changed.status_code == 204, changed.text
    old = await wallet.post("/transfers", mei, body | {"pin": PIN})
    assert (old.status_code, old.json()["error"]["details"]) == (403, {"attempts_left": 4})
    assert (await wallet.post("/transfers", mei, body | {"pin": "975312"})).status_code == 201
    assert await wallet.balance(mei) == 9_00
    await wallet.assert_books_balance()


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# A verifier as an earlier release stored it: the development key, salt 00…0f, PIN 135790. PINs
# already set must keep working across upgrades, so the verifier's recipe is a stored format.
EARLIER_VERIFIER = (
    "hmac-sha256$000102030405060708090a0b0c0d0e0f$"
    "7de9942306f403734777f59e722d98261df78b5a4d419f9b3e64b135eecf26ce"
)


async def test_a_pin_stored_by_an_earlier_release_still_matches(
    wallet: Wallet, frozen_clock: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv("QUANZI_PIN_KEY", raising=False)
    mei = await wallet.user("mei", pin=PIN)
    async with wallet.db.transaction() as session:
        await session.execute(
            update(PaymentPin).where(PaymentPin.user_id == int(mei.id)).values(pin_hash=EARLIER_VERIFIER)
        )
    assert PIN == "135790"
    proof = await verify_pin(wallet.db, wallet.actor(mei), PIN)
    assert proof.user_id == int(mei.id)
    with pytest.raises(WrongPin):
        await verify_pin(wallet.db, wallet.actor(mei), "135791")
    # New verifiers have the same shape: a 16-byte salt of their own and a SHA-256 MAC.
    scheme, salt, mac = (await hash_pin(PIN)).split("$")
    assert (scheme, len(bytes.fromhex(salt)), len(bytes.fromhex(mac))) == ("hmac-sha256", 16, 32)


@pytest.mark.parametrize("pin", ["12345", "1234567", "12a456", "１２３４５６", "", 135790])
async def test_the_service_refuses_a_pin_that_is_not_six_ascii_digits(
    wallet: Wallet, frozen_clock: Any, pin: Any
) -> None:
    """The services check the format themselves: not every caller comes through the HTTP schema."""
    mei = await wallet.user("mei")
    with pytest.raises(InvalidInput) as refused:
        await verify_pin(wallet.db, wallet.actor(mei), pin)
    assert refused.value.code == "invalid_pin"
    async with wallet.db.transaction() as session:
        with pytest.raises(InvalidInput) as refused:
            await set_pin(session, wallet.actor(mei), pin, None)
    assert refused.value.code == "invalid_pin"


async def test_a_lock_that_ran_out_starts_a_fresh_count_and_guesses_count_for_their_own_user(
    wallet: Wallet, frozen_clock: Any
) -> None:
    mei, lei, bob = await wallet.user("mei"), await wallet.user("lei"), await wallet.user("bob", pin=None)
    for payer in (mei, lei):
        await wallet.befriend(payer, bob)
        await wallet.top_up(payer, 10_00)
    body = {"to_user_id": bob.id, "amount": 1_00}
    for _ in range(5):
        await wallet.post("/transfers", mei, body | {"pin": WRONG})
    # Mei's five wrong PINs counted for Mei alone: Lei still has all five attempts.
    lei_wrong = await wallet.post("/transfers", lei, body | {"pin": WRONG})
    assert lei_wrong.json()["error"]["details"] == {"attempts_left": 4}
    frozen_clock.advance(hours=3)
    # The lock ran out: the next wrong PIN is the first of a fresh count, not the sixth.
    again = await wallet.post("/transfers", mei, body | {"pin": WRONG})
    assert (again.status_code, again.json()["error"]["details"]) == (403, {"attempts_left": 4})


async def test_the_counting_statement_makes_no_attempt_on_a_pin_changed_or_locked_meanwhile(
    wallet: Wallet, frozen_clock: Any
) -> None:
    """Between reading the PIN row and counting a guess, another request may change the PIN or lock
    payments. The compare-and-count statement then makes no attempt, and the refusal read afterwards
    says which (these interleavings are rare in a burst; here they are set up one by one)."""
    mei = await wallet.user("mei")
    user_id, now = int(mei.id), frozen_clock.now()
    async with wallet.db.read() as session:
        row = (await session.execute(select(PaymentPin).where(PaymentPin.user_id == user_id))).scalar_one()
        version, guess = row.version, _candidate(row.pin_hash, WRONG)

    async with wallet.db.autocommit() as session:
        assert await _attempt(session, user_id, version + 1, guess, now) is None
        changed = await _refusal(session, user_id, now)
    assert (changed.status_code, changed.code) == (409, "pin_changed")

    async with wallet.db.transaction() as session:
        await session.execute(
            update(PaymentPin)
            .where(PaymentPin.user_id == user_id)
            .values(locked_until=now + timedelta(minutes=30))
        )
    async with wallet.db.autocommit() as session:
        assert await _attempt(session, user_id, version, guess, now) is None
        locked = await _refusal(session, user_id, now)
        assert (await _refusal(session, user_id + 1_000_000, now)).code == "pin_not_set"
    assert (locked.status_code, locked.code, locked.details) == (429, "pin_locked", {"retry_after": 1800})
    async with wallet.db.read() as session:
        row = (await session.execute(select(PaymentPin).where(PaymentPin.user_id == user_id))).scalar_one()
    assert (row.failed_attempts, row.version) == (0, version)


async def test_a_money_transaction_takes_only_a_fresh_proof_of_its_own_actor(
    wallet: Wallet, frozen_clock: Any
) -> None:
    mei, lei = await wallet.user("mei"), await wallet.user("lei")
    proof = await verify_pin(wallet.db, wallet.actor(mei), PIN)
    leis = await verify_pin(wallet.db, wallet.actor(lei), PIN)
    async with wallet.db.transaction() as session:
        await confirm_pin(session, wallet.actor(mei), proof)  # fresh and Mei's: accepted
        for wrong_proof in (None, leis):
            with pytest.raises(InvalidInput) as refused:
                await confirm_pin(session, wallet.actor(mei), wrong_proof)
            assert refused.value.code == "pin_required"
    # Each change of the PIN makes every earlier proof stale.
    current = PIN
    for new_pin in ("975312", "246813"):
        change = await verify_pin(wallet.db, wallet.actor(mei), current)
        async with wallet.db.transaction() as session:
            await set_pin(session, wallet.actor(mei), new_pin, change)
        async with wallet.db.transaction() as session:
            for stale in (proof, change):
                with pytest.raises(PinChanged):
                    await confirm_pin(session, wallet.actor(mei), stale)
        current, proof = new_pin, await verify_pin(wallet.db, wallet.actor(mei), new_pin)
