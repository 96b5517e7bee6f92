"""HTTP routes of the wallet (docs/wallet.md): parse, call one service, shape the answer.

Every money-moving POST goes through `core.http.idempotent`, which requires the ``Idempotency-Key``
header, checks the PIN where the body carries one, and replays stored answers (marked with the
``Idempotent-Replayed: true`` header).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.http import CurrentActor, Db, IdempotencyKeyHeader, idempotent
from quanzi.core.pagination import Page, PageRequest
from quanzi.wallet import service
from quanzi.wallet.schemas import (
    BankOrderIn,
    BankOrderOut,
    CardIn,
    CardOut,
    PinIn,
    RedPacketIn,
    RedPacketOut,
    StatementItem,
    TransferIn,
    TransferOut,
    WalletOut,
)

router = APIRouter(prefix="/wallet", tags=["wallet"])


@router.get("", response_model=WalletOut)
async def get_wallet(actor: CurrentActor, db: Db) -> WalletOut:
    async with db.read() as session:
        return await service.wallet_summary(session, actor)


@router.put("/pin", status_code=status.HTTP_204_NO_CONTENT)
async def set_pin(body: PinIn, actor: CurrentActor, db: Db) -> Response:
    proof = await service.verify_pin(db, actor, body.current_pin) if body.current_pin else None
    async with db.transaction() as session:
        await service.set_pin(session, actor, body.new_pin, proof)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/cards", response_model=list[CardOut])
async def list_cards(actor: CurrentActor, db: Db) -> list[CardOut]:
    async with db.read() as session:
        return [CardOut.model_validate(card) for card in await service.list_cards(session, actor)]


@router.post("/cards", status_code=status.HTTP_201_CREATED, response_model=CardOut)
async def link_card(body: CardIn, actor: CurrentActor, db: Db) -> CardOut:
    async with db.transaction() as session:
        return CardOut.model_validate(await service.link_card(session, actor, body.number, body.holder_name))


@router.delete("/cards/{card_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_card(card_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await service.remove_card(session, actor, card_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/topups", status_code=status.HTTP_201_CREATED, response_model=BankOrderOut)
async def top_up(
    body: BankOrderIn, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, proof: Any) -> tuple[int, dict[str, Any]]:
        order = await service.start_topup(session, actor, body.card_id, body.amount, proof=proof)
        return 201, BankOrderOut.model_validate(order).model_dump(mode="json")

    return await idempotent(
        db,
        actor,
        key,
        "wallet.topup",
        body.model_dump(exclude={"pin"}),
        action,
        service.pin_precheck(actor, body.pin),
    )


@router.post("/withdrawals", status_code=status.HTTP_201_CREATED, response_model=BankOrderOut)
async def withdraw(
    body: BankOrderIn, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, proof: Any) -> tuple[int, dict[str, Any]]:
        order = await service.start_withdrawal(session, actor, body.card_id, body.amount, proof=proof)
        return 201, BankOrderOut.model_validate(order).model_dump(mode="json")

    return await idempotent(
        db,
        actor,
        key,
        "wallet.withdrawal",
        body.model_dump(exclude={"pin"}),
        action,
        service.pin_precheck(actor, body.pin),
    )


@router.get("/bank-orders/{order_id}", response_model=BankOrderOut)
async def get_bank_order(order_id: str, actor: CurrentActor, db: Db) -> BankOrderOut:
    async with db.read() as session:
        return BankOrderOut.model_validate(await service.get_bank_order(session, actor, order_id))


@router.post("/bank/callback", tags=["wallet", "bank"])
async def bank_callback(request: Request, db: Db) -> dict[str, str]:
    """The bank's signed answer to a top-up or withdrawal (no session: the signature authenticates)."""
    body = await request.body()
    async with db.transaction() as session:
        await service.receive_bank_callback(session, body, dict(request.headers))
    return {"status": "received"}


