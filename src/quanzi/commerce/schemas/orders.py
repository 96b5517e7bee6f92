"""Request and response shapes of the cart, orders and refunds (ORD-1 … ORD-3; docs/commerce.md
"Cart, orders and refunds"). Amounts are integer fen: fractions, strings and booleans are refused."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictInt, model_validator

from quanzi.commerce.rules import MAX_CART_LINES, MAX_LINES_PER_ORDER, MAX_QUANTITY_PER_LINE
from quanzi.core.schemas import IdIn, IdOut, RequestModel, ResponseModel
from quanzi.identity.schemas import UserCard

OrderStatus = Literal["pending_payment", "paid", "shipped", "delivered", "completed", "cancelled"]
RefundStatus = Literal["requested", "approved", "refused"]
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY_PER_LINE)]
Fen = Annotated[StrictInt, Field(gt=0, le=10**12, description="Amount in fen (1 CNY = 100 fen)")]
Pin = Annotated[str, Field(pattern=r"^[0-9]{6}$", description="The 6-digit payment PIN")]


def _line(value: str) -> str:
    """Trimmed, NFC; control characters refused (PostgreSQL cannot even store a NUL)."""
    cleaned = unicodedata.normalize("NFC", value.strip())
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in cleaned):
        raise ValueError("control characters are not allowed")
    return cleaned


def _required(value: str) -> str:
    if not value:
        raise ValueError("this cannot be blank")
    return value


Text = Annotated[str, AfterValidator(_line)]
RequiredText = Annotated[str, AfterValidator(_line), AfterValidator(_required)]


# --- cart ----------------------------------------------------------------------------------------------


class CartItemIn(RequestModel):
    sku_id: IdIn
    quantity: Quantity = 1
    share_token: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,32}$")


class CartItemPatch(RequestModel):
    quantity: Quantity


class CartShop(ResponseModel):
    id: IdOut
    name: str


class CartLineOut(ResponseModel):
    id: IdOut
    sku_id: IdOut
    product_id: IdOut
    title: str
    sku_name: str
    unit_price: int
    quantity: int
    image_url: str | None
    stock: int
    available: bool


class CartShopOut(ResponseModel):
    shop: CartShop
    items: list[CartLineOut]


class CartOut(ResponseModel):
    shops: list[CartShopOut]
    total: int = Field(description="What the available lines cost now, in fen")


# --- orders --------------------------------------------------------------------------------------------


class OrderLineIn(RequestModel):
    sku_id: IdIn
    quantity: Quantity


class AddressIn(RequestModel):
    name: RequiredText = Field(min_length=1, max_length=40)
    phone: str = Field(pattern=r"^\+?[0-9][0-9 -]{4,19}$")
    line: RequiredText = Field(min_length=1, max_length=200)


class OrderCreateIn(RequestModel):
    """Either `items` (buy now) or `cart_item_ids` (check out cart lines), not both."""

    items: list[OrderLineIn] | None = Field(default=None, min_length=1, max_length=MAX_LINES_PER_ORDER)
    cart_item_ids: list[IdIn] | None = Field(default=None, min_length=1, max_length=MAX_CART_LINES)
    address: AddressIn
    note: Text = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _one_source(self) -> OrderCreateIn:
        if (self.items is None) == (self.cart_item_ids is None):
            raise ValueError("send either items or cart_item_ids")
        return self


class PayIn(RequestModel):
    pin: Pin


class ShipIn(RequestModel):
    carrier: RequiredText = Field(min_length=1, max_length=40)
    tracking_number: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9-]+$")


class RefundIn(RequestModel):
    amount: Fen
    reason: Text = Field(default="", max_length=200)


class RefuseIn(RequestModel):
    note: Text = Field(default="", max_length=200)


class AddressOut(ResponseModel):
    name: str
    phone: str
    line: str


class OrderItemOut(ResponseModel):
    id: IdOut
    product_id: IdOut
    sku_id: IdOut
    title: str
    sku_name: str
    unit_price: int
    quantity: int
    image_url: str | None
    reviewed: bool = False


class RefundOut(ResponseModel):
    id: IdOut
    order_id: IdOut
    buyer_id: IdOut
    shop_id: IdOut
    status: RefundStatus
    amount: int
    reason: str
    merchant_note: str
    created_at: datetime
    decided_at: datetime | None


class OrderRefundOut(ResponseModel):
    id: IdOut
    status: RefundStatus
    amount: int
    reason: str
    merchant_note: str


class OrderOut(ResponseModel):
    id: IdOut
    buyer: UserCard
    shop: CartShop
    status: OrderStatus
    total: int
    refunded_amount: int
    items: list[OrderItemOut]
    address: AddressOut
    note: str
    carrier: str | None
    tracking_number: str | None
    attribution_chain: list[str] = Field(
        description="who shared the product before this purchase, first sharer first (ATT-1); the shop sees "
        "the whole chain, the buyer only the person who shared it with them"
    )
    pay_deadline: datetime | None
    auto_complete_at: datetime | None
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    refund: OrderRefundOut | None


class OrdersOut(ResponseModel):
    orders: list[OrderOut]
