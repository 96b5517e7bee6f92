"""A grab of an emptied (or expired) red packet is refused before any write transaction
(docs/architecture.md, "Refused early"), with the answer the grab gives inside its transaction; who
may not see the packet, or grabbed it already, still gets the grab's own answer."""

from __future__ import annotations

import uuid
from typing import Any

from tests.statements import count_statements
from tests.wallet.conftest import PIN, Wallet

EMPTY = {
    "error": {
        "code": "red_packet_empty",
        "message": "Every share of this red packet was taken.",
        "details": None,
    }
}


async def _emptied(wallet: Wallet, shares: int = 2) -> tuple[Any, list[Any], dict[str, Any]]:
    """A group packet of `shares` shares for `shares` + 1 members, all but the last of whom grabbed."""
    mei = await wallet.user()
    members = [await wallet.user(pin=None) for _ in range(shares + 1)]
    await wallet.top_up(mei, 20_00)
    created = await wallet.post(
        "/red-packets",
        mei,
        {
            "kind": "group",
            "split": "equal",
            "total": shares * 1_00,
            "count": shares,
            "audience": [member.id for member in members],
            "pin": PIN,
        },
    )
    assert created.status_code == 201, created.text
    packet = created.json()
    for member in members[:shares]:
        grabbed = await wallet.post(f"/red-packets/{packet['id']}/grab", member)
        assert grabbed.status_code == 200, grabbed.text
    return mei, members, packet


async def test_an_emptied_packet_is_refused_without_a_write_transaction(
    wallet: Wallet, frozen_clock: Any
) -> None:
    _mei, members, packet = await _emptied(wallet)
    late = members[-1]
    async with count_statements(wallet.app) as counted:
        response = await wallet.post(f"/red-packets/{packet['id']}/grab", late)
    assert response.status_code == 409, response.text
    assert response.json() == EMPTY
    assert counted.writes() == [], counted.report()
    assert await wallet.balance(late) == 0


async def test_the_grab_still_answers_strangers_and_those_who_grabbed(
    wallet: Wallet, frozen_clock: Any
) -> None:
    mei, members, packet = await _emptied(wallet)
    stranger = await wallet.user(pin=None)
    hidden = await wallet.post(f"/red-packets/{packet['id']}/grab", stranger)
    assert hidden.status_code == 404, hidden.text
    assert hidden.json()["error"]["code"] == "red_packet_not_found"
    again = await wallet.post(f"/red-packets/{packet['id']}/grab", members[0])
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "already_grabbed"
    sender = await wallet.post(f"/red-packets/{packet['id']}/grab", mei)
    assert sender.status_code == 409, sender.text
    assert sender.json() == EMPTY


async def test_an_expired_packet_is_refused_early(wallet: Wallet, frozen_clock: Any) -> None:
    _mei, members, packet = await _emptied(wallet, shares=3)
    frozen_clock.advance(hours=24, seconds=1)  # past the expiry, before the job has run
    assert await wallet.balance(members[-1]) == 0  # (the day-old session is touched here, not below)
    async with count_statements(wallet.app) as counted:
        response = await wallet.post(f"/red-packets/{packet['id']}/grab", members[-1])
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "red_packet_expired"
    assert counted.writes() == [], counted.report()


async def test_a_repeated_key_gets_the_same_refusal(wallet: Wallet, frozen_clock: Any) -> None:
    _mei, members, packet = await _emptied(wallet)
    refused_key = uuid.uuid4().hex
    first = await wallet.post(f"/red-packets/{packet['id']}/grab", members[-1], idempotency_key=refused_key)
    again = await wallet.post(f"/red-packets/{packet['id']}/grab", members[-1], idempotency_key=refused_key)
    assert (first.status_code, again.status_code) == (409, 409)
    assert first.json() == again.json() == EMPTY


async def test_the_key_that_took_the_last_share_replays_its_grab(wallet: Wallet, frozen_clock: Any) -> None:
    mei = await wallet.user()
    lei = await wallet.user(pin=None)
    await wallet.top_up(mei, 5_00)
    created = await wallet.post(
        "/red-packets",
        mei,
        {"kind": "group", "split": "equal", "total": 1_00, "count": 1, "audience": [lei.id], "pin": PIN},
    )
    assert created.status_code == 201, created.text
    last_share_key = uuid.uuid4().hex
    path = f"/red-packets/{created.json()['id']}/grab"
    grabbed = await wallet.post(path, lei, idempotency_key=last_share_key)
    retried = await wallet.post(path, lei, idempotency_key=last_share_key)
    assert (grabbed.status_code, retried.status_code) == (200, 200)
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json() == grabbed.json()
    assert await wallet.balance(lei) == 1_00
