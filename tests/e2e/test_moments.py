"""Moments in real browsers against a real server (issue 4: MOM-2, MOM-3, NTF-1 through the web client).

Accounts and friendships are made through the API; posting (with the visibility picker), liking,
commenting and reading notifications go through the UI. A posts a Moment visible to B only: B sees,
likes and comments on it; D (A's friend, not chosen) and C (a stranger) never see it, not even by its
address; A's notification badge follows live and the inbox lists what B did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect

from tests.e2e.people import Person, befriend, people_factory
from tests.live import LiveServer


class Viewer(Person):
    def moment(self, post_id: str) -> Locator:
        return self.page.locator(f'[data-testid="moment"][data-post-id="{post_id}"]')


MakePerson = Callable[[str], Viewer]


@pytest.fixture
def people(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MakePerson]:
    with people_factory(
        Viewer, browser, live_server.base_url, request, tmp_path, viewport=(400, 800)
    ) as make:
        yield make


@pytest.mark.e2e
def test_a_moment_for_one_friend_is_seen_liked_and_commented_by_that_friend_only(people: MakePerson) -> None:
    alice, bob, carol, dave = people("alice"), people("bob"), people("carol"), people("dave")
    befriend(alice, bob)
    befriend(alice, dave)  # a friend who is not chosen
    # carol is nobody's friend

    # Alice posts a Moment visible to Bob only, choosing him in the visibility picker.
    alice.open("/moments")
    composer = alice.page.get_by_test_id("moment-composer")
    composer.get_by_test_id("moment-text").fill("Only for you, Bob: dinner on Friday?")
    composer.get_by_test_id("moment-visibility").select_option("include")
    option = composer.locator(f'[data-testid="moment-audience-option"][data-kind="user"][data-id="{bob.id}"]')
    expect(option).to_contain_text(bob.display_name)
    expect(composer.locator(f'[data-testid="moment-audience-option"][data-id="{dave.id}"]')).to_be_visible()
    with alice.page.expect_response(
        lambda r: r.url.endswith("/api/v1/moments") and r.request.method == "POST"
    ) as answer:
        option.locator("input").check()
        composer.get_by_test_id("moment-submit").click()
    assert answer.value.status == 201, answer.value.text()
    posted = answer.value.json()
    post_id = str(posted["id"])
    assert posted["visibility"] == "include"
    assert posted["audience"]["user_ids"] == [bob.id]
    expect(alice.moment(post_id)).to_contain_text("Only for you, Bob: dinner on Friday?")

    # Alice keeps Discover open: her badge must follow without a reload.
    alice.open("/discover")
    expect(alice.page.get_by_test_id("hot-search")).to_be_visible()
    expect(alice.page.get_by_test_id("notifications-badge")).to_have_count(0)

    # Bob sees it in Moments, likes it and comments on it.
    bob.open("/moments")
    card = bob.moment(post_id)
    expect(card).to_contain_text("Only for you, Bob: dinner on Friday?")
    expect(card).to_contain_text(alice.display_name)
    card.get_by_test_id("like").click()
    expect(card.get_by_test_id("like")).to_have_attribute("aria-pressed", "true")
    expect(card.get_by_test_id("liker")).to_have_text(bob.display_name)
    card.get_by_test_id("comment-input").fill("Yes! See you at 7")
    card.get_by_test_id("comment-submit").click()
    expect(card.get_by_test_id("comment")).to_have_count(1)
    expect(card.get_by_test_id("comment")).to_contain_text("Yes! See you at 7")
    expect(card.get_by_test_id("comment")).to_contain_text(bob.display_name)

    # Carol (a stranger) and Dave (a friend not chosen) do not see it: not in the list, not by id.
    for outsider in (carol, dave):
        outsider.open("/moments")
        expect(outsider.page.get_by_test_id("moments-list").locator(".empty")).to_be_visible()
        expect(outsider.page.get_by_test_id("moment")).to_have_count(0)
        outsider.open(f"/posts/{post_id}")
        expect(outsider.page.get_by_test_id("post-not-found")).to_be_visible()
        expect(outsider.page.get_by_text("Only for you, Bob")).to_have_count(0)
        expect(outsider.page.get_by_text("Yes! See you at 7")).to_have_count(0)

    # Alice's badge went up live (a like and a comment), on the Discover tab and in the menu.
    badge = alice.page.get_by_test_id("tab-discover").get_by_test_id("notifications-badge")
    expect(badge).to_have_text("2", timeout=35_000)

    # The inbox lists both; opening it marks them read and the badge goes away.
    alice.page.get_by_test_id("goto-notifications").click()
    rows = alice.page.get_by_test_id("notification-row")
    expect(rows).to_have_count(2)
    expect(rows.and_(alice.page.locator('[data-kind="like"]'))).to_contain_text(bob.display_name)
    expect(rows.and_(alice.page.locator('[data-kind="comment"]'))).to_contain_text("Yes! See you at 7")
    expect(alice.page.get_by_test_id("notifications-badge")).to_have_count(0)

    # From the notification to the Moment, where Alice sees Bob's like and comment.
    rows.first.locator("a").click()
    mine = alice.moment(post_id)
    expect(mine.get_by_test_id("liker")).to_have_text(bob.display_name)
    expect(mine.get_by_test_id("comment")).to_contain_text("Yes! See you at 7")
