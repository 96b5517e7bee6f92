"""The privacy matrix of issue 4 (MOM-2 … MOM-5, GRA-3, NTF-1): every visibility option × every viewer
relation × every path. Nothing about a Moment reaches a viewer who may not see it — not the post,
not its likes or comments, not its counts, not a notification — and MOM-3 (likes and comments only
from friends of both) and MOM-4 (browse-back limit) hold on every path.

One world is built per module (through the public API, as clients would), then each case only reads.

Relations to the author A:
- author; in_tag: B, a friend under A's tag "family"; outside_tag: C, a friend in no tag;
  excluded: E, a friend under A's tag "coworkers" (and the friend excluded by name); hidden: H, a
  friend A hides Moments from (after posting); non_friend: N; follower: F (follows A, not a friend);
  blocked: X, a friend and follower whom A blocked after posting; blocker: Y, a friend who blocked A
  after posting; anonymous: logged out.
Every Moment mentions all of them, and B, C and E like and comment wherever they could at the time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio

from tests.feed.conftest import ModuleWorld
from tests.feed.helpers import V1, befriend, make_tag

pytestmark = pytest.mark.asyncio(loop_scope="module")

OPTIONS = ["friends", "private", "only_tag", "only_friend", "except_tag", "except_friend", "old"]
VIEWERS = [
    "author",
    "in_tag",
    "outside_tag",
    "excluded",
    "hidden",
    "non_friend",
    "follower",
    "blocked",
    "blocker",
    "anonymous",
]
LETTER = {
    "author": "a",
    "in_tag": "b",
    "outside_tag": "c",
    "excluded": "e",
    "hidden": "h",
    "non_friend": "n",
    "follower": "f",
    "blocked": "x",
    "blocker": "y",
}
# Who may see which Moment. "old" is an all-friends Moment from 10 days ago, beyond A's 3-day limit.
ALLOWED = {
    "friends": {"author", "in_tag", "outside_tag", "excluded"},
    "private": {"author"},
    "only_tag": {"author", "in_tag"},
    "only_friend": {"author", "in_tag"},
    "except_tag": {"author", "in_tag", "outside_tag"},
    "except_friend": {"author", "in_tag", "outside_tag"},
    "old": {"author"},
}
# Who could see each Moment when it was posted: H, X and Y were then friends in no tag, like C, and
# the old Moment was not yet beyond the browse-back limit.
AUDIENCE_WHEN_POSTED = {
    option: allowed | ({"hidden", "blocked", "blocker"} if "outside_tag" in allowed else set())
    for option, allowed in ALLOWED.items()
}
AUDIENCE_WHEN_POSTED["old"] = AUDIENCE_WHEN_POSTED["friends"]
# Friendships once the world is built (H, X, Y lose the Moments by hiding and blocking).
FRIENDS = {"a": {"b", "c", "e", "h"}, "b": {"a", "e"}, "c": {"a"}, "e": {"a", "b"}, "h": {"a"}}


@dataclass
class World:
    mw: ModuleWorld
    people: dict[str, Any] = field(default_factory=dict)
    moments: dict[str, str] = field(default_factory=dict)
    # Who commented and liked under each Moment (by letter).
    interacted: dict[str, set[str]] = field(default_factory=dict)
    cache: dict[tuple[str, str], Any] = field(default_factory=dict)

    def user(self, viewer: str) -> Any | None:
        return None if viewer == "anonymous" else self.people[LETTER[viewer]]

    def headers(self, viewer: str) -> dict[str, str]:
        user = self.user(viewer)
        return user.headers if user else {}

    async def get(self, viewer: str, path: str, **params: Any) -> Any:
        return await self.mw.client.get(
            f"{V1}{path}", params={"limit": 100, **params}, headers=self.headers(viewer)
        )

    async def listed_ids(self, viewer: str, path: str, **params: Any) -> set[str]:
        key = (viewer, path + repr(sorted(params.items())))
        if key not in self.cache:
            response = await self.get(viewer, path, **params)
            if response.status_code in (401, 404):
                self.cache[key] = set()
            else:
                assert response.status_code == 200, response.text
                self.cache[key] = {item["id"] for item in response.json()["items"]}
        return self.cache[key]  # type: ignore[no-any-return]

    async def notifications(self, viewer: str) -> list[dict[str, Any]]:
        key = (viewer, "notifications")
        if key not in self.cache:
            response = await self.get(viewer, "/notifications")
            assert response.status_code == 200, response.text
            self.cache[key] = response.json()["items"]
        return self.cache[key]  # type: ignore[no-any-return]


async def _build(mw: ModuleWorld) -> World:
    world = World(mw)
    client = mw.client
    for letter in "abcehnfxy":
        world.people[letter] = await mw.users.create(f"m_{letter}_user")
    p = world.people
    for other in "bcehxy":
        await befriend(client, p["a"], p[other])
    await befriend(client, p["b"], p["e"])
    for follower in "fx":
        response = await client.put(f"{V1}/following/{p['a'].id}", headers=p[follower].headers)
        assert response.status_code == 204, response.text
    family = await make_tag(client, p["a"], "family", [p["b"]])
    coworkers = await make_tag(client, p["a"], "coworkers", [p["e"]])
    audience = {
        "friends": {"visibility": "friends"},
        "private": {"visibility": "private"},
        "only_tag": {"visibility": "include", "tag_ids": [family]},
        "only_friend": {"visibility": "include", "user_ids": [p["b"].id]},
        "except_tag": {"visibility": "exclude", "tag_ids": [coworkers]},
        "except_friend": {"visibility": "exclude", "user_ids": [p["e"].id]},
        "old": {"visibility": "friends"},
    }
    mentions = " ".join(f"@m_{letter}_user" for letter in "bcehnfxy")
    start = mw.clock.now()
    for option in OPTIONS:
        mw.clock.set(start - timedelta(days=10) if option == "old" else start)
        body = f"#matrix_{option}# kw{option}secret {mentions}"
        response = await client.post(
            f"{V1}/moments", json={"body": body, **audience[option]}, headers=p["a"].headers
        )
        assert response.status_code == 201, response.text
        world.moments[option] = response.json()["id"]
    mw.clock.set(start)
    # Interactions while everyone still sees what they were shown (before the hide, the blocks and the limit).
    seen_then = {
        option: ALLOWED[option]
        | ({"hidden", "blocked", "blocker"} if "excluded" in ALLOWED[option] else set())
        for option in OPTIONS
    }
    seen_then["old"] = seen_then["friends"]
    for option, post_id in world.moments.items():
        world.interacted[option] = {"a"}
        response = await client.post(
            f"{V1}/posts/{post_id}/comments", json={"body": f"author on {option}"}, headers=p["a"].headers
        )
        assert response.status_code == 201, response.text
        for viewer in ("in_tag", "outside_tag", "excluded", "hidden", "blocked", "blocker"):
            if viewer not in seen_then[option]:
                continue
            user = p[LETTER[viewer]]
            assert (await client.put(f"{V1}/posts/{post_id}/like", headers=user.headers)).status_code == 204
            response = await client.post(
                f"{V1}/posts/{post_id}/comments", json={"body": f"{viewer} here"}, headers=user.headers
            )
            assert response.status_code == 201, response.text
            world.interacted[option].add(LETTER[viewer])
    assert (
        await client.put(f"{V1}/me/moment-settings", json={"browse_back": "3d"}, headers=p["a"].headers)
    ).status_code == 200
    assert (
        await client.put(f"{V1}/me/moments-hidden-from/{p['h'].id}", headers=p["a"].headers)
    ).status_code == 204
    assert (await client.put(f"{V1}/blocks/{p['x'].id}", headers=p["a"].headers)).status_code == 204
    assert (await client.put(f"{V1}/blocks/{p['a'].id}", headers=p["y"].headers)).status_code == 204
    return world


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(module_world: ModuleWorld) -> World:
    return await _build(module_world)


def expected_interactions(world: World, option: str, viewer: str) -> set[str]:
    """MOM-3: the commenters and likers a viewer sees under A's Moment — friends of both, A, themselves."""
    me = LETTER.get(viewer)
    return {
        who
        for who in world.interacted[option]
        if who == me
        or who == "a"
        or (me is not None and who in FRIENDS.get(me, set()) and who in FRIENDS["a"])
    }


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("option", OPTIONS)
async def test_privacy_matrix(world: World, option: str, viewer: str) -> None:
    post_id = world.moments[option]
    if viewer == "anonymous":
        await check_logged_out(world, post_id, option)
        return
    allowed = viewer in ALLOWED[option]
    author = world.people["a"]

    # friends' timeline, profile, topic page, search
    assert (post_id in await world.listed_ids(viewer, "/moments")) is allowed
    assert (post_id in await world.listed_ids(viewer, f"/users/{author.id}/moments")) is allowed
    assert (post_id in await world.listed_ids(viewer, "/topics/posts", name=f"matrix_{option}")) is allowed
    assert (post_id in await world.listed_ids(viewer, "/search/posts", q=f"kw{option}secret")) is allowed

    # by id, and its comment and like lists
    by_id = await world.get(viewer, f"/posts/{post_id}")
    comments = await world.get(viewer, f"/posts/{post_id}/comments")
    likes = await world.get(viewer, f"/posts/{post_id}/likes")
    cascade = await world.get(viewer, f"/posts/{post_id}/cascade")
    if not allowed:
        for response in (by_id, comments, likes, cascade):
            assert response.status_code == 404, response.text
            assert response.json()["error"]["code"] == "post_not_found"
    else:
        assert by_id.status_code == comments.status_code == likes.status_code == 200
        expected = expected_interactions(world, option, viewer)
        letters = {u.id: letter for letter, u in world.people.items()}
        commenters = {letters[c["author"]["id"]] for c in comments.json()["items"]}
        likers = {letters[u["id"]] for u in likes.json()["items"]}
        assert commenters == expected
        assert likers == expected - {"a"}
        post = by_id.json()
        assert {letters[c["author"]["id"]] for c in post["comments"]} == expected
        assert {letters[u["id"]] for u in post["likes"]} == expected - {"a"}
        # counts: only what the viewer may see
        assert post["comment_count"] == len(comments.json()["items"])
        assert post["like_count"] == len(likes.json()["items"])
        # mentions never reveal anyone the viewer is blocked with (A blocked X, Y blocked A), and the
        # audience is the author's
        mentioned = {letters[u["id"]] for u in post["mentions"]}
        everyone = set("bcehnfxy")
        assert mentioned == (everyone - {"x", "y"} if viewer == "author" else everyone)
        assert (post["visibility"] is not None) is (viewer == "author")

    # counts on the topic page
    topic = await world.get(viewer, "/topics", name=f"matrix_{option}")
    assert topic.status_code == 200
    assert topic.json()["post_count"] == (1 if allowed else 0)

    # notifications: every viewer was mentioned; only those who may see it are told
    if viewer == "author":
        letters = {u.id: letter for letter, u in world.people.items()}
        about = [n for n in await world.notifications(viewer) if n["post_id"] == post_id]
        assert {letters[n["actor"]["id"]] for n in about} == expected_interactions(world, option, viewer) - {
            "a"
        }
        assert {n["kind"] for n in about} <= {"comment", "like"}
    elif viewer != "anonymous":
        about = [n for n in await world.notifications(viewer) if n["post_id"] == post_id]
        assert [n["kind"] for n in about] == (["mention"] if allowed else [])

    # repost of it: a Moment cannot be reposted; who may not see it cannot tell it exists
    if viewer != "anonymous":
        response = await world.mw.client.post(
            f"{V1}/posts/{post_id}/reposts", json={"comment": "!"}, headers=world.headers(viewer)
        )
        assert response.status_code == (422 if allowed else 404), response.text

    # A Moment is not a public post: never on the home timeline nor among the author's posts
    assert post_id not in await world.listed_ids(viewer, "/timeline/home")
    assert post_id not in await world.listed_ids(viewer, f"/users/{author.id}/posts")

    # Liking or commenting on a Moment one may not see answers as if it did not exist, and changes
    # nothing (who may see it writes nothing here: the world is shared by every case)
    if not allowed:
        like = await world.mw.client.put(f"{V1}/posts/{post_id}/like", headers=world.headers(viewer))
        comment = await world.mw.client.post(
            f"{V1}/posts/{post_id}/comments", json={"body": "?"}, headers=world.headers(viewer)
        )
        for response in (like, comment):
            assert (response.status_code, response.json()["error"]["code"]) == (404, "post_not_found")


