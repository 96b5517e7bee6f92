"""HTTP routes of share links (docs/commerce.md "Share links and attribution"): parse, call one
service, shape the answer."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from quanzi.commerce import shares
from quanzi.commerce.schemas.shares import ShareIn, ShareOpenOut, ShareOut
from quanzi.core.http import CurrentActor, Db, client_address

router = APIRouter(tags=["shares"])


@router.post("/shares", status_code=status.HTTP_201_CREATED, response_model=ShareOut)
async def create_share(body: ShareIn, actor: CurrentActor, db: Db) -> ShareOut:
    async with db.transaction() as session:
        return await shares.create_share(session, actor, body.product_id, body.channel, body.via_token)


@router.post("/shares/{token}/open", response_model=ShareOpenOut)
async def open_share(token: str, request: Request, actor: CurrentActor, db: Db) -> ShareOpenOut:
    async with db.transaction() as session:
        return await shares.open_share(session, actor, token, ip=client_address(request))
