"""The payment PIN (WAL-3) and idempotency keys (WAL-7)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from quanzi.core import idempotency
from quanzi.core.idempotency import IdempotencyKey
from quanzi.wallet import service
from quanzi.wallet.models import BankOrder, Payment, PaymentPin, RedPacket, Transfer
from quanzi.wallet.pins import PinChanged, PinPrecheck, PinProof, hash_pin, verify_pin
from tests.wallet.conftest import PIN, V1, Wallet


async def test_five_wrong_pins_lock_payments_for_three_hours(wallet: Wallet, frozen_clock: Any) -> None:
    mei, lei = await wallet.user("mei"), await wallet.user("lei", pin=None)
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 10_00)
    body = {"to_user_id": lei.id, "amount": 1_00}
    for attempt in range(1, 5):
        wrong = await wallet.post("/transfers", mei, body | {"pin": "246801"})
        assert wrong.status_code == 403
        assert wrong.json()["error"]["details"]["attempts_left"] == 5 - attempt
    locked = await wallet.post("/transfers", mei, body | {"pin": "246801"})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "pin_locked"
    still = await wallet.post("/transfers", mei, body | {"pin": PIN})  # even the right PIN
    assert (still.status_code, still.json()["error"]["code"]) == (429, "pin_locked")
    assert int(still.headers["retry-after"]) == 3 * 3600
    assert (await wallet.get("", mei)).json()["pin_locked_until"] is not None
    frozen_clock.advance(hours=2, minutes=59)
    assert (await wallet.post("/transfers", mei, body | {"pin": PIN})).status_code == 429
    frozen_clock.advance(minutes=1)
    assert (await wallet.post("/transfers", mei, body | {"pin": PIN})).status_code == 201
    # After a success the count starts again: four wrong PINs do not lock.
    for _ in range(4):
        assert (await wallet.post("/transfers", mei, body | {"pin": "246801"})).status_code == 403
    assert (await wallet.post("/transfers", mei, body | {"pin": PIN})).status_code == 201
    assert await wallet.balance(mei) == 8_00
    await wallet.assert_books_balance()


async def test_pin_rules(wallet: Wallet, frozen_clock: Any) -> None:
    mei = await wallet.user("mei", pin=None)
    none_yet = await wallet.post(
        "/topups", mei, {"card_id": await wallet.link_card(mei), "amount": 1, "pin": PIN}
    )
    assert (none_yet.status_code, none_yet.json()["error"]["code"]) == (409, "pin_not_set")
    for weak in ("111111", "123456", "654321"):
        response = await wallet.client.put(f"{V1}/wallet/pin", json={"new_pin": weak}, headers=mei.headers)
        assert response.json()["error"]["code"] == "pin_too_simple"
    for bad in ("12345", "1234567", "12a456", "１２３４５６"):
        response = await wallet.client.put(f"{V1}/wallet/pin", json={"new_pin": bad}, headers=mei.headers)
        assert response.status_code == 422
    await wallet.set_pin(mei, PIN)
    again = await wallet.client.put(f"{V1}/wallet/pin", json={"new_pin": "975312"}, headers=mei.headers)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "pin_already_set")
    wrong = await wallet.client.put(
        f"{V1}/wallet/pin", json={"new_pin": "975312", "current_pin": "000111"}, headers=mei.headers
    )
    assert wrong.status_code == 403
    await wallet.set_pin(mei, "975312", current=PIN)
    assert (await wallet.get("", mei)).json()["pin_set"] is True


async def test_retry_replays_and_a_different_body_is_refused(wallet: Wallet, frozen_clock: Any) -> None:
    mei, lei, other = await wallet.user("mei"), await wallet.user("lei", pin=None), await wallet.user("other")
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 10_00)
    key = uuid.uuid4().hex
    body = {"to_user_id": lei.id, "amount": 3_00, "pin": PIN}
    first = await wallet.post("/transfers", mei, body, idempotency_key=key)
    retry = await wallet.post("/transfers", mei, body, idempotency_key=key)
    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert await wallet.balance(mei) == 7_00
    changed = await wallet.post("/transfers", mei, body | {"amount": 4_00}, idempotency_key=key)
    assert (changed.status_code, changed.json()["error"]["code"]) == (422, "idempotency_key_reused")
    elsewhere = await wallet.post(f"/transfers/{first.json()['id']}/decline", mei, idempotency_key=key)
    assert elsewhere.json()["error"]["code"] == "idempotency_key_reused"
    # A key someone else used is refused, and never replays their answer.
    other_use = await wallet.post("/transfers", other, body, idempotency_key=key)
    assert (other_use.status_code, other_use.json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert "id" not in other_use.json()
    assert await wallet.balance(mei) == 7_00

    # A failure is an answer too: the retry gets it again, even once the balance would allow it.
    poor_key = uuid.uuid4().hex
    poor = await wallet.post("/transfers", mei, body | {"amount": 8_00}, idempotency_key=poor_key)
    assert poor.status_code == 409
    await wallet.top_up(mei, 10_00)
    assert (
        await wallet.post("/transfers", mei, body | {"amount": 8_00}, idempotency_key=poor_key)
    ).json() == poor.json()
    assert await wallet.balance(mei) == 17_00
    await wallet.assert_books_balance()


async def test_concurrent_requests_with_one_key_have_one_effect(wallet: Wallet, frozen_clock: Any) -> None:
    mei, lei = await wallet.user("mei"), await wallet.user("lei", pin=None)
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 10_00)
    key = uuid.uuid4().hex
    body = {"to_user_id": lei.id, "amount": 1_00, "pin": PIN}
    answers = await asyncio.gather(
        *(wallet.post("/transfers", mei, body, idempotency_key=key) for _ in range(20))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert await wallet.balance(mei) == 9_00
    assert len([i for i in await wallet.statement(mei) if i["kind"] == "transfer_sent"]) == 1
    await wallet.assert_books_balance()


async def test_stored_pins_reveal_nothing_without_the_key(
    wallet: Wallet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PIN is kept as a salted MAC under QUANZI_PIN_KEY: the table holds neither the PIN nor a value
    shared by users with the same PIN, and under another key the same PIN no longer matches."""
    alice = await wallet.user("alice")
    await wallet.user("bob")  # the same PIN
    async with wallet.db.read() as session:
        stored = list((await session.scalars(select(PaymentPin.pin_hash))).all())
    assert len(stored) == 2 and stored[0] != stored[1]
    assert all(h.startswith("hmac-sha256$") and PIN not in h for h in stored)
    assert await hash_pin(PIN) != await hash_pin(PIN)

    top_up = {"card_id": await wallet.link_card(alice), "amount": 100, "pin": PIN}
    monkeypatch.setenv("QUANZI_PIN_KEY", "a different key than the one the PIN was set under")
    refused = await wallet.post("/topups", alice, top_up)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "wrong_pin"
    monkeypatch.undo()  # the key the PIN was set under
    accepted = await wallet.post("/topups", alice, top_up)
    assert accepted.status_code == 201, accepted.text


