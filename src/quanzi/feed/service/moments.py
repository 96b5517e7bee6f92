"""Moments (MOM-1 … MOM-5): posting one to an audience, and each user's Moments settings — how far
back friends may browse (MOM-4), whom the user hides their Moments from and whose they mute (MOM-5).

The audience of 'include' and 'exclude' is resolved here, once, when the Moment is posted: the chosen
friends plus the friends under the chosen tags at that moment (MOM-2). Who may then see the Moment is
decided by `visibility.post_visible` alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.core.ids import parse_id
from quanzi.core.pagination import PageRequest, page_of
from quanzi.feed.models import MomentHide, MomentMute, MomentSettings, PostAudience
from quanzi.feed.schemas import MomentIn, MomentSettingsOut, PostOut
from quanzi.feed.service.indexing import insert_ignore
from quanzi.feed.service.paging import after_id
from quanzi.feed.service.posts import NewPost, notify_mentioned, write_post
from quanzi.feed.service.views import render_post
from quanzi.feed.service.visibility import load_viewer
from quanzi.graph import service as graph
from quanzi.identity import service as identity
from quanzi.identity.schemas import UserCard
from quanzi.moderation import service as moderation


def _ids(raw: Sequence[str]) -> list[int]:
    return list(dict.fromkeys(p for p in (parse_id(r) for r in raw) if p is not None))


async def _resolve_audience(
    session: AsyncSession, actor: Actor, data: MomentIn
) -> tuple[list[int], list[int], set[int]]:
    """(tag ids, friend ids, resolved audience) of an 'include'/'exclude' Moment. A tag that is not the
    actor's is 422 ``tag_not_found``; a user who is not a friend is 422 ``not_a_friend``."""
    tag_ids = _ids(data.tag_ids)
    if len(tag_ids) != len(set(data.tag_ids)):
        raise InvalidInput("Some tags do not exist.", code="tag_not_found")
    owned = await graph.owned_tag_ids(session, actor.user_id, tag_ids)
    if missing := [str(t) for t in tag_ids if t not in owned]:
        raise InvalidInput("Some tags do not exist.", code="tag_not_found", details={"tag_ids": missing})
    friends = await graph.friend_ids(session, actor.user_id)
    user_ids = _ids(data.user_ids)
    strangers = [raw for raw in data.user_ids if parse_id(raw) not in friends]
    if strangers:
        raise InvalidInput(
            "Only friends can be chosen.", code="not_a_friend", details={"user_ids": strangers}
        )
    audience = (await graph.tag_member_ids(session, actor.user_id, tag_ids) | set(user_ids)) & friends
    return tag_ids, user_ids, audience


async def create_moment(session: AsyncSession, actor: Actor, data: MomentIn) -> PostOut:
    """Post a Moment (MOM-1, MOM-2) to all friends, to the author only, only to chosen tags and
    friends, or to all friends except them. Mentioned friends are told only if they are in the
    audience."""
    body = await moderation.screen(session, data.body)
    viewer = await load_viewer(session, actor)
    tag_ids: list[int] = []
    user_ids: list[int] = []
    audience: set[int] = set()
    if data.visibility in ("include", "exclude"):
        tag_ids, user_ids, audience = await _resolve_audience(session, actor, data)
    post, filed = await write_post(
        session,
        actor,
        viewer,
        NewPost(
            kind="moment",
            body=body,
            media_ids=data.media_ids,
            location=data.location,
            share=data.share,
            visibility=data.visibility,
            audience_tag_ids=tag_ids,
            audience_user_ids=user_ids,
        ),
    )
    if audience:
        session.add_all([PostAudience(post_id=post.id, user_id=user_id) for user_id in sorted(audience)])
        await session.flush()
    await notify_mentioned(session, post, filed.mentioned_ids, body)
    return await render_post(session, viewer, post)


# --- settings (MOM-4, MOM-5) -------------------------------------------------------------------------


