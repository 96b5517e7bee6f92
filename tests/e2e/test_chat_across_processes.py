"""CHT-8 in a real browser: the web client connected to one `quanzi serve` process shows, once, a
message sent through another process sharing PostgreSQL and the bus (Redis, then NATS). How fast is
bench/chat.py's to measure."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.chat.test_multiprocess import CARRIERS, WAIT_S, _skip_reason, serve
from tests.live import PASSWORD, WEB_DIST, web_client_missing_reason

pytestmark = [pytest.mark.e2e, pytest.mark.shared_services]
V1 = "/api/v1"


def _signup(base: str, username: str) -> dict[str, str]:
    response = httpx.post(
        f"{base}{V1}/auth/signup",
        json={"username": username, "password": PASSWORD, "display_name": username.title()},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return {"id": body["user"]["id"], "token": body["token"]}


def _call(base: str, token: str, method: str, path: str, **kwargs: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, f"{base}{V1}{path}", headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("carrier", list(CARRIERS))
def test_a_browser_on_one_process_sees_a_message_sent_through_the_other(
    carrier: str, database_url: str, tmp_path: Path, browser: Browser
) -> None:
    reason = _skip_reason(carrier, database_url) or web_client_missing_reason()
    if reason:
        pytest.skip(reason)
    bus_url = os.environ[CARRIERS[carrier]]
    with (
        serve(tmp_path, "server-a", database_url, bus_url, node_id=201, web_dist=WEB_DIST) as server_a,
        serve(tmp_path, "server-b", database_url, bus_url, node_id=202, web_dist=WEB_DIST) as server_b,
    ):
        alice = _signup(server_b, f"alice_web_{carrier}")
        bob = _signup(server_a, f"bob_web_{carrier}")
        request = _call(server_b, alice["token"], "POST", "/friend-requests", json={"to_user_id": bob["id"]})
        assert request.status_code == 201, request.text
        accepted = _call(server_a, bob["token"], "POST", f"/friend-requests/{request.json()['id']}/accept")
        assert accepted.status_code == 200, accepted.text
        chat = _call(server_b, alice["token"], "POST", "/chats/direct", json={"user_id": bob["id"]})
        assert chat.status_code == 200, chat.text
        chat_id = chat.json()["id"]

        # Bob's browser talks only to server A.
        context = browser.new_context(locale="en-US", viewport={"width": 420, "height": 860})
        context.add_init_script(
            f"localStorage.setItem('quanzi.token', {bob['token']!r});"
            "localStorage.setItem('quanzi.lang', 'en');"
        )
        page = context.new_page()
        try:
            page.goto(f"{server_a}/#/chats/{chat_id}")
            expect(page.get_by_test_id("composer-input")).to_be_visible()
            for attempt in range(3):
                text = f"through server B, {carrier} #{attempt}"
                sent = _call(
                    server_b,
                    alice["token"],
                    "POST",
                    f"/chats/{chat_id}/messages",
                    json={"kind": "text", "content": {"text": text}},
                )
                assert sent.status_code == 201, sent.text
                bubble = page.locator(f'[data-testid="message"][data-message-id="{sent.json()["id"]}"]')
                expect(bubble).to_contain_text(text, timeout=WAIT_S * 1000)
                expect(bubble).to_have_count(1)  # once, however it arrived
        finally:
            context.close()
