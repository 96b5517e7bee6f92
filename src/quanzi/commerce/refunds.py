"""Refund requests (ORD-3, WAL-6): the buyer asks, the merchant approves or refuses.

requested → approved | refused (the declared `LIFECYCLE`), each one conditional UPDATE on
``status = 'requested'``, so a request is decided once. A partial unique index allows one open request
per order (a second, even sent in parallel, is 409 ``refund_already_requested``). The amount is at most
what was paid and not yet refunded.

Approving returns the money through the wallet (`wallet.refund`): from escrow before the order settled,
from the merchant's account after; a merchant account short of the money refuses the approval (409
``merchant_balance_insufficient``) and the whole transaction — the decision included — rolls back.
An approved refund of everything on a paid order that has not shipped voids the order: it is
cancelled and its stock goes back on sale (`orders.void_refunded_order`).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import orders
from quanzi.commerce.models.orders import REFUND_STATUSES, Order, RefundRequest
from quanzi.commerce.schemas.orders import RefundOut
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.lifecycle import Lifecycle, Transition
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.wallet import service as wallet

_requests = cast(Table, RefundRequest.__table__)
_orders = cast(Table, Order.__table__)

# The merchant decides once; a decided request is history (the buyer may open a new one).
LIFECYCLE = Lifecycle(
    "commerce.refund",
    _requests,
    REFUND_STATUSES,
    {
        "approve": Transition(("requested",), "approved", "decided_at"),
        "refuse": Transition(("requested",), "refused", "decided_at"),
    },
)

REFUNDABLE = ("paid", "shipped", "delivered", "completed")


def _event(request: RefundRequest, **extra: Any) -> dict[str, Any]:
    return {
        "refund_id": str(request.id),
        "order_id": str(request.order_id),
        "buyer_id": str(request.buyer_id),
        "shop_id": str(request.shop_id),
        "amount": request.amount,
        "status": request.status,
        **extra,
    }


def refund_out(request: RefundRequest) -> RefundOut:
    return RefundOut.model_validate(request)


async def request_refund(
    session: AsyncSession, actor: Actor, order_id: int | str, amount: int, *, reason: str = ""
) -> RefundRequest:
    """The buyer asks for `amount` back on a paid (shipped, delivered or completed) order."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise InvalidInput("amount must be a whole number of fen, at least 1.", code="invalid_amount")
    order = await orders.access_order(session, actor, order_id)
    if order.buyer_id != actor.user_id:
        raise Forbidden("Only the buyer can ask for a refund.", code="not_the_buyer")
    if order.status not in REFUNDABLE:
        raise Conflict(
            "Only a paid order can be refunded.",
            code="order_not_refundable",
            details={"status": order.status},
        )
    refundable = order.total - order.refunded_amount
    if amount > refundable:
        raise Conflict(
            "That is more than what is left to refund.",
            code="refund_exceeds_paid",
            details={"refundable": refundable},
        )
    request = RefundRequest(
        id=new_id(),
        order_id=order.id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        amount=amount,
        reason=reason.strip()[:200],
        status="requested",
        merchant_note="",
        wallet_refund_id=None,
        created_at=clock.now(),
        decided_at=None,
    )
    try:
        async with session.begin_nested():
            session.add(request)
    except IntegrityError:
        raise Conflict(
            "This order already has an open refund request.", code="refund_already_requested"
        ) from None
    emit(session, "commerce.refund.requested", _event(request))
    return request


async def _visible_request(session: AsyncSession, actor: Actor, refund_id: int | str) -> RefundRequest:
    parsed = parse_id(refund_id)
    request = await session.get(RefundRequest, parsed, populate_existing=True) if parsed is not None else None
    if request is None or (
        actor.user_id not in (request.buyer_id, request.shop_id) and not actor.is_operator
    ):
        raise NotFound("No such refund request.", code="refund_not_found")
    return request


async def get_refund(session: AsyncSession, actor: Actor, refund_id: int | str) -> RefundRequest:
    return await _visible_request(session, actor, refund_id)


