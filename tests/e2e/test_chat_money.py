"""A red packet sent in a group chat through the composer's "+" menu, grabbed from its card."""

from __future__ import annotations

import re
import time
import uuid

import httpx
from playwright.sync_api import expect

from quanzi.wallet.bank import sandbox_card_number
from tests.e2e.people import befriend
from tests.e2e.test_wallet import PIN, MakeUser, WalletUser, needs_browser, wallet_users  # noqa: F401


def _fund(user: WalletUser, fen: int) -> None:
    assert user.api("PUT", "/wallet/pin", json={"new_pin": PIN}).status_code == 204
    card = user.api("POST", "/wallet/cards", json={"number": sandbox_card_number("4321"), "holder_name": "A"})
    assert card.status_code == 201, card.text
    order = httpx.post(
        f"{user.base_url}/api/v1/wallet/topups",
        json={"card_id": card.json()["id"], "amount": fen, "pin": PIN},
        headers={"Authorization": f"Bearer {user.token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=10.0,
    )
    assert order.status_code == 201, order.text
    deadline = time.monotonic() + 30
    while user.api("GET", f"/wallet/bank-orders/{order.json()['id']}").json()["status"] != "succeeded":
        assert time.monotonic() < deadline, "the sandbox bank did not answer"
        time.sleep(0.3)


@needs_browser
def test_red_packet_in_a_group_chat(wallet_users: MakeUser) -> None:  # noqa: F811
    alice, bob, carol = wallet_users("alice"), wallet_users("bob"), wallet_users("carol")
    befriend(alice, bob)
    befriend(alice, carol)
    _fund(alice, 10_000)
    group = alice.api("POST", "/chats/groups", json={"title": "Lucky", "member_ids": [bob.id, carol.id]})
    assert group.status_code == 201, group.text
    chat_id = group.json()["id"]

    alice.open(f"/chats/{chat_id}")
    alice.page.get_by_test_id("chat-plus").click()
    alice.page.get_by_test_id("chat-redpacket").click()
    alice.page.get_by_test_id("money-amount").fill("6.00")
    alice.page.get_by_test_id("money-count").fill("2")
    alice.page.get_by_test_id("money-greeting").fill("Happy new year")
    with alice.page.expect_response(lambda r: r.url.endswith("/api/v1/wallet/red-packets")) as answer:
        alice.page.get_by_test_id("money-submit").click()
        alice.tap_pin()
    assert answer.value.status == 201, answer.value.text()
    assert answer.value.request.header_value("Idempotency-Key")
    card = alice.page.locator('[data-testid="money-card"][data-kind="red_packet"]')
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Happy new year")

    bob.open(f"/chats/{chat_id}")
    bob_card = bob.page.locator('[data-testid="money-card"][data-kind="red_packet"]')
    expect(bob_card).to_have_count(1)
    bob_card.get_by_test_id("money-grab").click()
    expect(bob_card.get_by_test_id("redpacket-mine")).to_have_text(re.compile(r"^¥\d+\.\d\d$"))
    expect(bob_card.get_by_test_id("money-grab")).to_have_count(0)

    # Alice sees the grab: a notice in the chat, and Bob in the packet's result list.
    expect(
        alice.page.get_by_text(f"{bob.display_name} grabbed {alice.display_name}'s red packet")
    ).to_be_visible(timeout=15_000)
    card.get_by_test_id("money-details").click()
    expect(card.locator(f'[data-testid="redpacket-result"][data-user-id="{bob.id}"]')).to_have_count(1)
    expect(card.get_by_test_id("redpacket-progress")).to_contain_text("1/2")
