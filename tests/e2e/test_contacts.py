"""Contacts in a real browser against a real server: sign-up, search, friend requests, blocks (GRA-1 … GRA-4).

Each person is a separate browser context (their own localStorage, so their own session), all in
English so the server's messages are shown as sent. Also checks what the server serves besides the API.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.live import PASSWORD, LiveServer, browser_missing_reason, web_client_missing_reason

BROWSER_SKIP = browser_missing_reason()
WEB_CLIENT_SKIP = web_client_missing_reason()
needs_browser = pytest.mark.skipif(BROWSER_SKIP is not None, reason=BROWSER_SKIP or "")

BLOCKED_MESSAGE = "This user is not accepting friend requests from you."
_RUN = uuid.uuid4().hex[:6]  # usernames stay unique if a database is reused between runs
_numbers = itertools.count(1)


@dataclass
class Person:
    """Someone using the web client in their own browser context."""

    page: Page
    base_url: str
    username: str
    display_name: str
    password: str = PASSWORD
    id: str = ""
    token: str = field(default="", repr=False)

    def sign_up(self) -> None:
        """Signs up through the UI: the login screen's link, the form, then the app's home."""
        self.page.goto(f"{self.base_url}/")
        self.page.get_by_test_id("goto-signup").click()
        self.page.get_by_test_id("signup-username").fill(self.username)
        self.page.get_by_test_id("signup-display-name").fill(self.display_name)
        self.page.get_by_test_id("signup-password").fill(self.password)
        with self.page.expect_response(lambda r: r.url.endswith("/api/v1/auth/signup")) as answer:
            self.page.get_by_test_id("signup-submit").click()
        assert answer.value.status == 201, answer.value.text()
        created = answer.value.json()
        self.id, self.token = created["user"]["id"], created["token"]
        expect(self.page.get_by_test_id("tab-chats")).to_be_visible()
        self.page.get_by_test_id("tab-me").click()
        expect(self.page.get_by_test_id("me-display-name")).to_have_text(self.display_name)

    def open_profile_by_search(self, other: Person) -> None:
        """Finds `other` by username in Contacts' search and opens their page from the result."""
        self.page.get_by_test_id("tab-contacts").click()
        self.page.get_by_test_id("search-input").fill(other.username)
        self.page.get_by_test_id("search-submit").click()
        result = self.page.locator(f'[data-testid="search-result"][data-user-id="{other.id}"]')
        expect(result).to_be_visible()
        expect(result).to_contain_text(other.display_name)
        result.get_by_role("link").click()
        expect(self.page).to_have_url(f"{self.base_url}/#/users/{other.id}")
        expect(self.page.get_by_test_id("user-display-name")).to_have_text(other.display_name)

    def search_finds_nobody(self, other: Person) -> None:
        """Searches for `other` by username and gets the empty answer (not an error)."""
        self.page.get_by_test_id("tab-contacts").click()
        self.page.get_by_test_id("search-input").fill(other.username)
        with self.page.expect_response(lambda r: "/api/v1/users/search" in r.url) as answer:
            self.page.get_by_test_id("search-submit").click()
        assert answer.value.ok
        assert answer.value.json()["items"] == []
        expect(self.page.get_by_text("No one found.")).to_be_visible()
        expect(self.page.get_by_test_id("search-result")).to_have_count(0)

    def log_out_and_back_in(self) -> None:
        """Logs out from Me, then in again on the login screen; the new session sees the same account."""
        self.page.get_by_test_id("tab-me").click()
        self.page.get_by_test_id("logout").click()
        expect(self.page.get_by_test_id("login-submit")).to_be_visible()
        assert self.page.evaluate("localStorage.getItem('quanzi.token')") is None
        self.page.get_by_test_id("login-login").fill(self.username)
        self.page.get_by_test_id("login-password").fill(self.password)
        self.page.get_by_test_id("login-submit").click()
        expect(self.page.get_by_test_id("tab-chats")).to_be_visible()
        self.page.get_by_test_id("tab-me").click()
        expect(self.page.get_by_test_id("me-display-name")).to_have_text(self.display_name)

    def open_contacts(self) -> None:
        self.page.get_by_test_id("tab-contacts").click()
        expect(self.page.get_by_test_id("friends-list")).to_be_attached()

    def friend_row(self, other: Person) -> Locator:
        return self.page.locator(f'[data-testid="friend-row"][data-user-id="{other.id}"]')


MakePerson = Callable[[str], Person]


