"""HTTP routes of the feed (MOM, PUB, NTF): parse, call one service, shape the answer.

Every route needs a session except the hot-search board (SECURITY.md API9). The services also serve
logged-out viewers (public posts only), ready for public pages once the API allows anonymous reads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from quanzi.core.http import CurrentActor, Db, PageIn, no_content
from quanzi.core.pagination import Page
from quanzi.feed import jobs as _jobs  # noqa: F401  (registers the feed's job handlers)
from quanzi.feed.schemas import (
    CascadeOut,
    CommentIn,
    CommentOut,
    HotSearchOut,
    MarkReadIn,
    MediaOut,
    MomentIn,
    MomentSettingsIn,
    MomentSettingsOut,
    NotificationOut,
    PostOut,
    PublicPostIn,
    RepostIn,
    TopicOut,
    UnreadOut,
)
from quanzi.feed.service import comments, hotsearch, media, moments, notifications, posts, timelines
from quanzi.identity.schemas import UserCard

router = APIRouter(tags=["feed"])


TopicName = Annotated[str, Query(min_length=1, max_length=66)]


# --- media -------------------------------------------------------------------------------------------


@router.post("/media/images", status_code=status.HTTP_201_CREATED, response_model=MediaOut)
async def upload_image(actor: CurrentActor, db: Db, file: Annotated[UploadFile, File()]) -> MediaOut:
    raw = await file.read()
    async with db.transaction() as session:
        return await media.upload_image(session, actor, raw)


@router.post("/media/videos", status_code=status.HTTP_201_CREATED, response_model=MediaOut)
async def upload_video(actor: CurrentActor, db: Db, file: Annotated[UploadFile, File()]) -> MediaOut:
    raw = await file.read()
    async with db.transaction() as session:
        return await media.upload_video(session, actor, raw)


# --- Moments -------------------------------------------------------------------------------------------


@router.post("/moments", status_code=status.HTTP_201_CREATED, response_model=PostOut)
async def create_moment(body: MomentIn, actor: CurrentActor, db: Db) -> PostOut:
    async with db.transaction() as session:
        return await moments.create_moment(session, actor, body)


@router.get("/moments", response_model=Page[PostOut])
async def friends_moments(actor: CurrentActor, db: Db, page: PageIn) -> Page[PostOut]:
    async with db.read() as session:
        items, next_cursor = await timelines.friends_moments(session, actor, page)
    return Page[PostOut](items=items, next_cursor=next_cursor)


@router.get("/users/{user_id}/moments", response_model=Page[PostOut])
async def user_moments(user_id: str, actor: CurrentActor, db: Db, page: PageIn) -> Page[PostOut]:
    async with db.read() as session:
        items, next_cursor = await timelines.profile(session, actor, user_id, "moment", page)
    return Page[PostOut](items=items, next_cursor=next_cursor)


@router.get("/me/moment-settings", response_model=MomentSettingsOut)
async def get_moment_settings(actor: CurrentActor, db: Db) -> MomentSettingsOut:
    async with db.read() as session:
        return await moments.get_settings(session, actor)


@router.put("/me/moment-settings", response_model=MomentSettingsOut)
async def set_moment_settings(body: MomentSettingsIn, actor: CurrentActor, db: Db) -> MomentSettingsOut:
    async with db.transaction() as session:
        return await moments.set_browse_back(session, actor, body.browse_back)


@router.get("/me/moments-hidden-from", response_model=Page[UserCard])
async def list_hidden(actor: CurrentActor, db: Db, page: PageIn) -> Page[UserCard]:
    async with db.read() as session:
        items, next_cursor = await moments.list_hidden(session, actor, page)
    return Page[UserCard](items=items, next_cursor=next_cursor)


@router.put("/me/moments-hidden-from/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def hide_from(user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await moments.hide_from(session, actor, user_id)
    return no_content()


@router.delete("/me/moments-hidden-from/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unhide_from(user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await moments.unhide_from(session, actor, user_id)
    return no_content()


@router.get("/me/moments-muted", response_model=Page[UserCard])
async def list_muted(actor: CurrentActor, db: Db, page: PageIn) -> Page[UserCard]:
    async with db.read() as session:
        items, next_cursor = await moments.list_muted(session, actor, page)
    return Page[UserCard](items=items, next_cursor=next_cursor)


@router.put("/me/moments-muted/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def mute(user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await moments.mute(session, actor, user_id)
    return no_content()


@router.delete("/me/moments-muted/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unmute(user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await moments.unmute(session, actor, user_id)
    return no_content()


# --- public posts, reposts, any post by id -------------------------------------------------------------


@router.post("/posts", status_code=status.HTTP_201_CREATED, response_model=PostOut)
async def create_post(body: PublicPostIn, actor: CurrentActor, db: Db) -> PostOut:
    async with db.transaction() as session:
        return await posts.create_public_post(session, actor, body)


@router.get("/timeline/home", response_model=Page[PostOut])
async def home_timeline(actor: CurrentActor, db: Db, page: PageIn) -> Page[PostOut]:
    async with db.read() as session:
        items, next_cursor = await timelines.home(session, actor, page)
    return Page[PostOut](items=items, next_cursor=next_cursor)


@router.get("/users/{user_id}/posts", response_model=Page[PostOut])
async def user_posts(user_id: str, actor: CurrentActor, db: Db, page: PageIn) -> Page[PostOut]:
    async with db.read() as session:
        items, next_cursor = await timelines.profile(session, actor, user_id, "public", page)
    return Page[PostOut](items=items, next_cursor=next_cursor)


@router.get("/posts/{post_id}", response_model=PostOut)
async def get_post(post_id: str, actor: CurrentActor, db: Db) -> PostOut:
    async with db.read() as session:
        return await posts.get_post(session, actor, post_id)


@router.delete("/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_post(post_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await posts.delete_post(session, actor, post_id)
    return no_content()


@router.post("/posts/{post_id}/reposts", status_code=status.HTTP_201_CREATED, response_model=PostOut)
async def repost(post_id: str, body: RepostIn, actor: CurrentActor, db: Db) -> PostOut:
    async with db.transaction() as session:
        return await posts.repost(session, actor, post_id, body)


@router.get("/posts/{post_id}/cascade", response_model=CascadeOut)
async def cascade(post_id: str, actor: CurrentActor, db: Db) -> CascadeOut:
    async with db.read() as session:
        return await posts.cascade(session, actor, post_id)


# --- likes and comments ----------------------------------------------------------------------------------


@router.put("/posts/{post_id}/like", status_code=status.HTTP_204_NO_CONTENT)
async def like(post_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await comments.like(session, actor, post_id)
    return no_content()


@router.delete("/posts/{post_id}/like", status_code=status.HTTP_204_NO_CONTENT)
async def unlike(post_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await comments.unlike(session, actor, post_id)
    return no_content()


@router.get("/posts/{post_id}/likes", response_model=Page[UserCard])
async def list_likes(post_id: str, actor: CurrentActor, db: Db, page: PageIn) -> Page[UserCard]:
    async with db.read() as session:
        items, next_cursor = await comments.list_likes(session, actor, post_id, page)
    return Page[UserCard](items=items, next_cursor=next_cursor)


@router.post("/posts/{post_id}/comments", status_code=status.HTTP_201_CREATED, response_model=CommentOut)
async def add_comment(post_id: str, body: CommentIn, actor: CurrentActor, db: Db) -> CommentOut:
    async with db.transaction() as session:
        return await comments.add_comment(session, actor, post_id, body.body, body.reply_to_comment_id)


@router.get("/posts/{post_id}/comments", response_model=Page[CommentOut])
async def list_comments(post_id: str, actor: CurrentActor, db: Db, page: PageIn) -> Page[CommentOut]:
    async with db.read() as session:
        items, next_cursor = await comments.list_comments(session, actor, post_id, page)
    return Page[CommentOut](items=items, next_cursor=next_cursor)


@router.delete("/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_comment(comment_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await comments.delete_comment(session, actor, comment_id)
    return no_content()


# --- topics, search, hot search --------------------------------------------------------------------------


@router.get("/topics", response_model=TopicOut)
async def topic_info(name: TopicName, actor: CurrentActor, db: Db) -> TopicOut:
    async with db.read() as session:
        return await timelines.topic_info(session, actor, name)


@router.get("/topics/posts", response_model=Page[PostOut])
async def topic_posts(name: TopicName, actor: CurrentActor, db: Db, page: PageIn) -> Page[PostOut]:
    # A logged-in first page counts as a read for hot search (noted, written in batches).
    async with db.read() as session:
        items, next_cursor = await timelines.topic_posts(session, actor, name, page)
    return Page[PostOut](items=items, next_cursor=next_cursor)


@router.get("/search/posts", response_model=Page[PostOut])
async def search_posts(
    actor: CurrentActor, db: Db, page: PageIn, q: Annotated[str, Query(min_length=1, max_length=100)]
) -> Page[PostOut]:
    # A logged-in first page counts as a search for hot search (noted, written in batches).
    async with db.read() as session:
        items, next_cursor = await timelines.search_posts(session, actor, q, page)
    return Page[PostOut](items=items, next_cursor=next_cursor)


@router.get("/hot-search", response_model=HotSearchOut)
async def hot_search(db: Db) -> HotSearchOut:
    async with db.read() as session:
        return await hotsearch.board(session)


# --- notifications ---------------------------------------------------------------------------------------


@router.get("/notifications", response_model=Page[NotificationOut])
async def list_notifications(actor: CurrentActor, db: Db, page: PageIn) -> Page[NotificationOut]:
    async with db.read() as session:
        items, next_cursor = await notifications.list_notifications(session, actor, page)
    return Page[NotificationOut](items=items, next_cursor=next_cursor)


@router.get("/notifications/unread", response_model=UnreadOut)
async def unread(actor: CurrentActor, db: Db) -> UnreadOut:
    async with db.read() as session:
        return await notifications.unread_counts(session, actor)


@router.post("/notifications/read", status_code=status.HTTP_204_NO_CONTENT)
async def mark_read(body: MarkReadIn, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await notifications.mark_read(session, actor, body.up_to_id)
    return no_content()
