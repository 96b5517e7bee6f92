"""HTTP routes of the identity domain: parse, call one service, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, Response, UploadFile, status

from quanzi.core.http import CurrentActor, Db, PageIn, client_address, no_content
from quanzi.core.pagination import Page
from quanzi.identity import service
from quanzi.identity.schemas import (
    AuthOut,
    KolBadgeIn,
    LoginIn,
    MeOut,
    MerchantVerificationIn,
    PasswordChangeIn,
    ProfileUpdateIn,
    SessionOut,
    SignupIn,
    UserCard,
)

router = APIRouter(tags=["accounts"])


def _policy(request: Request) -> service.LoginPolicy:
    return request.app.state.login_policy  # type: ignore[no-any-return]


def _auth_out(issued: service.IssuedSession) -> AuthOut:
    return AuthOut(token=issued.token, session_id=issued.session.id, user=service.me_of(issued.user))


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED, response_model=AuthOut)
async def signup(body: SignupIn, request: Request, db: Db) -> AuthOut:
    async with db.transaction() as session:
        issued = await service.signup(
            session,
            body,
            ip=client_address(request),
            user_agent=request.headers.get("user-agent", ""),
            policy=_policy(request),
        )
        return _auth_out(issued)


@router.post("/auth/login", response_model=AuthOut)
async def login(body: LoginIn, request: Request, db: Db) -> AuthOut:
    issued = await service.login(
        db,
        body.login,
        body.password,
        ip=client_address(request),
        user_agent=request.headers.get("user-agent", ""),
        policy=_policy(request),
    )
    return _auth_out(issued)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await service.logout(session, actor)
    return no_content()


@router.get("/me", response_model=MeOut)
async def get_me(actor: CurrentActor, db: Db) -> MeOut:
    async with db.read() as session:
        return service.me_of(await service.get_me(session, actor))


@router.patch("/me", response_model=MeOut)
async def update_me(body: ProfileUpdateIn, actor: CurrentActor, db: Db) -> MeOut:
    async with db.transaction() as session:
        return service.me_of(await service.update_profile(session, actor, body))


@router.post("/me/avatar", response_model=MeOut)
async def upload_avatar(file: Annotated[UploadFile, File()], actor: CurrentActor, db: Db) -> MeOut:
    raw = await file.read()
    async with db.transaction() as session:
        return service.me_of(await service.set_avatar(session, actor, raw))


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChangeIn, request: Request, actor: CurrentActor, db: Db) -> Response:
    await service.change_password(
        db,
        actor,
        body.current_password,
        body.new_password,
        ip=client_address(request),
        policy=_policy(request),
    )
    return no_content()


@router.get("/me/sessions", response_model=Page[SessionOut])
async def list_sessions(actor: CurrentActor, db: Db, page: PageIn) -> Page[SessionOut]:
    async with db.read() as session:
        items, next_cursor = await service.list_sessions(session, actor, page)
    return Page[SessionOut](items=items, next_cursor=next_cursor)


@router.delete("/me/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_session(session_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await service.revoke_session(session, actor, session_id)
    return no_content()


@router.post("/admin/users/{user_id}/merchant-verification", response_model=UserCard, tags=["operators"])
async def verify_merchant(
    user_id: str, body: MerchantVerificationIn, actor: CurrentActor, db: Db
) -> UserCard:
    async with db.transaction() as session:
        return service.card_of(await service.set_merchant_verified(session, actor, user_id, body.verified))


@router.post("/admin/users/{user_id}/kol-badge", response_model=UserCard, tags=["operators"])
async def kol_badge(user_id: str, body: KolBadgeIn, actor: CurrentActor, db: Db) -> UserCard:
    async with db.transaction() as session:
        return service.card_of(await service.set_kol_badge(session, actor, user_id, body.granted))
