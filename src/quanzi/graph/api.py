"""HTTP routes of the social graph (GRA-1 … GRA-6): parse, call one service, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from quanzi.core.http import CurrentActor, Db, PageIn, no_content
from quanzi.core.pagination import Page
from quanzi.graph import service
from quanzi.graph.schemas import (
    FriendOut,
    FriendRequestIn,
    FriendRequestOut,
    RemarkIn,
    RequestDirection,
    TagCreateIn,
    TagList,
    TagOut,
    TagRenameIn,
    UserProfile,
)
from quanzi.graph.service import discovery
from quanzi.identity.schemas import UserCard

router = APIRouter(tags=["graph"])


# --- people --------------------------------------------------------------------------------------


@router.get("/users/search", response_model=Page[UserCard])
async def search_users(
    actor: CurrentActor, db: Db, page: PageIn, q: Annotated[str, Query(max_length=64)] = ""
) -> Page[UserCard]:
    async with db.read() as session:
        items, next_cursor = await discovery.search_users(session, actor, q, page)
    return Page[UserCard](items=items, next_cursor=next_cursor)


@router.get("/users/{user_id}", response_model=UserProfile)
async def get_user(user_id: str, actor: CurrentActor, db: Db) -> UserProfile:
    async with db.read() as session:
        return await discovery.get_profile(session, actor, user_id)


# --- friend requests and friends -------------------------------------------------------------------


@router.post("/friend-requests", status_code=status.HTTP_201_CREATED, response_model=FriendRequestOut)
async def send_friend_request(body: FriendRequestIn, actor: CurrentActor, db: Db) -> FriendRequestOut:
    async with db.transaction() as session:
        return await service.send_friend_request(session, actor, body.to_user_id, body.message)


@router.get("/friend-requests", response_model=Page[FriendRequestOut])
async def list_friend_requests(
    actor: CurrentActor, db: Db, page: PageIn, direction: RequestDirection = "incoming"
) -> Page[FriendRequestOut]:
    async with db.read() as session:
        items, next_cursor = await discovery.list_friend_requests(session, actor, direction, page)
    return Page[FriendRequestOut](items=items, next_cursor=next_cursor)


@router.post("/friend-requests/{request_id}/accept", response_model=FriendRequestOut)
async def accept_friend_request(request_id: str, actor: CurrentActor, db: Db) -> FriendRequestOut:
    async with db.transaction() as session:
        return await service.accept_friend_request(session, actor, request_id)


@router.post("/friend-requests/{request_id}/decline", response_model=FriendRequestOut)
async def decline_friend_request(request_id: str, actor: CurrentActor, db: Db) -> FriendRequestOut:
    async with db.transaction() as session:
        return await service.decline_friend_request(session, actor, request_id)


@router.get("/friends", response_model=Page[FriendOut])
async def list_friends(actor: CurrentActor, db: Db, page: PageIn) -> Page[FriendOut]:
    async with db.read() as session:
        items, next_cursor = await discovery.list_friends(session, actor, page)
    return Page[FriendOut](items=items, next_cursor=next_cursor)


@router.patch("/friends/{user_id}", response_model=FriendOut)
async def set_remark(user_id: str, body: RemarkIn, actor: CurrentActor, db: Db) -> FriendOut:
    async with db.transaction() as session:
        return await service.set_remark(session, actor, user_id, body.remark)


@router.delete("/friends/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_friend(user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await service.remove_friend(session, actor, user_id)
    return no_content()


# --- follows -------------------------------------------------------------------------------------


@router.get("/following", response_model=Page[UserCard])
async def list_following(actor: CurrentActor, db: Db, page: PageIn) -> Page[UserCard]:
    async with db.read() as session:
        items, next_cursor = await discovery.list_following(session, actor, page)
    return Page[UserCard](items=items, next_cursor=next_cursor)


@router.get("/followers", response_model=Page[UserCard])
async def list_followers(actor: CurrentActor, db: Db, page: PageIn) -> Page[UserCard]:
    async with db.read() as session:
        items, next_cursor = await discovery.list_followers(session, actor, page)
    return Page[UserCard](items=items, next_cursor=next_cursor)


@router.put("/following/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def follow(user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await service.follow(session, actor, user_id)
    return no_content()


@router.delete("/following/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unfollow(user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await service.unfollow(session, actor, user_id)
    return no_content()


# --- blocks --------------------------------------------------------------------------------------


@router.get("/blocks", response_model=Page[UserCard])
async def list_blocks(actor: CurrentActor, db: Db, page: PageIn) -> Page[UserCard]:
    async with db.read() as session:
        items, next_cursor = await discovery.list_blocks(session, actor, page)
    return Page[UserCard](items=items, next_cursor=next_cursor)


@router.put("/blocks/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def block(user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await service.block(session, actor, user_id)
    return no_content()


@router.delete("/blocks/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unblock(user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await service.unblock(session, actor, user_id)
    return no_content()


# --- tags ----------------------------------------------------------------------------------------


@router.get("/tags", response_model=TagList)
async def list_tags(actor: CurrentActor, db: Db) -> TagList:
    async with db.read() as session:
        return await discovery.list_tags(session, actor)


@router.post("/tags", status_code=status.HTTP_201_CREATED, response_model=TagOut)
async def create_tag(body: TagCreateIn, actor: CurrentActor, db: Db) -> TagOut:
    async with db.transaction() as session:
        return await service.create_tag(session, actor, body.name, body.member_ids)


@router.patch("/tags/{tag_id}", response_model=TagOut)
async def rename_tag(tag_id: str, body: TagRenameIn, actor: CurrentActor, db: Db) -> TagOut:
    async with db.transaction() as session:
        return await service.rename_tag(session, actor, tag_id, body.name)


@router.delete("/tags/{tag_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_tag(tag_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await service.delete_tag(session, actor, tag_id)
    return no_content()


@router.get("/tags/{tag_id}/members", response_model=Page[UserCard])
async def list_tag_members(tag_id: str, actor: CurrentActor, db: Db, page: PageIn) -> Page[UserCard]:
    async with db.read() as session:
        items, next_cursor = await discovery.list_tag_members(session, actor, tag_id, page)
    return Page[UserCard](items=items, next_cursor=next_cursor)


@router.put("/tags/{tag_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def add_tag_member(tag_id: str, user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await service.add_tag_member(session, actor, tag_id, user_id)
    return no_content()


@router.delete("/tags/{tag_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_tag_member(tag_id: str, user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await service.remove_tag_member(session, actor, tag_id, user_id)
    return no_content()
