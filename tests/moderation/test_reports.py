"""Reports and the operators' queue (MOD-2): filing (who may report what, once), the queue (operators
only, filters, pages), and the actions: a take-down hides a post or comment from everyone until a
restore, a ban ends the account's sessions and refuses its logins, and the author is told why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from tests.moderation.conftest import V1, Moderation

if TYPE_CHECKING:  # a Test* class pytest would try to collect
    from tests.conftest import TestUser


async def ids(client: httpx.AsyncClient, user: TestUser, path: str) -> list[str]:
    path, _, query = path.partition("?")
    params = dict(part.split("=") for part in query.split("&") if part) | {"limit": "100"}
    response = await client.get(f"{V1}{path}", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_a_user_reports_what_they_can_see_once(mod: Moderation, client: httpx.AsyncClient) -> None:
    author, reporter, stranger = await mod.users.create(), await mod.users.create(), await mod.users.create()
    await mod.befriend(author, reporter)
    moment = (await client.post(f"{V1}/moments", json={"body": "hi"}, headers=author.headers)).json()
    filed = await mod.report(reporter, "post", moment["id"], "fraud", " looks like a scam ")
    assert filed.status_code == 201, filed.text
    report = filed.json()
    assert report["status"] == "open" and report["note"] == "looks like a scam"
    assert report["target_owner_id"] == author.id and report["excerpt"] == "hi"
    twice = await mod.report(reporter, "post", moment["id"], "spam")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_reported"
    # A Moment the stranger may not see is reported as if it did not exist.
    hidden = await mod.report(stranger, "post", moment["id"])
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "post_not_found"
    own = await mod.report(author, "post", moment["id"])
    assert own.status_code == 422 and own.json()["error"]["code"] == "cannot_report_own"
    for kind, target in (("user", "123"), ("shop", author.id), ("comment", "1"), ("post", "x")):
        missing = await mod.report(reporter, kind, target)
        assert missing.status_code in (404, 422), missing.text
    bad = await client.post(
        f"{V1}/reports",
        json={"target_kind": "post", "target_id": moment["id"], "reason": "ugly"},
        headers=reporter.headers,
    )
    assert bad.status_code == 422
    assert (await mod.report(reporter, "user", author.id, "abuse")).status_code == 201


async def test_the_queue_is_for_operators_with_filters_and_pages(
    mod: Moderation, client: httpx.AsyncClient
) -> None:
    author, reporter = await mod.users.create(), await mod.users.create()
    operator = await mod.operator()
    posts = [
        (await client.post(f"{V1}/posts", json={"body": f"post {n}"}, headers=author.headers)).json()
        for n in range(3)
    ]
    reports = [(await mod.report(reporter, "post", p["id"])).json() for p in posts]
    user_report = (await mod.report(reporter, "user", author.id)).json()
    denied = await client.get(f"{V1}/admin/reports", headers=reporter.headers)
    assert denied.status_code == 403
    act = await mod.act(reporter, reports[0]["id"], "take_down")
    assert act.status_code == 403
    first = await client.get(f"{V1}/admin/reports", params={"limit": 2}, headers=operator.headers)
    assert [r["id"] for r in first.json()["items"]] == [user_report["id"], reports[2]["id"]]
    rest = await client.get(
        f"{V1}/admin/reports",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=operator.headers,
    )
    assert [r["id"] for r in rest.json()["items"]] == [reports[1]["id"], reports[0]["id"]]
    assert rest.json()["next_cursor"] is None
    assert await ids(client, operator, "/admin/reports?kind=user") == [user_report["id"]]
    dismissed = await mod.act(operator, reports[1]["id"], "dismiss")
    assert dismissed.json()["status"] == "dismissed" and dismissed.json()["actions"] == []
    assert reports[1]["id"] not in await ids(client, operator, "/admin/reports")
    assert await ids(client, operator, "/admin/reports?status=dismissed") == [reports[1]["id"]]
    assert len(await ids(client, operator, "/admin/reports?status=all")) == 4
    for bad in ({"status": "closed"}, {"kind": "video"}, {"limit": 0}, {"cursor": "!!"}):
        response = await client.get(f"{V1}/admin/reports", params=bad, headers=operator.headers)
        assert response.status_code == 422, bad
    again = await mod.act(operator, reports[1]["id"], "take_down")
    assert again.status_code == 409 and again.json()["error"]["code"] == "action_not_allowed"
    assert (await mod.act(operator, user_report["id"], "take_down")).status_code == 409
    assert (await mod.act(operator, "42", "dismiss")).status_code == 404


async def test_a_take_down_hides_the_post_from_everyone_until_restored(
    mod: Moderation, client: httpx.AsyncClient
) -> None:
    author, friend, other_friend = (
        await mod.users.create(),
        await mod.users.create(),
        await mod.users.create(),
    )
    operator = await mod.operator()
    await mod.befriend(author, friend)
    await mod.befriend(author, other_friend)
    await client.put(f"{V1}/following/{author.id}", headers=friend.headers)
    moment = (await client.post(f"{V1}/moments", json={"body": "bad moment"}, headers=author.headers)).json()
    post = (await client.post(f"{V1}/posts", json={"body": "bad post"}, headers=author.headers)).json()
    report = (await mod.report(friend, "post", moment["id"], "abuse")).json()
    second = (await mod.report(other_friend, "post", moment["id"], "spam")).json()
    post_report = (await mod.report(friend, "post", post["id"], "spam")).json()

    taken = await mod.act(operator, report["id"], "take_down", "Insults are not allowed.")
    assert taken.status_code == 200, taken.text
    assert taken.json()["status"] == "taken_down" and taken.json()["actions"] == ["restore"]
    await mod.act(operator, post_report["id"], "take_down")
    # Both reports of the Moment were closed by the one action.
    assert await ids(client, operator, "/admin/reports?status=taken_down") == [
        post_report["id"],
        second["id"],
        report["id"],
    ]
    for viewer in (friend, other_friend, author):
        assert moment["id"] not in await ids(client, viewer, "/moments")
        assert moment["id"] not in await ids(client, viewer, f"/users/{author.id}/moments")
        assert post["id"] not in await ids(client, viewer, f"/users/{author.id}/posts")
        for target in (moment, post):
            gone = await client.get(f"{V1}/posts/{target['id']}", headers=viewer.headers)
            assert gone.status_code == 404
    assert post["id"] not in await ids(client, friend, "/timeline/home")
    # Nobody can act on it any more, nor report it again.
    assert (await client.put(f"{V1}/posts/{moment['id']}/like", headers=friend.headers)).status_code == 404
    assert (await mod.report(friend, "post", moment["id"])).status_code == 404

    inbox = (await client.get(f"{V1}/notifications", headers=author.headers)).json()["items"]
    notices = [n for n in inbox if n["kind"] == "taken_down"]
    assert len(notices) == 2
    assert {n["excerpt"] for n in notices} == {"[abuse] Insults are not allowed.", "[spam]"}

    restored = await mod.act(operator, report["id"], "restore")
    assert restored.json()["status"] == "restored"
    for viewer in (friend, other_friend, author):
        assert moment["id"] in await ids(client, viewer, "/moments")
    inbox = (await client.get(f"{V1}/notifications", headers=author.headers)).json()["items"]
    assert [n["kind"] for n in inbox].count("restored") == 1


async def test_a_taken_down_comment_disappears_and_no_longer_counts(
    mod: Moderation, client: httpx.AsyncClient
) -> None:
    author, commenter, reader = await mod.users.create(), await mod.users.create(), await mod.users.create()
    operator = await mod.operator()
    post = (await client.post(f"{V1}/posts", json={"body": "hello"}, headers=author.headers)).json()
    comment = (
        await client.post(
            f"{V1}/posts/{post['id']}/comments", json={"body": "rude"}, headers=commenter.headers
        )
    ).json()
    report = (await mod.report(reader, "comment", comment["id"], "abuse")).json()
    assert report["target_owner_id"] == commenter.id
    await mod.act(operator, report["id"], "take_down")
    for viewer in (author, commenter, reader):
        assert await ids(client, viewer, f"/posts/{post['id']}/comments") == []
        assert (await client.get(f"{V1}/posts/{post['id']}", headers=viewer.headers)).json()[
            "comment_count"
        ] == 0
    inbox = (await client.get(f"{V1}/notifications", headers=commenter.headers)).json()["items"]
    assert [(n["kind"], n["comment_id"]) for n in inbox] == [("taken_down", comment["id"])]
    # The post's author is no longer shown the comment's notification.
    inbox = (await client.get(f"{V1}/notifications", headers=author.headers)).json()["items"]
    assert [n for n in inbox if n["kind"] == "comment"] == []
    await mod.act(operator, report["id"], "restore")
    assert await ids(client, reader, f"/posts/{post['id']}/comments") == [comment["id"]]
    assert (await client.get(f"{V1}/posts/{post['id']}", headers=reader.headers)).json()["comment_count"] == 1


async def test_a_ban_ends_sessions_and_refuses_login_until_lifted(
    mod: Moderation, client: httpx.AsyncClient, app: Any
) -> None:
    target, reporter = await mod.users.create(), await mod.users.create()
    operator = await mod.operator()
    second = await client.post(
        f"{V1}/auth/login", json={"login": target.username, "password": target.password}
    )
    assert second.status_code == 200
    second_headers = {"Authorization": f"Bearer {second.json()['token']}"}
    # Each session is cached in the process now; the ban must reach the cache too.
    for headers in (target.headers, second_headers):
        assert (await client.get(f"{V1}/me", headers=headers)).status_code == 200
    report = (await mod.report(reporter, "user", target.id, "fraud")).json()
    assert (await mod.act(operator, report["id"], "ban", "Scam")).json()["status"] == "banned"
    for headers in (target.headers, second_headers):
        assert (await client.get(f"{V1}/me", headers=headers)).status_code == 401
    login = await client.post(
        f"{V1}/auth/login", json={"login": target.username, "password": target.password}
    )
    assert login.status_code == 403 and login.json()["error"]["code"] == "account_banned"
    wrong = await client.post(
        f"{V1}/auth/login", json={"login": target.username, "password": "wrong password"}
    )
    assert wrong.status_code == 401  # a guesser learns nothing of the ban

    assert (await mod.act(operator, report["id"], "restore")).json()["status"] == "restored"
    login = await client.post(
        f"{V1}/auth/login", json={"login": target.username, "password": target.password}
    )
    assert login.status_code == 200


async def test_a_shop_report_bans_its_merchant_and_an_operator_cannot_ban_themselves(
    mod: Moderation, client: httpx.AsyncClient
) -> None:
    merchant = await mod.users.create(kind="merchant")
    shop = await client.put(
        f"{V1}/shops/me", json={"name": "Fake goods", "intro": ""}, headers=merchant.headers
    )
    assert shop.status_code == 200, shop.text
    reporter = await mod.users.create()
    operator = await mod.operator()
    report = (await mod.report(reporter, "shop", merchant.id, "fraud")).json()
    assert (report["target_owner_id"], report["excerpt"]) == (merchant.id, "Fake goods")
    assert report["actions"] == ["ban", "dismiss"]
    own = (await mod.report(reporter, "user", operator.id)).json()
    refused = await mod.act(operator, own["id"], "ban")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "cannot_ban_yourself"
    assert (await mod.act(operator, report["id"], "ban")).status_code == 200
    assert (await client.get(f"{V1}/me", headers=merchant.headers)).status_code == 401