async def test_live_pushes_reach_only_who_could_see_the_moment(world: World) -> None:
    """A mention's live push is the `feed.notification.created` event of its notification: the inbox
    hides what the reader may no longer see, but a push already sent cannot be taken back, so the
    rule must hold when the notification is written. Each mentioned person who could see the Moment
    when it was posted is told once; nobody else gets a row, an event or a badge."""
    from sqlalchemy import select

    from quanzi.core.ids import parse_id
    from quanzi.core.outbox import OutboxEvent
    from quanzi.feed.models import Notification

    letters = {int(u.id): letter for letter, u in world.people.items()}
    async with world.mw.app.state.db.read() as session:
        pushed = {
            int(event.payload["notification_id"])
            for event in await session.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == "feed.notification.created")
            )
        }
        for option, post_id in world.moments.items():
            rows = list(
                await session.scalars(
                    select(Notification).where(
                        Notification.post_id == parse_id(post_id), Notification.kind == "mention"
                    )
                )
            )
            told = sorted(letters[row.recipient_id] for row in rows)
            expected = sorted(LETTER[v] for v in AUDIENCE_WHEN_POSTED[option] if v != "author")
            assert told == expected, option
            assert {row.id for row in rows} <= pushed


async def check_logged_out(world: World, post_id: str, option: str) -> None:
    """Logged out, every path of the API asks for a session and says nothing else."""
    author = world.people["a"]
    paths = [
        "/moments",
        f"/users/{author.id}/moments",
        f"/posts/{post_id}",
        f"/posts/{post_id}/comments",
        f"/posts/{post_id}/likes",
        f"/posts/{post_id}/cascade",
        "/notifications",
        "/timeline/home",
        f"/users/{author.id}/posts",
    ]
    for path in paths:
        response = await world.get("anonymous", path)
        assert response.status_code == 401, path
        assert post_id not in response.text and "matrix" not in response.text
    for path, params in (
        ("/topics/posts", {"name": f"matrix_{option}"}),
        ("/topics", {"name": f"matrix_{option}"}),
        ("/search/posts", {"q": f"kw{option}secret"}),
    ):
        assert (await world.get("anonymous", path, **params)).status_code == 401
    for write in (
        world.mw.client.post(f"{V1}/posts/{post_id}/reposts", json={}),
        world.mw.client.put(f"{V1}/posts/{post_id}/like"),
        world.mw.client.post(f"{V1}/posts/{post_id}/comments", json={"body": "?"}),
    ):
        assert (await write).status_code == 401