async def get_settings(session: AsyncSession, actor: Actor) -> MomentSettingsOut:
    row = await session.get(MomentSettings, actor.user_id)
    return MomentSettingsOut(browse_back=row.browse_back if row else "all")  # type: ignore[arg-type]


async def set_browse_back(session: AsyncSession, actor: Actor, browse_back: str) -> MomentSettingsOut:
    """How far back friends may browse the actor's Moments (MOM-4); applies at once to every path."""
    row = await session.get(MomentSettings, actor.user_id, with_for_update=True)
    if row is None:
        await session.execute(
            insert_ignore(session, MomentSettings)
            .values(user_id=actor.user_id, browse_back=browse_back, updated_at=clock.now())
            .on_conflict_do_update(
                index_elements=["user_id"], set_={"browse_back": browse_back, "updated_at": clock.now()}
            )
        )
    else:
        row.browse_back = browse_back
        row.updated_at = clock.now()
    return MomentSettingsOut(browse_back=browse_back)  # type: ignore[arg-type]


async def _target(session: AsyncSession, actor: Actor, user_id: int | str) -> int:
    user = await graph.require_visible_user(session, actor.user_id, user_id)
    if user.id == actor.user_id:
        raise InvalidInput("That is you.", code="cannot_target_self")
    return int(user.id)


async def hide_from(session: AsyncSession, actor: Actor, user_id: int | str) -> None:
    """Hide the actor's Moments, earlier ones too, from this user (MOM-5). Idempotent."""
    target = await _target(session, actor, user_id)
    await session.execute(
        insert_ignore(session, MomentHide)
        .values(owner_id=actor.user_id, hidden_id=target, created_at=clock.now())
        .on_conflict_do_nothing()
    )


async def unhide_from(session: AsyncSession, actor: Actor, user_id: int | str) -> None:
    parsed = parse_id(user_id)
    if parsed is None:
        raise NotFound("No such user.", code="user_not_found")
    await session.execute(
        delete(MomentHide).where(MomentHide.owner_id == actor.user_id, MomentHide.hidden_id == parsed)
    )


async def mute(session: AsyncSession, actor: Actor, user_id: int | str) -> None:
    """Leave this user's Moments out of the actor's timeline (MOM-5). Idempotent."""
    target = await _target(session, actor, user_id)
    await session.execute(
        insert_ignore(session, MomentMute)
        .values(owner_id=actor.user_id, muted_id=target, created_at=clock.now())
        .on_conflict_do_nothing()
    )


async def unmute(session: AsyncSession, actor: Actor, user_id: int | str) -> None:
    parsed = parse_id(user_id)
    if parsed is None:
        raise NotFound("No such user.", code="user_not_found")
    await session.execute(
        delete(MomentMute).where(MomentMute.owner_id == actor.user_id, MomentMute.muted_id == parsed)
    )


async def muted_ids(session: AsyncSession, user_id: int) -> set[int]:
    return set(
        (await session.scalars(select(MomentMute.muted_id).where(MomentMute.owner_id == user_id))).all()
    )


async def _list_people(
    session: AsyncSession, model: type[MomentHide] | type[MomentMute], actor: Actor, page: PageRequest
) -> tuple[list[UserCard], str | None]:
    column = model.hidden_id if model is MomentHide else model.muted_id  # type: ignore[union-attr]
    stmt = select(column).where(model.owner_id == actor.user_id)
    after = after_id(page)
    if after is not None:
        stmt = stmt.where(column > after)
    ids, cursor = page_of(
        list((await session.scalars(stmt.order_by(column).limit(page.limit + 1))).all()),
        page,
        key=lambda i: i,
    )
    cards = await identity.get_cards(session, ids)
    return [cards[i] for i in ids if i in cards], cursor


async def list_hidden(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[UserCard], str | None]:
    """Whom the actor hides their Moments from."""
    return await _list_people(session, MomentHide, actor, page)


async def list_muted(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[UserCard], str | None]:
    """Whose Moments the actor has muted."""
    return await _list_people(session, MomentMute, actor, page)
