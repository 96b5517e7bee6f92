"""Orders (ORD-1, ORD-2): checkout with stock reservation, payment into escrow, shipping, completion and
settlement, cancellation; and the order views.

The lifecycle is one declared state graph, `LIFECYCLE` (a `core.lifecycle.Lifecycle`; docs/commerce.md
draws it). Every transition is one conditional UPDATE on the order's current status (`_advance`), so
of two racing transitions — the buyer paying while the 30-minute expiry job runs, two payments with
different keys, a confirm and the auto-complete job — exactly one wins and the other is refused or
does nothing.

Stock (ORD-2) is reserved at checkout with ``stock = stock - :q WHERE stock >= :q`` on each SKU, taken
in SKU id order (no deadlocks); a SKU without enough stock refuses the whole checkout (409
``out_of_stock``) and the transaction leaves nothing behind. Cancellation puts the units back. Payment
moves no stock; it counts the sale (`sold`, `sales_count`).

Money goes through the wallet only: `pay_to_escrow` at payment, `release_escrow_to_merchant` less the
platform fee at completion, `refund` (see `refunds`). The timers — the unpaid-order expiry at 30 minutes
and the auto-complete 7 days after shipping — are durable jobs scheduled in the transaction that makes
them due (`commerce.jobs`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import rules
from quanzi.commerce.catalog import get_sku_for_sale
from quanzi.commerce.models.catalog import Product, Shop, Sku
from quanzi.commerce.models.orders import ORDER_STATUSES, CartItem, Order, OrderItem, RefundRequest
from quanzi.commerce.order_factory import OrderLine, insert_order
from quanzi.commerce.schemas.orders import (
    AddressOut,
    CartShop,
    OrderItemOut,
    OrderOut,
    OrderRefundOut,
)
from quanzi.commerce.shares import attribution_for_purchase
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import run_last
from quanzi.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from quanzi.core.idempotency import EarlyRefusal
from quanzi.core.ids import parse_id
from quanzi.core.jobs import schedule
from quanzi.core.lifecycle import Lifecycle, Transition
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.core.storage import get_storage
from quanzi.identity import service as identity
from quanzi.wallet import service as wallet

_orders = cast(Table, Order.__table__)
_skus = cast(Table, Sku.__table__)
_products = cast(Table, Product.__table__)

EXPIRE_JOB = "commerce.order.expire"
AUTO_COMPLETE_JOB = "commerce.order.auto_complete"


# --- the lifecycle -------------------------------------------------------------------------------------


# Who takes each transition is in its comment; the service functions below check it.
LIFECYCLE = Lifecycle(
    "commerce.order",
    _orders,
    ORDER_STATUSES,
    {
        "pay": Transition(("pending_payment",), "paid", "paid_at"),  # buyer
        "cancel": Transition(("pending_payment",), "cancelled", "cancelled_at"),  # buyer
        "expire": Transition(("pending_payment",), "cancelled", "cancelled_at"),  # the 30-minute job
        "ship": Transition(("paid",), "shipped", "shipped_at"),  # merchant
        "deliver": Transition(("shipped",), "delivered", "delivered_at"),  # merchant
        "confirm": Transition(("shipped", "delivered"), "completed", "completed_at"),  # buyer
        "auto_complete": Transition(("shipped", "delivered"), "completed", "completed_at"),  # the 7-day job
        # The merchant approved a refund of everything before shipping: the order is void.
        "refund_cancel": Transition(("paid",), "cancelled", "cancelled_at"),  # merchant
    },
)


@dataclass(frozen=True)
class Checkout:
    """What a checkout wrote: its orders (one per shop) and each one's items by order id."""

    orders: list[Order]
    items: dict[int, list[OrderItem]]


class OrderStateConflict(Conflict):
    code = "invalid_order_state"


class OutOfStock(Conflict):
    code = "out_of_stock"


