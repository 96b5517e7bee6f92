"""GET /api/v1/admin/audit (MOD-3): operators only, filters by who acted, whom it concerned, kind and
time, newest first in cursor pages, each bad filter a clear 4xx, and a page costs the same statements
for 1 entry as for 20."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from quanzi.core.clock import now
from tests.audit.conftest import V1, AuditDriver
from tests.statements import count_statements
from tests.wallet.conftest import PIN, Wallet

LIST_PAGE = 5  # tests/test_statement_budgets.py: a list page, whatever its length


async def _transfers(wallet: Wallet, count: int, amount: int = 1_00) -> tuple[Any, Any]:
    mei, lei = await wallet.user("mei"), await wallet.user("lei", pin=None)
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 100_00)
    for _ in range(count):
        sent = await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": amount, "pin": PIN})
        assert sent.status_code == 201, sent.text
    return mei, lei


async def test_only_operators_read_the_log(audit: AuditDriver, wallet: Wallet) -> None:
    mei, _lei = await _transfers(wallet, 1)
    anonymous = await audit.client.get(f"{V1}/admin/audit")
    assert anonymous.status_code == 401
    refused = await audit.page(mei)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_an_operator"
    # Refused before the filters are looked at: a bad filter tells a non-operator nothing either.
    assert (await audit.page(mei, kind="no.such.kind")).status_code == 403
    operator = await audit.operator()
    page = await audit.page(operator)
    assert page.status_code == 200, page.text
    assert {item["kind"] for item in page.json()["items"]} >= {"wallet.transfer.created"}


async def test_an_entry_names_the_people_amount_and_origin(audit: AuditDriver, wallet: Wallet) -> None:
    mei, lei = await _transfers(wallet, 1, amount=8_88)
    operator = await audit.operator()
    [entry] = await audit.all(operator, kind="wallet.transfer.created")
    assert (entry["actor_id"], entry["subject_id"], entry["amount"]) == (mei.id, lei.id, 8_88)
    assert entry["actor"]["username"] == mei.username and entry["subject"]["username"] == lei.username
    assert (entry["address"], entry["via"], entry["after"]) == ("198.51.100.7", "http", {"status": "pending"})
    assert entry["user_agent"] and entry["request_id"] and entry["data"]["receiver_id"] == lei.id


async def test_filters_and_pages(audit: AuditDriver, wallet: Wallet, frozen_clock: Any) -> None:
    mei, lei = await _transfers(wallet, 3)
    frozen_clock.advance(hours=1)
    later = now()
    fang = await wallet.user("fang")
    await wallet.befriend(fang, lei)
    await wallet.top_up(fang, 10_00)
    sent = await wallet.post("/transfers", fang, {"to_user_id": lei.id, "amount": 2_00, "pin": PIN})
    assert sent.status_code == 201
    operator = await audit.operator()

    everything = await audit.all(operator)
    positions = [item["position"] for item in everything]
    assert positions == sorted(positions, reverse=True)  # newest first
    by_two = await audit.all(operator, limit=2)
    assert [item["id"] for item in by_two] == [item["id"] for item in everything]  # pages join up

    by_mei = await audit.all(operator, actor=mei.id)
    assert by_mei and {item["actor_id"] for item in by_mei} == {mei.id}
    assert sum(item["kind"] == "wallet.transfer.created" for item in by_mei) == 3
    to_lei = await audit.all(operator, subject=lei.id, kind="wallet.transfer.created")
    assert [item["actor_id"] for item in to_lei] == [fang.id, mei.id, mei.id, mei.id]
    recent = await audit.all(operator, since=later.isoformat(), kind="wallet.transfer.created")
    assert [item["actor_id"] for item in recent] == [fang.id]
    earlier = await audit.all(operator, until=later.isoformat(), kind="wallet.transfer.created")
    assert {item["actor_id"] for item in earlier} == {mei.id} and len(earlier) == 3
    window = await audit.all(
        operator, since=(later - timedelta(hours=2)).isoformat(), until=later.isoformat()
    )
    before_later = [i["id"] for i in everything if datetime.fromisoformat(i["occurred_at"]) < later]
    assert [i["id"] for i in window] == before_later and 0 < len(before_later) < len(everything)
    assert await audit.all(operator, actor=lei.id, kind="wallet.transfer.created") == []


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"kind": "wallet.nothing"}, 422, "unknown_audit_kind"),
        ({"actor": "mei"}, 422, "invalid_id"),
        ({"subject": "-1"}, 422, "invalid_id"),
        ({"since": "yesterday"}, 422, "invalid_input"),
        ({"since": "2026-11-12T00:00:00Z", "until": "2026-11-11T00:00:00Z"}, 422, "invalid_time_range"),
        ({"until": "0001-01-01T00:00:00+05:00"}, 422, "invalid_time_range"),
        ({"cursor": "not-a-cursor!"}, 422, "invalid_cursor"),
        ({"limit": 0}, 422, "invalid_input"),
        ({"limit": 101}, 422, "invalid_input"),
    ],
)
async def test_bad_filters_are_clear_4xx(
    audit: AuditDriver, params: dict[str, Any], status: int, code: str
) -> None:
    operator = await audit.operator()
    response = await audit.page(operator, **params)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text


async def test_a_page_costs_the_same_for_1_and_for_20_entries(audit: AuditDriver, wallet: Wallet) -> None:
    operator = await audit.operator()
    await audit.settle()
    await audit.page(operator)  # the operator's session is cached, as it is for a working operator

    async def cost() -> tuple[int, Any, int]:
        async with count_statements(audit.app) as counted:
            response = await audit.page(operator, limit=20)
        assert response.status_code == 200, response.text
        return counted.total, counted, len(response.json()["items"])

    one, counted_one, rows_one = await cost()
    assert rows_one == 1  # the operator's own promotion
    await _transfers(wallet, 20)
    await audit.settle()
    twenty, counted_twenty, rows_twenty = await cost()
    assert rows_twenty == 20
    assert twenty == one, f"1 row:\n{counted_one.report()}\n20 rows:\n{counted_twenty.report()}"
    assert twenty <= LIST_PAGE, counted_twenty.report()
