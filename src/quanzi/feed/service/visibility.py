"""THE visibility rules of the feed. Every path that shows a post, a like or a comment — timelines,
by id, profiles, topic pages, search, comment and like lists, counts, notifications, reposts and
cascades — asks this module, and nothing else decides (SECURITY.md: one `can_view` rule per kind).

Posts (MOM-2, MOM-4, MOM-5, PUB-1, GRA-3): `post_visible(viewer)` is one SQL condition on
`feed_posts`, used as a WHERE clause by list queries and by `require_post` for single posts:

- a deleted post is seen by nobody; a post whose author and the viewer are blocked either way is
  seen by neither;
- a public post is seen by everyone else, logged out included;
- a Moment is seen by its author, and by a viewer who is the author's friend now, whom the author
  has not hidden their Moments from (MOM-5, earlier Moments too), who is inside the author's
  browse-back window (MOM-4), and who is in the audience resolved when it was posted: everyone for
  'friends', nobody for 'private', the listed friends for 'include', all but them for 'exclude'.

Likes and comments (MOM-3, MOM-6): `InteractionScope` says whose likes and comments one viewer may
see under one post. Under a Moment: only those of people who are friends of both the viewer and the
author (the author and the viewer themselves included); a reply is shown only when its addressee
passes the same test. So two strangers never see each other's likes or comments under a common
friend's Moment, and when a friendship ends, each side's likes and comments on the other's Moments
disappear — and come back if it is restored. Under a public post: everyone's, except accounts
blocked either way with the viewer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, literal, or_, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import UTCDateTime
from quanzi.core.errors import NotFound
from quanzi.core.ids import parse_id
from quanzi.feed.models import MomentHide, MomentMute, MomentSettings, Post, PostAudience
from quanzi.graph import service as graph

UserColumn = ColumnElement[Any] | InstrumentedAttribute[Any]

# MOM-4: how far back friends may browse, by setting.
BROWSE_BACK_WINDOWS = {"6m": timedelta(days=182), "1m": timedelta(days=30), "3d": timedelta(days=3)}


@dataclass(frozen=True)
class Relations:
    """The viewer's relations the rules need when they are checked in Python (writes), read in one
    query by `load_viewer`. Lists never need them: their SQL asks the graph itself."""

    friend_ids: frozenset[int] = frozenset()
    # Users blocked by the viewer or who blocked the viewer: either way, they do not see each other.
    blocked_ids: frozenset[int] = frozenset()
    # Friends who hid their Moments from the viewer (MOM-5).
    hidden_by: frozenset[int] = frozenset()
    # Friends whose Moments the viewer muted (MOM-5).
    muted_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Viewer:
    """Who is looking. `viewer_of` gives one for SQL rules (no query); `load_viewer` also reads the
    relations the rules checked in Python need."""

    user_id: int | None
    now: datetime = field(default_factory=clock.now)
    relations: Relations | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def _loaded(self) -> Relations:
        if self.relations is None:
            if self.user_id is None:
                return Relations()
            raise RuntimeError("this viewer's relations were not loaded (use load_viewer)")
        return self.relations

    @property
    def friend_ids(self) -> frozenset[int]:
        return self._loaded().friend_ids

    @property
    def blocked_ids(self) -> frozenset[int]:
        return self._loaded().blocked_ids

    @property
    def hidden_by(self) -> frozenset[int]:
        return self._loaded().hidden_by

    @property
    def moment_author_ids(self) -> frozenset[int]:
        """Whose Moments the viewer may see at all, before each Moment's own audience."""
        return self.friend_ids - self.hidden_by - self.blocked_ids

    def sees_user(self, user_id: int) -> bool:
        return user_id not in self.blocked_ids


def viewer_of(actor: Actor | int | None) -> Viewer:
    """The viewer for `actor` (an Actor, a user id, or None for logged out), for the SQL rules."""
    user_id = actor.user_id if isinstance(actor, Actor) else actor
    return Viewer(user_id=user_id, now=clock.now(), relations=None if user_id is not None else Relations())


