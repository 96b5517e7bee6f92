"""HTTP routes of the cart, orders and refunds (docs/commerce.md "Cart, orders and refunds"): parse,
call one service, shape the answer.

Checkout, payment, cancellation, confirmation and refund approval move money or stock: they go through
`core.http.idempotent`, require an ``Idempotency-Key`` header, and a retry replays the stored answer
(``Idempotent-Replayed: true``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import cart, orders, refunds
from quanzi.commerce.schemas.orders import (
    CartItemIn,
    CartItemPatch,
    CartOut,
    OrderCreateIn,
    OrderOut,
    OrdersOut,
    OrderStatus,
    PayIn,
    RefundIn,
    RefundOut,
    RefundStatus,
    RefuseIn,
    ShipIn,
)
from quanzi.core.http import CurrentActor, Db, IdempotencyKeyHeader, idempotent
from quanzi.core.pagination import Page, PageRequest
from quanzi.wallet import service as wallet

router = APIRouter(tags=["orders"])

Limit = Annotated[int | None, Query(ge=1, le=100)]


# --- cart ----------------------------------------------------------------------------------------------


@router.get("/cart", response_model=CartOut, tags=["cart"])
async def get_cart(actor: CurrentActor, db: Db) -> CartOut:
    async with db.read() as session:
        return await cart.get_cart(session, actor)


@router.post("/cart/items", response_model=CartOut, tags=["cart"])
async def add_to_cart(body: CartItemIn, actor: CurrentActor, db: Db) -> CartOut:
    async with db.transaction() as session:
        return await cart.add_item(session, actor, body.sku_id, body.quantity, share_token=body.share_token)


@router.patch("/cart/items/{item_id}", response_model=CartOut, tags=["cart"])
async def set_cart_quantity(item_id: str, body: CartItemPatch, actor: CurrentActor, db: Db) -> CartOut:
    async with db.transaction() as session:
        return await cart.set_quantity(session, actor, item_id, body.quantity)


@router.delete("/cart/items/{item_id}", response_model=CartOut, tags=["cart"])
async def remove_from_cart(item_id: str, actor: CurrentActor, db: Db) -> CartOut:
    async with db.transaction() as session:
        return await cart.remove_item(session, actor, item_id)


# --- orders --------------------------------------------------------------------------------------------


@router.post("/orders", status_code=status.HTTP_201_CREATED, response_model=OrdersOut)
async def create_orders(
    body: OrderCreateIn, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    items = [(line.sku_id, line.quantity) for line in body.items] if body.items is not None else None

    async def action(session: AsyncSession, _proof: Any) -> tuple[int, dict[str, Any]]:
        checkout = await orders.create_orders(
            session,
            actor,
            items=items,
            cart_item_ids=body.cart_item_ids,
            address=body.address.model_dump(),
            note=body.note,
        )
        answer = OrdersOut(orders=await orders.checkout_out(session, actor, checkout))
        return 201, answer.model_dump(mode="json")

    return await idempotent(
        db,
        actor,
        key,
        "commerce.order.create",
        body.model_dump(mode="json"),
        action,
        refuse_early=orders.checkout_refusal(actor, items=items, cart_item_ids=body.cart_item_ids),
    )


@router.get("/orders", response_model=Page[OrderOut])
async def list_orders(
    actor: CurrentActor,
    db: Db,
    role: Literal["buyer", "merchant"] = "buyer",
    status: OrderStatus | None = None,
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[OrderOut]:
    async with db.read() as session:
        items, next_cursor = await orders.list_orders(
            session, actor, PageRequest.parse(cursor, limit), role=role, status=status
        )
    return Page[OrderOut](items=items, next_cursor=next_cursor)


@router.get("/orders/{order_id}", response_model=OrderOut)
async def get_order(order_id: str, actor: CurrentActor, db: Db) -> OrderOut:
    async with db.read() as session:
        return await orders.get_order(session, actor, order_id)


@router.post("/orders/{order_id}/pay", response_model=OrderOut)
async def pay_order(
    order_id: str, body: PayIn, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, proof: Any) -> tuple[int, dict[str, Any]]:
        return 200, (await orders.pay_order_out(session, actor, order_id, proof=proof)).model_dump(
            mode="json"
        )

    return await idempotent(
        db,
        actor,
        key,
        "commerce.order.pay",
        {"order_id": order_id},
        action,
        wallet.pin_precheck(actor, body.pin),
    )


@router.post("/orders/{order_id}/cancel", response_model=OrderOut)
async def cancel_order(
    order_id: str, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, _proof: Any) -> tuple[int, dict[str, Any]]:
        order = await orders.cancel_order(session, actor, order_id)
        return 200, (await orders.order_out(session, actor, order)).model_dump(mode="json")

    return await idempotent(db, actor, key, "commerce.order.cancel", {"order_id": order_id}, action)


@router.post("/orders/{order_id}/ship", response_model=OrderOut)
async def ship_order(order_id: str, body: ShipIn, actor: CurrentActor, db: Db) -> OrderOut:
    async with db.transaction() as session:
        order = await orders.ship_order(
            session, actor, order_id, carrier=body.carrier, tracking_number=body.tracking_number
        )
        return await orders.order_out(session, actor, order)


@router.post("/orders/{order_id}/deliver", response_model=OrderOut)
async def deliver_order(order_id: str, actor: CurrentActor, db: Db) -> OrderOut:
    async with db.transaction() as session:
        return await orders.order_out(session, actor, await orders.deliver_order(session, actor, order_id))


@router.post("/orders/{order_id}/confirm", response_model=OrderOut)
async def confirm_order(
    order_id: str, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, _proof: Any) -> tuple[int, dict[str, Any]]:
        order = await orders.confirm_order(session, actor, order_id)
        return 200, (await orders.order_out(session, actor, order)).model_dump(mode="json")

    return await idempotent(db, actor, key, "commerce.order.confirm", {"order_id": order_id}, action)


# --- refunds -------------------------------------------------------------------------------------------


@router.post("/orders/{order_id}/refund", status_code=status.HTTP_201_CREATED, response_model=RefundOut)
async def request_refund(order_id: str, body: RefundIn, actor: CurrentActor, db: Db) -> RefundOut:
    async with db.transaction() as session:
        request = await refunds.request_refund(session, actor, order_id, body.amount, reason=body.reason)
        return refunds.refund_out(request)


@router.get("/refunds", response_model=Page[RefundOut])
async def list_refunds(
    actor: CurrentActor,
    db: Db,
    role: Literal["buyer", "merchant"] = "buyer",
    status: RefundStatus | None = None,
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[RefundOut]:
    async with db.read() as session:
        items, next_cursor = await refunds.list_refunds(
            session, actor, PageRequest.parse(cursor, limit), role=role, status=status
        )
    return Page[RefundOut](items=[refunds.refund_out(item) for item in items], next_cursor=next_cursor)


@router.get("/refunds/{refund_id}", response_model=RefundOut)
async def get_refund(refund_id: str, actor: CurrentActor, db: Db) -> RefundOut:
    async with db.read() as session:
        return refunds.refund_out(await refunds.get_refund(session, actor, refund_id))


@router.post("/refunds/{refund_id}/approve", response_model=RefundOut)
async def approve_refund(
    refund_id: str, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    async def action(session: AsyncSession, _proof: Any) -> tuple[int, dict[str, Any]]:
        request = await refunds.approve_refund(session, actor, refund_id)
        return 200, refunds.refund_out(request).model_dump(mode="json")

    return await idempotent(db, actor, key, "commerce.refund.approve", {"refund_id": refund_id}, action)


@router.post("/refunds/{refund_id}/refuse", response_model=RefundOut)
async def refuse_refund(refund_id: str, body: RefuseIn, actor: CurrentActor, db: Db) -> RefundOut:
    async with db.transaction() as session:
        return refunds.refund_out(await refunds.refuse_refund(session, actor, refund_id, note=body.note))