@router.post("/transfers", status_code=status.HTTP_201_CREATED, response_model=TransferOut)
async def send_transfer(
    body: TransferIn, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, proof: Any) -> tuple[int, dict[str, Any]]:
        transfer = await service.send_transfer(
            session,
            actor,
            body.to_user_id,
            body.amount,
            proof=proof,
            note=body.note,
            conversation_ref=body.conversation_ref,
        )
        return 201, (await service.transfer_out(session, transfer)).model_dump(mode="json")

    return await idempotent(
        db,
        actor,
        key,
        "wallet.transfer",
        body.model_dump(exclude={"pin"}),
        action,
        service.pin_precheck(actor, body.pin),
    )


@router.get("/transfers/{transfer_id}", response_model=TransferOut)
async def get_transfer(transfer_id: str, actor: CurrentActor, db: Db) -> TransferOut:
    async with db.read() as session:
        return await service.transfer_out(session, await service.get_transfer(session, actor, transfer_id))


@router.post("/transfers/{transfer_id}/accept", response_model=TransferOut)
async def accept_transfer(
    transfer_id: str, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, _proof: Any) -> tuple[int, dict[str, Any]]:
        transfer = await service.accept_transfer(session, actor, transfer_id)
        return 200, (await service.transfer_out(session, transfer)).model_dump(mode="json")

    return await idempotent(db, actor, key, "wallet.transfer.accept", {"transfer_id": transfer_id}, action)


@router.post("/transfers/{transfer_id}/decline", response_model=TransferOut)
async def decline_transfer(
    transfer_id: str, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, _proof: Any) -> tuple[int, dict[str, Any]]:
        transfer = await service.decline_transfer(session, actor, transfer_id)
        return 200, (await service.transfer_out(session, transfer)).model_dump(mode="json")

    return await idempotent(db, actor, key, "wallet.transfer.decline", {"transfer_id": transfer_id}, action)


@router.post("/red-packets", status_code=status.HTTP_201_CREATED, response_model=RedPacketOut)
async def create_red_packet(
    body: RedPacketIn, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, proof: Any) -> tuple[int, dict[str, Any]]:
        packet = await service.create_red_packet(
            session,
            actor,
            kind=body.kind,
            split=body.split,
            total=body.total,
            count=body.count,
            greeting=body.greeting,
            to_user_id=body.to_user_id,
            audience=body.audience,
            conversation_ref=body.conversation_ref,
            proof=proof,
        )
        return 201, (await service.red_packet_out(session, actor, packet)).model_dump(mode="json")

    return await idempotent(
        db,
        actor,
        key,
        "wallet.red_packet",
        body.model_dump(exclude={"pin"}),
        action,
        service.pin_precheck(actor, body.pin),
    )


@router.get("/red-packets/{packet_id}", response_model=RedPacketOut)
async def get_red_packet(packet_id: str, actor: CurrentActor, db: Db) -> RedPacketOut:
    async with db.read() as session:
        return await service.get_red_packet(session, actor, packet_id)


@router.post("/red-packets/{packet_id}/grab", response_model=RedPacketOut)
async def grab_red_packet(
    packet_id: str, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, _proof: Any) -> tuple[int, dict[str, Any]]:
        await service.grab_red_packet(session, actor, packet_id)
        return 200, (await service.get_red_packet(session, actor, packet_id)).model_dump(mode="json")

    return await idempotent(
        db,
        actor,
        key,
        "wallet.red_packet.grab",
        {"packet_id": packet_id},
        action,
        refuse_early=service.grab_refusal(actor, packet_id),
    )


@router.get("/statement", response_model=Page[StatementItem])
async def statement(
    actor: CurrentActor,
    db: Db,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
) -> Page[StatementItem]:
    async with db.read() as session:
        items, next_cursor = await service.statement(session, actor, PageRequest.parse(cursor, limit))
    return Page[StatementItem](items=items, next_cursor=next_cursor)
