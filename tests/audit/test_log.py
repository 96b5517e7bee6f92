"""The audit log's consumer (MOD-3): each money and operator action becomes exactly one entry with who
did it, to whom, how much, the state before and after, and the address and user agent of the request;
a replay writes the same entries again (none twice); the table refuses UPDATE and DELETE on both
databases."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from quanzi.audit.consumers import AUDIT_LOG, entry_of
from quanzi.audit.models import AuditEntry
from quanzi.core import context
from quanzi.core.clock import as_utc
from quanzi.core.outbox import envelope
from quanzi.core.stream import StreamEvent, replay
from quanzi.identity import service as identity
from tests.audit.conftest import USER_AGENT, V1, AuditDriver
from tests.commerce.orders_helpers import key, scene
from tests.wallet.conftest import PIN, Wallet

CLIENT_ADDRESS = "198.51.100.7"  # the test client's address (tests/conftest.py)


def _fields(row: AuditEntry) -> dict[str, Any]:
    return {column: getattr(row, column) for column in AuditEntry.__table__.columns.keys()}  # noqa: SIM118


def _event(row: Any) -> StreamEvent:
    return StreamEvent(
        position=int(row.position),
        id=row.id,
        topic=row.topic,
        version=row.version,
        occurred_at=row.created_at,
        data=dict(row.payload),
        context=row.context,
    )


async def test_a_transfer_is_one_entry_saying_who_what_when_and_from_where(
    audit: AuditDriver, wallet: Wallet
) -> None:
    mei, lei = await wallet.user("mei"), await wallet.user("lei", pin=None)
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 100_00)
    sent = await wallet.client.post(
        f"{V1}/wallet/transfers",
        json={"to_user_id": lei.id, "amount": 12_34, "pin": PIN},
        headers={**mei.headers, **key(), "X-Request-ID": "audit-transfer-1"},
    )
    assert sent.status_code == 201, sent.text
    accepted = await wallet.post(f"/transfers/{sent.json()['id']}/accept", lei)
    assert accepted.status_code == 200, accepted.text

    rows = await audit.rows()
    created = [r for r in rows if r.kind == "wallet.transfer.created"]
    assert len(created) == 1
    entry = created[0]
    assert (entry.actor_id, entry.subject_id, entry.amount) == (int(mei.id), int(lei.id), 12_34)
    assert (entry.before, entry.after) == (None, {"status": "pending"})
    assert (entry.via, entry.address, entry.user_agent, entry.request_id) == (
        "http",
        CLIENT_ADDRESS,
        USER_AGENT,
        "audit-transfer-1",
    )
    assert entry.data["transfer_id"] == sent.json()["id"]
    [taken] = [r for r in rows if r.kind == "wallet.transfer.accepted"]
    assert (taken.actor_id, taken.subject_id, taken.amount) == (int(lei.id), int(mei.id), 12_34)
    assert (taken.before, taken.after) == ({"status": "pending"}, {"status": "accepted"})
    assert taken.address == CLIENT_ADDRESS and taken.position > entry.position
    # The top-up: asked for by mei from this address, answered by the bank (nobody's request).
    [asked] = [r for r in rows if r.kind == "wallet.topup.requested"]
    assert (asked.actor_id, asked.amount, asked.after, asked.address) == (
        int(mei.id),
        100_00,
        {"status": "pending"},
        CLIENT_ADDRESS,
    )
    [answered] = [r for r in rows if r.kind == "wallet.topup.succeeded"]
    assert (answered.actor_id, answered.subject_id, answered.via, answered.address) == (
        None,
        int(mei.id),
        None,
        None,
    )
    assert answered.before == {"status": "pending"} and answered.after == {
        "status": "succeeded",
        "reason": None,
    }


async def test_every_money_and_operator_action_is_exactly_one_entry(
    audit: AuditDriver, wallet: Wallet, shop: Any, frozen_clock: Any
) -> None:
    operator = await audit.operator("ops")
    s = await scene(shop, price=40_00)
    mei, lei, fang = await wallet.user("mei"), await wallet.user("lei", pin=None), await wallet.user("fang")
    await wallet.befriend(mei, lei)
    await wallet.befriend(mei, fang)  # a group packet's two shares need two friends
    await wallet.top_up(mei, 50_00)
    card = await wallet.link_card(mei, "0042")
    assert (
        await wallet.post("/withdrawals", mei, {"card_id": card, "amount": 5_00, "pin": PIN})
    ).status_code == 201
    for _ in range(2):
        sent = await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": 1_00, "pin": PIN})
        assert sent.status_code == 201, sent.text
    assert (await wallet.post(f"/transfers/{sent.json()['id']}/decline", lei)).status_code == 200
    packet = await wallet.post(
        "/red-packets", mei, {"kind": "group", "split": "equal", "total": 2_00, "count": 2, "pin": PIN}
    )
    assert packet.status_code == 201, packet.text
    assert (await wallet.post(f"/red-packets/{packet.json()['id']}/grab", lei)).status_code == 200
    order = await shop.paid_order(s.buyer, s.sku_id)
    assert (await s.ship(order["id"])).status_code == 200
    asked = await s.post(f"/orders/{order['id']}/refund", s.buyer, {"amount": 10_00, "reason": "Dented"})
    assert (await s.post(f"/refunds/{asked.json()['id']}/approve", s.merchant, **key())).status_code == 200
    assert (await s.post(f"/orders/{order['id']}/confirm", s.buyer)).status_code == 200
    verified = await audit.client.post(
        f"{V1}/admin/users/{s.merchant.id}/merchant-verification",
        json={"verified": True},
        headers=operator.headers,
    )
    assert verified.status_code == 200, verified.text
    badge = await audit.client.post(
        f"{V1}/admin/users/{lei.id}/kol-badge", json={"granted": True}, headers=operator.headers
    )
    assert badge.status_code == 200, badge.text
    frozen_clock.advance(hours=25)  # the first transfer and the packet's other share expire
    await wallet.run_jobs()

    rows = await audit.rows()
    events = await audit.audited_events()
    # One entry per audited event, keyed by the event's id, equal to what the event says.
    assert [r.id for r in rows] == [e.id for e in events]
    for event, row in zip(events, rows, strict=True):
        assert _fields(row) | {"occurred_at": as_utc(row.occurred_at)} == entry_of(_event(event)) | {
            "occurred_at": as_utc(event.created_at)
        }
    assert Counter(r.kind for r in rows) == {
        "identity.operator.changed": 1,
        "wallet.topup.requested": 2,
        "wallet.topup.succeeded": 2,
        "wallet.withdrawal.requested": 1,
        "wallet.withdrawal.succeeded": 1,
        "wallet.transfer.created": 2,
        "wallet.transfer.declined": 1,
        "wallet.transfer.expired": 1,
        "wallet.red_packet.created": 1,
        "wallet.red_packet.grabbed": 1,
        "wallet.red_packet.expired": 1,
        "wallet.payment.created": 1,
        "wallet.payment.refunded": 1,
        "wallet.payment.settled": 1,
        "identity.merchant.verification_changed": 1,
        "identity.kol.badge_changed": 1,
    }
    by_kind = {r.kind: r for r in rows}
    refund = by_kind["wallet.payment.refunded"]
    assert (refund.actor_id, refund.subject_id, refund.amount) == (int(s.merchant.id), int(s.buyer.id), 10_00)
    assert refund.before == {"refunded_amount": 0} and refund.after["refunded_amount"] == 10_00
    expired = by_kind["wallet.transfer.expired"]
    assert (expired.actor_id, expired.via, expired.after) == (None, None, {"status": "expired"})
    for kind, subject, after in (
        ("identity.merchant.verification_changed", s.merchant, {"verified": True}),
        ("identity.kol.badge_changed", lei, {"kol": True}),
    ):
        row = by_kind[kind]
        assert (row.actor_id, row.subject_id, row.after) == (int(operator.id), int(subject.id), after)
        assert (row.address, row.user_agent) == (CLIENT_ADDRESS, USER_AGENT)
    # The origin never leaves the process with the event: the bus's envelope is the payload alone.
    assert "context" not in envelope(events[-1]) and "address" not in str(envelope(events[-1]))


async def test_an_operator_made_from_the_command_line_is_recorded_as_such(
    audit: AuditDriver, wallet: Wallet
) -> None:
    fang = await wallet.user("fang", pin=None)
    with context.origin(context.Origin(via="cli", user_agent="quanzi admin make-operator (root@host)")):
        async with audit.db.transaction() as session:
            await identity.set_operator(session, int(fang.id), True)
    [row] = [r for r in await audit.rows() if r.kind == "identity.operator.changed"]
    assert (row.actor_id, row.subject_id, row.after, row.via, row.address) == (
        None,
        int(fang.id),
        {"operator": True},
        "cli",
        None,
    )
    assert row.user_agent == "quanzi admin make-operator (root@host)"


async def test_a_replay_writes_the_same_entries_and_none_twice(audit: AuditDriver, wallet: Wallet) -> None:
    mei, lei = await wallet.user("mei"), await wallet.user("lei", pin=None)
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 10_00)
    sent = await wallet.post("/transfers", mei, {"to_user_id": lei.id, "amount": 3_00, "pin": PIN})
    assert (await wallet.post(f"/transfers/{sent.json()['id']}/accept", lei)).status_code == 200
    before = [_fields(r) for r in await audit.rows()]
    assert len(before) == 4

    await replay(audit.db, AUDIT_LOG)  # back to position 0: the whole stream is read again
    assert [_fields(r) for r in await audit.rows()] == before


@pytest.mark.parametrize("change", ["update", "delete"])
async def test_the_log_refuses_to_be_changed_or_emptied(
    audit: AuditDriver, wallet: Wallet, change: str
) -> None:
    await wallet.top_up(await wallet.user("mei"), 10_00)
    before = [_fields(r) for r in await audit.rows()]
    assert before
    statement = (
        update(AuditEntry).values(amount=1, address="10.0.0.1") if change == "update" else delete(AuditEntry)
    )
    with pytest.raises(DBAPIError, match="append-only"):
        async with audit.db.transaction() as session:
            await session.execute(statement.execution_options(synchronize_session=False))
    plain = "UPDATE audit_entries SET amount = 1" if change == "update" else "DELETE FROM audit_entries"
    with pytest.raises(DBAPIError, match="append-only"):  # in plain SQL too, whoever connects
        async with audit.db.transaction() as session:
            await session.execute(text(plain))
    assert [_fields(r) for r in await audit.rows()] == before


async def test_moderation_by_operators_is_in_the_log(audit: AuditDriver, wallet: Wallet) -> None:
    """The word list, a take-down and its restore, a ban and its lifting: one entry each, by the
    operator, about the author, with the report's reason and the operator's note."""
    operator = await audit.operator("ops")
    author, reporter = await wallet.user("ann"), await wallet.user("rob")
    client = audit.client
    added = await client.post(
        f"{V1}/admin/sensitive-words", json={"word": "scamword", "action": "refuse"}, headers=operator.headers
    )
    assert added.status_code == 201, added.text
    post = (await client.post(f"{V1}/posts", json={"body": "buy now"}, headers=author.headers)).json()
    report = await client.post(
        f"{V1}/reports",
        json={"target_kind": "post", "target_id": post["id"], "reason": "fraud", "note": ""},
        headers=reporter.headers,
    )
    assert report.status_code == 201, report.text
    report_id = report.json()["id"]
    user_report = await client.post(
        f"{V1}/reports",
        json={"target_kind": "user", "target_id": author.id, "reason": "fraud", "note": ""},
        headers=reporter.headers,
    )
    assert user_report.status_code == 201, user_report.text
    user_report_id = user_report.json()["id"]
    for about, action in (
        (report_id, "take_down"),
        (report_id, "restore"),
        (user_report_id, "ban"),
        (user_report_id, "restore"),
    ):
        acted = await client.post(
            f"{V1}/admin/reports/{about}/actions",
            json={"action": action, "note": f"{action} by ops"},
            headers=operator.headers,
        )
        assert acted.status_code == 200, (action, acted.text)

    rows = {r.kind: r for r in await audit.rows() if r.kind.startswith("moderation.")}
    assert set(rows) == {
        "moderation.words.changed",
        "moderation.content.taken_down",
        "moderation.content.restored",
        "moderation.user.banned",
        "moderation.user.unbanned",
    }
    assert all(r.actor_id == int(operator.id) for r in rows.values())
    assert all(r.address == CLIENT_ADDRESS and r.user_agent == USER_AGENT for r in rows.values())
    assert rows["moderation.words.changed"].subject_id is None
    taken = rows["moderation.content.taken_down"]
    assert (taken.subject_id, taken.before) == (int(author.id), {"taken_down": False})
    assert taken.after == {
        "taken_down": True,
        "report_id": report_id,
        "target": f"post:{post['id']}",
        "reason": "fraud",
        "note": "take_down by ops",
    }
    restored = rows["moderation.content.restored"]
    assert (restored.before, restored.after["taken_down"]) == ({"taken_down": True}, False)
    banned = rows["moderation.user.banned"]
    assert (banned.subject_id, banned.after["banned"], banned.after["note"]) == (
        int(author.id),
        True,
        "ban by ops",
    )
    assert rows["moderation.user.unbanned"].after == {"banned": False, "report_id": user_report_id}
