"""Red packets (WAL-5): direct and group, lucky and equal, one grab each, 24-hour refund."""

from __future__ import annotations

from typing import Any

from tests.wallet.conftest import PIN, Wallet


async def test_lucky_group_packet_grabbed_and_best_luck(wallet: Wallet, frozen_clock: Any) -> None:
    mei = await wallet.user("mei")
    lei, fang, hua = (
        await wallet.user("lei", pin=None),
        await wallet.user("fang", pin=None),
        await wallet.user("hua", pin=None),
    )
    await wallet.top_up(mei, 20_00)
    created = await wallet.post(
        "/red-packets",
        mei,
        {
            "kind": "group",
            "split": "lucky",
            "total": 10_00,
            "count": 3,
            "greeting": "恭喜发财",
            "audience": [lei.id, fang.id, hua.id],
            "pin": PIN,
        },
    )
    assert created.status_code == 201, created.text
    packet = created.json()
    assert (packet["status"], packet["claimed_count"], packet["total"], packet["count"]) == (
        "open",
        0,
        10_00,
        3,
    )
    assert await wallet.balance(mei) == 10_00

    amounts = {}
    for member in (lei, fang, hua):
        grabbed = await wallet.post(f"/red-packets/{packet['id']}/grab", member)
        assert grabbed.status_code == 200, grabbed.text
        amounts[member.id] = grabbed.json()["my_amount"]
        assert amounts[member.id] >= 1
        assert await wallet.balance(member) == amounts[member.id]
    assert sum(amounts.values()) == 10_00
    view = (await wallet.get(f"/red-packets/{packet['id']}", mei)).json()
    assert view["status"] == "finished"
    assert view["claimed_amount"] == 10_00
    best = [g for g in view["grabs"] if g["best_luck"]]
    assert len(best) == 1
    assert best[0]["amount"] == max(amounts.values())

    again = await wallet.post(f"/red-packets/{packet['id']}/grab", lei)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_grabbed"
    assert await wallet.balance(lei) == amounts[lei.id]
    statement = await wallet.statement(lei)
    assert [(i["kind"], i["amount"]) for i in statement] == [("red_packet_grabbed", amounts[lei.id])]
    assert statement[0]["counterparty"]["id"] == mei.id
    await wallet.assert_books_balance()


async def test_equal_packet_to_friends_expires_and_refunds_the_rest(
    wallet: Wallet, frozen_clock: Any
) -> None:
    mei, lei, fang = (
        await wallet.user("mei"),
        await wallet.user("lei", pin=None),
        await wallet.user("fang", pin=None),
    )
    outsider = await wallet.user("outsider", pin=None)
    await wallet.befriend(mei, lei)
    await wallet.befriend(mei, fang)
    await wallet.top_up(mei, 10_00)
    too_many = await wallet.post(
        "/red-packets", mei, {"kind": "group", "split": "equal", "total": 3_01, "count": 3, "pin": PIN}
    )
    assert too_many.status_code == 422  # 3 shares but only 2 friends can grab
    assert too_many.json()["error"]["code"] == "invalid_share_count"
    packet = (
        await wallet.post(
            "/red-packets", mei, {"kind": "group", "split": "equal", "total": 3_01, "count": 2, "pin": PIN}
        )
    ).json()
    assert (await wallet.post(f"/red-packets/{packet['id']}/grab", outsider)).status_code == 404
    assert (await wallet.get(f"/red-packets/{packet['id']}", outsider)).status_code == 404
    grabbed = await wallet.post(f"/red-packets/{packet['id']}/grab", lei)
    assert grabbed.json()["my_amount"] == 1_51  # 3.01 in two equal shares: 1.51 and 1.50

    frozen_clock.advance(hours=24)
    late = await wallet.post(f"/red-packets/{packet['id']}/grab", fang)
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "red_packet_expired"
    await wallet.run_jobs()
    view = (await wallet.get(f"/red-packets/{packet['id']}", mei)).json()
    assert (view["status"], view["refunded_amount"], view["claimed_amount"]) == ("expired", 1_50, 1_51)
    assert await wallet.balance(mei) == 10_00 - 1_51
    assert await wallet.balance(fang) == 0
    assert [i["kind"] for i in await wallet.statement(mei)][:2] == ["red_packet_refunded", "red_packet_sent"]
    await wallet.assert_books_balance()


async def test_direct_packet_needs_a_friend_and_one_share(wallet: Wallet, frozen_clock: Any) -> None:
    mei, lei, stranger = (
        await wallet.user("mei"),
        await wallet.user("lei", pin=None),
        await wallet.user("stranger", pin=None),
    )
    await wallet.befriend(mei, lei)
    await wallet.top_up(mei, 300_00)

    async def refused(body: dict[str, Any], status: int, code: str) -> None:
        response = await wallet.post(
            "/red-packets", mei, {"kind": "direct", "total": 5_00, "pin": PIN} | body
        )
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code

    await refused({"to_user_id": stranger.id}, 403, "not_a_friend")
    await refused({"to_user_id": lei.id, "count": 2}, 422, "invalid_share_count")
    await refused({"to_user_id": lei.id, "total": 200_01}, 422, "red_packet_too_large")
    await refused({"to_user_id": lei.id, "total": 0}, 422, "invalid_input")
    await refused({"to_user_id": lei.id, "pin": "999999"}, 403, "wrong_pin")
    await refused({}, 422, "recipient_required")
    assert await wallet.balance(mei) == 300_00

    packet = (
        await wallet.post(
            "/red-packets", mei, {"kind": "direct", "total": 200_00, "to_user_id": lei.id, "pin": PIN}
        )
    ).json()
    assert (await wallet.post(f"/red-packets/{packet['id']}/grab", mei)).status_code == 403
    opened = await wallet.post(f"/red-packets/{packet['id']}/grab", lei)
    assert opened.json()["my_amount"] == 200_00
    assert opened.json()["status"] == "finished"
    assert opened.json()["grabs"][0]["best_luck"] is False  # "best luck" belongs to lucky group packets
    await wallet.assert_books_balance()


async def test_group_limits(wallet: Wallet, frozen_clock: Any) -> None:
    mei = await wallet.user("mei")
    members = [str(a.user_id) for a in await wallet.fast_users(101)]
    await wallet.top_up(mei, 300_00)
    for body, code in (
        ({"total": 1_00, "count": 101, "audience": members}, "invalid_input"),
        ({"total": 99, "count": 100, "audience": members}, "share_too_small"),
        ({"total": 2_00, "count": 3, "audience": members[:2]}, "invalid_share_count"),
        ({"total": 1_00, "count": 2, "audience": [members[0], "424242424242"]}, "invalid_audience"),
    ):
        response = await wallet.post("/red-packets", mei, {"kind": "group", "pin": PIN} | body)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == code
    made = await wallet.post(
        "/red-packets", mei, {"kind": "group", "total": 100, "count": 100, "audience": members, "pin": PIN}
    )
    assert made.status_code == 201, made.text
    assert await wallet.balance(mei) == 299_00
