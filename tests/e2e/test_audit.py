"""The audit log in a real browser against a real server (MOD-3): a transfer is made through the API
from a client with its own user agent; an account is made an operator with `quanzi admin
make-operator`; the operator opens the audit log from the Me page and finds the transfer with who sent
it, to whom, the amount, the address and the user agent, narrows the log by kind, and loads more.

The page is web/src/features/audit/pages/AuditLog.tsx, whose test ids these are.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

import quanzi
from quanzi.wallet.bank import sandbox_card_number
from tests.e2e.people import Person, befriend, people_factory
from tests.live import LiveServer, _server_env, browser_missing_reason

BROWSER_SKIP = browser_missing_reason()
needs_browser = pytest.mark.skipif(BROWSER_SKIP is not None, reason=BROWSER_SKIP or "")

PIN = "246810"
CLIENT_AGENT = "QuanziJourney/2.0 (audit e2e)"
WAIT_S = 30.0
SOURCE = str(Path(quanzi.__file__).resolve().parents[1])

MakePerson = Callable[[str], Person]


@pytest.fixture
def people(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MakePerson]:
    with people_factory(
        Person, browser, live_server.base_url, request, tmp_path, viewport=(1100, 900)
    ) as make:
        yield make


def _keyed(person: Person, path: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(
        f"{person.base_url}/api/v1{path}",
        json=body,
        headers={
            "Authorization": f"Bearer {person.token}",
            "Idempotency-Key": uuid.uuid4().hex,
            "User-Agent": CLIENT_AGENT,
        },
        timeout=10.0,
    )


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def _fund(person: Person, fen: int) -> None:
    assert person.api("PUT", "/wallet/pin", json={"new_pin": PIN}).status_code == 204
    card = person.api(
        "POST", "/wallet/cards", json={"number": sandbox_card_number("8642"), "holder_name": "M"}
    )
    assert card.status_code == 201, card.text
    order = _keyed(person, "/wallet/topups", {"card_id": card.json()["id"], "amount": fen, "pin": PIN})
    assert order.status_code == 201, order.text
    _until(
        lambda: (
            person.api("GET", f"/wallet/bank-orders/{order.json()['id']}").json()["status"] == "succeeded"
        ),
        "the sandbox bank",
    )


def _make_operator(live_server: LiveServer, person: Person, workdir: Path) -> None:
    username = person.api("GET", "/me").json()["username"]
    env = _server_env(live_server.database_url, workdir) | {"PYTHONPATH": SOURCE}
    done = subprocess.run(
        [sys.executable, "-m", "quanzi.cli", "admin", "make-operator", username],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # The server drops its cached session once it relays the command's revocation (within a poll).
    _until(lambda: person.api("GET", "/admin/audit").status_code == 200, "the operator role to apply")


@needs_browser
def test_an_operator_finds_a_transfer_in_the_audit_log(
    people: MakePerson, live_server: LiveServer, tmp_path: Path
) -> None:
    mei, lei, ops = people("mei"), people("lei"), people("ops")
    befriend(mei, lei)
    _fund(mei, 100_00)
    sent = _keyed(mei, "/wallet/transfers", {"to_user_id": lei.id, "amount": 12_34, "pin": PIN})
    assert sent.status_code == 201, sent.text
    for _ in range(20):  # enough entries for a second page
        assert (
            _keyed(mei, "/wallet/transfers", {"to_user_id": lei.id, "amount": 1, "pin": PIN}).status_code
            == 201
        )

    refused = ops.api("GET", "/admin/audit")
    assert refused.status_code == 403
    _make_operator(live_server, ops, tmp_path)

    ops.open("/me")
    ops.page.get_by_test_id("me-audit-log").click()
    expect(ops.page.locator("h1")).to_have_text("Audit log")
    table = ops.page.get_by_test_id("audit-table")
    expect(table.get_by_test_id("audit-entry")).to_have_count(20)

    # Only transfers: the first one, made before everything else, is on the second page.
    ops.page.get_by_test_id("audit-filter-kind").select_option("wallet.transfer.created")
    ops.page.get_by_test_id("audit-filter-apply").click()
    rows = table.get_by_test_id("audit-entry")
    expect(rows).to_have_count(20)
    expect(table.locator('[data-kind]:not([data-kind="wallet.transfer.created"])')).to_have_count(0)
    ops.page.get_by_test_id("audit-load-more").click()
    expect(rows).to_have_count(21)
    expect(ops.page.get_by_test_id("audit-load-more")).to_have_count(0)

    first = rows.last
    expect(first.get_by_test_id("audit-kind")).to_have_text("Transfer sent")
    expect(first.get_by_test_id("audit-actor")).to_contain_text(mei.display_name)
    expect(first.get_by_test_id("audit-subject")).to_contain_text(lei.display_name)
    expect(first.get_by_test_id("audit-amount")).to_have_text("¥12.34")
    expect(first.get_by_test_id("audit-change")).to_have_text("— → status: pending")
    expect(first.get_by_test_id("audit-origin")).to_contain_text("127.0.0.1")
    expect(first.get_by_test_id("audit-origin")).to_contain_text(CLIENT_AGENT)

    # Who acted: only the operator's own promotion was by nobody signed in (the command line).
    ops.page.get_by_test_id("audit-filter-kind").select_option("identity.operator.changed")
    ops.page.get_by_test_id("audit-filter-apply").click()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("audit-actor")).to_have_text("Command line")
    expect(rows.first.get_by_test_id("audit-subject")).to_contain_text(ops.display_name)
    expect(rows.first.get_by_test_id("audit-change")).to_have_text("— → operator: true")
