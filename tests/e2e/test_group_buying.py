"""Group buying in real browsers against a real server (the group-buy issue's acceptance): Alice opens a
2-person team from the product page and shares it into her chat with Bob; Bob taps the card, joins and
pays with his PIN; both see the team succeed and their orders; the merchant sees the two orders in the
console.

The shop, its product, the group deal, the friendship, the chat, PINs and money are set up through the
API; opening, sharing, joining, paying and the checks are done in the web client, each person in a
browser context of their own.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.people import befriend
from tests.e2e.test_shopping import (  # noqa: F401 - the fixtures are used by name
    MakeShopper,
    Shopper,
    merchant,
    needs_browser,
    open_shop,
    people,
)

GROUP_PRICE = 66_00  # fen; the single price is test_shopping's PRICE, ¥88.00
MONEY = 300_00


def fill_address(person: Shopper, name: str) -> None:
    form = person.page.get_by_test_id("gb-address-form")
    expect(form).to_be_visible()
    form.get_by_test_id("address-name").fill(name)
    form.get_by_test_id("address-phone").fill("13800138000")
    form.get_by_test_id("address-line").fill("8 Nanjing Road, Shanghai")
    form.get_by_test_id("gb-pay-continue").click()


@needs_browser
@pytest.mark.e2e
def test_a_team_shared_in_a_chat_fills_up_and_both_orders_reach_the_merchant(
    people: MakeShopper,  # noqa: F811
    merchant: Shopper,  # noqa: F811
) -> None:
    product = open_shop(merchant)
    product_id = str(product["id"])
    skus = product["skus"]
    assert isinstance(skus, list)
    deal = merchant.api(
        "POST",
        "/deals",
        json={"sku_id": skus[0]["id"], "group_price": GROUP_PRICE, "team_size": 2, "stock": 4},
    )
    assert deal.status_code == 201, deal.text
    deal_id = deal.json()["id"]

    alice, bob = people("alice"), people("bob")
    befriend(alice, bob)
    alice.fund(MONEY)
    bob.fund(MONEY)
    chat = alice.api("POST", "/chats/direct", json={"user_id": bob.id})
    assert chat.status_code in (200, 201), chat.text
    chat_id = chat.json()["id"]

    # Alice sees the group deal on the product page and opens a team: address, then the PIN.
    alice.open(f"/p/{product_id}")
    section = alice.page.get_by_test_id("group-deal")
    expect(section).to_have_attribute("data-deal-id", deal_id)
    expect(section.get_by_test_id("group-price")).to_have_text("¥66.00")
    expect(section.get_by_test_id("single-price")).to_have_text("¥88.00")
    expect(section.get_by_test_id("group-deal-size")).to_have_text("2-person team")
    section.get_by_test_id("group-deal-open").click()
    fill_address(alice, "Alice Wang")
    with alice.page.expect_response(
        lambda r: r.url.endswith(f"/api/v1/deals/{deal_id}/teams") and r.request.method == "POST"
    ) as opened:
        alice.tap_pin()
    assert opened.value.status == 201, opened.value.text()
    assert opened.value.request.header_value("Idempotency-Key")
    team_id = opened.value.json()["id"]
    expect(alice.page).to_have_url(re.compile(rf"#/teams/{team_id}$"))
    team = alice.page.get_by_test_id("team-page")
    expect(team).to_have_attribute("data-status", "forming")
    expect(alice.page.get_by_test_id("team-places-left")).to_have_text("1 place(s) left")
    expect(team.get_by_test_id("team-member")).to_have_count(1)
    expect(team.get_by_test_id("team-slot-empty")).to_have_count(1)
    expect(alice.page.get_by_test_id("team-countdown")).to_have_text(re.compile(r"^\d+:\d\d:\d\d$"))
    assert alice.balance() == MONEY - GROUP_PRICE

    # She shares it into her chat with Bob.
    alice.page.get_by_test_id("gb-share-chat").click()
    with alice.page.expect_response(
        lambda r: r.url.endswith(f"/api/v1/chats/{chat_id}/messages") and r.request.method == "POST"
    ) as sent:
        alice.page.locator(f'[data-testid="gb-share-chat-option"][data-chat-id="{chat_id}"]').click()
    assert sent.value.status == 201, sent.value.text()
    assert json.loads(sent.value.request.post_data or "{}")["kind"] == "group_team"
    expect(alice.page.get_by_test_id("notice")).to_have_text("Sent to the chat.")

    # Bob (whose address the app remembers from an earlier checkout) taps the card in the chat: the team
    # opens; "Join" brings up the PIN pad at once, and the PIN pays.
    bob.open(f"/chats/{chat_id}")
    bob.page.evaluate(
        "localStorage.setItem('quanzi.shop.address', JSON.stringify("
        "{name: 'Bob Li', phone: '13900139000', line: '1 Huaihai Road, Shanghai'}))"
    )
    card = bob.page.locator(f'[data-testid="group-team-card"][data-team-id="{team_id}"]')
    expect(card).to_contain_text(str(product["title"]))
    expect(card).to_contain_text("¥66.00")
    expect(card.get_by_test_id("group-team-card-state")).to_have_text("1 place(s) left")
    card.click()
    expect(bob.page).to_have_url(re.compile(rf"#/teams/{team_id}$"))
    bob.page.get_by_test_id("team-join").click()
    with bob.page.expect_response(lambda r: r.url.endswith(f"/api/v1/teams/{team_id}/join")) as joined:
        bob.tap_pin()
    assert joined.value.status == 200, joined.value.text()
    assert joined.value.request.header_value("Idempotency-Key")
    assert json.loads(joined.value.request.post_data or "{}")["address"]["name"] == "Bob Li"
    bob_team = bob.page.get_by_test_id("team-page")
    expect(bob_team).to_have_attribute("data-status", "succeeded")
    expect(bob.page.get_by_test_id("team-status")).to_have_text("Team complete — orders placed")
    expect(bob_team.get_by_test_id("team-member")).to_have_count(2)
    expect(bob_team.get_by_test_id("team-slot-empty")).to_have_count(0)
    bob_order = bob.page.get_by_test_id("team-my-order")
    bob_order_id = bob_order.get_attribute("data-order-id")
    assert bob_order_id
    bob_order.click()
    expect(bob.page.get_by_test_id("order-detail")).to_have_attribute("data-status", "paid")
    expect(bob.page.get_by_test_id("order-detail")).to_have_attribute("data-order-id", bob_order_id)
    assert bob.balance() == MONEY - GROUP_PRICE

    # Alice's team page follows without a reload: the team succeeded and her order is there.
    expect(team).to_have_attribute("data-status", "succeeded", timeout=15_000)
    alice.assert_never_reloaded()
    alice_order = alice.page.get_by_test_id("team-my-order")
    alice_order_id = alice_order.get_attribute("data-order-id")
    assert alice_order_id and alice_order_id != bob_order_id
    alice.open("/orders")
    expect(
        alice.page.locator(f'[data-testid="order-card"][data-order-id="{alice_order_id}"]')
    ).to_have_attribute("data-status", "paid")
    # The chat card now says so too.
    bob.open(f"/chats/{chat_id}")
    expect(card).to_have_attribute("data-status", "succeeded")

    # The merchant sees both orders, paid at the group price, in the console; and the deal's result.
    merchant.open("/merchant/orders")
    for order_id, buyer in ((alice_order_id, alice), (bob_order_id, bob)):
        entry = merchant.page.locator(f'[data-testid="merchant-order"][data-order-id="{order_id}"]')
        expect(entry).to_have_attribute("data-status", "paid")
        expect(entry.get_by_test_id("order-total")).to_have_text("¥66.00")
        expect(entry).to_contain_text(buyer.display_name)
    merchant.open("/merchant/deals")
    row = merchant.page.locator(f'[data-testid="merchant-deal"][data-deal-id="{deal_id}"]')
    expect(row.get_by_test_id("deal-stats-succeeded")).to_have_text("1")
    expect(row.get_by_test_id("deal-stats-members")).to_have_text("2")
