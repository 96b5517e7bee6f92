"""Likes, comments and replies (MOM-3, MOM-6) under Moments and public posts."""

from __future__ import annotations

from typing import Any

from tests.feed.helpers import V1, befriend, items, moment, public_post


async def comment(client: Any, user: Any, post_id: str, body: str, reply_to: str | None = None) -> Any:
    payload: dict[str, Any] = {"body": body}
    if reply_to:
        payload["reply_to_comment_id"] = reply_to
    return await client.post(f"{V1}/posts/{post_id}/comments", json=payload, headers=user.headers)


async def test_replies_are_addressed_only_to_someone_the_replier_can_see(client, users):
    ana, bo, cy = await users.create("rp_ana"), await users.create("rp_bo"), await users.create("rp_cy")
    await befriend(client, ana, bo)
    await befriend(client, ana, cy)
    post = await moment(client, ana, "晚饭吃什么")
    from_bo = (await comment(client, bo, post["id"], "火锅")).json()
    from_ana = (await comment(client, ana, post["id"], "好主意")).json()
    # Cy cannot see Bo's comment, so cannot reply to it — the same 404 as for a comment that does not exist.
    response = await comment(client, cy, post["id"], "我也要", reply_to=from_bo["id"])
    assert response.status_code == 404 and response.json()["error"]["code"] == "comment_not_found"
    reply = await comment(client, cy, post["id"], "同意", reply_to=from_ana["id"])
    assert reply.status_code == 201
    assert reply.json()["reply_to_user"]["id"] == ana.id
    bo_reply = (await comment(client, bo, post["id"], "那就火锅", reply_to=from_ana["id"])).json()
    # Bo sees Ana's comment and his own reply, not Cy's reply (Cy is no friend of his).
    assert [
        c["body"]
        for c in (await client.get(f"{V1}/posts/{post['id']}", headers=bo.headers)).json()["comments"]
    ] == ["火锅", "好主意", "那就火锅"]
    assert [c["id"] for c in await items(client, ana, f"/posts/{post['id']}/comments")] == [
        bo_reply["id"],
        reply.json()["id"],
        from_ana["id"],
        from_bo["id"],
    ]  # newest first
    # Ana was replied to twice and commented on once.
    kinds = [(n["kind"], n["actor"]["username"]) for n in await items(client, ana, "/notifications")]
    assert kinds == [("reply", "rp_bo"), ("reply", "rp_cy"), ("comment", "rp_bo")]
    # A comment on another post cannot be replied to here.
    other = await moment(client, ana, "另一个")
    response = await comment(client, bo, other["id"], "x", reply_to=from_ana["id"])
    assert response.status_code == 404


async def test_the_author_deletes_any_comment_and_the_commenter_is_told(client, users):
    ana, bo, cy = await users.create("dc_ana"), await users.create("dc_bo"), await users.create("dc_cy")
    await befriend(client, ana, bo)
    await befriend(client, ana, cy)
    await befriend(client, bo, cy)
    post = await moment(client, ana, "看我新买的包")
    rude = (await comment(client, bo, post["id"], "不好看")).json()
    assert (await client.delete(f"{V1}/comments/{rude['id']}", headers=cy.headers)).status_code == 403
    assert (await client.delete(f"{V1}/comments/{rude['id']}", headers=ana.headers)).status_code == 204
    assert (await client.get(f"{V1}/posts/{post['id']}", headers=cy.headers)).json()["comments"] == []
    told = await items(client, bo, "/notifications")
    assert [(n["kind"], n["excerpt"], n["post_id"]) for n in told] == [
        ("comment_removed", "不好看", post["id"])
    ]
    assert (await client.delete(f"{V1}/comments/{rude['id']}", headers=ana.headers)).status_code == 404
    mine = (await comment(client, cy, post["id"], "好看")).json()
    assert (await client.delete(f"{V1}/comments/{mine['id']}", headers=cy.headers)).status_code == 204
    assert [n["kind"] for n in await items(client, ana, "/notifications")] == []  # the comments are gone
    assert (await client.delete(f"{V1}/comments/123", headers=cy.headers)).status_code == 404


async def test_likes_and_counts_on_public_posts(client, users):
    ana, bo, cy = await users.create("lk_ana"), await users.create("lk_bo"), await users.create("lk_cy")
    post = await public_post(client, ana, "点赞测试")
    for _ in range(2):  # idempotent
        assert (await client.put(f"{V1}/posts/{post['id']}/like", headers=bo.headers)).status_code == 204
    assert (await client.put(f"{V1}/posts/{post['id']}/like", headers=cy.headers)).status_code == 204
    seen = (await client.get(f"{V1}/posts/{post['id']}", headers=bo.headers)).json()
    assert (seen["like_count"], seen["liked_by_me"], seen["likes"]) == (2, True, None)
    assert [u["username"] for u in await items(client, ana, f"/posts/{post['id']}/likes")] == [
        "lk_cy",
        "lk_bo",
    ]
    assert [n["kind"] for n in await items(client, ana, "/notifications")] == ["like", "like"]
    for _ in range(2):
        assert (await client.delete(f"{V1}/posts/{post['id']}/like", headers=bo.headers)).status_code == 204
    seen = (await client.get(f"{V1}/posts/{post['id']}", headers=bo.headers)).json()
    assert (seen["like_count"], seen["liked_by_me"]) == (1, False)
    assert [n["actor"]["username"] for n in await items(client, ana, "/notifications")] == ["lk_cy"]
    assert (await comment(client, cy, post["id"], "沙发")).status_code == 201
    assert (await client.get(f"{V1}/posts/{post['id']}", headers=bo.headers)).json()["comment_count"] == 1
    # Ana blocks Cy: Cy's like and comment are not shown to Ana, and Cy can no longer see the post.
    assert (await client.put(f"{V1}/blocks/{cy.id}", headers=ana.headers)).status_code == 204
    assert await items(client, ana, f"/posts/{post['id']}/likes") == []
    assert await items(client, ana, f"/posts/{post['id']}/comments") == []
    assert (await comment(client, cy, post["id"], "再来")).status_code == 404
    assert (await client.put(f"{V1}/posts/{post['id']}/like", headers=cy.headers)).status_code == 404
    assert await items(client, ana, "/notifications") == []
    response = await client.post(f"{V1}/posts/{post['id']}/comments", json={"body": ""}, headers=bo.headers)
    assert response.status_code == 422


async def test_mentions_in_comments_reach_only_who_may_see_them(client, users):
    ana, bo, cy, dan = [await users.create(n) for n in ("mc_ana", "mc_bo", "mc_cy", "mc_dan")]
    await befriend(client, ana, bo)
    await befriend(client, ana, cy)
    await befriend(client, bo, dan)
    post = await moment(client, ana, "周末去哪")
    # Bo mentions Cy (a friend of Ana but not of Bo) and Dan (no friend of Ana): neither is told.
    assert (await comment(client, bo, post["id"], "@mc_cy @mc_dan 一起吗")).status_code == 201
    assert await items(client, cy, "/notifications") == []
    assert await items(client, dan, "/notifications") == []
    await befriend(client, bo, cy)
    assert (await comment(client, bo, post["id"], "@mc_cy 来吗")).status_code == 201
    assert [n["kind"] for n in await items(client, cy, "/notifications")] == ["mention"]
