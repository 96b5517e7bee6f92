"""Cards and the sandbox bank (WAL-2): Luhn, masking, top-ups and withdrawals that succeed, fail,
are delayed or reversed, and callbacks that are refused unless signed, fresh and new (API10)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from quanzi.wallet import rules
from quanzi.wallet.bank import sandbox_card_number, sign, signed_headers
from quanzi.wallet.models import SandboxBankCard
from tests.wallet.conftest import PIN, V1, Wallet


async def test_link_card_checks_masks_and_tokenises(wallet: Wallet, frozen_clock: Any) -> None:
    mei, other = await wallet.user("mei", pin=None), await wallet.user("other", pin=None)
    number = sandbox_card_number("4321")
    bad = number[:-1] + str((int(number[-1]) + 1) % 10)
    for candidate in (bad, "1234", "6222abcd00001234"):
        response = await wallet.client.post(
            f"{V1}/wallet/cards", json={"number": candidate, "holder_name": "Mei"}, headers=mei.headers
        )
        assert response.status_code == 422, response.text
    spaced = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    linked = await wallet.client.post(
        f"{V1}/wallet/cards", json={"number": spaced, "holder_name": "Lin Mei"}, headers=mei.headers
    )
    assert linked.status_code == 201, linked.text
    card = linked.json()
    assert card["masked"] == f"{number[:4]} **** **** 4321"
    assert card["last4"] == "4321"
    assert number not in linked.text and "token" not in card
    again = await wallet.client.post(
        f"{V1}/wallet/cards", json={"number": number, "holder_name": "Lin Mei"}, headers=mei.headers
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "card_already_linked"
    assert [c["id"] for c in (await wallet.get("/cards", mei)).json()] == [card["id"]]
    assert (await wallet.get("/cards", other)).json() == []
    assert (
        await wallet.client.delete(f"{V1}/wallet/cards/{card['id']}", headers=other.headers)
    ).status_code == 404
    assert (
        await wallet.client.delete(f"{V1}/wallet/cards/{card['id']}", headers=mei.headers)
    ).status_code == 204
    assert (await wallet.get("/cards", mei)).json() == []


async def test_failing_top_ups_move_nothing(wallet: Wallet, frozen_clock: Any) -> None:
    mei = await wallet.user("mei")
    for last4, reason in (("0002", "card_declined"), ("0051", "insufficient_funds")):
        card_id = await wallet.link_card(mei, last4)
        order = await wallet.post("/topups", mei, {"card_id": card_id, "amount": 50_00, "pin": PIN})
        assert order.status_code == 201
        assert order.json()["status"] == "pending"
        await wallet.run_jobs()
        done = (await wallet.get(f"/bank-orders/{order.json()['id']}", mei)).json()
        assert (done["status"], done["failure_reason"]) == ("failed", reason)
    assert await wallet.balance(mei) == 0
    assert await wallet.statement(mei) == []
    await wallet.assert_books_balance()


async def test_withdrawal_succeeds_or_is_reversed(wallet: Wallet, frozen_clock: Any) -> None:
    mei = await wallet.user("mei")
    await wallet.top_up(mei, 100_00)
    good_card = await wallet.link_card(mei, "5555")
    closed_card = await wallet.link_card(mei, "0077")

    ok = await wallet.post("/withdrawals", mei, {"card_id": good_card, "amount": 30_00, "pin": PIN})
    assert ok.status_code == 201, ok.text
    bad = await wallet.post("/withdrawals", mei, {"card_id": closed_card, "amount": 20_00, "pin": PIN})
    assert bad.status_code == 201, bad.text
    assert await wallet.balance(mei) == 50_00  # held at once, so it cannot be spent twice
    await wallet.run_jobs()
    assert (await wallet.get(f"/bank-orders/{ok.json()['id']}", mei)).json()["status"] == "succeeded"
    stranger = await wallet.user("stranger", pin=None)
    assert (await wallet.get(f"/bank-orders/{ok.json()['id']}", stranger)).status_code == 404
    failed = (await wallet.get(f"/bank-orders/{bad.json()['id']}", mei)).json()
    assert (failed["status"], failed["failure_reason"]) == ("failed", "account_closed")
    assert await wallet.balance(mei) == 70_00
    kinds = [(i["kind"], i["amount"]) for i in await wallet.statement(mei)]
    assert ("withdrawal_reversal", 20_00) in kinds
    assert kinds.count(("withdrawal", -30_00)) == 1 and kinds.count(("withdrawal", -20_00)) == 1
    async with wallet.db.read() as session:
        balances = dict((await session.execute(select(SandboxBankCard.last4, SandboxBankCard.balance))).all())
    assert balances["5555"] == 1_000_000_00 + 30_00
    assert balances["0077"] == 1_000_000_00
    await wallet.assert_books_balance()


async def test_withdrawal_limits_and_balance(wallet: Wallet, frozen_clock: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(
        rules, "LIMITS", rules.Limits(withdrawal_per_transaction=40_00, withdrawal_per_day=60_00)
    )
    mei = await wallet.user("mei")
    await wallet.top_up(mei, 100_00)
    card = await wallet.link_card(mei, "5556")
    for amount, status, code in ((40_01, 422, "limit_exceeded"), (100_01, 422, "limit_exceeded")):
        response = await wallet.post("/withdrawals", mei, {"card_id": card, "amount": amount, "pin": PIN})
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert (
        await wallet.post("/withdrawals", mei, {"card_id": card, "amount": 40_00, "pin": PIN})
    ).status_code == 201
    over_day = await wallet.post("/withdrawals", mei, {"card_id": card, "amount": 20_01, "pin": PIN})
    assert over_day.json()["error"]["code"] == "daily_limit_exceeded"
    assert await wallet.balance(mei) == 60_00
    await wallet.assert_books_balance()


async def test_slow_bank_answers_later(wallet: Wallet, frozen_clock: Any) -> None:
    mei = await wallet.user("mei")
    card = await wallet.link_card(mei, "0099")
    order = (await wallet.post("/topups", mei, {"card_id": card, "amount": 8_00, "pin": PIN})).json()
    await wallet.run_jobs()
    assert (await wallet.get(f"/bank-orders/{order['id']}", mei)).json()["status"] == "pending"
    frozen_clock.advance(minutes=10)
    await wallet.run_jobs()
    assert (await wallet.get(f"/bank-orders/{order['id']}", mei)).json()["status"] == "succeeded"
    assert await wallet.balance(mei) == 8_00


async def test_callbacks_are_refused_unless_signed_fresh_and_new(wallet: Wallet, frozen_clock: Any) -> None:
    mei = await wallet.user("mei")
    card = await wallet.link_card(mei, "0099")  # slow: the bank has not answered yet
    order = (await wallet.post("/topups", mei, {"card_id": card, "amount": 9_00, "pin": PIN})).json()
    body = json.dumps({"order_id": order["id"], "status": "succeeded", "bank_reference": "X1"}).encode()
    url = f"{V1}/wallet/bank/callback"

    async def deliver(headers: dict[str, str]) -> Any:
        return await wallet.client.post(
            url, content=body, headers={"content-type": "application/json", **headers}
        )

    unsigned = await deliver({})
    assert (unsigned.status_code, unsigned.json()["error"]["code"]) == (401, "callback_unsigned")
    forged = signed_headers(body, secret=b"not-the-secret")
    assert (await deliver(forged)).json()["error"]["code"] == "callback_bad_signature"
    stale_time = int((frozen_clock.now() - timedelta(minutes=6)).timestamp())
    stale = {
        "x-bank-timestamp": str(stale_time),
        "x-bank-nonce": "n1",
        "x-bank-signature": sign(body, stale_time, "n1"),
    }
    assert (await deliver(stale)).json()["error"]["code"] == "callback_stale"
    tampered = signed_headers(body)
    tampered_body = body.replace(b"succeeded", b"failed")
    refused = await wallet.client.post(url, content=tampered_body, headers=tampered)
    assert refused.json()["error"]["code"] == "callback_bad_signature"
    assert await wallet.balance(mei) == 0

    good = signed_headers(body)
    accepted = await deliver(good)
    assert accepted.status_code == 200, accepted.text
    assert await wallet.balance(mei) == 9_00
    replayed = await deliver(good)
    assert (replayed.status_code, replayed.json()["error"]["code"]) == (401, "callback_replayed")
    # A second genuine answer for a settled order changes nothing either.
    assert (await deliver(signed_headers(body))).status_code == 200
    frozen_clock.advance(minutes=10)
    await wallet.run_jobs()  # the sandbox's own late answer
    assert await wallet.balance(mei) == 9_00
    await wallet.assert_books_balance()
