"""Request and response shapes of the feed: Moments, public posts, comments, topics, hot search,
notifications (MOM, PUB, NTF)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from quanzi.core.schemas import IdIn, IdOut, RequestModel, ResponseModel
from quanzi.identity.schemas import UserCard, clean_text_line

MAX_BODY = 2000
MAX_COMMENT = 500
MAX_MEDIA = 9
MAX_AUDIENCE = 500
MAX_LOCATION = 64

Visibility = Literal["friends", "private", "include", "exclude"]
BrowseBack = Literal["all", "6m", "1m", "3d"]
NotificationKind = Literal[
    "like", "comment", "reply", "mention", "repost", "comment_removed", "taken_down", "restored"
]


def _clean_body(value: str) -> str:
    cleaned = clean_text_line(value)
    if len(cleaned) > MAX_BODY:
        raise ValueError(f"a post's text is at most {MAX_BODY} characters")
    return cleaned


def _clean_comment(value: str) -> str:
    cleaned = clean_text_line(value)
    if not 1 <= len(cleaned) <= MAX_COMMENT:
        raise ValueError(f"a comment is 1-{MAX_COMMENT} characters")
    return cleaned


def _one_line(value: str) -> str:
    cleaned = clean_text_line(value)
    if "\n" in cleaned:
        raise ValueError("must be one line")
    return cleaned


def _clean_location(value: str) -> str:
    cleaned = clean_text_line(value)
    if "\n" in cleaned or len(cleaned) > MAX_LOCATION:
        raise ValueError(f"a location is one line of at most {MAX_LOCATION} characters")
    return cleaned


Body = Annotated[str, Field(max_length=MAX_BODY * 2), AfterValidator(_clean_body)]
CommentBody = Annotated[str, Field(max_length=MAX_COMMENT * 2), AfterValidator(_clean_comment)]
Location = Annotated[str, Field(max_length=MAX_LOCATION * 2), AfterValidator(_clean_location)]


class ShareIn(RequestModel):
    """A link or a product shared in a post (MOM-1). Nothing is fetched from the link."""

    kind: Literal["link", "product"]
    ref: Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_one_line)]
    title: Annotated[str, Field(max_length=100), AfterValidator(_one_line)] = ""

    @model_validator(mode="after")
    def _check_ref(self) -> ShareIn:
        self.ref = self.ref.strip()
        if self.kind == "link" and not self.ref.lower().startswith(("http://", "https://")):
            raise ValueError("a shared link starts with http:// or https://")
        if self.kind == "product" and not self.ref.isdigit():
            raise ValueError("a shared product is given by its id")
        return self


class _PostContentIn(RequestModel):
    body: Body = ""
    media_ids: Annotated[list[IdIn], Field(max_length=MAX_MEDIA)] = []
    location: Location | None = None
    share: ShareIn | None = None


class MomentIn(_PostContentIn):
    """A Moment (MOM-1, MOM-2). `tag_ids`/`user_ids` choose the audience of 'include' and 'exclude'."""

    visibility: Visibility = "friends"
    tag_ids: Annotated[list[IdIn], Field(max_length=100)] = []
    user_ids: Annotated[list[IdIn], Field(max_length=MAX_AUDIENCE)] = []

    @model_validator(mode="after")
    def _audience_fits(self) -> MomentIn:
        chosen = bool(self.tag_ids or self.user_ids)
        if self.visibility in ("include", "exclude") and not chosen:
            raise ValueError(f"visibility '{self.visibility}' needs tag_ids or user_ids")
        if self.visibility in ("friends", "private") and chosen:
            raise ValueError(f"visibility '{self.visibility}' takes no tag_ids or user_ids")
        return self


class PublicPostIn(_PostContentIn):
    """A public post (PUB-1)."""


class RepostIn(RequestModel):
    """A repost with an optional comment (PUB-2)."""

    comment: Body = ""


class CommentIn(RequestModel):
    body: CommentBody
    reply_to_comment_id: IdIn | None = None


class MomentSettingsIn(RequestModel):
    browse_back: BrowseBack


class MomentSettingsOut(ResponseModel):
    browse_back: BrowseBack


class MediaOut(ResponseModel):
    id: IdOut
    kind: Literal["image", "video"]
    url: str
    thumbnail_url: str | None
    width: int
    height: int
    duration_ms: int | None


class ShareOut(ResponseModel):
    kind: Literal["link", "product"]
    ref: str
    title: str


class AudienceOut(ResponseModel):
    """What the author chose; shown to the author only."""

    tag_ids: list[IdOut]
    user_ids: list[IdOut]


class TopicRef(ResponseModel):
    name: str


class PostSummary(ResponseModel):
    """A post quoted inside another (the root of a repost)."""

    id: IdOut
    kind: Literal["moment", "public"]
    author: UserCard
    body: str
    media: list[MediaOut]
    created_at: datetime


class ChainLink(ResponseModel):
    """One earlier repost in the ``//@name: comment`` chain."""

    post_id: IdOut
    author: UserCard
    comment: str


class RepostInfo(ResponseModel):
    parent_id: IdOut | None
    root: PostSummary | None
    # The original exists but this viewer may not see it (deleted, or its author blocked either way).
    root_unavailable: bool
    depth: int
    chain: list[ChainLink]


class CommentOut(ResponseModel):
    id: IdOut
    post_id: IdOut
    author: UserCard
    body: str
    reply_to_comment_id: IdOut | None
    reply_to_user: UserCard | None
    created_at: datetime


class PostOut(ResponseModel):
    id: IdOut
    kind: Literal["moment", "public"]
    author: UserCard
    # The text as shown: the author's own text, then for a repost the chain ``//@name: comment``.
    text: str
    body: str
    location: str | None
    share: ShareOut | None
    media: list[MediaOut]
    topics: list[TopicRef]
    mentions: list[UserCard]
    visibility: Literal["public", "friends", "private", "include", "exclude"] | None
    audience: AudienceOut | None
    repost: RepostInfo | None
    like_count: int
    comment_count: int
    repost_count: int
    liked_by_me: bool
    # Under a Moment, the likes and comments this viewer may see (MOM-3), oldest first.
    likes: list[UserCard] | None
    comments: list[CommentOut] | None
    created_at: datetime


class CascadeNode(ResponseModel):
    id: IdOut
    author: UserCard
    comment: str
    depth: int
    created_at: datetime
    children: list[CascadeNode]


class CascadeOut(ResponseModel):
    """The share tree of a post (PUB-2, ANA-2) as this viewer may see it."""

    root: CascadeNode
    size: int
    max_depth: int
    max_breadth: int
    truncated: bool


class TopicOut(ResponseModel):
    name: str
    post_count: int
    hot_rank: int | None


class HotSearchItem(ResponseModel):
    rank: int
    kind: Literal["topic", "term"]
    name: str
    score: float
    accounts: int


class HotSearchOut(ResponseModel):
    items: list[HotSearchItem]
    computed_at: datetime | None


class NotificationOut(ResponseModel):
    id: IdOut
    kind: NotificationKind
    actor: UserCard | None
    post_id: IdOut | None
    comment_id: IdOut | None
    excerpt: str
    read: bool
    created_at: datetime


class UnreadOut(ResponseModel):
    notifications: int
    friend_requests: int
    total: int


class MarkReadIn(RequestModel):
    """Mark read everything up to and including `up_to_id` (all when omitted)."""

    up_to_id: IdIn | None = None


class UserRefList(ResponseModel):
    items: list[UserCard]
