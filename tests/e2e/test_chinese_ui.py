"""What a Chinese-speaking person meets on a phone (420×860, Chinese UI): reaching a shop's customer
service without following it, money in chat in Chinese and a red red packet, the chat list's preview of
every kind of message, and errors as sentences in Chinese rather than the server's text."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect

from tests.e2e.people import RUN, Person, people_factory
from tests.live import LiveServer, browser_missing_reason, signup

BROWSER_SKIP = browser_missing_reason()
needs_browser = pytest.mark.skipif(BROWSER_SKIP is not None, reason=BROWSER_SKIP or "")

PIN = "135790"
LATIN = re.compile(r"[A-Za-z]{3,}")  # an English word where Chinese is expected


class Reader(Person):
    """Someone using the web client in Chinese."""

    def tap_pin(self, pin: str = PIN) -> None:
        pad = self.page.get_by_test_id("pin-pad")
        expect(pad).to_be_visible()
        for digit in pin:
            pad.get_by_test_id(f"pin-digit-{digit}").click()

    def say(self, text: str) -> None:
        self.page.get_by_test_id("composer-input").fill(text)
        self.page.get_by_test_id("composer-send").click()
        expect(self.text_message(text)).to_have_attribute("data-message-id", re.compile(r"^\d+$"))

    def text_message(self, text: str) -> Locator:
        return self.page.locator('[data-testid="message"][data-kind="text"]').filter(
            has=self.page.get_by_test_id("message-text").get_by_text(text, exact=True)
        )

    def flash(self) -> Locator:
        return self.page.locator(".flash")


MakeReader = Callable[..., Reader]


@pytest.fixture
def readers(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MakeReader]:
    """`readers(name)`: a consumer in Chinese; `readers(name, merchant=True)`: a merchant account."""
    with people_factory(Reader, browser, live_server.base_url, request, tmp_path, lang="zh") as make:

        def person(name: str, merchant: bool = False) -> Reader:
            if not merchant:
                return make(name)
            created = signup(
                live_server.base_url,
                f"{name}_{RUN}_{uuid.uuid4().hex[:4]}",
                display_name=f"{name.title()} {RUN}",
                kind="merchant",
            )
            context = browser.new_context(locale="zh-CN", viewport={"width": 420, "height": 860})
            context.set_default_timeout(10_000)
            context.add_init_script(
                f"localStorage.setItem('quanzi.token', {str(created['token'])!r});"
                "localStorage.setItem('quanzi.lang', 'zh');"
            )
            request.addfinalizer(context.close)
            user = created["user"]
            assert isinstance(user, dict)
            return Reader(
                page=context.new_page(),
                base_url=live_server.base_url,
                id=str(user["id"]),
                token=str(created["token"]),
                display_name=str(user["display_name"]),
            )

        yield person


@needs_browser
def test_a_shopper_who_does_not_follow_reaches_customer_service(readers: MakeReader) -> None:
    shop_owner = readers("teahouse", merchant=True)
    shop = shop_owner.api("PUT", "/shops/me", json={"name": f"茶馆 {RUN}", "intro": "福建好茶"})
    assert shop.status_code == 200, shop.text
    lin = readers("lin")

    lin.open(f"/shops/{shop.json()['id']}")
    expect(lin.page.get_by_test_id("shop-head")).to_have_attribute("data-following", "false")
    lin.page.get_by_test_id("message-shop").click()
    expect(lin.page).to_have_url(re.compile(r"#/chats/\d+$"))
    expect(lin.page.get_by_test_id("composer-input")).to_be_visible()
    lin.say("铁观音还有货吗？")
    expect(lin.flash()).to_have_count(0)

    # The shop sees the question in its own chat list and answers within the window.
    shop_owner.open("/chats")
    row = shop_owner.page.get_by_test_id("chat-row").filter(has_text=lin.display_name)
    expect(row.get_by_test_id("chat-row-preview")).to_have_text("铁观音还有货吗？")
    row.click()
    shop_owner.say("有的，还有 20 罐。")
    expect(lin.text_message("有的，还有 20 罐。")).to_be_visible()
