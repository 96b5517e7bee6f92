"""Request and response shapes of the chat domain (CHT-1 … CHT-8). docs/realtime.md describes them."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from quanzi.core.schemas import IdIn, IdOut, RequestModel, ResponseModel
from quanzi.identity.schemas import UserCard

MAX_TITLE = 64
MAX_ANNOUNCEMENT = 2000
MAX_MENTIONS = 100
MAX_SYNC_LIMIT = 500
DEFAULT_SYNC_LIMIT = 200

Role = Literal["owner", "admin", "member"]
MemberStatus = Literal["active", "left", "removed"]
ChatKind = Literal["direct", "group", "service"]
MediaKind = Literal["voice", "image", "video", "file"]
EntryKind = Literal["message", "recall", "hide", "read", "chat", "invite"]
InvitationStatus = Literal["pending", "accepted", "declined", "void"]


def _clean_line(value: str, *, limit: int, what: str, multiline: bool = False) -> str:
    cleaned = unicodedata.normalize("NFC", value.strip())
    allowed = "\n" if multiline else ""
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in cleaned):
        raise ValueError(f"{what} cannot hold control characters")
    if len(cleaned) > limit:
        raise ValueError(f"{what} is at most {limit} characters")
    return cleaned


def _clean_title(value: str) -> str:
    cleaned = _clean_line(value, limit=MAX_TITLE, what="a group name")
    if not cleaned:
        raise ValueError("a group name cannot be empty")
    return cleaned


def _clean_announcement(value: str) -> str:
    return _clean_line(value, limit=MAX_ANNOUNCEMENT, what="an announcement", multiline=True)


Title = Annotated[str, Field(max_length=4 * MAX_TITLE), AfterValidator(_clean_title)]
Announcement = Annotated[str, Field(max_length=4 * MAX_ANNOUNCEMENT), AfterValidator(_clean_announcement)]
ClientMsgId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Chosen by the sending client; a resend with the same id returns the first message.",
    ),
]
KindName = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]


# --- requests ----------------------------------------------------------------------------------


class DirectChatIn(RequestModel):
    user_id: IdIn


class GroupCreateIn(RequestModel):
    title: Title | None = None
    member_ids: Annotated[list[IdIn], Field(min_length=1, max_length=499)]


class GroupUpdateIn(RequestModel):
    title: Title | None = None
    announcement: Announcement | None = None
    mute_all: bool | None = None


class ChatSettingsIn(RequestModel):
    muted: bool | None = None
    pinned: bool | None = None


class ReadIn(RequestModel):
    seq: Annotated[int, Field(ge=0, le=2**62, description="Read up to and including this message seq.")]


class MembersAddIn(RequestModel):
    user_ids: Annotated[list[IdIn], Field(min_length=1, max_length=500)]


class MemberRoleIn(RequestModel):
    role: Role


class ForwardIn(RequestModel):
    chat_id: IdIn
    message_id: IdIn


class MessageIn(RequestModel):
    """A new message: `kind` and `content` (see docs/realtime.md for each kind), or `forward`."""

    kind: KindName | None = None
    content: dict[str, Any] | None = None
    forward: ForwardIn | None = None
    client_msg_id: ClientMsgId | None = None
    reply_to_id: IdIn | None = None
    mentions: Annotated[list[IdIn], Field(max_length=MAX_MENTIONS)] = []
    mention_all: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> MessageIn:
        if self.forward is not None:
            if self.kind is not None or self.content is not None:
                raise ValueError("a forwarded message takes no kind or content of its own")
        elif self.kind is None or self.content is None:
            raise ValueError("a message needs a kind and its content, or forward")
        return self


# --- responses ---------------------------------------------------------------------------------


class QuoteOut(ResponseModel):
    id: IdOut
    sender_id: IdOut | None
    kind: str
    preview: str
    recalled: bool


class MessageOut(ResponseModel):
    id: IdOut
    chat_id: IdOut
    seq: int
    sender_id: IdOut | None
    kind: str
    content: dict[str, Any] | None
    recalled: bool
    reply_to: QuoteOut | None
    mentions: list[IdOut]
    mention_all: bool
    forwarded: bool
    client_msg_id: str | None
    created_at: datetime
    money: dict[str, Any] | None = Field(
        default=None,
        description="For transfer and red_packet messages read from history: the transfer or red packet"
        " as the viewer sees it now (GET /wallet/transfers/{id} or /wallet/red-packets/{id}).",
    )


class RecallOut(ResponseModel):
    message: MessageOut
    editable_text: str | None = Field(
        description="The recalled text, for the sender to edit and send again (CHT-4); null for other kinds."
    )
    editable_until: datetime | None


class MyChatState(ResponseModel):
    role: Role
    status: MemberStatus
    muted: bool
    pinned: bool
    read_seq: int
    unread_count: int
    mentioned: bool = Field(description="A message after read_seq mentions me (or @all).")


class ChatOut(ResponseModel):
    id: IdOut
    kind: ChatKind
    title: str | None
    announcement: str | None
    owner_id: IdOut | None
    mute_all: bool
    member_count: int | None
    last_seq: int = Field(description="The newest message seq this member can see.")
    last_message: MessageOut | None
    peer: UserCard | None = Field(
        description="The other person of a direct chat; in a service chat, the other side (the merchant"
        " account for its customer, the customer for the account and its staff)."
    )
    peer_read_seq: int | None = Field(description="How far the other person of a direct chat has read.")
    me: MyChatState
    created_at: datetime


class MemberOut(ResponseModel):
    user: UserCard
    role: Role
    joined_at: datetime


class MembersAddOut(ResponseModel):
    added: list[IdOut]
    invited: list[IdOut] = Field(description="Invitees who must accept first (groups over 40 members).")


class InvitationOut(ResponseModel):
    id: IdOut
    chat_id: IdOut
    chat_title: str | None
    inviter: UserCard
    status: InvitationStatus
    created_at: datetime


class SyncEntryOut(ResponseModel):
    seq: int
    kind: EntryKind
    chat_id: IdOut
    message: MessageOut | None = None
    message_id: IdOut | None = None
    chat: ChatOut | None = None
    user_id: IdOut | None = None
    read_seq: int | None = None
    invitation: InvitationOut | None = None


class SyncOut(ResponseModel):
    entries: list[SyncEntryOut]
    head: int = Field(description="The last seq in the caller's log when this page was read.")
    has_more: bool


class MediaOut(ResponseModel):
    id: IdOut
    kind: MediaKind
    url: str
    thumb_url: str | None
    mime: str
    size_bytes: int
    duration_ms: int | None
    width: int | None
    height: int | None
    filename: str | None


# --- customer service (CHT-9, SHP-2; docs/customer-service.md) -------------------------------------------

StaffRole = Literal["agent", "admin"]
WorkplaceRole = Literal["owner", "admin", "agent"]
InboxFilter = Literal["all", "mine", "unassigned"]
WindowState = Literal["paid", "reply", "closed"]


class StaffIn(RequestModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    role: StaffRole = "agent"


class TransferIn(RequestModel):
    to_user_id: IdIn


class StaffOut(ResponseModel):
    user: UserCard
    role: StaffRole
    added_at: datetime


class WorkplaceOut(ResponseModel):
    merchant: UserCard
    role: WorkplaceRole


class ServiceWindowOut(ResponseModel):
    state: WindowState = Field(
        description="paid: unlimited until `until`; reply: `replies_left` more until `until`; closed: none."
    )
    until: datetime | None
    replies_left: int | None


class ServiceConversationOut(ResponseModel):
    chat_id: IdOut
    merchant_id: IdOut
    customer: UserCard
    assignee: UserCard | None = Field(
        description="The staff member (or the merchant) serving it; null: unassigned."
    )
    unread_count: int = Field(description="Customer messages after the account's read position (shared).")
    read_seq: int
    last_seq: int
    last_message: MessageOut | None
    last_customer_message_at: datetime | None
    window: ServiceWindowOut
    created_at: datetime
    updated_at: datetime


class ServiceMessageOut(ResponseModel):
    message: MessageOut
    agent: UserCard | None = Field(
        description="Who wrote an account message; null for the customer's and notices."
    )
