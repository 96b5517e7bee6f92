"""Request and response shapes of shops, the catalog and broadcasts (SHP-1, SHP-2; docs/commerce.md
"Shops and catalog"). Prices are integer fen: JSON numbers with a fraction, strings and booleans are
refused, never rounded. Texts are checked again by the services (blank after trimming is refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt

from quanzi.core.schemas import IdIn, IdOut, RequestModel, ResponseModel

# Limits, shared by the shapes here and the services' own checks.
MAX_PRICE = 100_000_000  # fen: 1,000,000 yuan
MAX_STOCK = 1_000_000
MAX_STOCK_DELTA = 1_000_000
MAX_IMAGES = 9
MAX_SKUS_PER_PRODUCT = 50
MAX_CATEGORIES_PER_SHOP = 50
MAX_DESCRIPTION = 5000
MAX_BROADCAST_BODY = 10_000

ProductStatus = Literal["draft", "active", "archived"]
Price = Annotated[StrictInt, Field(gt=0, le=MAX_PRICE, description="Price in fen (1 CNY = 100 fen)")]
Stock = Annotated[StrictInt, Field(ge=0, le=MAX_STOCK, description="Units on hand")]
ImageKey = Annotated[str, Field(min_length=1, max_length=200, description="A key from POST /products/images")]


# --- shops -------------------------------------------------------------------------------------------


class ShopIn(RequestModel):
    name: str = Field(min_length=1, max_length=60)
    intro: str = Field(default="", max_length=500)


class ShopRef(ResponseModel):
    id: IdOut
    name: str
    avatar_url: str | None
    verified: bool


class ShopOut(ShopRef):
    intro: str
    follower_count: int
    product_count: int
    following: bool
    created_at: datetime


class CategoryIn(RequestModel):
    name: str = Field(min_length=1, max_length=40)
    position: StrictInt | None = Field(default=None, ge=0, le=10_000)


class CategoryPatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=40)
    position: StrictInt | None = Field(default=None, ge=0, le=10_000)


class CategoryOut(ResponseModel):
    id: IdOut
    name: str
    position: int


# --- products ------------------------------------------------------------------------------------


PerBuyerLimit = Annotated[StrictInt, Field(ge=1, le=10_000, description="units one buyer may buy at most")]


class SkuIn(RequestModel):
    name: str = Field(min_length=1, max_length=60)
    price: Price
    stock: Stock = 0
    per_buyer_limit: PerBuyerLimit | None = None


class SkuPatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=60)
    price: Price | None = None
    active: StrictBool | None = None
    per_buyer_limit: PerBuyerLimit | None = Field(default=None, description="null (sent) lifts the limit")


class StockIn(RequestModel):
    delta: Annotated[
        StrictInt,
        Field(ge=-MAX_STOCK_DELTA, le=MAX_STOCK_DELTA, description="Units to add (negative: remove)"),
    ]


class ProductIn(RequestModel):
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    category_id: IdIn | None = None
    image_keys: list[ImageKey] = Field(default_factory=list, max_length=MAX_IMAGES)
    skus: list[SkuIn] = Field(min_length=1, max_length=MAX_SKUS_PER_PRODUCT)
    status: Literal["draft", "active"] = Field(
        default="active", description="draft to prepare it unseen; active (default) to sell at once"
    )


class ProductPatch(RequestModel):
    title: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    category_id: IdIn | None = Field(default=None, description="null takes the product out of its category")
    image_keys: list[ImageKey] | None = Field(default=None, max_length=MAX_IMAGES)
    status: ProductStatus | None = None


class ImageOut(ResponseModel):
    key: str
    url: str
    thumb_url: str


class SkuOut(ResponseModel):
    id: IdOut
    name: str
    price: int
    stock: int
    active: bool
    per_buyer_limit: int | None


class ProductOut(ResponseModel):
    id: IdOut
    shop: ShopRef
    title: str
    description: str
    category_id: IdOut | None
    status: ProductStatus
    images: list[ImageOut]
    price_min: int
    sales_count: int
    skus: list[SkuOut]
    created_at: datetime
    updated_at: datetime


# --- broadcasts ---------------------------------------------------------------------------------


class BroadcastIn(RequestModel):
    title: str = Field(min_length=1, max_length=80)
    body: str = Field(min_length=1, max_length=MAX_BROADCAST_BODY)


class BroadcastOut(ResponseModel):
    id: IdOut
    shop: ShopRef
    title: str
    body: str
    created_at: datetime
