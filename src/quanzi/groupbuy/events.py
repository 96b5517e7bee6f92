"""Events of group buying and bargains (docs/events.md). Prices are integer fen."""

from __future__ import annotations

from quanzi.core.events import EventId, EventPayload, EventType


class DealEvent(EventPayload):
    """A merchant created a group deal (GRP-1), its stock taken out of the SKU's."""

    deal_id: EventId
    merchant_id: EventId
    product_id: EventId
    sku_id: EventId
    group_price: int
    team_size: int
    stock: int


class DealEnded(DealEvent):
    """A deal ended; the stock its teams did not sell went back to the SKU."""

    returned_stock: int


class TeamEvent(EventPayload):
    """A team was opened, or someone joined it (GRP-2); `user_id` is who paid."""

    team_id: EventId
    deal_id: EventId
    product_id: EventId
    leader_id: EventId
    size: int
    joined_count: int
    status: str
    user_id: EventId


class TeamSucceeded(EventPayload):
    """A team filled: every member's order went to the merchant (GRP-2)."""

    team_id: EventId
    deal_id: EventId
    product_id: EventId
    leader_id: EventId
    size: int
    joined_count: int
    status: str
    member_ids: list[EventId]
    order_ids: list[EventId]


class TeamFailed(EventPayload):
    """A team was not full in time: every member was refunded (GRP-3)."""

    team_id: EventId
    deal_id: EventId
    product_id: EventId
    leader_id: EventId
    size: int
    joined_count: int
    status: str
    member_ids: list[EventId]


class BargainOfferCreated(EventPayload):
    """A merchant offered a product for bargaining (BAR-1)."""

    offer_id: EventId
    product_id: EventId


class BargainEvent(EventPayload):
    """A bargain was started or expired (BAR-1)."""

    bargain_id: EventId
    offer_id: EventId
    user_id: EventId
    product_id: EventId
    current_price: int
    floor_price: int
    helper_count: int
    status: str


class BargainCut(BargainEvent):
    """A friend cut the price (`amount` off)."""

    helper_id: EventId
    amount: int


class BargainBought(BargainEvent):
    """The bargain's owner bought at the price reached."""

    order_id: EventId


EVENTS = (
    EventType("groupbuy.deal.created", DealEvent),
    EventType("groupbuy.deal.ended", DealEnded),
    EventType("groupbuy.team.opened", TeamEvent),
    EventType("groupbuy.team.joined", TeamEvent),
    EventType("groupbuy.team.succeeded", TeamSucceeded),
    EventType("groupbuy.team.failed", TeamFailed),
    EventType("groupbuy.bargain_offer.created", BargainOfferCreated),
    EventType("groupbuy.bargain.started", BargainEvent),
    EventType("groupbuy.bargain.cut", BargainCut),
    EventType("groupbuy.bargain.bought", BargainBought),
    EventType("groupbuy.bargain.expired", BargainEvent),
)