def _refusal(order: Order, name: str) -> Conflict:
    if name == "pay" and order.status == "cancelled":
        return OrderStateConflict(
            "This order was cancelled; it can no longer be paid.", code="order_cancelled"
        )
    if name == "pay" and order.status != "pending_payment":
        return OrderStateConflict("This order is already paid.", code="order_already_paid")
    if name in ("pay", "expire") and order.status == "pending_payment":
        return OrderStateConflict(
            "The time to pay this order is over; it is being cancelled.", code="payment_window_closed"
        )
    verb = name.replace("_", " ")
    return OrderStateConflict(
        f"This order is {order.status.replace('_', ' ')}: it cannot {verb} now.",
        details={"status": order.status, "transition": name},
    )


async def _advance(
    session: AsyncSession,
    order: Order,
    name: str,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    **values: Any,
) -> Order | None:
    """Take transition `name` if the order is still in one of its sources (and `where` holds): the
    refreshed order, or None when another transition got there first."""
    return await LIFECYCLE.advance(session, order.id, name, values=values, where=where, entity=Order)


async def _take(session: AsyncSession, order: Order, name: str, **values: Any) -> Order:
    """`_advance`, refusing with a 409 that says why when the order has moved on."""
    moved = await _advance(session, order, name, **values)
    if moved is None:
        raise _refusal(await _reload(session, order.id), name)
    return moved


async def _reload(session: AsyncSession, order_id: int) -> Order:
    order = await session.get(Order, order_id, populate_existing=True)
    assert order is not None
    return order


def _event(order: Order, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": str(order.id),
        "buyer_id": str(order.buyer_id),
        "shop_id": str(order.shop_id),
        "status": order.status,
        "total": order.total,
        "refunded_amount": order.refunded_amount,
        **extra,
    }


# --- access --------------------------------------------------------------------------------------------


def _not_found() -> NotFound:
    return NotFound("No such order.", code="order_not_found")


async def access_order(session: AsyncSession, actor: Actor, order_id: int | str) -> Order:
    """The order if the actor is its buyer, its shop's merchant or an operator; 404 otherwise."""
    parsed = parse_id(order_id)
    order = await session.get(Order, parsed, populate_existing=True) if parsed is not None else None
    if order is None or (actor.user_id not in (order.buyer_id, order.shop_id) and not actor.is_operator):
        raise _not_found()
    return order


async def _buyers_order(session: AsyncSession, actor: Actor, order_id: int | str) -> Order:
    order = await access_order(session, actor, order_id)
    if order.buyer_id != actor.user_id:
        raise Forbidden("Only the buyer can do this.", code="not_the_buyer")
    return order


async def _merchants_order(session: AsyncSession, actor: Actor, order_id: int | str) -> Order:
    order = await access_order(session, actor, order_id)
    if order.shop_id != actor.user_id:
        raise Forbidden("Only the shop can do this.", code="not_the_merchant")
    return order


async def _items(session: AsyncSession, order_ids: Iterable[int]) -> dict[int, list[OrderItem]]:
    ids = list(order_ids)
    grouped: dict[int, list[OrderItem]] = defaultdict(list)
    if ids:
        rows = await session.scalars(
            select(OrderItem).where(OrderItem.order_id.in_(ids)).order_by(OrderItem.id)
        )
        for item in rows:
            grouped[item.order_id].append(item)
    return grouped


# --- stock ---------------------------------------------------------------------------------------------


def _quantities(items: Iterable[OrderItem]) -> dict[int, int]:
    wanted: dict[int, int] = defaultdict(int)
    for item in items:
        wanted[item.sku_id] += item.quantity
    return wanted


