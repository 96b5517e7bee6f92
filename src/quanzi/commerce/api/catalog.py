"""HTTP routes of shops, the catalog and broadcasts (SHP-1, SHP-2): parse, call one service, shape the
answer. Every route needs a session; the services check who may do what."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import broadcasts, catalog, shops
from quanzi.commerce.schemas.catalog import (
    BroadcastIn,
    BroadcastOut,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    ImageOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    ProductStatus,
    ShopIn,
    ShopOut,
    SkuIn,
    SkuOut,
    SkuPatch,
    StockIn,
)
from quanzi.core.http import CurrentActor, Db, IdempotencyKeyHeader, PageIn, idempotent, no_content
from quanzi.core.pagination import Page
from quanzi.identity.schemas import UserCard

router = APIRouter(tags=["shops"])

IdQuery = Annotated[str | None, Query(max_length=19, pattern=r"^[0-9]{1,19}$")]


# --- shops ---------------------------------------------------------------------------------------------


@router.get("/shops", response_model=Page[ShopOut])
async def list_shops(
    actor: CurrentActor, db: Db, page: PageIn, q: Annotated[str | None, Query(max_length=60)] = None
) -> Page[ShopOut]:
    async with db.read() as session:
        items, next_cursor = await shops.list_shops(session, actor, q, page)
    return Page[ShopOut](items=items, next_cursor=next_cursor)


@router.put("/shops/me", response_model=ShopOut)
async def save_my_shop(body: ShopIn, actor: CurrentActor, db: Db) -> ShopOut:
    async with db.transaction() as session:
        return await shops.save_my_shop(session, actor, body)


@router.get("/shops/me/followers", response_model=Page[UserCard])
async def my_followers(actor: CurrentActor, db: Db, page: PageIn) -> Page[UserCard]:
    async with db.read() as session:
        items, next_cursor = await shops.list_my_followers(session, actor, page)
    return Page[UserCard](items=items, next_cursor=next_cursor)


@router.post("/shops/me/categories", status_code=status.HTTP_201_CREATED, response_model=CategoryOut)
async def create_category(body: CategoryIn, actor: CurrentActor, db: Db) -> CategoryOut:
    async with db.transaction() as session:
        return await catalog.create_category(session, actor, body)


@router.patch("/shops/me/categories/{category_id}", response_model=CategoryOut)
async def update_category(category_id: str, body: CategoryPatch, actor: CurrentActor, db: Db) -> CategoryOut:
    async with db.transaction() as session:
        return await catalog.update_category(session, actor, category_id, body)


@router.delete("/shops/me/categories/{category_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_category(category_id: str, actor: CurrentActor, db: Db) -> Response:
    async with db.transaction() as session:
        await catalog.delete_category(session, actor, category_id)
    return no_content()


@router.post("/shops/me/broadcasts", status_code=status.HTTP_201_CREATED, response_model=BroadcastOut)
async def send_broadcast(body: BroadcastIn, actor: CurrentActor, db: Db) -> BroadcastOut:
    async with db.transaction() as session:
        return await broadcasts.send_broadcast(session, actor, body)


@router.get("/shops/{shop_id}", response_model=ShopOut)
async def view_shop(shop_id: str, actor: CurrentActor, db: Db) -> ShopOut:
    async with db.read() as session:
        return await shops.view_shop(session, actor, shop_id)


@router.post("/shops/{shop_id}/follow", response_model=ShopOut)
async def follow_shop(shop_id: str, actor: CurrentActor, db: Db) -> ShopOut:
    async with db.transaction() as session:
        return await shops.follow_shop(session, actor, shop_id)


@router.delete("/shops/{shop_id}/follow", response_model=ShopOut)
async def unfollow_shop(shop_id: str, actor: CurrentActor, db: Db) -> ShopOut:
    async with db.transaction() as session:
        return await shops.unfollow_shop(session, actor, shop_id)


@router.get("/shops/{shop_id}/categories", response_model=list[CategoryOut])
async def list_categories(shop_id: str, actor: CurrentActor, db: Db) -> list[CategoryOut]:
    async with db.read() as session:
        return await catalog.list_categories(session, shop_id)


@router.get("/shops/{shop_id}/products", response_model=Page[ProductOut])
async def list_shop_products(
    shop_id: str,
    actor: CurrentActor,
    db: Db,
    page: PageIn,
    category_id: IdQuery = None,
    product_status: Annotated[ProductStatus, Query(alias="status")] = "active",
) -> Page[ProductOut]:
    async with db.read() as session:
        items, next_cursor = await catalog.list_shop_products(
            session, actor, shop_id, page, category_id=category_id, status=product_status
        )
    return Page[ProductOut](items=items, next_cursor=next_cursor)


@router.get("/shops/{shop_id}/broadcasts", response_model=Page[BroadcastOut])
async def list_shop_broadcasts(shop_id: str, actor: CurrentActor, db: Db, page: PageIn) -> Page[BroadcastOut]:
    async with db.read() as session:
        items, next_cursor = await broadcasts.list_shop_broadcasts(session, actor, shop_id, page)
    return Page[BroadcastOut](items=items, next_cursor=next_cursor)


@router.get("/subscriptions/feed", response_model=Page[BroadcastOut])
async def subscription_feed(actor: CurrentActor, db: Db, page: PageIn) -> Page[BroadcastOut]:
    async with db.read() as session:
        items, next_cursor = await broadcasts.subscription_feed(session, actor, page)
    return Page[BroadcastOut](items=items, next_cursor=next_cursor)


# --- products ------------------------------------------------------------------------------------------


@router.post("/products", status_code=status.HTTP_201_CREATED, response_model=ProductOut)
async def create_product(body: ProductIn, actor: CurrentActor, db: Db) -> ProductOut:
    async with db.transaction() as session:
        return await catalog.create_product(session, actor, body)


@router.post("/products/images", status_code=status.HTTP_201_CREATED, response_model=ImageOut)
async def upload_product_image(actor: CurrentActor, db: Db, file: Annotated[UploadFile, File()]) -> ImageOut:
    raw = await file.read()
    async with db.transaction() as session:
        return await catalog.upload_product_image(session, actor, raw)


@router.get("/products/search", response_model=Page[ProductOut])
async def search_products(
    actor: CurrentActor, db: Db, page: PageIn, q: Annotated[str, Query(min_length=1, max_length=100)]
) -> Page[ProductOut]:
    async with db.read() as session:
        items, next_cursor = await catalog.search_products(session, actor, q, page)
    return Page[ProductOut](items=items, next_cursor=next_cursor)


@router.get("/products/{product_id}", response_model=ProductOut)
async def get_product(product_id: str, actor: CurrentActor, db: Db) -> ProductOut:
    async with db.read() as session:
        return await catalog.get_product(session, actor, product_id)


@router.patch("/products/{product_id}", response_model=ProductOut)
async def update_product(product_id: str, body: ProductPatch, actor: CurrentActor, db: Db) -> ProductOut:
    async with db.transaction() as session:
        return await catalog.update_product(session, actor, product_id, body)


@router.post("/products/{product_id}/skus", status_code=status.HTTP_201_CREATED, response_model=SkuOut)
async def add_sku(product_id: str, body: SkuIn, actor: CurrentActor, db: Db) -> SkuOut:
    async with db.transaction() as session:
        return await catalog.add_sku(session, actor, product_id, body)


@router.patch("/skus/{sku_id}", response_model=SkuOut)
async def update_sku(sku_id: str, body: SkuPatch, actor: CurrentActor, db: Db) -> SkuOut:
    async with db.transaction() as session:
        return await catalog.update_sku(session, actor, sku_id, body)


@router.post("/skus/{sku_id}/stock", response_model=SkuOut)
async def adjust_stock(
    sku_id: str, body: StockIn, actor: CurrentActor, db: Db, key: IdempotencyKeyHeader = None
) -> JSONResponse:
    """Add `delta` units (negative to take some away): a retry with the same key adjusts nothing twice."""

    async def action(session: AsyncSession, _proof: Any) -> tuple[int, dict[str, Any]]:
        sku = await catalog.adjust_stock(session, actor, sku_id, body.delta)
        return 200, sku.model_dump(mode="json")

    payload = {"sku_id": sku_id, **body.model_dump(mode="json")}
    return await idempotent(db, actor, key, "commerce.sku.stock", payload, action)
