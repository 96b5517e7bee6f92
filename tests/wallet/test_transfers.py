"""Top-ups and transfers between friends (WAL-2, WAL-4, WAL-8, WAL-9) through the public API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from quanzi.wallet import rules
from tests.wallet.conftest import PIN, Wallet


async def test_top_up_transfer_accept_and_statement(wallet: Wallet, frozen_clock: Any) -> None:
    mei, lei = await wallet.user("mei"), await wallet.user("lei")
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 100_00)
    assert await wallet.balance(mei) == 100_00

    sent = await wallet.post(
        "/transfers", mei, {"to_user_id": lei.id, "amount": 25_50, "note": "dinner", "pin": PIN}
    )
    assert sent.status_code == 201, sent.text
    transfer = sent.json()
    assert transfer["status"] == "pending"
    assert transfer["amount"] == 25_50
    assert transfer["receiver"]["id"] == lei.id
    assert await wallet.balance(mei) == 74_50
    assert await wallet.balance(lei) == 0

    accepted = await wallet.post(f"/transfers/{transfer['id']}/accept", lei)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert await wallet.balance(lei) == 25_50

    mine = await wallet.statement(mei)
    assert [(i["kind"], i["amount"], i["balance_after"]) for i in mine] == [
        ("transfer_sent", -25_50, 74_50),
        ("topup", 100_00, 100_00),
    ]
    assert mine[0]["counterparty"]["id"] == lei.id
    theirs = await wallet.statement(lei)
    assert [(i["kind"], i["amount"], i["balance_after"]) for i in theirs] == [
        ("transfer_received", 25_50, 25_50)
    ]
    assert theirs[0]["counterparty"]["id"] == mei.id
    await wallet.assert_books_balance()


async def test_declined_and_expired_transfers_go_back(wallet: Wallet, frozen_clock: Any) -> None:
    mei, lei = await wallet.user("mei"), await wallet.user("lei")
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 50_00)
    first = (await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": 10_00, "pin": PIN})).json()
    second = (
        await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": 20_00, "pin": PIN})
    ).json()
    assert await wallet.balance(mei) == 20_00

    declined = await wallet.post(f"/transfers/{first['id']}/decline", lei)
    assert declined.json()["status"] == "declined"
    assert await wallet.balance(mei) == 30_00

    frozen_clock.advance(hours=23, minutes=59)
    assert await wallet.run_jobs() == 0
    frozen_clock.advance(minutes=1)
    assert await wallet.run_jobs() == 2  # both expiry jobs run; the declined transfer's changes nothing
    got = await wallet.get(f"/transfers/{second['id']}", mei)
    assert got.json()["status"] == "expired"
    assert await wallet.balance(mei) == 50_00
    late = await wallet.post(f"/transfers/{second['id']}/accept", lei)
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "transfer_not_pending"
    assert await wallet.balance(lei) == 0
    await wallet.assert_books_balance()


async def test_accept_after_expiry_before_the_job_is_refused(wallet: Wallet, frozen_clock: Any) -> None:
    mei, lei = await wallet.user("mei"), await wallet.user("lei")
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 5_00)
    sent = (await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": 5_00, "pin": PIN})).json()
    frozen_clock.advance(hours=24)
    late = await wallet.post(f"/transfers/{sent['id']}/accept", lei)
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "transfer_expired"
    await wallet.run_jobs()
    assert await wallet.balance(mei) == 5_00
    await wallet.assert_books_balance()


async def test_refusals_move_nothing(wallet: Wallet, frozen_clock: Any) -> None:
    mei, lei, stranger = await wallet.user("mei"), await wallet.user("lei"), await wallet.user("stranger")
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 10_00)

    async def refused(body: dict[str, Any], status: int, code: str) -> None:
        response = await wallet.post("/transfers", mei, body)
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code
        assert await wallet.balance(mei) == 10_00

    base = {"to_user_id": lei.id, "amount": 1_00, "pin": PIN}
    await refused(base | {"amount": 10_01}, 409, "insufficient_balance")
    await refused(base | {"amount": -5}, 422, "invalid_input")
    await refused(base | {"amount": 0}, 422, "invalid_input")
    await refused(base | {"amount": 1.5}, 422, "invalid_input")
    await refused(base | {"amount": "100"}, 422, "invalid_input")
    await refused(base | {"amount": True}, 422, "invalid_input")
    await refused(base | {"to_user_id": stranger.id}, 403, "not_a_friend")
    await refused(base | {"to_user_id": mei.id}, 422, "cannot_transfer_to_self")
    await refused(base | {"to_user_id": "999999999999"}, 404, "user_not_found")
    await refused(base | {"pin": "000000"}, 403, "wrong_pin")
    await refused(base | {"balance": 5}, 422, "invalid_input")
    missing_key = await wallet.client.post("/api/v1/wallet/transfers", json=base, headers=mei.headers)
    assert missing_key.status_code == 400
    assert missing_key.json()["error"]["code"] == "idempotency_key_required"
    assert await wallet.statement(lei) == []
    await wallet.assert_books_balance()


async def test_transfer_limits(wallet: Wallet, frozen_clock: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(rules, "LIMITS", rules.Limits(transfer_per_transaction=30_00, transfer_per_day=50_00))
    mei, lei = await wallet.user("mei"), await wallet.user("lei")
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 100_00)
    over = await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": 30_01, "pin": PIN})
    assert over.status_code == 422
    assert over.json()["error"]["code"] == "limit_exceeded"
    for amount in (30_00, 20_00):
        assert (
            await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": amount, "pin": PIN})
        ).status_code == 201
    daily = await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": 1, "pin": PIN})
    assert daily.status_code == 422
    assert daily.json()["error"]["code"] == "daily_limit_exceeded"
    assert await wallet.balance(mei) == 50_00
    # The cap is per China calendar day: 2026-11-11 12:00 UTC is 20:00 in Beijing; 4 h later is a new day.
    frozen_clock.advance(timedelta(hours=4))
    assert (
        await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": 1, "pin": PIN})
    ).status_code == 201
    await wallet.assert_books_balance()


async def test_only_the_receiver_acts_and_others_see_nothing(wallet: Wallet, frozen_clock: Any) -> None:
    mei, lei, other = await wallet.user("mei"), await wallet.user("lei"), await wallet.user("other")
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 5_00)
    sent = (await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": 5_00, "pin": PIN})).json()
    by_sender = await wallet.post(f"/transfers/{sent['id']}/accept", mei)
    assert by_sender.status_code == 403
    for path in (f"/transfers/{sent['id']}/accept", f"/transfers/{sent['id']}/decline"):
        assert (await wallet.post(path, other)).status_code == 404
    assert (await wallet.get(f"/transfers/{sent['id']}", other)).status_code == 404
    assert (await wallet.get("/transfers/nonsense", other)).status_code == 404
    assert await wallet.balance(mei) == 0
    await wallet.assert_books_balance()
