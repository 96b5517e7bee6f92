"""Public posts, reposts and cascades (PUB-1, PUB-2)."""

from __future__ import annotations

from typing import Any

from tests.feed.helpers import V1, items, moment, public_post, repost


def shape(node: dict[str, Any]) -> tuple[str, list[Any]]:
    return node["author"]["username"], [shape(child) for child in node["children"]]


async def test_cascade_of_a_post_reposted_in_three_levels(client, users):
    ana, bo, cy, di, ed = [await users.create(n) for n in ("ana", "boo", "cyd", "dio", "edd")]
    root = await public_post(client, ana, "新品发布 #国货之光#")
    level1 = await repost(client, bo, root["id"], "好看")
    level1b = await repost(client, ed, root["id"])
    level2 = await repost(client, cy, level1["id"], "同意")
    level3 = await repost(client, di, level2["id"], "买了")

    # parent and root are stored; the chain renders //@name: comment
    assert level3["repost"]["parent_id"] == level2["id"]
    assert level3["repost"]["root"]["id"] == root["id"]
    assert level3["repost"]["depth"] == 3
    assert level3["text"] == "买了//@cyd: 同意//@boo: 好看"
    assert [link["author"]["username"] for link in level3["repost"]["chain"]] == ["cyd", "boo"]
    assert level1["text"] == "好看" and level1["repost"]["chain"] == []

    response = await client.get(f"{V1}/posts/{root['id']}/cascade", headers=ed.headers)
    assert response.status_code == 200, response.text
    cascade = response.json()
    assert shape(cascade["root"]) == ("ana", [("boo", [("cyd", [("dio", [])])]), ("edd", [])])
    assert (cascade["size"], cascade["max_depth"], cascade["max_breadth"]) == (5, 3, 2)
    assert cascade["root"]["children"][0]["children"][0]["id"] == level2["id"]

    # the cascade of a repost is its own subtree
    sub = (await client.get(f"{V1}/posts/{level1['id']}/cascade", headers=ed.headers)).json()
    assert shape(sub["root"]) == ("boo", [("cyd", [("dio", [])])])

    # counts: the root counts every repost in its cascade, a repost its direct reposts
    assert (await client.get(f"{V1}/posts/{root['id']}", headers=ed.headers)).json()["repost_count"] == 4
    assert (await client.get(f"{V1}/posts/{level1['id']}", headers=ed.headers)).json()["repost_count"] == 1
    assert level1b["repost"]["root"]["id"] == root["id"]

    # authors are told
    notes = await items(client, bo, "/notifications")
    assert [(n["kind"], n["actor"]["username"]) for n in notes] == [("repost", "cyd")]


async def test_a_repost_never_shows_what_the_viewer_may_not_see(client, users):
    ana, bo, cy, eve = [await users.create(n) for n in ("ana2", "bo2", "cy2", "eve2")]
    root = await public_post(client, ana, "original")
    middle = await repost(client, bo, root["id"], "bo says")
    top = await repost(client, cy, middle["id"], "cy says")
    # Bo blocks Eve: Eve sees Cy's repost, but neither Bo's link in the chain nor Bo's repost.
    assert (await client.put(f"{V1}/blocks/{eve.id}", headers=bo.headers)).status_code == 204
    seen = (await client.get(f"{V1}/posts/{top['id']}", headers=eve.headers)).json()
    assert seen["text"] == "cy says"
    assert seen["repost"]["chain"] == [] and seen["repost"]["parent_id"] is None
    assert seen["repost"]["root"]["id"] == root["id"]
    cascade = (await client.get(f"{V1}/posts/{root['id']}/cascade", headers=eve.headers)).json()
    assert shape(cascade["root"]) == ("ana2", [("cy2", [])])  # Cy's repost hangs from the nearest visible
    assert (await client.get(f"{V1}/posts/{middle['id']}", headers=eve.headers)).status_code == 404
    response = await client.post(f"{V1}/posts/{middle['id']}/reposts", json={}, headers=eve.headers)
    assert response.status_code == 404

    # The author deletes the original: reposts stay, the original is unavailable to everyone.
    assert (await client.delete(f"{V1}/posts/{root['id']}", headers=ana.headers)).status_code == 204
    seen = (await client.get(f"{V1}/posts/{top['id']}", headers=cy.headers)).json()
    assert seen["repost"]["root"] is None and seen["repost"]["root_unavailable"] is True
    assert (await client.get(f"{V1}/posts/{root['id']}", headers=cy.headers)).status_code == 404
    response = await client.post(f"{V1}/posts/{top['id']}/reposts", json={}, headers=eve.headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "original_unavailable"


async def test_public_posts_are_public_except_to_the_blocked(client, users):
    ana, bo, fan = [await users.create(n) for n in ("ana3", "bo3", "fan3")]
    assert (await client.put(f"{V1}/following/{ana.id}", headers=fan.headers)).status_code == 204
    post = await public_post(client, ana, "hello world", location="上海")
    assert (await client.get(f"{V1}/posts/{post['id']}", headers=bo.headers)).status_code == 200  # a stranger
    assert [p["id"] for p in await items(client, fan, "/timeline/home")] == [post["id"]]
    assert [p["id"] for p in await items(client, bo, f"/users/{ana.id}/posts")] == [post["id"]]
    assert await items(client, bo, "/timeline/home") == []  # not following
    assert (await client.put(f"{V1}/blocks/{ana.id}", headers=bo.headers)).status_code == 204
    assert (await client.get(f"{V1}/posts/{post['id']}", headers=bo.headers)).status_code == 404
    assert (await client.put(f"{V1}/posts/{post['id']}/like", headers=bo.headers)).status_code == 404


async def test_posting_rules(client, users):
    ana, bo = await users.create("ana4"), await users.create("bo4")
    response = await client.post(f"{V1}/posts", json={"body": "x" * 2001}, headers=ana.headers)
    assert response.status_code == 422
    response = await client.post(f"{V1}/posts", json={"body": "   "}, headers=ana.headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "empty_post"
    response = await client.post(f"{V1}/posts", json={"body": "hi", "author_id": bo.id}, headers=ana.headers)
    assert response.status_code == 422  # nothing can be mass-assigned
    response = await client.post(f"{V1}/posts", json={"body": "hi"})
    assert response.status_code == 401
    share = {"kind": "link", "ref": "https://example.com/item/1", "title": "好物"}
    post = await public_post(client, ana, "", share=share)
    assert post["share"] == share
    bad = await client.post(
        f"{V1}/posts", json={"share": {"kind": "link", "ref": "javascript:alert(1)"}}, headers=ana.headers
    )
    assert bad.status_code == 422
    own_moment = await moment(client, ana, "a moment")
    response = await client.post(f"{V1}/posts/{own_moment['id']}/reposts", json={}, headers=ana.headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "not_repostable"
    # only the author deletes
    response = await client.delete(f"{V1}/posts/{post['id']}", headers=bo.headers)
    assert response.status_code == 403
    for path in ("/posts/12345", "/posts/not-an-id", "/posts/12345/cascade", "/posts/12345/comments"):
        assert (await client.get(f"{V1}{path}", headers=bo.headers)).status_code == 404
