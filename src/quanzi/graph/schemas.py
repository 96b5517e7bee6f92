"""Request and response shapes of the social graph (GRA-1 … GRA-6), as docs/api.md states them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from quanzi.core.schemas import IdIn, IdOut, RequestModel, ResponseModel
from quanzi.identity.schemas import UserCard, clean_text_line

MAX_MESSAGE = 100
MAX_REMARK = 32
MAX_TAG_NAME = 20
MAX_TAG_MEMBERS_PER_REQUEST = 500


def _clean_message(value: str) -> str:
    cleaned = clean_text_line(value)
    if len(cleaned) > MAX_MESSAGE:
        raise ValueError(f"a friend request message is at most {MAX_MESSAGE} characters")
    return cleaned


def _clean_remark(value: str) -> str:
    cleaned = clean_text_line(value)
    if "\n" in cleaned:
        raise ValueError("a remark is one line")
    if len(cleaned) > MAX_REMARK:
        raise ValueError(f"a remark is at most {MAX_REMARK} characters")
    return cleaned


def _clean_tag_name(value: str) -> str:
    cleaned = clean_text_line(value)
    if "\n" in cleaned:
        raise ValueError("a tag name is one line")
    if not 1 <= len(cleaned) <= MAX_TAG_NAME:
        raise ValueError(f"a tag name is 1-{MAX_TAG_NAME} characters")
    return cleaned


# The raw caps only bound the work; the limits that matter are checked after trimming.
Message = Annotated[str, Field(max_length=4 * MAX_MESSAGE), AfterValidator(_clean_message)]
Remark = Annotated[str, Field(max_length=4 * MAX_REMARK), AfterValidator(_clean_remark)]
TagName = Annotated[str, Field(max_length=4 * MAX_TAG_NAME), AfterValidator(_clean_tag_name)]
RequestDirection = Literal["incoming", "outgoing"]
RequestStatus = Literal["pending", "accepted", "declined"]


class FriendRequestIn(RequestModel):
    to_user_id: IdIn
    message: Message | None = None


class RemarkIn(RequestModel):
    remark: Remark


class TagCreateIn(RequestModel):
    name: TagName
    member_ids: Annotated[list[IdIn], Field(max_length=MAX_TAG_MEMBERS_PER_REQUEST)] = []


class TagRenameIn(RequestModel):
    name: TagName


class FriendRequestOut(ResponseModel):
    id: IdOut
    from_user: UserCard
    to_user: UserCard
    message: str
    status: RequestStatus
    created_at: datetime


class TagRef(ResponseModel):
    id: IdOut
    name: str


class TagOut(TagRef):
    member_count: int


class TagList(ResponseModel):
    items: list[TagOut]


class FriendOut(ResponseModel):
    user: UserCard
    remark: str | None
    tags: list[TagRef]
    since: datetime


class Relation(ResponseModel):
    """How the viewer stands to a user; `remark` is the viewer's own, never anyone else's."""

    is_self: bool
    is_friend: bool
    is_following: bool
    follows_me: bool
    blocked_by_me: bool
    remark: str | None
    pending_request: Literal["outgoing", "incoming"] | None
    pending_request_id: IdOut | None


class UserProfile(UserCard):
    bio: str
    region: str
    follower_count: int
    following_count: int
    relation: Relation
