"""Shopping in real browsers against a real server (the commerce issue's acceptance): a consumer opens a
product from a friend's Moment, adds it to the cart, pays with the PIN; the merchant ships in the
console; the consumer confirms receipt and writes a photo review that the merchant answers.

Accounts, the shop, its product, the friendship and the buyer's money are set up through the API (their
screens have tests of their own); sharing, buying, paying, shipping, confirming, reviewing and replying
all go through the web client, each person in a browser context of their own.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from quanzi.wallet.bank import sandbox_card_number
from tests.e2e.people import RUN, Person, befriend, people_factory
from tests.live import LiveServer, browser_missing_reason, signup

BROWSER_SKIP = browser_missing_reason()
needs_browser = pytest.mark.skipif(BROWSER_SKIP is not None, reason=BROWSER_SKIP or "")

PIN = "246810"
PRICE = 88_00  # fen
BANK_TIMEOUT_S = 30.0


def png(color: tuple[int, int, int], size: int = 120) -> bytes:
    """A small solid PNG (the review photos and the product picture)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, "PNG")
    return buffer.getvalue()


class Shopper(Person):
    def tap_pin(self, pin: str = PIN) -> None:
        pad = self.page.get_by_test_id("pin-pad")
        expect(pad).to_be_visible()
        for digit in pin:
            pad.get_by_test_id(f"pin-digit-{digit}").click()

    def fund(self, amount: int) -> None:
        """A payment PIN and money in the wallet, through the API and the sandbox bank."""
        assert self.api("PUT", "/wallet/pin", json={"new_pin": PIN}).status_code == 204
        card = self.api(
            "POST", "/wallet/cards", json={"number": sandbox_card_number("2468"), "holder_name": "Bob"}
        )
        assert card.status_code == 201, card.text
        order = httpx.post(
            f"{self.base_url}/api/v1/wallet/topups",
            json={"card_id": card.json()["id"], "amount": amount, "pin": PIN},
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": uuid.uuid4().hex},
            timeout=10.0,
        )
        assert order.status_code == 201, order.text
        deadline = time.monotonic() + BANK_TIMEOUT_S
        while time.monotonic() < deadline:
            status = self.api("GET", f"/wallet/bank-orders/{order.json()['id']}").json()["status"]
            if status != "pending":
                break
            time.sleep(0.5)
        assert status == "succeeded"

    def balance(self) -> int:
        return int(self.api("GET", "/wallet").json()["balance"])


MakeShopper = Callable[[str], Shopper]


@pytest.fixture
def people(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MakeShopper]:
    with people_factory(Shopper, browser, live_server.base_url, request, tmp_path) as make:
        yield make


@pytest.fixture
def merchant(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Shopper]:
    """A merchant account (people_factory signs up consumers only) with a browser of its own."""
    base_url = live_server.base_url
    created = signup(
        base_url, f"teahouse_{RUN}_{uuid.uuid4().hex[:4]}", display_name=f"Tea House {RUN}", kind="merchant"
    )
    context = browser.new_context(locale="en-US", viewport={"width": 420, "height": 860})
    context.set_default_timeout(10_000)
    context.add_init_script(
        f"localStorage.setItem('quanzi.token', {str(created['token'])!r});"
        "localStorage.setItem('quanzi.lang', 'en');"
    )
    user = created["user"]
    assert isinstance(user, dict)
    person = Shopper(
        page=context.new_page(),
        base_url=base_url,
        id=str(user["id"]),
        token=str(created["token"]),
        display_name=str(user["display_name"]),
    )
    try:
        yield person
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            shot = tmp_path / "merchant.png"
            person.page.screenshot(path=shot, full_page=True)
            print(f"screenshot of {person.page.url}: {shot}")
        context.close()


def open_shop(merchant: Shopper) -> dict[str, object]:
    """The merchant's shop and one active product with one SKU and a picture, through the API."""
    shop = merchant.api("PUT", "/shops/me", json={"name": f"Tea House {RUN}", "intro": "Teas from Fujian."})
    assert shop.status_code == 200, shop.text
    image = merchant.api(
        "POST", "/products/images", files={"file": ("tea.png", png((46, 139, 87), 400), "image/png")}
    )
    assert image.status_code in (200, 201), image.text
    made = merchant.api(
        "POST",
        "/products",
        json={
            "title": f"Longjing green tea {RUN}",
            "description": "Spring harvest, 250 g.",
            "image_keys": [image.json()["key"]],
            "skus": [{"name": "250g tin", "price": PRICE, "stock": 5}],
            "status": "active",
        },
    )
    assert made.status_code == 201, made.text
    product: dict[str, object] = made.json()
    if product["status"] != "active":
        published = merchant.api("PATCH", f"/products/{product['id']}", json={"status": "active"})
        assert published.status_code == 200, published.text
        product = published.json()
    return product


