"""Transfers and red packets as chat messages: made in the wallet, sent as messages, followed in chat."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.chat.conftest import V1, ChatApi, error_code, ok
from tests.conftest import TestUser as Person
from tests.wallet.conftest import PIN, Wallet


@pytest.fixture
def wallet(app: Any, client: httpx.AsyncClient, users: Any) -> Wallet:
    return Wallet(app, client, users)


async def _pinned(wallet: Wallet, *people: Person) -> None:
    for person in people:
        await wallet.set_pin(person)


async def _money_message(api: ChatApi, user: Person, chat_id: str, kind: str, ref: dict[str, str]) -> Any:
    return await api.client.post(
        f"{V1}/chats/{chat_id}/messages", json={"kind": kind, "content": ref}, headers=user.headers
    )


async def _find(api: ChatApi, user: Person, chat_id: str, message_id: str) -> dict[str, Any]:
    return ok(await api.client.get(f"{V1}/chats/{chat_id}/messages/{message_id}", headers=user.headers))  # type: ignore[no-any-return]


async def _notices(api: ChatApi, user: Person, chat_id: str) -> list[dict[str, Any]]:
    items = ok(await api.history(user, chat_id, limit=100))["items"][::-1]  # oldest first
    return [m["content"] for m in items if m["kind"] == "system" and m["content"]["event"] != "created"]


async def test_transfer_in_a_direct_chat_is_accepted_from_the_chat(api: ChatApi, wallet: Wallet) -> None:
    alice, bob = await api.friends("alice_m", "bob_m")
    await _pinned(wallet, alice, bob)
    await wallet.top_up(alice, 10_000)
    chat = await api.direct(alice, bob)

    made = await wallet.post(
        "/transfers",
        alice,
        {"to_user_id": bob.id, "amount": 2_500, "pin": PIN, "conversation_ref": chat["id"]},
    )
    assert made.status_code == 201, made.text
    transfer_id = made.json()["id"]
    sent = ok(await _money_message(api, alice, chat["id"], "transfer", {"transfer_id": transfer_id}), 201)
    assert sent["content"] == {"transfer_id": transfer_id, "amount": 2_500, "note": ""}
    assert sent["money"]["status"] == "pending"

    for person in (alice, bob):
        seen = await _find(api, person, chat["id"], sent["id"])
        assert seen["money"]["status"] == "pending"
        assert seen["money"]["receiver"]["id"] == bob.id
    chats = ok(await api.client.get(f"{V1}/chats", headers=bob.headers))["items"]
    assert chats[0]["last_message"]["kind"] == "transfer"

    accepted = await wallet.post(f"/transfers/{transfer_id}/accept", bob)
    assert accepted.status_code == 200, accepted.text
    await wallet.run_jobs()

    for person in (alice, bob):
        assert (await _find(api, person, chat["id"], sent["id"]))["money"]["status"] == "accepted"
    assert await wallet.balance(alice) == 7_500
    assert await wallet.balance(bob) == 2_500
    notices = await _notices(api, bob, chat["id"])
    assert [n["event"] for n in notices] == ["transfer_accepted"]
    assert notices[0]["text"] == "Bob_M accepted Alice_M's transfer of ¥25.00"
    assert notices[0]["transfer_id"] == transfer_id
    # What a client needs to write the line in its own language: who, to whom, how much, their names.
    assert notices[0]["sender_id"] == alice.id and notices[0]["receiver_id"] == bob.id
    assert notices[0]["amount"] == 2_500
    assert notices[0]["names"] == {alice.id: "Alice_M", bob.id: "Bob_M"}
    await wallet.run_jobs()  # nothing left to run: one notice
    assert len(await _notices(api, alice, chat["id"])) == 1
    await wallet.assert_books_balance()


async def test_no_one_can_send_a_transfer_that_is_not_theirs(api: ChatApi, wallet: Wallet) -> None:
    alice, bob, mallory = await api.friends("alice_s", "bob_s", "mallory_s")
    await api.befriend(bob, mallory)
    await _pinned(wallet, alice)
    await wallet.top_up(alice, 5_000)
    chat_ab = await api.direct(alice, bob)
    chat_mb = await api.direct(mallory, bob)
    made = await wallet.post(
        "/transfers",
        alice,
        {"to_user_id": bob.id, "amount": 100, "pin": PIN, "conversation_ref": chat_ab["id"]},
    )
    transfer_id = made.json()["id"]

    stolen = await _money_message(api, mallory, chat_mb["id"], "transfer", {"transfer_id": transfer_id})
    assert stolen.status_code == 404 and error_code(stolen) == "transfer_not_found"
    by_receiver = await _money_message(api, bob, chat_ab["id"], "transfer", {"transfer_id": transfer_id})
    assert by_receiver.status_code == 404
    # The sender's own transfer, but into another chat than the one it was made for.
    chat_am = await api.direct(alice, mallory)
    elsewhere = await _money_message(api, alice, chat_am["id"], "transfer", {"transfer_id": transfer_id})
    assert elsewhere.status_code == 404
    bad = await _money_message(api, alice, chat_ab["id"], "transfer", {"transfer_id": "x"})
    assert bad.status_code == 422
    for person, chat in ((mallory, chat_mb), (bob, chat_ab), (alice, chat_am)):
        kinds = [m["kind"] for m in ok(await api.history(person, chat["id"]))["items"]]
        assert "transfer" not in kinds


async def test_group_red_packet_grabbed_from_the_chat(api: ChatApi, wallet: Wallet) -> None:
    alice, *others = await api.friends("alice_g", "bob_g", "carol_g", "dave_g", "erin_g")
    await _pinned(wallet, alice)
    await wallet.top_up(alice, 10_000)
    group = await api.group(alice, others)

    made = await wallet.post(
        "/red-packets",
        alice,
        {
            "kind": "group",
            "split": "lucky",
            "total": 1_000,
            "count": 3,
            "greeting": "Happy new year",
            "audience": [o.id for o in others],
            "conversation_ref": group["id"],
            "pin": PIN,
        },
    )
    assert made.status_code == 201, made.text
    packet_id = made.json()["id"]
    sent = ok(await _money_message(api, alice, group["id"], "red_packet", {"red_packet_id": packet_id}), 201)
    assert sent["content"]["count"] == 3 and sent["content"]["total"] == 1_000

    amounts = []
    for grabber in others[:3]:
        grabbed = await wallet.post(f"/red-packets/{packet_id}/grab", grabber)
        assert grabbed.status_code == 200, grabbed.text
        amounts.append(grabbed.json()["my_amount"])
    late = await wallet.post(f"/red-packets/{packet_id}/grab", others[3])
    assert late.status_code == 409 and late.json()["error"]["code"] == "red_packet_empty"
    assert sum(amounts) == 1_000
    await wallet.run_jobs()

    seen = (await _find(api, others[0], group["id"], sent["id"]))["money"]
    assert seen["status"] == "finished" and seen["my_amount"] == amounts[0]
    assert sum(1 for g in seen["grabs"] if g["best_luck"]) == 1
    assert (await _find(api, others[3], group["id"], sent["id"]))["money"]["my_amount"] is None
    notices = await _notices(api, alice, group["id"])
    assert [n["text"] for n in notices] == [
        "Bob_G grabbed Alice_G's red packet",
        "Carol_G grabbed Alice_G's red packet",
        "Dave_G grabbed Alice_G's red packet",
    ]
    await wallet.assert_books_balance()


async def test_a_group_red_packet_must_be_for_the_group(api: ChatApi, wallet: Wallet) -> None:
    alice, bob, carol, outsider = await api.friends("alice_h", "bob_h", "carol_h", "out_h")
    await _pinned(wallet, alice)
    await wallet.top_up(alice, 5_000)
    group = await api.group(alice, [bob, carol])
    made = await wallet.post(
        "/red-packets",
        alice,
        {
            "kind": "group",
            "total": 300,
            "count": 2,
            "audience": [bob.id, outsider.id],
            "conversation_ref": group["id"],
            "pin": PIN,
        },
    )
    refused = await _money_message(
        api, alice, group["id"], "red_packet", {"red_packet_id": made.json()["id"]}
    )
    assert refused.status_code == 404 and error_code(refused) == "red_packet_not_found"


@pytest.mark.parametrize("gone", ["removed", "left"])
async def test_a_member_gone_from_the_group_neither_sees_nor_grabs_its_red_packet(
    api: ChatApi, wallet: Wallet, gone: str
) -> None:
    alice, bob, carol = await api.friends("alice_r", "bob_r", "carol_r")
    await _pinned(wallet, alice)
    await wallet.top_up(alice, 5_000)
    group = await api.group(alice, [bob, carol])
    made = await wallet.post(
        "/red-packets",
        alice,
        {
            "kind": "group",
            "total": 300,
            "count": 2,
            "audience": [bob.id, carol.id],
            "conversation_ref": group["id"],
            "pin": PIN,
        },
    )
    assert made.status_code == 201, made.text
    packet_id = made.json()["id"]
    ok(await _money_message(api, alice, group["id"], "red_packet", {"red_packet_id": packet_id}), 201)
    if gone == "removed":
        ok(await api.client.delete(f"{V1}/chats/{group['id']}/members/{bob.id}", headers=alice.headers), 204)
    else:
        ok(await api.client.post(f"{V1}/chats/{group['id']}/leave", headers=bob.headers), 204)
    before = await wallet.balance(bob)
    grab = await wallet.post(f"/red-packets/{packet_id}/grab", bob)
    assert grab.status_code == 404 and error_code(grab) == "red_packet_not_found"
    seen = await api.client.get(f"{V1}/wallet/red-packets/{packet_id}", headers=bob.headers)
    assert seen.status_code == 404
    assert await wallet.balance(bob) == before
    assert (await wallet.post(f"/red-packets/{packet_id}/grab", carol)).status_code == 200
    await wallet.assert_books_balance()