async def _merchants_request(session: AsyncSession, actor: Actor, refund_id: int | str) -> RefundRequest:
    request = await _visible_request(session, actor, refund_id)
    if request.shop_id != actor.user_id:
        raise Forbidden("Only the shop decides on a refund.", code="not_the_merchant")
    return request


async def _decide(
    session: AsyncSession, request: RefundRequest, transition: str, **values: Any
) -> RefundRequest:
    decided = await LIFECYCLE.advance(session, request.id, transition, values=values, entity=RefundRequest)
    if decided is None:
        current = await session.get(RefundRequest, request.id, populate_existing=True)
        assert current is not None
        raise Conflict(
            f"This refund request is already {current.status}.",
            code="refund_already_decided",
            details={"status": current.status},
        )
    return decided


async def approve_refund(session: AsyncSession, actor: Actor, refund_id: int | str) -> RefundRequest:
    """The merchant approves: the money goes back to the buyer (see the module docstring). Run it
    behind `core.http.idempotent`: a retry refunds nothing twice."""
    request = await _merchants_request(session, actor, refund_id)
    # The order row first, as completion takes it (order, then payment): no lock-order deadlock.
    order = await session.get(Order, request.order_id, populate_existing=True, with_for_update=True)
    assert order is not None and order.payment_id is not None
    request = await _decide(session, request, "approve")
    try:
        record = await wallet.refund(
            session, actor, order.payment_id, request.amount, reason=f"refund:{request.id}"
        )
    except wallet.InsufficientBalance:
        raise Conflict(
            "Your merchant account does not hold enough money for this refund.",
            code="merchant_balance_insufficient",
            details={"amount": request.amount},
        ) from None
    await session.execute(
        update(_requests).where(_requests.c.id == request.id).values(wallet_refund_id=record.id)
    )
    result = await session.execute(
        update(_orders)
        .where(_orders.c.id == order.id, _orders.c.refunded_amount + request.amount <= _orders.c.total)
        .values(refunded_amount=_orders.c.refunded_amount + request.amount)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("Refunds would exceed what was paid.", code="refund_exceeds_paid")
    order = await session.get(Order, order.id, populate_existing=True)
    assert order is not None
    if order.status == "paid" and order.refunded_amount == order.total:
        await orders.void_refunded_order(session, order)
    request = await _decide_reload(session, request.id)
    emit(session, "commerce.refund.approved", _event(request, wallet_refund_id=str(record.id)))
    return request


async def _decide_reload(session: AsyncSession, refund_id: int) -> RefundRequest:
    request = await session.get(RefundRequest, refund_id, populate_existing=True)
    assert request is not None
    return request


async def refuse_refund(
    session: AsyncSession, actor: Actor, refund_id: int | str, *, note: str = ""
) -> RefundRequest:
    """The merchant refuses, with a note the buyer sees; the buyer may ask again."""
    request = await _merchants_request(session, actor, refund_id)
    request = await _decide(session, request, "refuse", merchant_note=note.strip()[:200])
    emit(session, "commerce.refund.refused", _event(request, merchant_note=request.merchant_note))
    return request


async def list_refunds(
    session: AsyncSession,
    actor: Actor,
    page: PageRequest,
    *,
    role: str = "buyer",
    status: str | None = None,
) -> tuple[list[RefundRequest], str | None]:
    """The actor's refund requests as buyer, or those to their shop as merchant; newest first."""
    if role == "buyer":
        query = select(RefundRequest).where(RefundRequest.buyer_id == actor.user_id)
    elif role == "merchant":
        query = select(RefundRequest).where(RefundRequest.shop_id == actor.user_id)
    else:
        raise InvalidInput("role is buyer or merchant.", code="invalid_role")
    if status is not None:
        if status not in REFUND_STATUSES:
            raise InvalidInput("Unknown refund status.", code="invalid_status")
        query = query.where(RefundRequest.status == status)
    if page.after:
        after = parse_id(str(page.after[0]))
        if after is None:
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        query = query.where(RefundRequest.id < after)
    rows = list(await session.scalars(query.order_by(RefundRequest.id.desc()).limit(page.limit + 1)))
    return page_of(rows, page, lambda request: request.id)
