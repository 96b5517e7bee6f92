"""HTTP and WebSocket routes of the chat domain: parse, call one service, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, WebSocket, status
from starlette.websockets import WebSocketDisconnect, WebSocketState

from quanzi.chat import media
from quanzi.chat import service as chat
from quanzi.chat.gateway import ChatHub
from quanzi.chat.schemas import (
    DEFAULT_SYNC_LIMIT,
    MAX_SYNC_LIMIT,
    ChatOut,
    ChatSettingsIn,
    DirectChatIn,
    GroupCreateIn,
    GroupUpdateIn,
    InboxFilter,
    InvitationOut,
    MediaKind,
    MediaOut,
    MemberOut,
    MemberRoleIn,
    MembersAddIn,
    MembersAddOut,
    MessageIn,
    MessageOut,
    ReadIn,
    RecallOut,
    ServiceConversationOut,
    ServiceMessageOut,
    StaffIn,
    StaffOut,
    SyncOut,
    TransferIn,
    WorkplaceOut,
)
from quanzi.core.http import CurrentActor, Db, no_content
from quanzi.core.pagination import Page, PageRequest

router = APIRouter(tags=["chat"])

Limit = Annotated[int | None, Query(ge=1, le=100)]


# --- chats --------------------------------------------------------------------------------------------


@router.get("/chats", response_model=Page[ChatOut])
async def list_chats(
    actor: CurrentActor, db: Db, cursor: str | None = None, limit: Limit = None
) -> Page[ChatOut]:
    async with db.read() as session:
        items, next_cursor = await chat.list_chats(session, actor, PageRequest.parse(cursor, limit))
    return Page[ChatOut](items=items, next_cursor=next_cursor)


@router.post("/chats/direct", response_model=ChatOut)
async def open_direct(body: DirectChatIn, actor: CurrentActor, db: Db) -> ChatOut:
    async with db.transaction() as session:
        return await chat.open_direct(session, actor, body)


@router.post("/chats/groups", response_model=ChatOut, status_code=status.HTTP_201_CREATED)
async def create_group(body: GroupCreateIn, actor: CurrentActor, db: Db) -> ChatOut:
    async with db.transaction() as session:
        return await chat.create_group(session, actor, body)


@router.get("/chats/{chat_id}", response_model=ChatOut)
async def get_chat(chat_id: str, actor: CurrentActor, db: Db) -> ChatOut:
    async with db.read() as session:
        return await chat.get_chat(session, actor, chat_id)


@router.patch("/chats/{chat_id}", response_model=ChatOut)
async def update_group(chat_id: str, body: GroupUpdateIn, actor: CurrentActor, db: Db) -> ChatOut:
    async with db.transaction() as session:
        return await chat.update_group(session, actor, chat_id, body)


@router.patch("/chats/{chat_id}/settings", response_model=ChatOut)
async def update_settings(chat_id: str, body: ChatSettingsIn, actor: CurrentActor, db: Db) -> ChatOut:
    async with db.transaction() as session:
        return await chat.update_settings(session, actor, chat_id, body)


@router.post("/chats/{chat_id}/read", response_model=ChatOut)
async def mark_read(chat_id: str, body: ReadIn, actor: CurrentActor, db: Db) -> ChatOut:
    async with db.transaction() as session:
        return await chat.mark_read(session, actor, chat_id, body.seq)


@router.post("/chats/{chat_id}/leave", status_code=status.HTTP_204_NO_CONTENT)
async def leave_chat(chat_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await chat.leave_chat(session, actor, chat_id)
    return no_content()


# --- members and invitations -------------------------------------------------------------------------


@router.get("/chats/{chat_id}/members", response_model=Page[MemberOut])
async def list_members(
    chat_id: str, actor: CurrentActor, db: Db, cursor: str | None = None, limit: Limit = None
) -> Page[MemberOut]:
    async with db.read() as session:
        items, next_cursor = await chat.list_members(
            session, actor, chat_id, PageRequest.parse(cursor, limit)
        )
    return Page[MemberOut](items=items, next_cursor=next_cursor)


@router.post("/chats/{chat_id}/members", response_model=MembersAddOut)
async def add_members(chat_id: str, body: MembersAddIn, actor: CurrentActor, db: Db) -> MembersAddOut:
    async with db.transaction() as session:
        return await chat.add_members(session, actor, chat_id, body)


@router.patch("/chats/{chat_id}/members/{user_id}", response_model=MemberOut)
async def set_role(chat_id: str, user_id: str, body: MemberRoleIn, actor: CurrentActor, db: Db) -> MemberOut:
    async with db.transaction() as session:
        return await chat.set_role(session, actor, chat_id, user_id, body.role)


@router.delete("/chats/{chat_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(chat_id: str, user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await chat.remove_member(session, actor, chat_id, user_id)
    return no_content()


@router.get("/chat-invitations", response_model=Page[InvitationOut])
async def list_invitations(
    actor: CurrentActor, db: Db, cursor: str | None = None, limit: Limit = None
) -> Page[InvitationOut]:
    async with db.read() as session:
        items, next_cursor = await chat.list_invitations(session, actor, PageRequest.parse(cursor, limit))
    return Page[InvitationOut](items=items, next_cursor=next_cursor)


@router.post("/chat-invitations/{invitation_id}/accept", response_model=InvitationOut)
async def accept_invitation(invitation_id: str, actor: CurrentActor, db: Db) -> InvitationOut:
    async with db.transaction() as session:
        return await chat.respond_invitation(session, actor, invitation_id, True)


@router.post("/chat-invitations/{invitation_id}/decline", response_model=InvitationOut)
async def decline_invitation(invitation_id: str, actor: CurrentActor, db: Db) -> InvitationOut:
    async with db.transaction() as session:
        return await chat.respond_invitation(session, actor, invitation_id, False)


# --- messages ------------------------------------------------------------------------------------------


@router.get("/chats/{chat_id}/messages", response_model=Page[MessageOut])
async def list_messages(
    chat_id: str,
    actor: CurrentActor,
    db: Db,
    cursor: str | None = None,
    limit: Limit = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Only messages whose text contains this.")
    ] = None,
) -> Page[MessageOut]:
    async with db.read() as session:
        items, next_cursor = await chat.list_messages(
            session, actor, chat_id, PageRequest.parse(cursor, limit), q=q
        )
    return Page[MessageOut](items=items, next_cursor=next_cursor)


@router.post("/chats/{chat_id}/messages", response_model=MessageOut, status_code=status.HTTP_201_CREATED)
async def send_message(chat_id: str, body: MessageIn, actor: CurrentActor, db: Db) -> MessageOut:
    async with db.transaction() as session:
        return await chat.send_message(session, actor, chat_id, body)


@router.get("/chats/{chat_id}/messages/{message_id}", response_model=MessageOut)
async def get_message(chat_id: str, message_id: str, actor: CurrentActor, db: Db) -> MessageOut:
    async with db.read() as session:
        return await chat.get_message(session, actor, chat_id, message_id)


@router.post("/chats/{chat_id}/messages/{message_id}/recall", response_model=RecallOut)
async def recall_message(chat_id: str, message_id: str, actor: CurrentActor, db: Db) -> RecallOut:
    async with db.transaction() as session:
        return await chat.recall_message(session, actor, chat_id, message_id)


@router.delete("/chats/{chat_id}/messages/{message_id}", status_code=status.HTTP_204_NO_CONTENT)
async def hide_message(chat_id: str, message_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await chat.hide_message(session, actor, chat_id, message_id)
    return no_content()


@router.post("/chats/{chat_id}/media", response_model=MediaOut, status_code=status.HTTP_201_CREATED)
async def upload_media(
    chat_id: str,
    kind: Annotated[MediaKind, Form()],
    file: Annotated[UploadFile, File()],
    actor: CurrentActor,
    db: Db,
) -> MediaOut:
    upload = await media.intake(kind, await file.read(), file.filename)
    async with db.transaction() as session:
        return await chat.store_upload(session, actor, chat_id, upload)


@router.get("/chat-search", response_model=Page[MessageOut])
async def search_messages(
    actor: CurrentActor,
    db: Db,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[MessageOut]:
    async with db.read() as session:
        items, next_cursor = await chat.search_messages(session, actor, q, PageRequest.parse(cursor, limit))
    return Page[MessageOut](items=items, next_cursor=next_cursor)


# --- customer service (CHT-9, SHP-2; docs/customer-service.md) ----------------------------------------------


@router.post("/service/{merchant_id}/conversation", response_model=ChatOut, tags=["customer-service"])
async def open_service_chat(merchant_id: str, actor: CurrentActor, db: Db) -> ChatOut:
    async with db.transaction() as session:
        return await chat.open_service_chat(session, actor, merchant_id)


@router.get("/service/workplaces", response_model=list[WorkplaceOut], tags=["customer-service"])
async def list_workplaces(actor: CurrentActor, db: Db) -> list[WorkplaceOut]:
    async with db.read() as session:
        return await chat.list_workplaces(session, actor)


@router.get("/service/inbox", response_model=Page[ServiceConversationOut], tags=["customer-service"])
async def service_inbox(
    actor: CurrentActor,
    db: Db,
    merchant_id: Annotated[str | None, Query(pattern=r"^[0-9]{1,19}$")] = None,
    filter: InboxFilter = "all",
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[ServiceConversationOut]:
    async with db.read() as session:
        items, next_cursor = await chat.inbox(
            session, actor, merchant_id, filter, PageRequest.parse(cursor, limit)
        )
    return Page[ServiceConversationOut](items=items, next_cursor=next_cursor)


@router.get(
    "/service/conversations/{chat_id}", response_model=ServiceConversationOut, tags=["customer-service"]
)
async def get_service_conversation(chat_id: str, actor: CurrentActor, db: Db) -> ServiceConversationOut:
    async with db.read() as session:
        return await chat.get_service_conversation(session, actor, chat_id)


@router.get(
    "/service/conversations/{chat_id}/messages",
    response_model=Page[ServiceMessageOut],
    tags=["customer-service"],
)
async def service_history(
    chat_id: str, actor: CurrentActor, db: Db, cursor: str | None = None, limit: Limit = None
) -> Page[ServiceMessageOut]:
    async with db.read() as session:
        items, next_cursor = await chat.service_history(
            session, actor, chat_id, PageRequest.parse(cursor, limit)
        )
    return Page[ServiceMessageOut](items=items, next_cursor=next_cursor)


@router.post(
    "/service/conversations/{chat_id}/claim", response_model=ServiceConversationOut, tags=["customer-service"]
)
async def claim_service_conversation(chat_id: str, actor: CurrentActor, db: Db) -> ServiceConversationOut:
    async with db.transaction() as session:
        return await chat.claim(session, actor, chat_id)


@router.post(
    "/service/conversations/{chat_id}/transfer",
    response_model=ServiceConversationOut,
    tags=["customer-service"],
)
async def transfer_service_conversation(
    chat_id: str, body: TransferIn, actor: CurrentActor, db: Db
) -> ServiceConversationOut:
    async with db.transaction() as session:
        return await chat.transfer(session, actor, chat_id, body.to_user_id)


@router.get("/service/staff", response_model=list[StaffOut], tags=["customer-service"])
async def list_staff(actor: CurrentActor, db: Db) -> list[StaffOut]:
    async with db.read() as session:
        return await chat.list_staff(session, actor)


@router.post("/service/staff", response_model=StaffOut, tags=["customer-service"])
async def add_staff(body: StaffIn, actor: CurrentActor, db: Db) -> StaffOut:
    async with db.transaction() as session:
        return await chat.add_staff(session, actor, body)


@router.delete("/service/staff/{user_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["customer-service"])
async def remove_staff(user_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await chat.remove_staff(session, actor, user_id)
    return no_content()


# --- sync and the WebSocket ------------------------------------------------------------------------------


@router.get("/sync", response_model=SyncOut)
async def sync(
    actor: CurrentActor,
    db: Db,
    since: Annotated[int, Query(ge=0, le=2**62, description="The last seq the client has.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_SYNC_LIMIT)] = DEFAULT_SYNC_LIMIT,
) -> SyncOut:
    async with db.read() as session:
        return await chat.read_log(session, actor, since, limit)


class _StarletteTransport:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket

    async def receive_text(self) -> str | None:
        try:
            message = await self.websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return None
        if message["type"] == "websocket.disconnect":
            return None
        if message.get("text") is not None:
            return str(message["text"])
        return bytes(message.get("bytes") or b"").decode("utf-8", "replace")

    async def send_text(self, data: str) -> None:
        await self.websocket.send_text(data)

    async def close(self, code: int, reason: str = "") -> None:
        if self.websocket.application_state != WebSocketState.DISCONNECTED:
            await self.websocket.close(code, reason)


def _hub(request_app: object) -> ChatHub:
    state = request_app.state  # type: ignore[attr-defined]
    hub = getattr(state, "chat_hub", None)
    if hub is None:
        hub = ChatHub(state.db, state.bus, state.resolve_actor, state.live_topics)
        state.chat_hub = hub
    return hub


@router.websocket("/ws")
async def websocket_gateway(websocket: WebSocket, token: str | None = None) -> None:
    """The live sync stream (docs/realtime.md): hello with the last seq, replay, then live entries."""
    await websocket.accept()
    await _hub(websocket.app).serve(
        _StarletteTransport(websocket), token, websocket.headers.get("user-agent")
    )