async def load_viewer(session: AsyncSession, actor: Actor | int | None) -> Viewer:
    """The viewer with its relations (friends, blocks both ways, hides, mutes) read in one query."""
    viewer = viewer_of(actor)
    if viewer.user_id is None:
        return viewer
    uid = viewer.user_id
    rows: Any = await session.execute(
        union_all(
            *graph.relations_of(uid),
            select(literal("hidden_by"), MomentHide.owner_id).where(MomentHide.hidden_id == uid),
            select(literal("muted"), MomentMute.muted_id).where(MomentMute.owner_id == uid),
        )
    )
    found: dict[str, set[int]] = defaultdict(set)
    for relation, other in rows.all():
        found[relation].add(int(other))
    return Viewer(
        user_id=uid,
        now=viewer.now,
        relations=Relations(
            friend_ids=frozenset(found["friend"]),
            blocked_ids=frozenset(found["blocked"] | found["blocker"]),
            hidden_by=frozenset(found["hidden_by"]),
            muted_ids=frozenset(found["muted"]),
        ),
    )


def _inside_browse_back(now: datetime) -> ColumnElement[bool]:
    """The Moment is inside its author's browse-back window (MOM-4)."""
    cutoff = case(
        *(
            (MomentSettings.browse_back == setting, literal(now - window, UTCDateTime()))
            for setting, window in BROWSE_BACK_WINDOWS.items()
        ),
        else_=None,
    )
    return ~exists(
        select(MomentSettings.user_id).where(
            MomentSettings.user_id == Post.author_id,
            MomentSettings.browse_back != "all",
            Post.created_at < cutoff,
        )
    )


def post_visible(viewer: Viewer) -> ColumnElement[bool]:
    """THE rule: a condition on `Post` that holds exactly for the posts `viewer` may see. It asks the
    graph in SQL (friendship, blocks) and needs no relations loaded."""
    # Deleted by the author, or taken down by an operator (MOD-2): gone for everyone, the author too.
    alive = and_(Post.deleted_at.is_(None), Post.taken_down_at.is_(None))
    if viewer.user_id is None:
        return and_(alive, Post.kind == "public")
    uid = viewer.user_id
    in_audience = exists(
        select(PostAudience.post_id).where(PostAudience.post_id == Post.id, PostAudience.user_id == uid)
    )
    hidden_from_me = exists(
        select(MomentHide.owner_id).where(MomentHide.owner_id == Post.author_id, MomentHide.hidden_id == uid)
    )
    moment_of_friend = and_(
        Post.kind == "moment",
        graph.are_friends_clause(uid, Post.author_id),
        ~hidden_from_me,
        or_(
            Post.visibility == "friends",
            and_(Post.visibility == "include", in_audience),
            and_(Post.visibility == "exclude", ~in_audience),
        ),
        _inside_browse_back(viewer.now),
    )
    return and_(
        alive,
        or_(
            Post.author_id == uid,
            and_(
                ~graph.blocked_either_way_clause(uid, Post.author_id),
                or_(Post.kind == "public", moment_of_friend),
            ),
        ),
    )


def moment_authors(viewer: Viewer) -> ColumnElement[bool]:
    """Whose Moments go in the viewer's Moments timeline: their own, and their friends' whom they have
    not muted (MOM-5); `post_visible` still decides each Moment."""
    if viewer.user_id is None:
        return false()
    uid = viewer.user_id
    muted = select(MomentMute.muted_id).where(MomentMute.owner_id == uid)
    return or_(
        Post.author_id == uid,
        and_(Post.author_id.in_(graph.friend_ids_of(uid)), Post.author_id.not_in(muted)),
    )


def interaction_visible(
    viewer: Viewer, user: UserColumn, *, author: UserColumn | None = None, kind: UserColumn | None = None
) -> ColumnElement[bool]:
    """THE rule for likes and comments (MOM-3, MOM-6), as SQL on the liker's or commenter's column
    `user` under a post whose author and kind are `author` and `kind` (default: `Post`'s). The same
    test as `InteractionScope.shows`, for lists that filter in the database."""
    author = Post.author_id if author is None else author
    kind = Post.kind if kind is None else kind
    if viewer.user_id is None:
        return kind == "public"
    uid = viewer.user_id
    on_public = and_(kind == "public", ~graph.blocked_either_way_clause(uid, user))
    on_moment = and_(
        kind == "moment",
        or_(
            user == uid,
            user == author,
            and_(
                graph.are_friends_clause(uid, user),
                or_(author == uid, graph.are_friends_clause(author, user)),
            ),
        ),
    )
    return or_(on_public, on_moment)