async def test_parallel_wrong_pins_neither_outrun_the_lock_nor_reveal_the_right_pin(
    wallet: Wallet, frozen_clock: Any
) -> None:
    """40 wrong PINs and the right one last, all at once: at most five are compared, and the right one
    gets either its payment (it was among the five) or the very answer the wrong ones get — never a
    different refusal such as ``pin_changed``, which would confirm it."""
    mei, lei = await wallet.user("mei"), await wallet.user("lei", pin=None)
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 10_00)
    body = {"to_user_id": lei.id, "amount": 1_00}
    guesses = [f"{n:06d}" for n in range(200_000, 200_040)] + [PIN]
    answers = await asyncio.gather(*(wallet.post("/transfers", mei, body | {"pin": pin}) for pin in guesses))
    *wrong, right = answers
    assert {(a.status_code, a.json()["error"]["code"]) for a in wrong} <= {
        (403, "wrong_pin"),
        (429, "pin_locked"),
    }
    async with wallet.db.read() as session:
        pin_row = (
            await session.execute(select(PaymentPin).where(PaymentPin.user_id == int(mei.id)))
        ).scalar_one()
    if right.status_code == 201:  # the right PIN was among the first five compared
        assert await wallet.balance(mei) == 9_00
        return
    assert (right.status_code, right.json()["error"]["code"]) == (429, "pin_locked"), right.text
    # The lock held: exactly five wrong PINs were compared (four answered 403, the fifth locked).
    assert sum(a.status_code == 403 for a in wrong) == 4
    assert pin_row.failed_attempts == 5 and pin_row.locked_until is not None
    locked = [a for a in answers if a.status_code == 429]
    assert len(locked) == 37
    assert len({(a.status_code, a.text, a.headers["retry-after"]) for a in locked}) == 1
    assert await wallet.balance(mei) == 10_00
    await wallet.assert_books_balance()