async def test_logged_out_viewers_see_public_posts_only(world: World) -> None:
    """The rule itself, for the logged-out viewer the services support (public pages): no Moment."""
    from quanzi.feed.service.visibility import load_viewer, visible_post_ids

    public = (
        await world.mw.client.post(f"{V1}/posts", json={"body": "公开"}, headers=world.headers("author"))
    ).json()
    async with world.mw.app.state.db.read() as session:
        viewer = await load_viewer(session, None)
        visible = await visible_post_ids(
            session, viewer, [int(public["id"]), *map(int, world.moments.values())]
        )
    assert visible == {int(public["id"])}


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v != "anonymous"])
async def test_unread_count_matches_what_the_inbox_shows(world: World, viewer: str) -> None:
    response = await world.get(viewer, "/notifications/unread")
    assert response.status_code == 200
    inbox = await world.notifications(viewer)
    assert response.json()["notifications"] == len([n for n in inbox if not n["read"]])
    # Nothing in any inbox points at a Moment its owner may not see.
    for n in inbox:
        if n["post_id"] is not None:
            option = next(o for o, i in world.moments.items() if i == n["post_id"])
            assert viewer in ALLOWED[option]


async def test_comments_under_a_moment_stay_between_friends(world: World) -> None:
    """B and C are both A's friends but not each other's: neither sees the other's comment or like."""
    post_id = world.moments["friends"]
    letters = {u.id: letter for letter, u in world.people.items()}
    for viewer, hidden in (("in_tag", "c"), ("outside_tag", "b")):
        post = (await world.get(viewer, f"/posts/{post_id}")).json()
        assert hidden not in {letters[c["author"]["id"]] for c in post["comments"]}
        assert hidden not in {letters[u["id"]] for u in post["likes"]}
