"""Events the commerce domain emits (docs/events.md). Amounts are integer fen."""

from __future__ import annotations

from quanzi.core.events import EventId, EventPayload, EventType


class ShopEvent(EventPayload):
    """A merchant opened or updated their shop (SHP-1); the shop's id is the merchant's user id."""

    shop_id: EventId


class ProductEvent(EventPayload):
    """A product was listed or changed (SHP-1)."""

    product_id: EventId
    shop_id: EventId
    status: str


class BroadcastSent(EventPayload):
    """An official account sent a broadcast to its followers (SHP-2)."""

    broadcast_id: EventId
    shop_id: EventId
    title: str


class OrderEvent(EventPayload):
    """An order moved along its lifecycle (ORD-1); the topic names the step. `total` and
    `refunded_amount` are the order's money at that moment."""

    order_id: EventId
    buyer_id: EventId
    shop_id: EventId
    status: str
    total: int
    refunded_amount: int


class OrderPaid(OrderEvent):
    """An order was paid into escrow: by its buyer at checkout, or born paid by a group-buy team or a
    bargain (`source`)."""

    payment_id: EventId
    source: str | None = None


class OrderCancelled(OrderEvent):
    """An order was cancelled: by its buyer, by the 30-minute payment timeout, or refunded in full
    before shipping."""

    reason: str


class OrderShipped(OrderEvent):
    """The merchant shipped an order with a tracking number."""

    carrier: str | None
    tracking_number: str | None


class OrderCompleted(OrderEvent):
    """An order completed (confirmed by the buyer or after 7 days): escrow went to the merchant less
    the platform `fee`."""

    fee: int


class RefundEvent(EventPayload):
    """A refund was requested by the buyer (ORD-3)."""

    refund_id: EventId
    order_id: EventId
    buyer_id: EventId
    shop_id: EventId
    amount: int
    status: str


class RefundApproved(RefundEvent):
    """The merchant approved a refund and the money went back through the ledger."""

    wallet_refund_id: EventId


class RefundRefused(RefundEvent):
    """The merchant refused a refund, with a note."""

    merchant_note: str | None


class ReviewCreated(EventPayload):
    """A buyer reviewed an item of a completed order (REV-1)."""

    review_id: EventId
    product_id: EventId
    shop_id: EventId
    author_id: EventId
    order_item_id: EventId
    rating: int
    photo_count: int


class ReviewFollowedUp(EventPayload):
    """The author added their one follow-up to a review."""

    review_id: EventId
    product_id: EventId
    shop_id: EventId


class ReviewReplied(EventPayload):
    """The merchant replied to a review."""

    review_id: EventId
    product_id: EventId
    shop_id: EventId
    author_id: EventId


EVENTS = (
    EventType("commerce.shop.created", ShopEvent),
    EventType("commerce.shop.updated", ShopEvent),
    EventType("commerce.product.created", ProductEvent),
    EventType("commerce.product.updated", ProductEvent),
    EventType("commerce.broadcast.sent", BroadcastSent),
    EventType("commerce.order.created", OrderEvent),
    EventType("commerce.order.paid", OrderPaid),
    EventType("commerce.order.cancelled", OrderCancelled),
    EventType("commerce.order.shipped", OrderShipped),
    EventType("commerce.order.delivered", OrderEvent),
    EventType("commerce.order.completed", OrderCompleted),
    EventType("commerce.refund.requested", RefundEvent),
    EventType("commerce.refund.approved", RefundApproved),
    EventType("commerce.refund.refused", RefundRefused),
    EventType("commerce.review.created", ReviewCreated),
    EventType("commerce.review.followed_up", ReviewFollowedUp),
    EventType("commerce.review.replied", ReviewReplied),
)