async def visible_post_ids(session: AsyncSession, viewer: Viewer, post_ids: Iterable[int]) -> set[int]:
    """Which of these posts `viewer` may see."""
    ids = {i for i in post_ids if i is not None}
    if not ids:
        return set()
    return set((await session.scalars(select(Post.id).where(Post.id.in_(ids), post_visible(viewer)))).all())


async def find_post(
    session: AsyncSession, viewer: Viewer, post_id: int | str, *, lock: bool = False
) -> Post | None:
    parsed = parse_id(post_id)
    if parsed is None:
        return None
    stmt = select(Post).where(Post.id == parsed, post_visible(viewer))
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def require_post(
    session: AsyncSession, viewer: Viewer, post_id: int | str, *, lock: bool = False
) -> Post:
    """The post `viewer` may see, or NotFound — the same answer whether it is hidden or does not exist."""
    post = await find_post(session, viewer, post_id, lock=lock)
    if post is None:
        raise NotFound("No such post.", code="post_not_found")
    return post


# --- likes and comments (MOM-3, MOM-6) --------------------------------------------------------------


@dataclass(frozen=True)
class InteractionScope:
    """Whose likes and comments one viewer may see under one post."""

    allowed: frozenset[int] | None  # None: anyone not excluded (public posts)
    excluded: frozenset[int] = frozenset()

    def shows(self, user_id: int, reply_to_user_id: int | None = None) -> bool:
        return all(
            (self.allowed is None or person in self.allowed) and person not in self.excluded
            for person in (user_id, reply_to_user_id)
            if person is not None
        )

    def clause(self, user_column: UserColumn, reply_column: UserColumn | None = None) -> ColumnElement[bool]:
        """The same test as `shows`, as SQL over a like's or comment's user columns."""
        conditions = []
        for column in (user_column, reply_column):
            if column is None:
                continue
            parts = []
            if self.allowed is not None:
                parts.append(column.in_(sorted(self.allowed)) if self.allowed else false())
            if self.excluded:
                parts.append(column.not_in(sorted(self.excluded)))
            test = and_(*parts) if parts else true()
            conditions.append(test if column is user_column else or_(column.is_(None), test))
        return and_(*conditions)


async def interaction_scopes(
    session: AsyncSession,
    viewer: Viewer,
    posts: Iterable[Post],
    *,
    among: dict[int, set[int]] | None = None,
) -> dict[int, InteractionScope]:
    """The `InteractionScope` of each post (the caller has already checked `viewer` may see them).

    With `among` (post id → the people who liked or commented there), a Moment's scope is decided
    for those people only, which spares the graph lookups for Moments nobody else touched."""
    scopes: dict[int, InteractionScope] = {}
    author_friends: dict[int, set[int]] = {}
    for post in posts:
        if post.kind == "public":
            scopes[post.id] = InteractionScope(allowed=None, excluded=viewer.blocked_ids)
            continue
        if viewer.user_id is None:
            scopes[post.id] = InteractionScope(allowed=frozenset())
            continue
        if post.author_id == viewer.user_id:
            scopes[post.id] = InteractionScope(allowed=viewer.friend_ids | {viewer.user_id})
            continue
        nearby = viewer.friend_ids if among is None else viewer.friend_ids & among.get(post.id, set())
        candidates = set(nearby) - {post.author_id}
        mutual: set[int] = set()
        if candidates:
            if post.author_id not in author_friends:
                author_friends[post.author_id] = await graph.friend_ids(session, post.author_id)
            mutual = author_friends[post.author_id] & candidates
        scopes[post.id] = InteractionScope(allowed=frozenset(mutual | {post.author_id, viewer.user_id}))
    return scopes


async def interaction_scope(session: AsyncSession, viewer: Viewer, post: Post) -> InteractionScope:
    return (await interaction_scopes(session, viewer, [post]))[post.id]
