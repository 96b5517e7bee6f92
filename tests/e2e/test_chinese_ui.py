"""What a Chinese-speaking person meets on a phone (420×860, Chinese UI): reaching a shop's customer
service without following it, money in chat in Chinese and a red red packet, the chat list's preview of
every kind of message, and errors as sentences in Chinese rather than the server's text."""

from __future__ import annotations

import io
import re
import time
import uuid
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect

from quanzi.wallet.bank import sandbox_card_number
from tests.e2e.people import RUN, Person, befriend, people_factory
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


def _fund(person: Reader, fen: int) -> None:
    """A payment PIN and money in the wallet, through the API and the sandbox bank."""
    assert person.api("PUT", "/wallet/pin", json={"new_pin": PIN}).status_code == 204
    card = person.api(
        "POST", "/wallet/cards", json={"number": sandbox_card_number("1357"), "holder_name": "A"}
    )
    assert card.status_code == 201, card.text
    order = person.api(
        "POST", "/wallet/topups", json={"card_id": card.json()["id"], "amount": fen, "pin": PIN}
    )
    assert order.status_code == 201, order.text
    deadline = time.monotonic() + 30
    while person.api("GET", f"/wallet/bank-orders/{order.json()['id']}").json()["status"] != "succeeded":
        assert time.monotonic() < deadline, "the sandbox bank did not answer"
        time.sleep(0.3)


def _without_names(text: str, *people: Reader) -> str:
    for person in people:
        text = text.replace(person.display_name, "")
    return text


def _one_line(button: Locator) -> bool:
    """Whether the button's text is laid out on one line (a wrapped label has one rect per line)."""
    return bool(
        button.evaluate(
            "el => { const r = document.createRange(); r.selectNodeContents(el);"
            " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size === 1; }"
        )
    )


@needs_browser
def test_money_in_chat_reads_in_chinese_and_the_red_packet_is_red(readers: MakeReader) -> None:
    alice, bob, carol = readers("alice"), readers("bob"), readers("carol")
    befriend(alice, bob)
    befriend(alice, carol)
    _fund(alice, 10_000)
    direct = alice.api("POST", "/chats/direct", json={"user_id": bob.id})
    assert direct.status_code in (200, 201), direct.text

    # A transfer: the menu, the form, the PIN prompt and the card, all in Chinese.
    alice.open(f"/chats/{direct.json()['id']}")
    alice.page.get_by_test_id("chat-plus").click()
    expect(alice.page.get_by_test_id("chat-transfer")).to_have_text("转账")
    alice.page.get_by_test_id("chat-transfer").click()
    form = alice.page.get_by_test_id("money-form")
    expect(form).to_contain_text("金额（元）")
    alice.page.get_by_test_id("money-amount").fill("52")
    alice.page.get_by_test_id("money-submit").click()
    expect(alice.page.get_by_test_id("pin-prompt")).to_have_text("转账 ¥52.00")
    alice.tap_pin()
    transfer = alice.page.locator('[data-testid="money-card"][data-kind="transfer"]')
    expect(transfer).to_contain_text("¥52.00")
    expect(transfer.get_by_test_id("money-status")).to_have_text("待收款")
    assert not LATIN.search(transfer.inner_text())

    bob.open(f"/chats/{direct.json()['id']}")
    bob_transfer = bob.page.locator('[data-testid="money-card"][data-kind="transfer"]')
    expect(bob_transfer.get_by_test_id("money-accept")).to_have_text("确认收款")
    bob_transfer.get_by_test_id("money-accept").click()
    expect(bob_transfer.get_by_test_id("money-status")).to_have_text("已收款")
    expect(
        alice.page.get_by_text(f"{bob.display_name}已收下{alice.display_name}的转账 ¥52.00")
    ).to_be_visible(timeout=15_000)

    # A red packet in a group: the form in Chinese, a red card with a gold one-line "开" button.
    group = alice.api("POST", "/chats/groups", json={"title": "新年", "member_ids": [bob.id, carol.id]})
    assert group.status_code == 201, group.text
    chat_id = group.json()["id"]
    alice.open(f"/chats/{chat_id}")
    created = alice.page.locator('[data-testid="message"][data-kind="system"]').first
    expect(created).to_have_text(
        f"{alice.display_name}邀请{bob.display_name}、{carol.display_name}加入了群聊"
    )
    alice.page.get_by_test_id("chat-plus").click()
    expect(alice.page.get_by_test_id("chat-redpacket")).to_have_text("红包")
    alice.page.get_by_test_id("chat-redpacket").click()
    for label in ("金额（元）", "红包个数", "祝福语", "塞钱进红包"):
        expect(form).to_contain_text(label)
    assert not LATIN.search(form.inner_text())
    alice.page.get_by_test_id("money-amount").fill("6.00")
    alice.page.get_by_test_id("money-count").fill("2")
    alice.page.get_by_test_id("money-greeting").fill("新年快乐")
    alice.page.get_by_test_id("money-submit").click()
    expect(alice.page.get_by_test_id("pin-prompt")).to_have_text("红包 ¥6.00")
    alice.tap_pin()

    bob.open(f"/chats/{chat_id}")
    packet = bob.page.locator('[data-testid="money-card"][data-kind="red_packet"]')
    expect(packet).to_contain_text("新年快乐")
    background = packet.evaluate(
        "el => getComputedStyle(el).backgroundImage + getComputedStyle(el).backgroundColor"
    )
    reds = [tuple(map(int, m)) for m in re.findall(r"rgb\((\d+), (\d+), (\d+)\)", background)]
    assert reds and all(r > 180 and g < 110 and b < 100 for r, g, b in reds), background
    grab = packet.get_by_test_id("money-grab")
    expect(grab).to_have_text("开")
    assert _one_line(grab)
    assert not LATIN.search(packet.inner_text())
    grab.click()
    expect(packet.get_by_test_id("redpacket-mine")).to_have_text(re.compile(r"^¥\d+\.\d\d$"))
    expect(packet.get_by_test_id("redpacket-progress")).to_contain_text("已领取 1/2 个")

    # The grab's system line, in Chinese for everyone.
    line = f"{bob.display_name}领取了{alice.display_name}的红包"
    expect(alice.page.get_by_text(line)).to_be_visible(timeout=15_000)
    notices = alice.page.locator('[data-testid="message"][data-kind="system"]')
    for text in notices.all_inner_texts():
        assert not LATIN.search(_without_names(text, alice, bob, carol)), text