@pytest.fixture
def people(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MakePerson]:
    """Makes people, each in a fresh browser context; on failure, screenshots of their pages are kept."""
    contexts: list[BrowserContext] = []

    def make(name: str) -> Person:
        context = browser.new_context(locale="en-US", viewport={"width": 420, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        username = f"{name}_{_RUN}_{next(_numbers)}"
        return Person(
            page=context.new_page(),
            base_url=live_server.base_url,
            username=username,
            display_name=f"{name.title()} {_RUN}",
        )

    yield make
    report = getattr(request.node, "rep_call", None)
    for number, context in enumerate(contexts):
        if report is not None and report.failed:
            for page in context.pages:
                shot = tmp_path / f"person-{number}.png"
                page.screenshot(path=shot, full_page=True)
                print(f"screenshot of {page.url}: {shot}")
        context.close()


@pytest.mark.e2e
@needs_browser
def test_two_people_become_friends_through_the_ui(people: MakePerson) -> None:
    alice, bob = people("alice"), people("bob")
    alice.sign_up()
    bob.sign_up()

    alice.open_profile_by_search(bob)
    alice.page.get_by_test_id("add-friend").click()
    alice.page.get_by_test_id("friend-message").fill("Hi Bob, it's Alice from the running club")
    alice.page.get_by_test_id("send-friend-request").click()
    expect(alice.page.get_by_test_id("notice")).to_have_text("Friend request sent.")
    expect(alice.page.get_by_test_id("request-pending")).to_be_visible()
    alice.open_contacts()
    expect(alice.page.get_by_test_id("outgoing-requests").get_by_test_id("outgoing-request")).to_have_count(1)

    bob.log_out_and_back_in()
    bob.open_contacts()
    incoming = bob.page.get_by_test_id("incoming-requests").get_by_test_id("incoming-request")
    expect(incoming).to_have_count(1)
    expect(incoming).to_contain_text(alice.display_name)
    expect(incoming).to_contain_text("Hi Bob, it's Alice from the running club")
    expect(bob.friend_row(alice)).to_have_count(0)
    incoming.get_by_test_id("accept-request").click()
    expect(bob.page.get_by_test_id("notice")).to_have_text("Friend request accepted.")
    expect(incoming).to_have_count(0)
    expect(bob.friend_row(alice)).to_be_visible()
    expect(bob.friend_row(alice)).to_contain_text(alice.display_name)
    expect(bob.page.get_by_test_id("friend-row")).to_have_count(1)

    # Alice's Contacts is loaded afresh when she opens it again.
    alice.page.get_by_test_id("tab-me").click()
    alice.open_contacts()
    expect(alice.friend_row(bob)).to_be_visible()
    expect(alice.friend_row(bob)).to_contain_text(bob.display_name)
    expect(alice.page.get_by_test_id("friend-row")).to_have_count(1)
    expect(alice.page.get_by_test_id("outgoing-requests").get_by_test_id("outgoing-request")).to_have_count(0)


@pytest.mark.e2e
@needs_browser
def test_a_blocked_person_is_told_why_their_friend_request_is_refused(people: MakePerson) -> None:
    alice, carol = people("alice"), people("carol")
    alice.sign_up()
    carol.sign_up()

    # Alice has Carol's page open (a shared link: the id comes from the API) and starts a request...
    alice.page.goto(f"{alice.base_url}/#/users/{carol.id}")
    expect(alice.page.get_by_test_id("user-display-name")).to_have_text(carol.display_name)
    alice.page.get_by_test_id("add-friend").click()
    alice.page.get_by_test_id("friend-message").fill("Hello again?")

    # ...while Carol finds Alice and blocks her.
    carol.open_profile_by_search(alice)
    carol.page.get_by_test_id("block").click()
    expect(carol.page.get_by_test_id("notice")).to_have_text("Blocked.")
    expect(carol.page.get_by_test_id("unblock")).to_be_visible()

    with alice.page.expect_response(lambda r: r.url.endswith("/api/v1/friend-requests")) as answer:
        alice.page.get_by_test_id("send-friend-request").click()
    assert answer.value.status == 403
    assert answer.value.json()["error"]["code"] == "friend_request_refused"
    expect(alice.page.get_by_test_id("error")).to_have_text(BLOCKED_MESSAGE)
    expect(alice.page.get_by_test_id("request-pending")).to_have_count(0)

    # GRA-3: from now on the blocked cannot find the blocker: her page is "no such user", no buttons.
    alice.page.reload()
    expect(alice.page.get_by_test_id("error")).to_have_text("No such user.")
    expect(alice.page.get_by_test_id("add-friend")).to_have_count(0)
    alice.search_finds_nobody(carol)

    carol.open_contacts()
    expect(carol.page.get_by_text("No new friend requests.")).to_be_visible()
    expect(carol.page.get_by_test_id("incoming-requests").get_by_test_id("incoming-request")).to_have_count(0)


# --- what the server serves besides the API -------------------------------------------------


def test_server_answers_health_metrics_openapi_and_docs(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url, timeout=10.0) as http:
        health = http.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok"}

        document = http.get("/api/openapi.json")
        assert document.status_code == 200
        assert document.headers["content-type"].startswith("application/json")
        spec = document.json()
        assert spec["openapi"].startswith("3.")
        assert "/api/v1/auth/signup" in spec["paths"]

        docs = http.get("/api/docs")
        assert docs.status_code == 200
        assert docs.headers["content-type"].startswith("text/html")
        assert "/api/openapi.json" in docs.text

        unknown = http.get("/api/v1/no-such-thing")
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "not_found"

        metrics = http.get("/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain")
        assert "quanzi_http_requests_total" in metrics.text
        assert 'route="/healthz"' in metrics.text


def test_every_answer_carries_a_request_id(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url, timeout=10.0) as http:
        generated = http.get("/healthz").headers.get("x-request-id", "")
        assert len(generated) >= 16
        assert http.get("/healthz").headers["x-request-id"] != generated
        assert http.get("/healthz", headers={"X-Request-ID": "trace-42.a_b"}).headers["x-request-id"] == (
            "trace-42.a_b"
        )
        # A supplied id that is not safe to log is replaced, not echoed.
        replaced = http.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
        assert replaced.headers["x-request-id"] not in ("", "bad id\twith spaces")
        error = http.get("/api/v1/me")
        assert error.status_code == 401
        assert error.headers.get("x-request-id")


@pytest.mark.skipif(WEB_CLIENT_SKIP is not None, reason=WEB_CLIENT_SKIP or "")
def test_server_serves_the_web_client(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url, timeout=10.0) as http:
        index = http.get("/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        assert '<script type="module"' in index.text
        assert 'id="app"' in index.text
        script = index.text.split('<script type="module" crossorigin src="', 1)[-1].split('"', 1)[0]
        if script.startswith("/assets/"):
            bundle = http.get(script)
            assert bundle.status_code == 200
            assert "javascript" in bundle.headers["content-type"]
