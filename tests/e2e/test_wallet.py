"""The wallet in a real browser against a real server (WAL-2 … WAL-5, WAL-8): a payment PIN set on the
PIN pad, a card linked, a top-up the sandbox bank answers asynchronously, a transfer a friend accepts,
a lucky red packet two friends grab, and the statements of everyone involved.

People sign up through the API (the sign-up screen has its own tests) and start signed in, in English,
the way tests/e2e/test_chat.py does; everything about the wallet is done in the UI.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect

from quanzi.wallet.bank import sandbox_card_number
from tests.e2e.people import Person, befriend, people_factory
from tests.live import LiveServer, browser_missing_reason

BROWSER_SKIP = browser_missing_reason()
needs_browser = pytest.mark.skipif(BROWSER_SKIP is not None, reason=BROWSER_SKIP or "")

PIN = "258036"
# The sandbox bank answers through durable jobs (polled about once a second): allow it some time.
BANK_TIMEOUT_MS = 30_000


class WalletUser(Person):
    def open_wallet(self) -> None:
        self.page.get_by_test_id("tab-wallet").click()
        expect(self.page.get_by_test_id("wallet-balance")).to_have_text(re.compile(r"^¥[\d,]+\.\d\d$"))

    def tap_pin(self, pin: str = PIN) -> None:
        pad = self.page.get_by_test_id("pin-pad")
        expect(pad).to_be_visible()
        for digit in pin:
            pad.get_by_test_id(f"pin-digit-{digit}").click()

    def set_pin(self) -> None:
        """Sets the PIN on the pad: a slip corrected with delete, then the PIN again to confirm."""
        section = self.page.get_by_test_id("wallet-pin")
        expect(section).to_have_attribute("data-pin-set", "false")
        section.get_by_test_id("pin-setup").click()
        expect(self.page.get_by_test_id("pin-prompt")).to_have_text("Enter a new 6-digit PIN")
        self.page.get_by_test_id("pin-digit-9").click()
        self.page.get_by_test_id("pin-delete").click()
        self.tap_pin()
        expect(self.page.get_by_test_id("pin-prompt")).to_have_text("Enter the new PIN again")
        self.tap_pin()
        expect(self.page.get_by_test_id("notice")).to_have_text("Payment PIN saved.")
        expect(section).to_have_attribute("data-pin-set", "true")

    def link_card(self, last4: str = "1234") -> None:
        self.page.get_by_test_id("card-number").fill(sandbox_card_number(last4))
        self.page.get_by_test_id("card-link").click()
        row = self.page.get_by_test_id("card-row")
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("card-masked")).to_have_text(re.compile(rf"\*+.*{last4}$"))
        # The full number is never shown again.
        expect(self.page.get_by_text(sandbox_card_number(last4))).to_have_count(0)

    def top_up(self, yuan: str) -> None:
        self.page.get_by_test_id("topup-amount").fill(yuan)
        with self.page.expect_response(lambda r: r.url.endswith("/api/v1/wallet/topups")) as answer:
            self.page.get_by_test_id("topup-submit").click()
            self.tap_pin()
        assert answer.value.status == 201, answer.value.text()
        assert answer.value.request.header_value("Idempotency-Key")
        order = self.page.locator(f'[data-testid="bank-order"][data-order-id="{answer.value.json()["id"]}"]')
        expect(order).to_be_visible()
        expect(order).to_have_attribute("data-status", "succeeded", timeout=BANK_TIMEOUT_MS)

    def balance(self) -> Locator:
        return self.page.get_by_test_id("wallet-balance")

    def statement_rows(self) -> Locator:
        return self.page.get_by_test_id("statement-row")


MakeUser = Callable[[str], WalletUser]


@pytest.fixture
def wallet_users(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MakeUser]:
    with people_factory(
        WalletUser, browser, live_server.base_url, request, tmp_path, viewport=(420, 900)
    ) as make:
        yield make


def funded(user: WalletUser, yuan: str) -> None:
    """A user with a PIN, a card and money, all through the UI."""
    user.open("/wallet")
    user.open_wallet()
    user.set_pin()
    user.link_card()
    user.top_up(yuan)


@pytest.mark.e2e
@needs_browser
def test_top_up_then_transfer_to_a_friend_who_accepts(wallet_users: MakeUser) -> None:
    alice, bob = wallet_users("alice"), wallet_users("bob")
    befriend(alice, bob)

    alice.open("/wallet")
    alice.open_wallet()
    expect(alice.balance()).to_have_text("¥0.00")
    alice.set_pin()
    alice.link_card()
    alice.top_up("100")
    expect(alice.balance()).to_have_text("¥100.00")
    top_up = alice.statement_rows().first
    expect(top_up).to_have_attribute("data-kind", "topup")
    expect(top_up.get_by_test_id("statement-amount")).to_have_text("+¥100.00")
    expect(top_up).to_contain_text("Balance ¥100.00")

    # Alice sends ¥30 to Bob from the wallet page.
    alice.page.get_by_test_id("goto-transfer").click()
    alice.page.locator(f'[data-testid="wallet-friend"][data-user-id="{bob.id}"]').click()
    alice.page.get_by_test_id("transfer-amount").fill("30")
    alice.page.get_by_test_id("transfer-note").fill("Dinner")
    with alice.page.expect_response(lambda r: r.url.endswith("/api/v1/wallet/transfers")) as answer:
        alice.page.get_by_test_id("transfer-submit").click()
        alice.tap_pin()
    assert answer.value.status == 201, answer.value.text()
    transfer_id = answer.value.json()["id"]
    expect(alice.page).to_have_url(re.compile(rf"#/wallet/transfers/{transfer_id}$"))
    expect(alice.page.get_by_test_id("transfer-status")).to_have_text("Waiting to be accepted")
    expect(alice.page.get_by_test_id("transfer-accept")).to_have_count(0)  # only the receiver answers
    link = alice.page.get_by_test_id("share-link").inner_text().strip()

    # Bob opens the link Alice passed on and accepts.
    bob.page.goto(link)
    expect(bob.page.get_by_test_id("transfer-detail-amount")).to_have_text("¥30.00")
    with bob.page.expect_response(lambda r: r.url.endswith(f"/transfers/{transfer_id}/accept")) as accepted:
        bob.page.get_by_test_id("transfer-accept").click()
    assert accepted.value.status == 200, accepted.value.text()
    assert accepted.value.request.header_value("Idempotency-Key")
    expect(bob.page.get_by_test_id("transfer-status")).to_have_text("Accepted")
    expect(bob.page.get_by_test_id("transfer-accept")).to_have_count(0)

    # Both statements show the movement, newest first, with the counterparty and the running balance.
    bob.open_wallet()
    expect(bob.balance()).to_have_text("¥30.00")
    received = bob.statement_rows()
    expect(received).to_have_count(1)
    expect(received.first).to_have_attribute("data-kind", "transfer_received")
    expect(received.first.get_by_test_id("statement-title")).to_have_text(
        f"Transfer from {alice.display_name}"
    )
    expect(received.first.get_by_test_id("statement-amount")).to_have_text("+¥30.00")
    expect(received.first).to_contain_text("Balance ¥30.00")

    alice.open_wallet()
    expect(alice.balance()).to_have_text("¥70.00")
    rows = alice.statement_rows()
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-kind", "transfer_sent")
    expect(rows.nth(0).get_by_test_id("statement-title")).to_have_text(f"Transfer to {bob.display_name}")
    expect(rows.nth(0).get_by_test_id("statement-amount")).to_have_text("-¥30.00")
    expect(rows.nth(0)).to_contain_text("Balance ¥70.00")
    expect(rows.nth(1)).to_have_attribute("data-kind", "topup")


@pytest.mark.e2e
@needs_browser
def test_a_lucky_red_packet_is_grabbed_by_two_friends(wallet_users: MakeUser) -> None:
    alice, bob, carol, dave = (wallet_users(name) for name in ("alice", "bob", "carol", "dave"))
    for friend in (bob, carol, dave):
        befriend(alice, friend)
    funded(alice, "50")
    expect(alice.balance()).to_have_text("¥50.00")

    # ¥10 in 3 lucky shares for Alice's three friends (no chat yet: the audience is her friends).
    alice.page.get_by_test_id("goto-red-packet").click()
    alice.page.get_by_test_id("redpacket-count").fill("3")
    alice.page.get_by_test_id("redpacket-total").fill("10")
    with alice.page.expect_response(lambda r: r.url.endswith("/api/v1/wallet/red-packets")) as answer:
        alice.page.get_by_test_id("redpacket-submit").click()
        alice.tap_pin()
    assert answer.value.status == 201, answer.value.text()
    link = alice.page.get_by_test_id("share-link").inner_text().strip()

    got: dict[str, int] = {}
    for friend in (bob, carol, dave):
        friend.page.goto(link)
        friend.page.get_by_test_id("redpacket-grab").click()
        mine = friend.page.get_by_test_id("redpacket-mine")
        expect(mine).to_have_text(re.compile(r"^¥\d+\.\d\d$"))
        yuan, fen = mine.inner_text()[1:].split(".")
        got[friend.id] = int(yuan) * 100 + int(fen)
        expect(friend.page.get_by_test_id("redpacket-grab")).to_have_count(0)
        friend.open_wallet()
        row = friend.statement_rows().first
        expect(row).to_have_attribute("data-kind", "red_packet_grabbed")
        expect(row.get_by_test_id("statement-amount")).to_have_text(mine_text(got[friend.id], signed=True))

    # All three shares are taken: the packet is finished, "best luck" marks the largest share, and the
    # shares add up to the total exactly.
    assert sum(got.values()) == 1000
    alice.page.reload()
    expect(alice.page.get_by_test_id("redpacket-status")).to_have_text("All opened")
    results = alice.page.get_by_test_id("redpacket-result")
    expect(results).to_have_count(3)
    expect(alice.page.get_by_test_id("best-luck")).to_have_count(1)
    for friend_id, amount in got.items():
        expect(
            alice.page.locator(f'[data-testid="redpacket-result"][data-user-id="{friend_id}"]')
        ).to_contain_text(mine_text(amount))
    alice.open_wallet()
    expect(alice.balance()).to_have_text("¥40.00")
    expect(alice.statement_rows()).to_have_count(2)
    expect(alice.statement_rows().nth(0)).to_have_attribute("data-kind", "red_packet_sent")
    expect(alice.statement_rows().nth(0).get_by_test_id("statement-amount")).to_have_text("-¥10.00")
    expect(alice.statement_rows().nth(1)).to_have_attribute("data-kind", "topup")


def mine_text(fen: int, signed: bool = False) -> str:
    return f"{'+' if signed else ''}¥{fen // 100}.{fen % 100:02d}"