def wait_for_status(page: Page, status: str) -> None:
    expect(page.get_by_test_id("order-detail")).to_have_attribute("data-status", status)


@needs_browser
@pytest.mark.e2e
def test_a_friend_shares_a_product_in_moments_the_buyer_pays_reviews_and_the_merchant_answers(
    people: MakeShopper, merchant: Shopper
) -> None:
    product = open_shop(merchant)
    product_id = str(product["id"])
    alice, bob = people("alice"), people("bob")
    befriend(alice, bob)
    bob.fund(500_00)
    assert bob.balance() == 500_00

    # Alice shares the product to her Moments from the product page.
    alice.open(f"/p/{product_id}")
    expect(alice.page.get_by_test_id("product-title")).to_have_text(str(product["title"]))
    alice.page.get_by_test_id("share-moment").click()
    alice.page.get_by_test_id("share-moment-text").fill("The best Longjing I had this spring!")
    with alice.page.expect_response(
        lambda r: r.url.endswith("/api/v1/moments") and r.request.method == "POST"
    ) as posted:
        alice.page.get_by_test_id("share-moment-submit").click()
    assert posted.value.status == 201, posted.value.text()
    token_match = re.search(r"#/s/([A-Za-z0-9_-]+)", posted.value.json()["text"])
    assert token_match, posted.value.json()["text"]
    token = token_match.group(1)
    expect(alice.page.get_by_test_id("notice")).to_have_text("Shared to your Moments.")

    # Bob sees the Moment with a product card and opens it: the open is recorded for Alice's link.
    bob.open("/moments")
    moment = bob.page.locator(f'[data-testid="moment"][data-post-id="{posted.value.json()["id"]}"]')
    card = moment.get_by_test_id("product-share-card")
    expect(card).to_contain_text(str(product["title"]))
    expect(card).to_contain_text("¥88.00")
    with bob.page.expect_response(lambda r: r.url.endswith(f"/api/v1/shares/{token}/open")) as opened:
        card.click()
    assert opened.value.status == 200, opened.value.text()
    expect(bob.page).to_have_url(re.compile(rf"#/p/{product_id}$"))
    expect(bob.page.get_by_test_id("shared-by")).to_contain_text(alice.display_name)
    expect(bob.page.get_by_test_id("product-price")).to_have_text("¥88.00")

    # Into the cart (with the share token), then checkout: address, order, PIN.
    with bob.page.expect_request(
        lambda r: r.url.endswith("/api/v1/cart/items") and r.method == "POST"
    ) as added:
        bob.page.get_by_test_id("add-to-cart").click()
    assert added.value.post_data_json["share_token"] == token
    expect(bob.page.get_by_test_id("notice")).to_have_text("Added to your cart.")
    bob.page.get_by_test_id("view-cart").click()
    line = bob.page.get_by_test_id("cart-line")
    expect(line).to_have_count(1)
    expect(line).to_contain_text(str(product["title"]))
    expect(bob.page.get_by_test_id("cart-total")).to_have_text("¥88.00")
    bob.page.get_by_test_id("cart-checkout").click()
    bob.page.get_by_test_id("address-name").fill("Bob Li")
    bob.page.get_by_test_id("address-phone").fill("13800138000")
    bob.page.get_by_test_id("address-line").fill("8 Nanjing Road, Shanghai")
    with bob.page.expect_response(
        lambda r: r.url.endswith("/api/v1/orders") and r.request.method == "POST"
    ) as placed:
        bob.page.get_by_test_id("place-order").click()
    assert placed.value.status == 201, placed.value.text()
    assert placed.value.request.header_value("Idempotency-Key")
    order = placed.value.json()["orders"][0]
    order_id = order["id"]
    assert order["status"] == "pending_payment"
    assert order["attribution_chain"] == [alice.id]  # the friend who shared it is credited

    # A wrong PIN first: the pad stays and says so; then the right one pays.
    bob.tap_pin("000000")
    expect(bob.page.get_by_test_id("error")).to_contain_text(re.compile("PIN", re.I))
    with bob.page.expect_response(lambda r: r.url.endswith(f"/api/v1/orders/{order_id}/pay")) as paid:
        bob.tap_pin()
    assert paid.value.status == 200, paid.value.text()
    assert paid.value.request.header_value("Idempotency-Key")
    expect(bob.page).to_have_url(re.compile(rf"#/orders/{order_id}$"))
    wait_for_status(bob.page, "paid")
    expect(bob.page.get_by_test_id("notice")).to_have_text("Paid. The shop will ship your order.")
    assert bob.balance() == 500_00 - PRICE
    # Bought lines leave the cart.
    assert bob.api("GET", "/cart").json()["shops"] == []

    # The merchant ships it in the console.
    merchant.open("/merchant/orders")
    merchant.page.get_by_test_id(f"ship-order-{order_id}").click()
    dialog = merchant.page.get_by_test_id("ship-dialog")
    dialog.get_by_test_id("carrier-input").fill("SF Express")
    dialog.get_by_test_id("tracking-input").fill("SF1029384756")
    with merchant.page.expect_response(
        lambda r: r.url.endswith(f"/api/v1/orders/{order_id}/ship")
    ) as shipped:
        dialog.get_by_test_id("ship-confirm").click()
    assert shipped.value.status == 200, shipped.value.text()

    # Bob sees it shipped, with the tracking number, and confirms receipt.
    bob.page.reload()
    wait_for_status(bob.page, "shipped")
    expect(bob.page.get_by_test_id("order-tracking")).to_have_text("SF Express SF1029384756")
    bob.page.once("dialog", lambda d: d.accept())
    bob.page.get_by_test_id("order-confirm").click()
    wait_for_status(bob.page, "completed")
    expect(bob.page.get_by_test_id("notice")).to_have_text("Receipt confirmed. Thank you!")

    # A review with four stars, text and two photos.
    item = bob.page.get_by_test_id("order-item")
    expect(item).to_have_attribute("data-reviewed", "false")
    item.get_by_test_id("item-write-review").click()
    form = bob.page.get_by_test_id("review-form")
    form.get_by_test_id("star-4").click()
    expect(form.get_by_test_id("star-picker")).to_have_attribute("data-value", "4")
    form.get_by_test_id("review-text-input").fill("Fragrant and fresh; the tin came well packed.")
    form.get_by_test_id("review-photo-input").set_input_files(
        [
            {"name": "cup.png", "mimeType": "image/png", "buffer": png((0, 128, 128))},
            {"name": "tin.png", "mimeType": "image/png", "buffer": png((200, 160, 60))},
        ]
    )
    expect(form.get_by_test_id("review-photo-picked")).to_have_count(2)
    with bob.page.expect_response(
        lambda r: r.url.endswith("/review") and r.request.method == "POST"
    ) as reviewed:
        form.get_by_test_id("review-submit").click()
    assert reviewed.value.status == 201, reviewed.value.text()
    review_id = reviewed.value.json()["id"]
    expect(bob.page).to_have_url(re.compile(rf"#/p/{product_id}$"))
    mine = bob.page.locator(f'[data-testid="review"][data-review-id="{review_id}"]')
    expect(mine.get_by_test_id("review-text")).to_have_text("Fragrant and fresh; the tin came well packed.")
    expect(mine.get_by_test_id("review-photo")).to_have_count(2)
    expect(bob.page.get_by_test_id("rating-summary")).to_have_attribute("data-count", "1")
    expect(bob.page.get_by_test_id("rating-average")).to_have_text("4.0")

    # The merchant answers it in the console.
    merchant.open("/merchant/reviews")
    entry = merchant.page.locator(f'[data-testid="merchant-review"][data-review-id="{review_id}"]')
    expect(entry.get_by_test_id("review-text")).to_have_text("Fragrant and fresh; the tin came well packed.")
    entry.get_by_test_id(f"reply-review-{review_id}").click()
    entry.get_by_test_id("reply-input").fill("Thank you, Bob! Enjoy the tea.")
    with merchant.page.expect_response(
        lambda r: r.url.endswith(f"/api/v1/reviews/{review_id}/reply")
    ) as replied:
        entry.get_by_test_id("reply-send").click()
    assert replied.value.status in (200, 201), replied.value.text()

    # Bob, and Alice as his friend, see the answer under the review; Alice sees it marked "Friend".
    bob.page.reload()
    expect(mine.get_by_test_id("review-reply")).to_contain_text("Thank you, Bob! Enjoy the tea.")
    alice.open(f"/p/{product_id}")
    alice.page.reload()  # her page was already at this address: load it afresh
    theirs = alice.page.locator(f'[data-testid="review"][data-review-id="{review_id}"]')
    expect(theirs.get_by_test_id("review-reply")).to_contain_text("Thank you, Bob! Enjoy the tea.")
    expect(theirs.get_by_test_id("review-badge")).to_have_text("Friend")

    # The order is done: listed under Completed, and its item marked reviewed.
    bob.open("/orders")
    bob.page.get_by_test_id("orders-tab-completed").click()
    expect(bob.page.locator(f'[data-testid="order-card"][data-order-id="{order_id}"]')).to_have_attribute(
        "data-status", "completed"
    )
    assert bob.api("GET", f"/orders/{order_id}").json()["items"][0]["reviewed"] is True
    assert merchant.api("GET", f"/orders/{order_id}").json()["completed_at"] is not None
