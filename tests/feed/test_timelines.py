"""Timelines (issue 4): friends' Moments, home, profiles and topic pages, newest first and
cursor-paginated; mute, hide, the tag audience fixed at posting, and the browse-back limit (MOM-2,
MOM-4, MOM-5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.feed.helpers import V1, befriend, items, make_tag, moment, public_post


def flat(pages: list[list[str]]) -> list[str]:
    return [item for page in pages for item in page]


async def all_pages(client: Any, user: Any, path: str, **params: Any) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        query = {"limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"{V1}{path}", params=query, headers=user.headers if user else {})
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([p["id"] for p in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_every_timeline_is_newest_first_and_paginated(client, users, frozen_clock):
    ana, bo, fan = await users.create("tl_ana"), await users.create("tl_bo"), await users.create("tl_fan")
    await befriend(client, ana, bo)
    assert (await client.put(f"{V1}/following/{ana.id}", headers=fan.headers)).status_code == 204
    posted_moments, posted_public = [], []
    for i in range(5):
        posted_moments.append((await moment(client, ana if i % 2 else bo, f"moment {i} #timeline#"))["id"])
        posted_public.append((await public_post(client, ana, f"post {i} #timeline#"))["id"])
        frozen_clock.advance(minutes=1)
    newest_first = posted_moments[::-1]
    assert await all_pages(client, ana, "/moments") == [
        newest_first[0:2],
        newest_first[2:4],
        newest_first[4:],
    ]
    assert flat(await all_pages(client, fan, "/timeline/home")) == posted_public[::-1]
    assert flat(await all_pages(client, bo, f"/users/{ana.id}/moments")) == posted_moments[::-1][1::2]
    assert flat(await all_pages(client, fan, f"/users/{ana.id}/posts")) == posted_public[::-1]
    on_topic = flat(await all_pages(client, bo, "/topics/posts", name="#timeline#"))
    assert on_topic == sorted(posted_moments + posted_public, key=int, reverse=True)
    # a stranger to Ana and Bo: the public posts only
    assert flat(await all_pages(client, fan, "/topics/posts", name="timeline")) == posted_public[::-1]
    bad = await client.get(f"{V1}/moments", params={"cursor": "!!"}, headers=ana.headers)
    assert bad.status_code == 422
    for path in ("/moments", "/timeline/home", f"/users/{ana.id}/posts", "/topics/posts?name=timeline"):
        assert (await client.get(f"{V1}{path}")).status_code == 401


async def test_mute_hide_and_the_audience_fixed_at_posting(client, users):
    ana, bo, cy = await users.create("mu_ana"), await users.create("mu_bo"), await users.create("mu_cy")
    await befriend(client, ana, bo)
    await befriend(client, ana, cy)
    family = await make_tag(client, ana, "family", [bo])
    for_family = await moment(client, ana, "family only", visibility="include", tag_ids=[family])
    # Cy joins the tag later: the Moment's audience was fixed when it was posted.
    assert (await client.put(f"{V1}/tags/{family}/members/{cy.id}", headers=ana.headers)).status_code == 204
    assert (await client.get(f"{V1}/posts/{for_family['id']}", headers=cy.headers)).status_code == 404
    # ...but a later Moment to the tag reaches Cy.
    later = await moment(client, ana, "family again", visibility="include", tag_ids=[family])
    assert (await client.get(f"{V1}/posts/{later['id']}", headers=cy.headers)).status_code == 200
    # The author's view shows the audience as chosen.
    assert for_family["visibility"] == "include" and for_family["audience"] == {
        "tag_ids": [family],
        "user_ids": [],
    }

    # Mute: gone from Bo's timeline, still there by id and on the profile.
    assert (await client.put(f"{V1}/me/moments-muted/{ana.id}", headers=bo.headers)).status_code == 204
    assert await items(client, bo, "/moments") == []
    assert (await client.get(f"{V1}/posts/{later['id']}", headers=bo.headers)).status_code == 200
    assert len(await items(client, bo, f"/users/{ana.id}/moments")) == 2
    assert [u["id"] for u in await items(client, bo, "/me/moments-muted")] == [ana.id]
    assert (await client.delete(f"{V1}/me/moments-muted/{ana.id}", headers=bo.headers)).status_code == 204
    assert len(await items(client, bo, "/moments")) == 2

    # Hide from Bo: earlier Moments too, at once; undone, they return.
    assert (await client.put(f"{V1}/me/moments-hidden-from/{bo.id}", headers=ana.headers)).status_code == 204
    assert await items(client, bo, "/moments") == []
    assert (await client.get(f"{V1}/posts/{later['id']}", headers=bo.headers)).status_code == 404
    assert [u["id"] for u in await items(client, ana, "/me/moments-hidden-from")] == [bo.id]
    assert (
        await client.delete(f"{V1}/me/moments-hidden-from/{bo.id}", headers=ana.headers)
    ).status_code == 204
    assert len(await items(client, bo, "/moments")) == 2

    # Bad audiences
    response = await client.post(
        f"{V1}/moments", json={"body": "x", "visibility": "include", "user_ids": ["1"]}, headers=ana.headers
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "not_a_friend"
    response = await client.post(
        f"{V1}/moments", json={"body": "x", "visibility": "exclude", "tag_ids": ["9"]}, headers=ana.headers
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "tag_not_found"
    their_tag = await make_tag(client, bo, "bo's", [])
    response = await client.post(
        f"{V1}/moments",
        json={"body": "x", "visibility": "include", "tag_ids": [their_tag]},
        headers=ana.headers,
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "tag_not_found"
    response = await client.post(
        f"{V1}/moments", json={"body": "x", "visibility": "include"}, headers=ana.headers
    )
    assert response.status_code == 422
    response = await client.post(
        f"{V1}/moments", json={"body": "x", "visibility": "public"}, headers=ana.headers
    )
    assert response.status_code == 422


async def test_browse_back_limit(client, users, frozen_clock):
    ana, bo = await users.create("bb_ana"), await users.create("bb_bo")
    await befriend(client, ana, bo)
    ages = {"200 days": 200, "40 days": 40, "10 days": 10, "2 days": 2}
    now = frozen_clock.now()
    ids = {}
    for label, days in ages.items():
        frozen_clock.set(now - timedelta(days=days))
        ids[label] = (await moment(client, ana, label))["id"]
    frozen_clock.set(now)
    expected = {
        "all": set(ages),
        "6m": {"40 days", "10 days", "2 days"},
        "1m": {"10 days", "2 days"},
        "3d": {"2 days"},
    }
    for setting, visible in expected.items():
        response = await client.put(
            f"{V1}/me/moment-settings", json={"browse_back": setting}, headers=ana.headers
        )
        assert response.status_code == 200 and response.json() == {"browse_back": setting}
        seen = {p["id"] for p in await items(client, bo, "/moments")}
        assert seen == {ids[label] for label in visible}, setting
        assert {p["id"] for p in await items(client, bo, f"/users/{ana.id}/moments")} == seen
        for label in ages:
            response = await client.get(f"{V1}/posts/{ids[label]}", headers=bo.headers)
            assert response.status_code == (200 if label in visible else 404)
        # the author always sees all of their own
        assert len(await items(client, ana, "/moments")) == 4
    # time moves on: the 3-day window moves with it
    frozen_clock.advance(days=2)
    assert await items(client, bo, "/moments") == []
    assert (await client.get(f"{V1}/me/moment-settings", headers=ana.headers)).json() == {"browse_back": "3d"}


async def test_unfriending_hides_moments_and_interactions_until_restored(client, users):
    ana, bo, cy = await users.create("uf_ana"), await users.create("uf_bo"), await users.create("uf_cy")
    await befriend(client, ana, bo)
    await befriend(client, ana, cy)
    await befriend(client, bo, cy)
    post = await moment(client, ana, "our moment")
    assert (await client.put(f"{V1}/posts/{post['id']}/like", headers=bo.headers)).status_code == 204
    response = await client.post(
        f"{V1}/posts/{post['id']}/comments", json={"body": "bo was here"}, headers=bo.headers
    )
    assert response.status_code == 201
    seen = (await client.get(f"{V1}/posts/{post['id']}", headers=cy.headers)).json()
    assert (seen["like_count"], seen["comment_count"]) == (1, 1)

    assert (await client.delete(f"{V1}/friends/{bo.id}", headers=ana.headers)).status_code == 204
    assert (await client.get(f"{V1}/posts/{post['id']}", headers=bo.headers)).status_code == 404
    # MOM-6: Bo's like and comment under Ana's Moment are no longer shown — to Cy, nor to Ana.
    for viewer in (cy, ana):
        seen = (await client.get(f"{V1}/posts/{post['id']}", headers=viewer.headers)).json()
        assert (seen["like_count"], seen["comment_count"], seen["likes"], seen["comments"]) == (0, 0, [], [])
    assert await items(client, ana, "/notifications") == []  # Bo's like and comment are not news any more

    await befriend(client, bo, ana)
    seen = (await client.get(f"{V1}/posts/{post['id']}", headers=cy.headers)).json()
    assert (seen["like_count"], seen["comment_count"]) == (1, 1)
    assert {n["kind"] for n in await items(client, ana, "/notifications")} == {"like", "comment"}


async def test_odd_input_is_a_4xx_never_a_500(client, users):
    ana = await users.create("odd_ana")
    await public_post(client, ana, "普通的帖子 #正常#")
    huge = "WzE4NDQ2NzQ0MDczNzA5NTUxNjE1XQ"  # a cursor holding 18446744073709551615
    for path, params in (
        ("/moments", {"cursor": huge}),
        ("/timeline/home", {"cursor": huge}),
        ("/search/posts", {"q": "正常\x00\x07"}),
        ("/topics", {"name": "正常\x00"}),
        ("/topics", {"name": "#"}),
        ("/posts/99999999999999999999", {}),
    ):
        response = await client.get(f"{V1}{path}", params=params, headers=ana.headers)
        assert 400 <= response.status_code < 500 or response.status_code == 200, (path, response.text)
    share = {"kind": "link", "ref": "https://x.com/\x00", "title": "t"}
    response = await client.post(f"{V1}/posts", json={"share": share}, headers=ana.headers)
    assert response.status_code == 422
    refused = await client.get(f"{V1}/search/posts", params={"q": "正常\x00"}, headers=ana.headers)
    assert refused.status_code == 422  # NUL is refused at the door, for every query
    found = await items(client, ana, "/search/posts", q="正常\x07")  # other control characters are dropped
    assert len(found) == 1