async def _reserve(session: AsyncSession, wanted: dict[int, int]) -> None:
    """Take the units off each SKU, in SKU id order; OutOfStock (nothing kept) when one falls short."""
    for sku_id in sorted(wanted):
        quantity = wanted[sku_id]
        result = await session.execute(
            update(_skus)
            .where(_skus.c.id == sku_id, _skus.c.stock >= quantity)
            .values(stock=_skus.c.stock - quantity)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            stock = await session.scalar(select(_skus.c.stock).where(_skus.c.id == sku_id))
            raise _out_of_stock(sku_id, int(stock or 0), quantity)


async def _check_buyer_limits(session: AsyncSession, buyer_id: int, skus: Sequence[Sku]) -> None:
    """Refuse (nothing kept) when the buyer now holds more units of a limited SKU than it allows, counting
    every order of theirs that is not cancelled, this one included. Runs after `_reserve`: the SKU's
    row lock makes a buyer's concurrent checkouts of it wait for each other, so each counts the other."""
    for sku in skus:
        if sku.per_buyer_limit is None:
            continue
        held = await session.scalar(
            select(func.coalesce(func.sum(OrderItem.quantity), 0))
            .join(Order, Order.id == OrderItem.order_id)
            .where(OrderItem.sku_id == sku.id, Order.buyer_id == buyer_id, Order.status != "cancelled")
        )
        if int(held or 0) > sku.per_buyer_limit:
            raise Conflict(
                f"This item is limited to {sku.per_buyer_limit} per person.",
                code="purchase_limit",
                details={"sku_id": str(sku.id), "limit": sku.per_buyer_limit},
            )


def _out_of_stock(sku_id: int, stock: int, requested: int) -> OutOfStock:
    return OutOfStock(
        "Not enough stock left for this item.",
        details={"sku_id": str(sku_id), "stock": stock, "requested": requested},
    )


async def _release(session: AsyncSession, items: Iterable[OrderItem]) -> None:
    for sku_id, quantity in sorted(_quantities(items).items()):
        await session.execute(
            update(_skus).where(_skus.c.id == sku_id).values(stock=_skus.c.stock + quantity)
        )


async def _count_sale(session: AsyncSession, items: Sequence[OrderItem], sign: int) -> None:
    """Add (sign 1, at payment) or take back (sign -1, a refunded, voided order) the units sold."""
    for sku_id, quantity in sorted(_quantities(items).items()):
        await session.execute(
            update(_skus).where(_skus.c.id == sku_id).values(sold=_skus.c.sold + sign * quantity)
        )
    per_product: dict[int, int] = defaultdict(int)
    for item in items:
        per_product[item.product_id] += item.quantity
    for product_id, quantity in sorted(per_product.items()):
        await session.execute(
            update(_products)
            .where(_products.c.id == product_id)
            .values(sales_count=_products.c.sales_count + sign * quantity)
        )


# --- checkout ------------------------------------------------------------------------------------------


async def _cart_lines(
    session: AsyncSession, actor: Actor, cart_item_ids: Sequence[str | int]
) -> list[CartItem]:
    ids = {parse_id(value) for value in cart_item_ids}
    if None in ids:
        raise NotFound("No such cart item.", code="cart_item_not_found")
    rows = list(
        await session.scalars(select(CartItem).where(CartItem.id.in_(ids), CartItem.user_id == actor.user_id))
    )
    if len(rows) != len(ids):
        raise NotFound("No such cart item.", code="cart_item_not_found")
    return rows


def _wanted_units(pairs: Sequence[tuple[int | None, int]]) -> dict[int, int]:
    """The units asked for per SKU, or the InvalidInput / NotFound that refuses the checkout before any
    SKU is read."""
    if not pairs:
        raise InvalidInput("An order needs at least one item.", code="empty_order")
    wanted: dict[int, int] = defaultdict(int)
    for sku_id, quantity in pairs:
        if sku_id is None:
            raise NotFound("No such product.", code="sku_not_found")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidInput("A quantity is a whole number of at least 1.", code="invalid_quantity")
        wanted[sku_id] += quantity
    if len(wanted) > rules.MAX_LINES_PER_ORDER:
        raise InvalidInput(
            f"One checkout takes at most {rules.MAX_LINES_PER_ORDER} items.", code="too_many_items"
        )
    return dict(wanted)


def _too_many_of_one(sku_id: int, quantity: int) -> InvalidInput | None:
    if quantity <= rules.MAX_QUANTITY_PER_LINE:
        return None
    return InvalidInput(
        f"At most {rules.MAX_QUANTITY_PER_LINE} of one item per order.",
        code="quantity_too_large",
        details={"sku_id": str(sku_id)},
    )


def checkout_refusal(
    actor: Actor,
    *,
    items: Sequence[tuple[str | int, int]] | None = None,
    cart_item_ids: Sequence[str | int] | None = None,
) -> EarlyRefusal:
    """The early refusal of a checkout (`core.idempotency.EarlyRefusal`): on a read session, before
    any write transaction, the 409 ``out_of_stock`` that `create_orders` would answer because a SKU
    has fewer units than asked (sold out: a flash sale's late crowd). Decides only that: a request
    that `create_orders` would refuse otherwise, or refuse for another SKU first (the SKUs are checked
    in id order), is left to it. Reads the stock column itself, which the checkout taking the last
    unit sets in its own transaction and a restock raises again; the guarded reservation in
    `create_orders` stays the guarantee."""

    async def refuse(session: AsyncSession) -> AppError | None:
        if (items is None) == (cart_item_ids is None):
            return None
        if cart_item_ids is not None:
            try:
                cart_rows = await _cart_lines(session, actor, cart_item_ids)
            except NotFound:
                return None
            pairs: list[tuple[int | None, int]] = [(row.sku_id, row.quantity) for row in cart_rows]
        else:
            pairs = [(parse_id(sku_id), quantity) for sku_id, quantity in items or ()]
        try:
            wanted = _wanted_units(pairs)
        except AppError:
            return None
        for_sale = {
            row.id: row
            for row in await session.execute(
                select(Sku.id, Sku.shop_id, Sku.stock)
                .join(Product, Product.id == Sku.product_id)
                .where(Sku.id.in_(wanted), Sku.active.is_(True), Product.status == "active")
            )
        }
        for sku_id in sorted(wanted):
            sku = for_sale.get(sku_id)
            if _too_many_of_one(sku_id, wanted[sku_id]) or sku is None or sku.shop_id == actor.user_id:
                return None
            if sku.stock < wanted[sku_id]:
                return _out_of_stock(sku_id, sku.stock, wanted[sku_id])
        return None

    return refuse


async def create_orders(
    session: AsyncSession,
    actor: Actor,
    *,
    items: Sequence[tuple[str | int, int]] | None = None,
    cart_item_ids: Sequence[str | int] | None = None,
    address: dict[str, str],
    note: str = "",
) -> Checkout:
    """Check out `items` ((sku id, quantity) pairs) or the actor's cart lines `cart_item_ids`: one order
    per shop, stock reserved for every line, each order due for payment within 30 minutes (a durable
    job cancels it then). All or nothing: an unknown or inactive SKU (404), one without enough stock
    (409 ``out_of_stock`` with the SKU's stock) or one of the buyer's own products refuses the whole
    checkout. Checked-out cart lines leave the cart."""
    if (items is None) == (cart_item_ids is None):
        raise InvalidInput("Send either items or cart_item_ids.", code="invalid_checkout")
    cart_rows: list[CartItem] = []
    if cart_item_ids is not None:
        cart_rows = await _cart_lines(session, actor, cart_item_ids)
        pairs: list[tuple[int | None, int]] = [(row.sku_id, row.quantity) for row in cart_rows]
    else:
        pairs = [(parse_id(sku_id), quantity) for sku_id, quantity in items or ()]
    wanted = _wanted_units(pairs)
    lines: list[OrderLine] = []
    for sku_id in sorted(wanted):
        if too_many := _too_many_of_one(sku_id, wanted[sku_id]):
            raise too_many
        sku, product = await get_sku_for_sale(session, sku_id)
        if sku.shop_id == actor.user_id:
            raise InvalidInput("You cannot buy from your own shop.", code="cannot_buy_own_product")
        if sku.stock < wanted[sku_id]:
            # Sold out as of this read (after `checkout_refusal` let the request through): refuse
            # without queueing for the SKU's row lock. Enough stock here proves nothing; the guarded
            # UPDATE decides.
            raise _out_of_stock(sku_id, sku.stock, wanted[sku_id])
        lines.append(OrderLine(sku, product, wanted[sku_id], sku.price))
    by_shop: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        by_shop[line.sku.shop_id].append(line)
    for shop_lines in by_shop.values():
        if sum(line.sku.price * line.quantity for line in shop_lines) > rules.MAX_ORDER_TOTAL:
            raise InvalidInput("This order is over the payment limit.", code="limit_exceeded")
    now = clock.now()
    orders: list[Order] = []
    written: dict[int, list[OrderItem]] = {}
    for shop_id in sorted(by_shop):
        order, items_written = await _insert_checkout_order(
            session, actor, shop_id, by_shop[shop_id], address, note, now
        )
        written[order.id] = items_written
        await schedule(
            session,
            EXPIRE_JOB,
            {"order_id": str(order.id)},
            run_at=now + rules.PAY_WINDOW,
            dedupe_key=f"{EXPIRE_JOB}:{order.id}",
        )
        emit(session, "commerce.order.created", _event(order))
        orders.append(order)
    if cart_rows:
        await session.execute(delete(CartItem).where(CartItem.id.in_([row.id for row in cart_rows])))
    reserved, limited = dict(wanted), [line.sku for line in lines]

    async def reserve(session: AsyncSession) -> None:
        await _reserve(session, reserved)
        await _check_buyer_limits(session, actor.user_id, limited)

    # Right before the commit (after the answer is written), so that the SKU rows stay locked for
    # the fewest round trips: a flash sale's every checkout takes the same row.
    await run_last(session, reserve)
    return Checkout(orders, written)


async def _insert_checkout_order(
    session: AsyncSession,
    actor: Actor,
    shop_id: int,
    lines: list[OrderLine],
    address: dict[str, str],
    note: str,
    now: datetime,
) -> tuple[Order, list[OrderItem]]:
    share_link_id: int | None = None
    chain: list[str] = []
    for line in lines:
        share_link_id, chain = await attribution_for_purchase(session, actor.user_id, line.product.id)
        if share_link_id is not None:
            break
    return await insert_order(
        session,
        buyer_id=actor.user_id,
        shop_id=shop_id,
        lines=lines,
        address={"name": address["name"], "phone": address["phone"], "line": address["line"]},
        source="cart",
        now=now,
        note=note,
        share_link_id=share_link_id,
        attribution_chain=chain,
    )


# --- payment and the unpaid path -----------------------------------------------------------------------


def _payable(now: datetime) -> ColumnElement[bool]:
    return _orders.c.created_at > now - rules.PAY_WINDOW


async def pay_order(
    session: AsyncSession, actor: Actor, order_id: int | str, *, proof: wallet.PinProof | None
) -> Order:
    """The buyer pays the whole order into the shop's escrow (PIN confirmed by `proof`), within 30
    minutes of checkout. Run it behind `core.http.idempotent`, so a retry charges nothing twice;
    a second payment with another key finds the order paid (409 ``order_already_paid``) and its charge
    rolls back with it."""
    return (await _pay(session, actor, order_id, proof=proof))[0]


async def pay_order_out(
    session: AsyncSession, actor: Actor, order_id: int | str, *, proof: wallet.PinProof | None
) -> OrderOut:
    """`pay_order`, answered from what it read and wrote: its items, and no refund (an order that was
    unpaid until this transaction has no refund request)."""
    order, items = await _pay(session, actor, order_id, proof=proof)
    return (await orders_out(session, actor, [order], items={order.id: items}, refunds={}))[0]


async def _pay(
    session: AsyncSession, actor: Actor, order_id: int | str, *, proof: wallet.PinProof | None
) -> tuple[Order, list[OrderItem]]:
    order = await _buyers_order(session, actor, order_id)
    now = clock.now()
    if order.status != "pending_payment" or order.created_at <= now - rules.PAY_WINDOW:
        raise _refusal(order, "pay")
    payment = await wallet.pay_to_escrow(
        session, actor, order.shop_id, order.total, order_ref=f"order:{order.id}", proof=proof
    )
    order = await _take(session, order, "pay", where=(_payable(now),), payment_id=payment.id)
    items = (await _items(session, [order.id]))[order.id]

    async def count_sale(session: AsyncSession) -> None:
        await _count_sale(session, items, 1)

    # After the escrow posting (queued last by the wallet), in the order a refund takes them.
    await run_last(session, count_sale)
    emit(session, "commerce.order.paid", _event(order, payment_id=str(payment.id)))
    return order, items


async def cancel_order(session: AsyncSession, actor: Actor, order_id: int | str) -> Order:
    """The buyer cancels an unpaid order; its stock goes back on sale."""
    order = await _buyers_order(session, actor, order_id)
    order = await _take(session, order, "cancel", cancel_reason="buyer_cancelled")
    await _release(session, (await _items(session, [order.id]))[order.id])
    emit(session, "commerce.order.cancelled", _event(order, reason="buyer_cancelled"))
    return order


async def expire_order(session: AsyncSession, order_id: int) -> bool:
    """The 30-minute job: cancel the order if it is still unpaid and due. Safe to run twice."""
    order = await session.get(Order, order_id, populate_existing=True)
    if order is None:
        return False
    moved = await _advance(
        session,
        order,
        "expire",
        where=(~_payable(clock.now()),),
        cancel_reason="payment_timeout",
    )
    if moved is None:
        return False
    await _release(session, (await _items(session, [moved.id]))[moved.id])
    emit(session, "commerce.order.cancelled", _event(moved, reason="payment_timeout"))
    return True


async def void_refunded_order(session: AsyncSession, order: Order) -> Order | None:
    """A paid, unshipped order whose payment is now refunded in full: cancel it, return the stock
    and take the sale back. None when the order had moved on (shipped) — it keeps its status."""
    moved = await _advance(
        session,
        order,
        "refund_cancel",
        where=(_orders.c.refunded_amount == _orders.c.total,),
        cancel_reason="refunded",
    )
    if moved is None:
        return None
    items = (await _items(session, [moved.id]))[moved.id]
    await _release(session, items)
    await _count_sale(session, items, -1)
    emit(session, "commerce.order.cancelled", _event(moved, reason="refunded"))
    return moved


# --- fulfilment ----------------------------------------------------------------------------------------


async def ship_order(
    session: AsyncSession, actor: Actor, order_id: int | str, *, carrier: str, tracking_number: str
) -> Order:
    """The merchant ships a paid order with the carrier and tracking number; the order completes on its
    own 7 days later unless the buyer confirms first."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise InvalidInput("Give the carrier and the tracking number.", code="invalid_shipment")
    order = await _merchants_order(session, actor, order_id)
    order = await _take(session, order, "ship", carrier=carrier[:40], tracking_number=tracking_number[:60])
    assert order.shipped_at is not None
    await schedule(
        session,
        AUTO_COMPLETE_JOB,
        {"order_id": str(order.id)},
        run_at=order.shipped_at + rules.AUTO_COMPLETE_AFTER,
        dedupe_key=f"{AUTO_COMPLETE_JOB}:{order.id}",
    )
    emit(
        session,
        "commerce.order.shipped",
        _event(order, carrier=order.carrier, tracking_number=order.tracking_number),
    )
    return order


async def deliver_order(session: AsyncSession, actor: Actor, order_id: int | str) -> Order:
    """The merchant marks a shipped order delivered."""
    order = await _merchants_order(session, actor, order_id)
    order = await _take(session, order, "deliver")
    emit(session, "commerce.order.delivered", _event(order))
    return order


async def confirm_order(session: AsyncSession, actor: Actor, order_id: int | str) -> Order:
    """The buyer confirms receipt: the order completes and the escrow settles to the merchant."""
    order = await _buyers_order(session, actor, order_id)
    return await _complete(session, await _take(session, order, "confirm"))


async def auto_complete_order(session: AsyncSession, order_id: int) -> bool:
    """The 7-day job. Waits (looks again a day later) while a refund request is open. Safe to run twice."""
    order = await session.get(Order, order_id, populate_existing=True)
    if (
        order is None
        or order.status not in LIFECYCLE.transition("auto_complete").sources
        or order.shipped_at is None
    ):
        return False
    now = clock.now()
    if order.shipped_at + rules.AUTO_COMPLETE_AFTER > now:
        return False
    if await _open_refund(session, order.id) is not None:
        retry_at = now + rules.AUTO_COMPLETE_RETRY
        await schedule(
            session,
            AUTO_COMPLETE_JOB,
            {"order_id": str(order.id)},
            run_at=retry_at,
            dedupe_key=f"{AUTO_COMPLETE_JOB}:{order.id}:{retry_at.isoformat()}",
        )
        return False
    moved = await _advance(
        session, order, "auto_complete", where=(_orders.c.shipped_at <= now - rules.AUTO_COMPLETE_AFTER,)
    )
    if moved is None:
        return False
    await _complete(session, moved)
    return True


async def _complete(session: AsyncSession, order: Order) -> Order:
    assert order.payment_id is not None
    fee = rules.platform_fee(order.total - order.refunded_amount)
    await wallet.release_escrow_to_merchant(session, None, order.payment_id, fee=fee)
    emit(session, "commerce.order.completed", _event(order, fee=fee))
    return order


async def _open_refund(session: AsyncSession, order_id: int) -> RefundRequest | None:
    return cast(
        RefundRequest | None,
        await session.scalar(
            select(RefundRequest).where(
                RefundRequest.order_id == order_id, RefundRequest.status == "requested"
            )
        ),
    )


# --- reviews (REV-1) -----------------------------------------------------------------------------------


async def completed_items_for_review(
    session: AsyncSession, buyer_id: int, order_item_id: int | str
) -> OrderItem:
    """The order item if `buyer_id` bought it in an order completed within the review window:
    NotFound for anyone else's item, Conflict ``order_not_completed`` / ``review_window_closed``."""
    parsed = parse_id(order_item_id)
    item = await session.get(OrderItem, parsed) if parsed is not None else None
    order = await session.get(Order, item.order_id) if item is not None else None
    if item is None or order is None or order.buyer_id != buyer_id:
        raise NotFound("No such order item.", code="order_item_not_found")
    if order.status != "completed" or order.completed_at is None:
        raise Conflict("Items can be reviewed once the order is completed.", code="order_not_completed")
    if order.completed_at <= clock.now() - rules.REVIEW_WINDOW:
        raise Conflict("Reviews are open for 30 days after completion.", code="review_window_closed")
    return item


# --- views ---------------------------------------------------------------------------------------------


def image_url(key: str | None) -> str | None:
    return get_storage().url(key) if key else None


async def shop_names(session: AsyncSession, shop_ids: Iterable[int]) -> dict[int, str]:
    ids = set(shop_ids)
    if not ids:
        return {}
    rows = await session.execute(select(Shop.merchant_id, Shop.name).where(Shop.merchant_id.in_(ids)))
    return {int(shop_id): name for shop_id, name in rows.all()}


async def _latest_refunds(session: AsyncSession, order_ids: list[int]) -> dict[int, RefundRequest]:
    if not order_ids:
        return {}
    latest = (
        select(func.max(RefundRequest.id))
        .where(RefundRequest.order_id.in_(order_ids))
        .group_by(RefundRequest.order_id)
    )
    rows = await session.scalars(select(RefundRequest).where(RefundRequest.id.in_(latest)))
    return {row.order_id: row for row in rows}


async def _reviewed(session: AsyncSession, buyer_ids: set[int], item_ids: list[int]) -> set[int]:
    # Imported here: reviews builds on this module (completed_items_for_review).
    from quanzi.commerce import reviews

    reviewed: set[int] = set()
    for buyer_id in buyer_ids:
        reviewed |= set(await reviews.reviewed_item_ids(session, buyer_id, item_ids))
    return reviewed


async def orders_out(
    session: AsyncSession,
    viewer: Actor,
    orders: Sequence[Order],
    *,
    items: Mapping[int, list[OrderItem]] | None = None,
    refunds: Mapping[int, RefundRequest] | None = None,
) -> list[OrderOut]:
    """The answer shape of `orders` (the caller has checked the viewer may see each), with their
    `items` by order id when the caller holds them (it just wrote them), read otherwise; likewise
    their latest `refunds` when the caller knows them.

    The share chain is the shop's to see (it pays referral rewards on it): a buyer sees only the
    person who shared the product with them, never who shared it earlier, possibly in private chats."""
    if items is None:
        items = await _items(session, [order.id for order in orders])
    buyers = await identity.get_cards(session, {order.buyer_id for order in orders})
    shops = await shop_names(session, {order.shop_id for order in orders})
    # Only a paid order can have a refund request: a fresh checkout's answer skips the query.
    if refunds is None:
        refunds = await _latest_refunds(session, [order.id for order in orders if order.paid_at is not None])
    completed = [order for order in orders if order.status == "completed"]
    reviewed = (
        await _reviewed(
            session,
            {order.buyer_id for order in completed},
            [item.id for order in completed for item in items[order.id]],
        )
        if completed
        else set()
    )
    out = []
    for order in orders:
        refund = refunds.get(order.id)
        out.append(
            OrderOut(
                id=order.id,
                buyer=buyers[order.buyer_id],
                shop=CartShop(id=order.shop_id, name=shops.get(order.shop_id, "")),
                status=order.status,  # type: ignore[arg-type]
                total=order.total,
                refunded_amount=order.refunded_amount,
                items=[
                    OrderItemOut(
                        id=item.id,
                        product_id=item.product_id,
                        sku_id=item.sku_id,
                        title=item.title,
                        sku_name=item.sku_name,
                        unit_price=item.unit_price,
                        quantity=item.quantity,
                        image_url=image_url(item.image_key),
                        reviewed=item.id in reviewed,
                    )
                    for item in items[order.id]
                ],
                address=AddressOut.model_validate(order.address),
                note=order.note,
                carrier=order.carrier,
                tracking_number=order.tracking_number,
                attribution_chain=_chain_for(viewer, order),
                pay_deadline=order.created_at + rules.PAY_WINDOW
                if order.status == "pending_payment"
                else None,
                auto_complete_at=order.shipped_at + rules.AUTO_COMPLETE_AFTER
                if order.shipped_at is not None and order.status in ("shipped", "delivered")
                else None,
                created_at=order.created_at,
                paid_at=order.paid_at,
                shipped_at=order.shipped_at,
                delivered_at=order.delivered_at,
                completed_at=order.completed_at,
                cancelled_at=order.cancelled_at,
                cancel_reason=order.cancel_reason,
                refund=OrderRefundOut.model_validate(refund) if refund is not None else None,
            )
        )
    return out


async def checkout_out(session: AsyncSession, viewer: Actor, checkout: Checkout) -> list[OrderOut]:
    """The answer to a checkout, from what it wrote."""
    return await orders_out(session, viewer, checkout.orders, items=checkout.items)


def _chain_for(viewer: Actor, order: Order) -> list[str]:
    chain = [str(user_id) for user_id in order.attribution_chain or []]
    if viewer.user_id == order.shop_id or viewer.is_operator:
        return chain
    return chain[-1:]


async def order_out(session: AsyncSession, viewer: Actor, order: Order) -> OrderOut:
    return (await orders_out(session, viewer, [order]))[0]


async def get_order(session: AsyncSession, actor: Actor, order_id: int | str) -> OrderOut:
    return await order_out(session, actor, await access_order(session, actor, order_id))


async def list_orders(
    session: AsyncSession, actor: Actor, page: PageRequest, *, role: str = "buyer", status: str | None = None
) -> tuple[list[OrderOut], str | None]:
    """The actor's orders as buyer, or their shop's orders as merchant; newest first."""
    if role == "buyer":
        query = select(Order).where(Order.buyer_id == actor.user_id)
    elif role == "merchant":
        query = select(Order).where(Order.shop_id == actor.user_id)
    else:
        raise InvalidInput("role is buyer or merchant.", code="invalid_role")
    if status is not None:
        if status not in ORDER_STATUSES:
            raise InvalidInput("Unknown order status.", code="invalid_status")
        query = query.where(Order.status == status)
    if page.after:
        after = parse_id(str(page.after[0]))
        if after is None:
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        query = query.where(Order.id < after)
    rows = list(await session.scalars(query.order_by(Order.id.desc()).limit(page.limit + 1)))
    kept, cursor = page_of(rows, page, lambda order: order.id)
    return await orders_out(session, actor, kept), cursor
