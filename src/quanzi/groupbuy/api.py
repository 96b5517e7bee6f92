"""HTTP routes of group buying and bargains (docs/groupbuy.md): parse, call one service, shape the answer.

Creating a deal moves stock; opening or joining a team and buying a bargain move money (with the PIN):
they require ``Idempotency-Key`` and go through `core.http.idempotent` (a retry replays the first
answer).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.http import CurrentActor, Db, IdempotencyKeyHeader, PageIn, idempotent
from quanzi.core.pagination import Page
from quanzi.groupbuy import service
from quanzi.groupbuy.schemas import (
    BargainBuyIn,
    BargainBuyOut,
    BargainIn,
    BargainOfferIn,
    BargainOfferOut,
    BargainOut,
    CutOut,
    DealIn,
    DealOut,
    TeamJoinIn,
    TeamOut,
    TeamShareOut,
)
from quanzi.wallet import service as wallet

router = APIRouter(tags=["groupbuy"])


# --- deals -----------------------------------------------------------------------------------------------


@router.post("/deals", status_code=status.HTTP_201_CREATED, response_model=DealOut)
async def create_deal(
    body: DealIn, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, _proof: Any) -> tuple[int, dict[str, Any]]:
        deal = await service.create_deal(session, actor, body)
        out = (await service.deals_out(session, actor, [deal], with_stats=True))[0]
        return 201, out.model_dump(mode="json")

    return await idempotent(db, actor, key, "groupbuy.deal.create", body.model_dump(mode="json"), action)


@router.get("/deals", response_model=Page[DealOut])
async def list_deals(
    actor: CurrentActor,
    db: Db,
    page: PageIn,
    mine: Annotated[bool, Query(description="the merchant's own deals with their results")] = False,
    product_id: Annotated[str | None, Query(max_length=20)] = None,
) -> Page[DealOut]:
    async with db.read() as session:
        items, cursor = await service.list_deals(session, actor, mine=mine, product_id=product_id, page=page)
    return Page(items=items, next_cursor=cursor)


@router.get("/deals/{deal_id}", response_model=DealOut)
async def get_deal(deal_id: str, actor: CurrentActor, db: Db) -> DealOut:
    async with db.read() as session:
        return await service.view_deal(session, actor, deal_id)


@router.get("/products/{product_id}/teams", response_model=list[TeamOut])
async def product_teams(product_id: str, actor: CurrentActor, db: Db) -> list[TeamOut]:
    async with db.read() as session:
        return await service.product_teams(session, actor, product_id)


@router.get("/products/{product_id}/deals", response_model=list[DealOut])
async def product_deals(product_id: str, actor: CurrentActor, db: Db) -> list[DealOut]:
    async with db.read() as session:
        return await service.product_deals(session, actor, product_id)


# --- teams -----------------------------------------------------------------------------------------------


@router.post("/deals/{deal_id}/teams", status_code=status.HTTP_201_CREATED, response_model=TeamOut)
async def open_team(
    deal_id: str, body: TeamJoinIn, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, proof: Any) -> tuple[int, dict[str, Any]]:
        team = await service.open_team(session, actor, deal_id, address=body.address, proof=proof)
        return 201, (await service.team_out(session, actor, team)).model_dump(mode="json")

    payload = {"deal_id": deal_id, **body.model_dump(exclude={"pin"})}
    return await idempotent(
        db, actor, key, "groupbuy.team.open", payload, action, wallet.pin_precheck(actor, body.pin)
    )


@router.post("/teams/{team_id}/join", response_model=TeamOut)
async def join_team(
    team_id: str, body: TeamJoinIn, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, proof: Any) -> tuple[int, dict[str, Any]]:
        team = await service.join_team(session, actor, team_id, address=body.address, proof=proof)
        return 200, (await service.team_out(session, actor, team)).model_dump(mode="json")

    payload = {"team_id": team_id, **body.model_dump(exclude={"pin"})}
    return await idempotent(
        db,
        actor,
        key,
        "groupbuy.team.join",
        payload,
        action,
        wallet.pin_precheck(actor, body.pin),
        refuse_early=service.join_refusal(team_id),
    )


@router.get("/teams", response_model=Page[TeamOut])
async def my_teams(actor: CurrentActor, db: Db, page: PageIn) -> Page[TeamOut]:
    async with db.read() as session:
        items, cursor = await service.my_teams(session, actor, page)
    return Page(items=items, next_cursor=cursor)


@router.get("/teams/{team_id}", response_model=TeamOut)
async def get_team(team_id: str, actor: CurrentActor, db: Db) -> TeamOut:
    async with db.read() as session:
        return await service.view_team(session, actor, team_id)


@router.post("/teams/{team_id}/share", status_code=status.HTTP_201_CREATED, response_model=TeamShareOut)
async def share_team(team_id: str, actor: CurrentActor, db: Db) -> TeamShareOut:
    async with db.transaction() as session:
        return await service.share_team(session, actor, team_id)


# --- bargains --------------------------------------------------------------------------------------------


@router.post("/bargains/offers", status_code=status.HTTP_201_CREATED, response_model=BargainOfferOut)
async def create_offer(body: BargainOfferIn, actor: CurrentActor, db: Db) -> BargainOfferOut:
    async with db.transaction() as session:
        offer = await service.create_offer(session, actor, body)
        return (await service.offers_out(session, [offer]))[0]


@router.get("/bargains/offers", response_model=Page[BargainOfferOut])
async def list_offers(
    actor: CurrentActor,
    db: Db,
    page: PageIn,
    product_id: Annotated[str | None, Query(max_length=20)] = None,
    mine: bool = False,
) -> Page[BargainOfferOut]:
    async with db.read() as session:
        items, cursor = await service.list_offers(session, actor, product_id=product_id, mine=mine, page=page)
    return Page(items=items, next_cursor=cursor)


@router.post("/bargains/offers/{offer_id}/end", response_model=BargainOfferOut)
async def end_offer(offer_id: str, actor: CurrentActor, db: Db) -> BargainOfferOut:
    async with db.transaction() as session:
        offer = await service.end_offer(session, actor, offer_id)
        return (await service.offers_out(session, [offer]))[0]


@router.post("/bargains", status_code=status.HTTP_201_CREATED, response_model=BargainOut)
async def start_bargain(body: BargainIn, actor: CurrentActor, db: Db) -> BargainOut:
    async with db.transaction() as session:
        bargain = await service.start_bargain(session, actor, body.offer_id)
        return await service.view_bargain(session, actor, bargain.id)


@router.get("/bargains", response_model=Page[BargainOut])
async def my_bargains(actor: CurrentActor, db: Db, page: PageIn) -> Page[BargainOut]:
    async with db.read() as session:
        items, cursor = await service.my_bargains(session, actor, page)
    return Page(items=items, next_cursor=cursor)


@router.get("/bargains/{bargain_id}", response_model=BargainOut)
async def get_bargain(bargain_id: str, actor: CurrentActor, db: Db) -> BargainOut:
    async with db.read() as session:
        return await service.view_bargain(session, actor, bargain_id)


@router.post("/bargains/{bargain_id}/cut", response_model=CutOut)
async def cut(bargain_id: str, actor: CurrentActor, db: Db) -> CutOut:
    async with db.transaction() as session:
        record, bargain = await service.cut(session, actor, bargain_id)
        return await service.cut_out(session, actor, record, bargain)


@router.post("/bargains/{bargain_id}/buy", status_code=status.HTTP_201_CREATED, response_model=BargainBuyOut)
async def buy_bargain(
    bargain_id: str, body: BargainBuyIn, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, proof: Any) -> tuple[int, dict[str, Any]]:
        bargain = await service.buy(session, actor, bargain_id, address=body.address, proof=proof)
        out = BargainBuyOut(
            order_id=bargain.order_id or 0, bargain=await service.view_bargain(session, actor, bargain.id)
        )
        return 201, out.model_dump(mode="json")

    payload = {"bargain_id": bargain_id, **body.model_dump(exclude={"pin"})}
    return await idempotent(
        db, actor, key, "groupbuy.bargain.buy", payload, action, wallet.pin_precheck(actor, body.pin)
    )
