"""Chat in real browsers against a real server (issue 3's acceptance line, CHT-3 … CHT-6).

Two people, each in their own Chromium context with a fake microphone (Chromium's
``--use-fake-device-for-media-stream`` plays a tone into getUserMedia, and
``--use-fake-ui-for-media-stream`` answers the permission prompt). Accounts and the friendship are
made through the API, which the UI tests of contacts already cover; everything about chatting goes
through the web client: both pages stay loaded the whole time, so whatever one sees of the other's
actions arrived over the WebSocket.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    Locator,
    Request,
    WebSocketRoute,
    expect,
    sync_playwright,
)

from tests.e2e.people import Person, befriend, people_factory
from tests.live import CHROMIUM, CHROMIUM_ARGS, LiveServer, browser_missing_reason

BROWSER_SKIP = browser_missing_reason()
needs_browser = pytest.mark.skipif(BROWSER_SKIP is not None, reason=BROWSER_SKIP or "")

FAKE_MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """conftest's browser, launched with a fake microphone and camera for this module's tests."""
    if BROWSER_SKIP:
        pytest.skip(BROWSER_SKIP)
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, *FAKE_MEDIA_ARGS]
        )
        try:
            yield chromium
        finally:
            chromium.close()


class Chatter(Person):
    """Someone in a chat, using the web client in their own browser context."""

    def messages(self, kind: str | None = None) -> Locator:
        selector = '[data-testid="message"]' + (f'[data-kind="{kind}"]' if kind else "")
        return self.page.locator(selector)

    def text_message(self, text: str) -> Locator:
        return self.messages("text").filter(
            has=self.page.get_by_test_id("message-text").get_by_text(text, exact=True)
        )

    def chat_row(self, chat_id: str) -> Locator:
        return self.page.locator(f'[data-testid="chat-row"][data-chat-id="{chat_id}"]')

    def say(self, text: str) -> None:
        self.page.get_by_test_id("composer-input").fill(text)
        self.page.get_by_test_id("composer-send").click()
        # Sent: the "sending" copy is replaced by the server's message (it has an id).
        expect(self.text_message(text)).to_have_attribute("data-message-id", re.compile(r"^\d+$"))
        expect(self.page.get_by_test_id("message-pending")).to_have_count(0)


MakeChatter = Callable[[str], Chatter]


@pytest.fixture
def chatters(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MakeChatter]:
    with people_factory(
        Chatter, browser, live_server.base_url, request, tmp_path, permissions=("microphone",)
    ) as make:
        yield make


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (7, 193, 96)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.e2e
@needs_browser
def test_two_people_chat_live_with_text_voice_picture_reply_and_recall(chatters: MakeChatter) -> None:
    alice, bob = chatters("alice"), chatters("bob")
    befriend(alice, bob)

    # Bob has his chat list open; Alice starts the chat from his page.
    bob.open("/chats")
    expect(bob.page.get_by_test_id("chat-list")).to_be_attached()
    alice.open(f"/users/{bob.id}")
    alice.page.get_by_test_id("message-user").click()
    expect(alice.page).to_have_url(re.compile(r"#/chats/\d+$"))
    chat_id = alice.page.url.rsplit("/", 1)[-1]
    expect(alice.page.get_by_test_id("chat-title")).to_have_text(bob.display_name)

    # The new chat appears in Bob's list, and Alice's first message with an unread badge.
    alice.say("Hi Bob, dinner at 7?")
    row = bob.chat_row(chat_id)
    expect(row).to_contain_text(alice.display_name)
    expect(row.get_by_test_id("chat-row-preview")).to_have_text("Hi Bob, dinner at 7?")
    expect(row.get_by_test_id("unread-badge")).to_have_text("1")
    alice.say("I booked the place by the river")
    expect(row.get_by_test_id("unread-badge")).to_have_text("2")

    # Bob opens it: both messages, and his badge is gone once he has read them.
    row.click()
    expect(bob.text_message("Hi Bob, dinner at 7?")).to_be_visible()
    expect(bob.text_message("I booked the place by the river")).to_be_visible()
    expect(bob.text_message("Hi Bob, dinner at 7?")).to_have_attribute("data-mine", "false")

    # Bob answers Alice's first message, quoting it; she sees it arrive, quote included.
    bob.text_message("Hi Bob, dinner at 7?").locator(".bubble").click()
    bob.page.get_by_test_id("reply").click()
    expect(bob.page.get_by_test_id("composer-reply")).to_contain_text("Hi Bob, dinner at 7?")
    bob.say("Sounds good, see you there")
    reply = alice.text_message("Sounds good, see you there")
    expect(reply).to_be_visible()
    expect(reply.get_by_test_id("message-quote")).to_contain_text("Hi Bob, dinner at 7?")
    expect(bob.page.get_by_test_id("composer-reply")).to_have_count(0)
    # Alice's own messages show Bob read them (a read receipt, live).
    booked = alice.text_message("I booked the place by the river")
    expect(booked.get_by_test_id("read-receipt")).to_have_text("Read")

    # Alice records a couple of seconds with the (fake) microphone and sends it.
    record = alice.page.get_by_test_id("voice-record")
    record.click()
    expect(alice.page.get_by_test_id("voice-recording")).to_be_visible()
    alice.page.wait_for_timeout(2500)
    record.click()
    expect(alice.page.get_by_test_id("voice-preview")).to_be_visible()
    alice.page.get_by_test_id("voice-send").click()
    sent_voice = alice.messages("voice")
    expect(sent_voice).to_have_count(1)
    expect(sent_voice).to_have_attribute("data-message-id", re.compile(r"^\d+$"))
    voice_id = sent_voice.get_attribute("data-message-id")
    stored = alice.api("GET", f"/chats/{chat_id}/messages/{voice_id}").json()
    # The server measured the recording itself.
    assert 1500 <= stored["content"]["duration_ms"] <= 6000, stored
    assert stored["content"]["mime"].startswith("audio/")

    # Bob gets it live and plays it.
    voice = bob.messages("voice")
    expect(voice).to_have_count(1)
    expect(voice.get_by_test_id("voice-play")).to_contain_text(re.compile(r"0:0[2-5]"))
    player = voice.get_by_test_id("voice-player")
    expect(player).to_have_attribute("src", stored["content"]["url"])
    voice.get_by_test_id("voice-play").click()
    expect(voice.get_by_test_id("voice-play")).to_have_attribute("data-state", re.compile("playing|ended"))
    bob.page.wait_for_function(
        "audio => audio.ended || audio.currentTime > 0", arg=player.element_handle(), timeout=10_000
    )
    assert player.evaluate("audio => audio.error === null")

    # A picture, from Alice's file picker to Bob's screen.
    alice.page.get_by_test_id("image-input").set_input_files(
        {"name": "river.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    expect(alice.messages("image")).to_have_attribute("data-message-id", re.compile(r"^\d+$"))
    picture = bob.messages("image").get_by_test_id("message-image")
    expect(picture).to_be_visible()
    bob.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())

    # Alice recalls her first message: both see "recalled" in its place, and in Bob's quote of it.
    first = alice.text_message("Hi Bob, dinner at 7?")
    first_id = first.get_attribute("data-message-id")
    first.locator(".bubble").click()
    alice.page.get_by_test_id("recall").click()
    recalled_for_alice = alice.page.locator(f'[data-testid="message"][data-message-id="{first_id}"]')
    expect(recalled_for_alice.get_by_test_id("message-recalled")).to_have_text("You recalled a message")
    recalled_for_bob = bob.page.locator(f'[data-testid="message"][data-message-id="{first_id}"]')
    expect(recalled_for_bob.get_by_test_id("message-recalled")).to_have_text(
        f"{alice.display_name} recalled a message"
    )
    expect(bob.page.get_by_text("Hi Bob, dinner at 7?")).to_have_count(0)
    expect(bob.text_message("Sounds good, see you there").get_by_test_id("message-quote")).to_contain_text(
        "Message recalled"
    )
    assert alice.api("GET", f"/chats/{chat_id}/messages/{first_id}").json()["recalled"] is True

    alice.assert_never_reloaded()
    bob.assert_never_reloaded()


@pytest.mark.e2e
@needs_browser
def test_a_group_is_created_from_friends_and_managed_by_its_owner(chatters: MakeChatter) -> None:
    alice, bob, carol = chatters("alice"), chatters("bob"), chatters("carol")
    befriend(alice, bob)
    befriend(alice, carol)
    bob.open("/chats")
    expect(bob.page.get_by_test_id("chat-list")).to_be_attached()

    # Alice makes a group of her two friends.
    alice.open("/chats")
    alice.page.get_by_test_id("new-group").click()
    alice.page.get_by_test_id("group-title").fill("Weekend hike")
    expect(alice.page.get_by_test_id("group-member-option")).to_have_count(2)
    alice.page.locator(f'[data-testid="group-member-option"][data-user-id="{bob.id}"]').click()
    alice.page.locator(f'[data-testid="group-member-option"][data-user-id="{carol.id}"]').click()
    alice.page.get_by_test_id("group-create").click()
    expect(alice.page).to_have_url(re.compile(r"#/chats/\d+$"))
    group_id = alice.page.url.rsplit("/", 1)[-1]
    expect(alice.page.get_by_test_id("chat-title")).to_have_text("Weekend hike (3)")
    expect(alice.messages("system")).to_contain_text("created the group")

    # Bob's list shows it at once; he opens it and talks.
    row = bob.chat_row(group_id)
    expect(row.get_by_test_id("chat-row-title")).to_have_text("Weekend hike")
    row.click()
    bob.say("Count me in")
    expect(alice.text_message("Count me in")).to_be_visible()

    # Alice renames it, writes an announcement and mutes everyone; Bob sees each change live.
    alice.page.get_by_test_id("group-settings").click()
    expect(alice.page.get_by_test_id("group-member")).to_have_count(3)
    alice.page.get_by_test_id("group-title-input").fill("Hike crew")
    alice.page.get_by_test_id("group-title-save").click()
    expect(alice.page.get_by_test_id("notice")).to_have_text("Saved.")
    alice.page.get_by_test_id("group-announcement-input").fill("Meet at the station, 8:00")
    alice.page.get_by_test_id("group-announcement-save").click()
    expect(bob.page.get_by_test_id("chat-title")).to_have_text("Hike crew (3)")
    expect(bob.page.get_by_test_id("chat-announcement")).to_contain_text("Meet at the station, 8:00")
    alice.page.get_by_test_id("group-mute-all").check()
    expect(bob.page.get_by_test_id("composer-closed")).to_contain_text("Everyone is muted")
    expect(bob.page.get_by_test_id("composer-input")).to_have_count(0)

    # Alice removes Carol: two members left, and the notice reaches Bob.
    carol_row = alice.page.locator(f'[data-testid="group-member"][data-user-id="{carol.id}"]')
    carol_row.get_by_test_id("member-remove").click()
    expect(alice.page.get_by_test_id("group-member")).to_have_count(2)
    expect(bob.messages("system").filter(has_text=f"removed {carol.display_name}")).to_have_count(1)
    expect(bob.page.get_by_test_id("chat-title")).to_have_text("Hike crew (2)")
    assert carol.api("GET", f"/chats/{group_id}/members").status_code == 404

    alice.assert_never_reloaded()
    bob.assert_never_reloaded()


@pytest.mark.e2e
@needs_browser
def test_after_a_dropped_connection_the_client_gets_what_it_missed_once_and_in_order(
    chatters: MakeChatter,
) -> None:
    alice, bob = chatters("alice"), chatters("bob")
    befriend(alice, bob)
    chat_id = alice.api("POST", "/chats/direct", json={"user_id": bob.id}).json()["id"]

    # Bob's socket goes through a switch the test controls: it can cut the connection and, while
    # "down", refuse new ones, as a tunnel or a flaky network would.
    network = {"down": False}
    routes: list[WebSocketRoute] = []

    def through_switch(ws: WebSocketRoute) -> None:
        if network["down"]:
            ws.close(code=1012, reason="network down")
            return
        ws.connect_to_server()
        routes.append(ws)

    bob.page.route_web_socket(re.compile(r"/api/v1/ws$"), through_switch)
    bob.open(f"/chats/{chat_id}")
    alice.open(f"/chats/{chat_id}")
    alice.say("Before the tunnel")
    expect(bob.text_message("Before the tunnel")).to_be_visible()

    network["down"] = True
    routes[-1].close(code=1012, reason="network down")
    expect(bob.page.get_by_test_id("connection")).to_have_text("Connecting…")
    missed = ["In the tunnel 1", "In the tunnel 2", "In the tunnel 3"]
    for text in missed:
        alice.say(text)
    expect(bob.messages("text")).to_have_count(1)

    history_fetches: list[str] = []

    def note(request: Request) -> None:
        if "/messages" in request.url or "/sync" in request.url:
            history_fetches.append(request.url)

    bob.page.on("request", note)
    network["down"] = False
    for text in missed:
        expect(bob.text_message(text)).to_have_count(1)
    expect(bob.page.get_by_test_id("connection")).to_have_count(0)
    texts = bob.page.get_by_test_id("message-text").all_inner_texts()
    assert texts == ["Before the tunnel", *missed]
    seqs = [int(s) for s in bob.messages().evaluate_all("els => els.map(e => e.dataset.seq)")]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    # They came over the socket's replay from Bob's last seq, not from reloading the history.
    assert history_fetches == []
    assert len(routes) >= 2, "the client never reconnected"
    bob.assert_never_reloaded()
