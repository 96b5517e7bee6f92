"""The merchant console in a real browser against a real server (SHP-1, ORD-1): a merchant opens a shop,
creates a product with an image and a SKU (price typed in yuan, stored in fen) and stock, finds it on the
shop page a customer sees, adjusts the stock, and ships and delivers a paid order.

The buyer's paid order is made through the HTTP API (the shopping screens have their own tests); the
merchant does everything in the console (web/src/pages/Merchant*.tsx, whose test ids these are).
"""

from __future__ import annotations

import contextlib
import re
import struct
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from quanzi.wallet.bank import sandbox_card_number
from tests.e2e.people import RUN, Person
from tests.live import LiveServer, browser_missing_reason, signup

BROWSER_SKIP = browser_missing_reason()
needs_browser = pytest.mark.skipif(BROWSER_SKIP is not None, reason=BROWSER_SKIP or "")

PIN = "135790"
ADDRESS = {"name": "Lin Xia", "phone": "13800000000", "line": "1 West Lake Road, Hangzhou"}
BANK_TIMEOUT_S = 30.0


MakePerson = Callable[..., Person]


@pytest.fixture
def people(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MakePerson]:
    """`make(name, kind="consumer")`: an account signed up through the API, in a browser context of its
    own, signed in and in English (as tests/e2e/people.py does, with the account kind added)."""
    contexts: list[BrowserContext] = []
    numbers = iter(range(1, 100))

    def make(name: str, kind: str = "consumer") -> Person:
        username = f"{name}_{RUN}_{next(numbers)}_{uuid.uuid4().hex[:4]}"
        created = signup(live_server.base_url, username, display_name=f"{name.title()} {RUN}", kind=kind)
        context = browser.new_context(locale="en-US", viewport={"width": 420, "height": 900})
        context.set_default_timeout(10_000)
        context.add_init_script(
            f"localStorage.setItem('quanzi.token', {str(created['token'])!r});"
            "localStorage.setItem('quanzi.lang', 'en');"
        )
        contexts.append(context)
        user = created["user"]
        assert isinstance(user, dict)
        return Person(
            page=context.new_page(),
            base_url=live_server.base_url,
            id=str(user["id"]),
            token=str(created["token"]),
            display_name=str(user["display_name"]),
        )

    try:
        yield make
    finally:
        report = getattr(request.node, "rep_call", None)
        for number, context in enumerate(contexts):
            if report is not None and report.failed:
                for page in context.pages:
                    shot = tmp_path / f"merchant-console-{number}.png"
                    with contextlib.suppress(Exception):
                        page.screenshot(path=shot, full_page=True)
                        print(f"screenshot of {page.url}: {shot}")
            context.close()


