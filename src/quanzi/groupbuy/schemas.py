"""Request and response shapes of group buying and bargains (docs/groupbuy.md). Amounts are integer
fen: fractions, strings and booleans are refused."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictInt, model_validator

from quanzi.commerce.schemas.orders import AddressIn, AddressOut
from quanzi.commerce.schemas.shares import SharedProduct
from quanzi.core.schemas import IdIn, IdOut, RequestModel, ResponseModel
from quanzi.groupbuy import rules
from quanzi.identity.schemas import UserCard

__all__ = ["AddressIn", "AddressOut"]

Fen = Annotated[StrictInt, Field(gt=0, le=10**10, description="Amount in fen (1 CNY = 100 fen)")]
Pin = Annotated[str, Field(pattern=r"^[0-9]{6}$", description="The 6-digit payment PIN")]
DealStatus = Literal["upcoming", "active", "ended"]
TeamStatus = Literal["forming", "succeeded", "failed"]
BargainStatus = Literal["active", "bought", "expired"]


# --- deals -----------------------------------------------------------------------------------------------


class DealIn(RequestModel):
    sku_id: IdIn
    group_price: Fen
    team_size: Annotated[StrictInt, Field(ge=rules.TEAM_SIZE_MIN, le=rules.TEAM_SIZE_MAX)]
    time_limit_minutes: Annotated[
        StrictInt,
        Field(
            ge=int(rules.MIN_TIME_LIMIT.total_seconds() // 60),
            le=int(rules.MAX_TIME_LIMIT.total_seconds() // 60),
        ),
    ] = int(rules.DEFAULT_TIME_LIMIT.total_seconds() // 60)
    stock: Annotated[StrictInt, Field(ge=1, le=rules.MAX_DEAL_STOCK)]
    starts_at: datetime | None = Field(default=None, description="default: now")
    ends_at: datetime | None = Field(default=None, description="default: 7 days after the start")

    @model_validator(mode="after")
    def _aware(self) -> DealIn:
        for value in (self.starts_at, self.ends_at):
            if value is not None and value.tzinfo is None:
                raise ValueError("times need a timezone (e.g. 2026-11-11T12:00:00Z)")
        return self


class DealStats(ResponseModel):
    teams_forming: int
    teams_succeeded: int
    teams_failed: int
    members_paid: int = Field(description="members of succeeded teams (units sold)")
    revenue: int = Field(description="fen paid by members of succeeded teams")


class TeamMemberOut(ResponseModel):
    user: UserCard
    is_leader: bool
    joined_at: datetime


class TeamMine(ResponseModel):
    """The viewer's own place in the team."""

    joined_at: datetime
    order_id: IdOut | None
    refunded: bool


class TeamOut(ResponseModel):
    id: IdOut
    deal_id: IdOut
    product: SharedProduct
    group_price: int
    leader: UserCard
    size: int
    joined_count: int
    places_left: int
    status: TeamStatus
    deadline: datetime
    seconds_left: int
    created_at: datetime
    finished_at: datetime | None
    members: list[TeamMemberOut]
    friends_in_team: int = Field(description="members who are the viewer's friends")
    me: TeamMine | None


class DealOut(ResponseModel):
    id: IdOut
    merchant_id: IdOut
    product: SharedProduct
    sku_id: IdOut
    sku_name: str
    title: str
    single_price: int = Field(description="the SKU's own price: buying alone is a normal order")
    group_price: int
    team_size: int
    time_limit_minutes: int
    initial_stock: int
    stock: int
    status: DealStatus
    starts_at: datetime
    ends_at: datetime
    seconds_left: int = Field(description="until the deal ends (0 once ended)")
    created_at: datetime
    open_teams: list[TeamOut] = Field(default_factory=list)
    stats: DealStats | None = Field(default=None, description="the deal's merchant only")


class TeamJoinIn(RequestModel):
    pin: Pin
    address: AddressIn


class TeamShareOut(ResponseModel):
    token: str
    url: str = Field(description="the team page with the share token, for the web client")
    share_url: str = Field(description="the product share link (ATT-1)")
    team: TeamOut


# --- bargains --------------------------------------------------------------------------------------------


class BargainOfferIn(RequestModel):
    sku_id: IdIn
    start_price: Fen | None = Field(default=None, description="default: the SKU's price")
    floor_price: Fen
    max_helpers: Annotated[StrictInt, Field(ge=1, le=rules.MAX_HELPERS)]
    cut_min: Fen
    cut_max: Fen

    @model_validator(mode="after")
    def _range(self) -> BargainOfferIn:
        if self.cut_max < self.cut_min:
            raise ValueError("cut_max must be at least cut_min")
        if self.start_price is not None and self.floor_price >= self.start_price:
            raise ValueError("floor_price must be below start_price")
        return self


class BargainOfferOut(ResponseModel):
    id: IdOut
    merchant_id: IdOut
    product: SharedProduct
    sku_id: IdOut
    title: str
    start_price: int
    floor_price: int
    max_helpers: int
    cut_min: int
    cut_max: int
    status: Literal["active", "ended"]
    created_at: datetime


class BargainIn(RequestModel):
    offer_id: IdIn


class BargainCutOut(ResponseModel):
    helper: UserCard
    amount: int
    price_after: int
    created_at: datetime


class BargainOut(ResponseModel):
    id: IdOut
    offer_id: IdOut
    owner: UserCard
    product: SharedProduct
    sku_id: IdOut
    start_price: int
    floor_price: int
    current_price: int
    helper_count: int
    max_helpers: int
    status: BargainStatus
    at_floor: bool
    can_buy: bool = Field(description="the viewer owns it, it is at the floor and within its 24 h")
    expires_at: datetime
    seconds_left: int
    created_at: datetime
    bought_at: datetime | None
    order_id: IdOut | None = Field(description="the owner only")
    cuts: list[BargainCutOut]
    my_cut: int | None = Field(description="what the viewer cut, if they did")


class CutOut(ResponseModel):
    amount: int
    price_after: int
    bargain: BargainOut


class BargainBuyIn(RequestModel):
    pin: Pin
    address: AddressIn


class BargainBuyOut(ResponseModel):
    order_id: IdOut
    bargain: BargainOut