def _wav(seconds: float = 1.0) -> bytes:
    """A silent mono WAV of the given length (the server measures a voice message's duration)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * int(8000 * seconds))
    return buffer.getvalue()


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _send(person: Reader, chat_id: str, kind: str, content: dict[str, object]) -> None:
    body = {"kind": kind, "content": content, "client_msg_id": uuid.uuid4().hex}
    sent = person.api("POST", f"/chats/{chat_id}/messages", json=body)
    assert sent.status_code in (200, 201), sent.text


def _media(person: Reader, chat_id: str, kind: str, name: str, data: bytes, mime: str) -> None:
    uploaded = person.api(
        "POST", f"/chats/{chat_id}/media", data={"kind": kind}, files={"file": (name, data, mime)}
    )
    assert uploaded.status_code in (200, 201), uploaded.text
    _send(person, chat_id, kind, {"media_id": uploaded.json()["id"]})


@needs_browser
def test_the_chat_list_previews_every_kind_of_message_in_chinese(readers: MakeReader) -> None:
    alice, bob, carol = readers("alice"), readers("bob"), readers("carol")
    befriend(alice, bob)
    befriend(alice, carol)
    _fund(alice, 10_000)
    direct = alice.api("POST", "/chats/direct", json={"user_id": bob.id})
    assert direct.status_code in (200, 201), direct.text
    chat_id = direct.json()["id"]

    def preview_for_bob(chat: str, text: str) -> None:
        bob.open("/chats")
        row = bob.page.locator(f'[data-testid="chat-row"][data-chat-id="{chat}"]')
        expect(row.get_by_test_id("chat-row-preview")).to_have_text(text, timeout=15_000)

    _media(alice, chat_id, "image", "red.png", _png(), "image/png")
    preview_for_bob(chat_id, "[图片]")
    _media(alice, chat_id, "voice", "hello.wav", _wav(), "audio/wav")
    preview_for_bob(chat_id, "[语音] 0:01")

    transfer = alice.api(
        "POST",
        "/wallet/transfers",
        json={"to_user_id": bob.id, "amount": 500, "conversation_ref": chat_id, "pin": PIN},
    )
    assert transfer.status_code == 201, transfer.text
    _send(alice, chat_id, "transfer", {"transfer_id": transfer.json()["id"]})
    preview_for_bob(chat_id, "[转账]")
    accepted = bob.api("POST", f"/wallet/transfers/{transfer.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    preview_for_bob(chat_id, f"{bob.display_name}已收下{alice.display_name}的转账 ¥5.00")

    packet = alice.api(
        "POST",
        "/wallet/red-packets",
        json={
            "kind": "direct",
            "total": 888,
            "greeting": "恭喜发财",
            "to_user_id": bob.id,
            "conversation_ref": chat_id,
            "pin": PIN,
        },
    )
    assert packet.status_code == 201, packet.text
    _send(alice, chat_id, "red_packet", {"red_packet_id": packet.json()["id"]})
    preview_for_bob(chat_id, "[红包] 恭喜发财")

    group = alice.api("POST", "/chats/groups", json={"title": "周末", "member_ids": [bob.id, carol.id]})
    assert group.status_code == 201, group.text
    preview_for_bob(
        group.json()["id"], f"{alice.display_name}邀请{bob.display_name}、{carol.display_name}加入了群聊"
    )
    expect(bob.page.get_by_text("暂不支持的消息类型")).to_have_count(0)


@needs_browser
def test_errors_are_sentences_in_chinese_never_server_text(
    readers: MakeReader, browser: Browser, live_server: LiveServer
) -> None:
    # Signing up with a bad username and a short password: pydantic's findings, worded in Chinese.
    context = browser.new_context(locale="zh-CN", viewport={"width": 420, "height": 860})
    context.add_init_script("localStorage.setItem('quanzi.lang', 'zh');")
    page = context.new_page()
    try:
        page.goto(f"{live_server.base_url}/#/signup")
        page.get_by_test_id("signup-username").fill("ab!")
        page.get_by_test_id("signup-display-name").fill("林")
        page.get_by_test_id("signup-password").fill("123")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/signup")) as answer:
            page.get_by_test_id("signup-submit").click()
        assert answer.value.status == 422
        flash = page.locator(".flash")
        expect(flash).to_have_text("用户名须为 3–32 位小写字母、数字或下划线。 密码至少需要 8 个字符。")

        # A server that fails (a crash, or a proxy's page): one translated line, not its status text.
        page.route(
            "**/api/v1/auth/signup",
            lambda route: route.fulfill(status=500, body="Internal Server Error", content_type="text/plain"),
        )
        page.get_by_test_id("signup-username").fill(f"lin_{RUN}")
        page.get_by_test_id("signup-password").fill("a-long-password")
        page.get_by_test_id("signup-submit").click()
        expect(flash).to_have_text("服务器出错了，请稍后再试")

        # A code this client does not know: a generic line in Chinese, not the server's English.
        page.unroute("**/api/v1/auth/signup")
        page.route(
            "**/api/v1/auth/signup",
            lambda route: route.fulfill(
                status=409,
                json={"error": {"code": "brand_new_rule", "message": "Some English rule.", "details": None}},
            ),
        )
        page.get_by_test_id("signup-submit").click()
        expect(flash).to_have_text("操作没有成功，请检查后重试。")
    finally:
        context.close()

    # A cancelled order says why in Chinese, not the server's reason code.
    shop_owner = readers("teahouse", merchant=True)
    assert shop_owner.api("PUT", "/shops/me", json={"name": f"茶馆 {RUN}"}).status_code == 200
    made = shop_owner.api(
        "POST",
        "/products",
        json={"title": "龙井", "skus": [{"name": "250g", "price": 8800, "stock": 5}], "status": "active"},
    )
    assert made.status_code == 201, made.text
    lin = readers("lin")
    address = {"name": "林", "phone": "13800000000", "line": "上海市南京路 1 号"}
    order = lin.api(
        "POST",
        "/orders",
        json={"items": [{"sku_id": made.json()["skus"][0]["id"], "quantity": 1}], "address": address},
    )
    assert order.status_code == 201, order.text
    [created] = order.json()["orders"]
    cancelled = lin.api("POST", f"/orders/{created['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    lin.open(f"/orders/{created['id']}")
    expect(lin.page.get_by_test_id("cancel-reason")).to_have_text("你已取消订单。")