def _png(width: int = 4, height: int = 4) -> bytes:
    """A small valid PNG (a green square), made without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x07\xc1\x60" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _keyed(person: Person, path: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(
        f"{person.base_url}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {person.token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=10.0,
    )


def _fund(person: Person, fen: int) -> None:
    assert person.api("PUT", "/wallet/pin", json={"new_pin": PIN}).status_code == 204
    card = person.api(
        "POST", "/wallet/cards", json={"number": sandbox_card_number("4321"), "holder_name": "L"}
    )
    assert card.status_code == 201, card.text
    order = _keyed(person, "/wallet/topups", {"card_id": card.json()["id"], "amount": fen, "pin": PIN})
    assert order.status_code == 201, order.text
    deadline = time.monotonic() + BANK_TIMEOUT_S
    while person.api("GET", f"/wallet/bank-orders/{order.json()['id']}").json()["status"] != "succeeded":
        assert time.monotonic() < deadline, "the sandbox bank did not answer"
        time.sleep(0.3)


def _paid_order(buyer: Person, sku_id: str, quantity: int) -> dict[str, object]:
    created = _keyed(
        buyer, "/orders", {"items": [{"sku_id": sku_id, "quantity": quantity}], "address": ADDRESS}
    )
    assert created.status_code == 201, created.text
    order = created.json()["orders"][0]
    paid = _keyed(buyer, f"/orders/{order['id']}/pay", {"pin": PIN})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    return paid.json()  # type: ignore[no-any-return]


def _sku_stock(person: Person, product_id: str) -> int:
    product = person.api("GET", f"/products/{product_id}").json()
    return int(product["skus"][0]["stock"])


@pytest.mark.e2e
@needs_browser
def test_merchant_creates_a_product_adjusts_stock_and_ships_an_order(people: MakePerson) -> None:
    merchant = people("teahouse", kind="merchant")
    buyer = people("lin")
    page = merchant.page

    # First visit: the console asks for the shop's profile, and PUT /shops/me opens the shop.
    merchant.open("/merchant")
    expect(page.get_by_test_id("merchant-setup")).to_be_visible()
    page.get_by_test_id("shop-name").fill(f"Tea House {RUN}")
    page.get_by_test_id("shop-intro").fill("Spring tea from the West Lake hills.")
    page.get_by_test_id("shop-save").click()
    expect(page.get_by_test_id("merchant-shop-name")).to_contain_text(f"Tea House {RUN}")

    # A new product: an image, a title, one SKU at ¥19.90 with 5 in stock, published at once.
    page.get_by_test_id("merchant-menu-products").click()
    page.get_by_test_id("new-product").click()
    expect(page).to_have_url(re.compile(r"#/merchant/products/new$"))
    with page.expect_response(lambda r: r.url.endswith("/api/v1/products/images")) as uploaded:
        page.get_by_test_id("product-images").set_input_files(
            {"name": "tea.png", "mimeType": "image/png", "buffer": _png()}
        )
    assert uploaded.value.status == 201, uploaded.value.text()
    expect(page.get_by_test_id("product-image")).to_have_count(1)
    page.get_by_test_id("product-title").fill(f"Longjing green tea {RUN}")
    page.get_by_test_id("product-description").fill("Picked before Qingming.")
    page.get_by_test_id("sku-name-0").fill("100 g tin")
    page.get_by_test_id("sku-price-0").fill("19.90")
    page.get_by_test_id("sku-stock-0").fill("5")
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/products") and r.request.method == "POST"
    ) as made:
        page.get_by_test_id("product-publish").click()
    assert made.value.status == 201, made.value.text()
    product = made.value.json()
    assert product["status"] == "active"
    assert [(s["name"], s["price"], s["stock"]) for s in product["skus"]] == [("100 g tin", 1990, 5)]
    assert len(product["images"]) == 1
    product_id, sku_id = product["id"], product["skus"][0]["id"]
    expect(page).to_have_url(re.compile(rf"#/merchant/products/{product_id}$"))
    expect(page.get_by_test_id("product-status")).to_have_attribute("data-status", "active")
    expect(page.get_by_test_id(f"sku-stock-{sku_id}")).to_have_attribute("data-stock", "5")

    # The product is on the shop page customers see, and on its own page.
    buyer.open(f"/shops/{merchant.id}")
    tile = buyer.page.locator(f'[data-testid="product-tile"][data-product-id="{product_id}"]')
    expect(tile).to_be_visible()
    expect(tile).to_contain_text(f"Longjing green tea {RUN}")
    buyer.open(f"/p/{product_id}")
    expect(buyer.page.get_by_test_id("product-title")).to_contain_text(f"Longjing green tea {RUN}")

    # Restock by 3; taking away more than there is is refused and changes nothing.
    page.get_by_test_id(f"stock-delta-{sku_id}").fill("3")
    page.get_by_test_id(f"stock-apply-{sku_id}").click()
    expect(page.get_by_test_id(f"sku-stock-{sku_id}")).to_have_attribute("data-stock", "8")
    expect(page.get_by_test_id("notice")).to_have_text("Stock is now 8.")
    assert _sku_stock(merchant, product_id) == 8
    page.get_by_test_id(f"stock-delta-{sku_id}").fill("-100")
    page.get_by_test_id(f"stock-apply-{sku_id}").click()
    expect(page.get_by_test_id("error")).to_be_visible()
    expect(page.get_by_test_id(f"sku-stock-{sku_id}")).to_have_attribute("data-stock", "8")
    assert _sku_stock(merchant, product_id) == 8

    # The buyer orders two and pays (through the API): stock is reserved.
    _fund(buyer, 100_00)
    order = _paid_order(buyer, sku_id, 2)
    order_id = str(order["id"])
    assert _sku_stock(merchant, product_id) == 6

    # The console's "to ship" list has it; the merchant ships it with a tracking number.
    merchant.open("/merchant")
    card = page.locator(f'[data-testid="merchant-order"][data-order-id="{order_id}"]')
    expect(card).to_have_attribute("data-status", "paid")
    expect(card.get_by_test_id("order-total")).to_have_text("¥39.80")
    expect(card).to_contain_text(ADDRESS["line"])
    page.get_by_test_id(f"ship-order-{order_id}").click()
    expect(page.get_by_test_id("ship-dialog")).to_be_visible()
    page.get_by_test_id("carrier-input").fill("SF Express")
    page.get_by_test_id("tracking-input").fill("SF1234567890")
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/orders/{order_id}/ship")) as shipped:
        page.get_by_test_id("ship-confirm").click()
    assert shipped.value.status == 200, shipped.value.text()
    expect(page.get_by_test_id("ship-dialog")).to_have_count(0)
    expect(page.get_by_test_id("notice")).to_have_text("Order shipped.")
    expect(card).to_have_attribute("data-status", "shipped")
    expect(card.get_by_test_id("order-tracking")).to_have_text("SF Express · SF1234567890")

    seen_by_buyer = buyer.api("GET", f"/orders/{order_id}").json()
    assert seen_by_buyer["status"] == "shipped"
    assert (seen_by_buyer["carrier"], seen_by_buyer["tracking_number"]) == ("SF Express", "SF1234567890")

    # The order's page: buyer, address, tracking; then it is marked delivered.
    page.get_by_test_id(f"order-detail-{order_id}").click()
    expect(page).to_have_url(re.compile(rf"#/merchant/orders/{order_id}$"))
    expect(page.get_by_test_id("order-buyer")).to_contain_text(buyer.display_name)
    expect(page.get_by_test_id("order-address")).to_contain_text(ADDRESS["line"])
    expect(page.get_by_test_id("order-tracking")).to_have_text("SF Express · SF1234567890")
    expect(page.get_by_test_id("order-attribution")).to_have_text("Not bought through a share link.")
    page.get_by_test_id(f"deliver-order-{order_id}").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "delivered")
    assert buyer.api("GET", f"/orders/{order_id}").json()["status"] == "delivered"


@pytest.mark.e2e
@needs_browser
def test_the_console_tells_a_consumer_it_is_for_merchants(people: MakePerson) -> None:
    consumer = people("visitor")
    consumer.open("/merchant")
    expect(consumer.page.get_by_test_id("merchant-only")).to_contain_text("for merchant accounts")
    consumer.open("/merchant/orders")
    expect(consumer.page.get_by_test_id("merchant-only")).to_be_visible()
    expect(consumer.page.get_by_test_id("ship-dialog")).to_have_count(0)