class _PinChangedMeanwhile:
    """The routes' PIN precheck, after which the user changes the PIN from another device before the
    money transaction starts: the proof it hands over names a PIN version that is no longer set."""

    def __init__(self, wallet: Wallet, user: Any) -> None:
        self.wallet, self.user = wallet, user

    async def check(self, db: Any) -> PinProof:
        proof = await verify_pin(db, Wallet.actor(self.user), PIN)
        await self.wallet.set_pin(self.user, NEW_PIN, current=PIN)
        return proof


NEW_PIN = "975312"


@pytest.mark.parametrize("operation", ["transfer", "red packet", "top-up", "withdrawal", "payment"])
async def test_a_pin_changed_between_verification_and_use_moves_nothing(
    wallet: Wallet, frozen_clock: Any, operation: str
) -> None:
    """A PIN proof names the PIN's version; changed in between, the money transaction refuses it with
    409 ``pin_changed``: nothing moves, nothing is written, and the key is not spent, so the client's
    retry with the new PIN goes through once."""
    mei, lei = await wallet.user("mei"), await wallet.user("lei")
    shop = await wallet.user("shop", pin=None, kind="merchant")
    await wallet.befriend(mei, lei)
    card = await wallet.link_card(mei)
    await wallet.top_up(mei, 100_00, card)
    actor = Wallet.actor(mei)

    async def act(session: Any, proof: Any) -> tuple[int, dict[str, Any]]:
        made: Any
        if operation == "transfer":
            made = await service.send_transfer(session, actor, lei.id, 30_00, proof=proof)
        elif operation == "red packet":
            made = await service.create_red_packet(
                session, actor, kind="direct", total=30_00, to_user_id=lei.id, proof=proof
            )
        elif operation == "top-up":
            made = await service.start_topup(session, actor, card, 30_00, proof=proof)
        elif operation == "withdrawal":
            made = await service.start_withdrawal(session, actor, card, 30_00, proof=proof)
        else:
            made = await service.pay_to_escrow(session, actor, shop.id, 30_00, order_ref="o1", proof=proof)
        return 201, {"id": str(made.id)}

    def run(precheck: Any) -> Any:
        return idempotency.execute(
            wallet.db, actor, key=key, scope=f"test.{operation}", payload={}, action=act, precheck=precheck
        )

    before = await wallet.statement(mei)
    key = uuid.uuid4().hex
    with pytest.raises(PinChanged) as refused:
        await run(_PinChangedMeanwhile(wallet, mei))
    assert (refused.value.status_code, refused.value.envelope()["error"]["code"]) == (409, "pin_changed")

    assert await wallet.balance(mei) == 100_00
    assert await wallet.statement(mei) == before
    async with wallet.db.read() as session:
        for table in (Transfer, RedPacket, Payment):
            assert (await session.scalar(select(func.count()).select_from(table))) == 0
        orders = (await session.scalars(select(BankOrder.kind))).all()
        assert orders == ["topup"]  # the top-up that funded the wallet, and no other
        assert await session.get(IdempotencyKey, key) is None
    await wallet.run_jobs()
    assert await wallet.balance(mei) == 100_00

    # The retry with the new PIN: the same key, now spent once.
    done = await run(PinPrecheck(actor, NEW_PIN))
    assert (done.status_code, done.replayed) == (201, False)
    again = await run(PinPrecheck(actor, NEW_PIN))
    assert (again.body, again.replayed) == (done.body, True)
    await wallet.run_jobs()
    assert await wallet.balance(mei) == (130_00 if operation == "top-up" else 70_00)
    await wallet.assert_books_balance()


async def test_a_pin_changed_through_the_api_refuses_the_old_pin(wallet: Wallet, frozen_clock: Any) -> None:
    """Seen by a client: the PIN changed on another device, a payment with the old PIN is a wrong PIN
    (403); with the new one it pays."""
    mei, lei = await wallet.user("mei"), await wallet.user("lei")
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 10_00)
    await wallet.set_pin(mei, NEW_PIN, current=PIN)
    body = {"to_user_id": lei.id, "amount": 1_00}
    old = await wallet.post("/transfers", mei, body | {"pin": PIN})
    assert (old.status_code, old.json()["error"]["code"]) == (403, "wrong_pin")
    assert (await wallet.post("/transfers", mei, body | {"pin": NEW_PIN})).status_code == 201
    assert await wallet.balance(mei) == 9_00
