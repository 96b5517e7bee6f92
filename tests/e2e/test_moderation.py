"""Moderation in real browsers against a real server (MOD-1, MOD-2 through the web client).

Bob reports Alice's Moment from his Moments; an operator takes it down from the report queue with a
note; the Moment is gone from Bob's Moments, and Alice's inbox tells her why. The operator also puts
a word on the sensitive-word list from its page, and Bob's comment holding it is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect

from tests.e2e.people import Person, befriend, people_factory
from tests.live import LiveServer


class Member(Person):
    def moment(self, post_id: str) -> Locator:
        return self.page.locator(f'[data-testid="moment"][data-post-id="{post_id}"]')


MakePerson = Callable[[str], Member]


@pytest.fixture
def people(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MakePerson]:
    base_url = live_server.base_url
    with people_factory(Member, browser, base_url, request, tmp_path, viewport=(420, 900)) as make:
        yield make


def make_operator(live_server: LiveServer, person: Member) -> None:
    """The local `quanzi admin make-operator` command, as a site's owner runs it (before the person's
    first request, so no process holds their session from before)."""
    username = person.api("GET", "/me").json()["username"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUANZI_")}
    env.update(QUANZI_DATABASE_URL=live_server.database_url)
    done = subprocess.run(
        [sys.executable, "-m", "quanzi.cli", "admin", "make-operator", username],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def wait_until_gone(person: Member, post_id: str) -> None:
    """The take-down is applied by the feed's consumer just after the operator's action commits."""
    deadline = time.monotonic() + 10
    while person.api("GET", f"/posts/{post_id}").status_code != 404:
        assert time.monotonic() < deadline, "the post was not taken down"
        time.sleep(0.1)


@pytest.mark.e2e
def test_a_reported_moment_is_taken_down_from_the_queue_and_its_author_told(
    people: MakePerson, live_server: LiveServer
) -> None:
    ops = people("ops")
    make_operator(live_server, ops)
    alice, bob = people("alice"), people("bob")
    befriend(alice, bob)
    posted = alice.api("POST", "/moments", json={"body": "Cheap followers, DM me for a price list"})
    assert posted.status_code == 201, posted.text
    post_id = posted.json()["id"]

    # Bob reports it from his Moments.
    bob.open("/moments")
    card = bob.moment(post_id)
    expect(card).to_contain_text("Cheap followers")
    expect(card.get_by_test_id("report-post")).to_have_text("Report")
    card.get_by_test_id("report-post").click()
    form = card.get_by_test_id("report-form")
    form.get_by_test_id("report-reason").select_option("spam")
    form.get_by_test_id("report-note").fill("Selling fake followers")
    with bob.page.expect_response(lambda r: r.url.endswith("/api/v1/reports")) as answer:
        form.get_by_test_id("report-submit").click()
    assert answer.value.status == 201, answer.value.text()
    expect(bob.page.get_by_text("Thanks. An operator will look at it.")).to_be_visible()
    # Alice's own Moment offers her no report button.
    alice.open("/moments")
    expect(alice.moment(post_id)).to_be_visible()
    expect(alice.moment(post_id).get_by_test_id("report-post")).to_have_count(0)

    # The operator finds it in the queue from the Me page and takes it down with a note.
    ops.open("/me")
    ops.page.get_by_test_id("admin-reports-link").click()
    row = ops.page.locator('[data-testid="report-row"]', has_text="Cheap followers")
    expect(row).to_contain_text("Selling fake followers")
    expect(row).to_contain_text("Spam or advertising")
    row.get_by_test_id("action-note").fill("Selling followers breaks the rules.")
    row.get_by_test_id("action-take_down").click()
    expect(ops.page.get_by_test_id("report-row")).to_have_count(0)  # no longer open
    ops.page.get_by_test_id("queue-status").select_option("taken_down")
    expect(ops.page.locator('[data-testid="report-row"][data-status="taken_down"]')).to_contain_text(
        "Cheap followers"
    )

    # Gone from Bob's Moments.
    wait_until_gone(bob, post_id)
    bob.page.reload()  # he is still on /moments: load it afresh
    expect(bob.page.get_by_test_id("moment-composer")).to_be_visible()
    expect(bob.moment(post_id)).to_have_count(0)

    # Alice is told why.
    alice.open("/notifications")
    notice = alice.page.locator('[data-testid="notification-row"][data-kind="taken_down"]')
    expect(notice).to_contain_text("An operator took down your content")
    expect(notice.get_by_test_id("takedown-reason")).to_contain_text("Spam or advertising")
    expect(notice).to_contain_text("Selling followers breaks the rules.")


@pytest.mark.e2e
def test_an_operator_adds_a_sensitive_word_and_a_comment_holding_it_is_refused(
    people: MakePerson, live_server: LiveServer
) -> None:
    ops = people("ops")
    make_operator(live_server, ops)
    alice, bob = people("alice"), people("bob")
    befriend(alice, bob)
    post_id = alice.api("POST", "/moments", json={"body": "周末去哪儿玩?"}).json()["id"]

    ops.open("/admin/words")
    ops.page.get_by_test_id("word-input").fill("赌博")
    ops.page.get_by_test_id("word-action").select_option("refuse")
    ops.page.get_by_test_id("word-add").click()
    expect(ops.page.locator('[data-testid="word-row"][data-word="赌博"]')).to_be_visible()

    bob.open("/moments")
    card = bob.moment(post_id)
    card.get_by_test_id("comment-input").fill("一起去赌博吧")
    with bob.page.expect_response(lambda r: r.url.endswith(f"/posts/{post_id}/comments")) as answer:
        card.get_by_test_id("comment-submit").click()
    assert answer.value.status == 422
    assert answer.value.json()["error"]["code"] == "sensitive_content"
    # A harmless sentence with the same characters across two words goes through.
    card.get_by_test_id("comment-input").fill("我跟他打赌博士今天会来")
    card.get_by_test_id("comment-submit").click()
    expect(card.get_by_test_id("comment")).to_contain_text("我跟他打赌博士今天会来")
