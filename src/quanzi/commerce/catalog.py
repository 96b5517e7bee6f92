"""The catalog (SHP-1): categories, products, SKUs, stock and product images of a shop.

Rules (docs/commerce.md "Shops and catalog"):
- Only the shop's merchant manages its catalog. A product others may not see (draft or archived, or
  unknown) is 404 ``product_not_found`` to them; managing a product they can see (active) is 403
  ``not_shop_owner``; a non-merchant managing anything is 403 ``not_a_merchant``.
- A product has 1–50 SKUs (variants), each priced 1 fen … 1,000,000 yuan with 0 … 1,000,000 units of
  stock; `price_min` is kept equal to the cheapest active SKU's price (the cheapest of all SKUs while
  none is active). A product becomes active only with an active SKU (409 ``no_active_sku``).
- Stock changes only with ``stock = stock + :delta`` guarded in the same statement, so concurrent
  adjustments and orders can never take it below zero (409 ``insufficient_stock``); the CHECK
  constraint backs the guard.
- Images are uploaded first (``POST /products/images``: sniffed, re-encoded without metadata, with a
  thumbnail) and then named by key; a key is accepted only if it is one of this shop's uploads, at
  most 9, no repeats.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import search
from quanzi.commerce.models.catalog import Category, Product, Shop, Sku
from quanzi.commerce.schemas.catalog import (
    MAX_CATEGORIES_PER_SHOP,
    MAX_IMAGES,
    MAX_PRICE,
    MAX_SKUS_PER_PRODUCT,
    MAX_STOCK,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    ImageOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    SkuIn,
    SkuOut,
    SkuPatch,
)
from quanzi.commerce.shops import clean_text, get_shop, require_shop_owner, shop_refs
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.images import process_image
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.core.storage import get_storage

__all__ = [
    "get_sku_for_sale",
    "product_summary",
    "require_shop_owner",
]

IMAGE_MAX_SIDE = 1600
THUMB_SIDE = 400


# --- lookups other rooms and domains use -----------------------------------------------------------


def _product_not_found() -> NotFound:
    return NotFound("No such product.", code="product_not_found")


def _sku_not_found() -> NotFound:
    return NotFound("No such SKU.", code="sku_not_found")


async def get_sku_for_sale(session: AsyncSession, sku_id: int | str) -> tuple[Sku, Product]:
    """The SKU and its product, if it can be bought now: an active SKU of an active product; else 404
    ``sku_not_found``. The caller reserves stock itself (a guarded ``stock = stock - :q``)."""
    parsed = parse_id(sku_id)
    if parsed is None:
        raise _sku_not_found()
    row = (
        await session.execute(
            select(Sku, Product)
            .join(Product, Product.id == Sku.product_id)
            .where(Sku.id == parsed, Sku.active.is_(True), Product.status == "active")
        )
    ).first()
    if row is None:
        raise _sku_not_found()
    return row[0], row[1]


def image_out(key: str) -> ImageOut:
    storage = get_storage()
    return ImageOut(key=key, url=storage.url(key), thumb_url=storage.url(_thumb_key(key)))


async def product_summary(session: AsyncSession, product_id: int | str) -> dict[str, Any]:
    """What a card shows of a product, JSON-ready: {id, shop_id (strings), title, price_min (fen),
    image_url (the first image's thumbnail, or None), status}. 404 ``product_not_found`` if missing
    (whatever its status: the caller decides what a draft or archived product means to it)."""
    parsed = parse_id(product_id)
    product = await session.get(Product, parsed) if parsed is not None else None
    if product is None:
        raise _product_not_found()
    return {
        "id": str(product.id),
        "shop_id": str(product.shop_id),
        "title": product.title,
        "price_min": product.price_min,
        "image_url": image_out(product.image_keys[0]).thumb_url if product.image_keys else None,
        "status": product.status,
    }


# --- images ----------------------------------------------------------------------------------------------


def _thumb_key(key: str) -> str:
    stem, _, extension = key.rpartition(".")
    return f"{stem}-thumb.{extension}"


def _check_image_keys(shop_id: int, keys: Sequence[str]) -> list[str]:
    if len(keys) > MAX_IMAGES:
        raise InvalidInput(f"A product has at most {MAX_IMAGES} images.", code="too_many_images")
    if len(set(keys)) != len(keys):
        raise InvalidInput("An image is named twice.", code="duplicate_image")
    pattern = re.compile(rf"products/{shop_id}/[0-9]{{1,19}}\.(jpg|png)")
    for key in keys:
        if not pattern.fullmatch(key):
            raise InvalidInput(
                "Name images by the keys POST /products/images returned to this shop.",
                code="unknown_image",
            )
    return list(keys)


async def upload_product_image(session: AsyncSession, actor: Actor, raw: bytes) -> ImageOut:
    """Store an image for the actor's products: sniffed, re-encoded without metadata, thumbnailed."""
    shop = await require_shop_owner(session, actor)
    if not raw:
        raise InvalidInput("The file is empty.", code="empty_file")
    processed = await asyncio.to_thread(process_image, raw, max_side=IMAGE_MAX_SIDE, thumb_side=THUMB_SIDE)
    return store_product_image(shop.merchant_id, processed.data, processed.thumbnail, processed.extension)


def store_product_image(shop_id: int, data: bytes, thumbnail: bytes, extension: str) -> ImageOut:
    key = f"products/{shop_id}/{new_id()}.{extension}"
    storage = get_storage()
    storage.save(key, data)
    storage.save(_thumb_key(key), thumbnail)
    return image_out(key)


# --- categories --------------------------------------------------------------------------------------


def _category_out(category: Category) -> CategoryOut:
    return CategoryOut(id=category.id, name=category.name, position=category.position)


async def list_categories(session: AsyncSession, shop_id: int | str) -> list[CategoryOut]:
    shop = await get_shop(session, shop_id)
    rows = await session.scalars(
        select(Category).where(Category.shop_id == shop.merchant_id).order_by(Category.position, Category.id)
    )
    return [_category_out(category) for category in rows.all()]


async def _name_taken(session: AsyncSession, shop_id: int, name: str, *, besides: int | None = None) -> bool:
    stmt = select(Category.id).where(Category.shop_id == shop_id, Category.name == name)
    if besides is not None:
        stmt = stmt.where(Category.id != besides)
    return await session.scalar(stmt) is not None


async def create_category(session: AsyncSession, actor: Actor, data: CategoryIn) -> CategoryOut:
    shop = await require_shop_owner(session, actor, lock=True)
    name = clean_text(data.name, "name")
    count, last = (
        await session.execute(
            select(func.count(), func.max(Category.position)).where(Category.shop_id == shop.merchant_id)
        )
    ).one()
    if count >= MAX_CATEGORIES_PER_SHOP:
        raise Conflict(
            f"A shop has at most {MAX_CATEGORIES_PER_SHOP} categories.", code="too_many_categories"
        )
    if await _name_taken(session, shop.merchant_id, name):
        raise Conflict("The shop already has a category of that name.", code="category_name_taken")
    position = data.position if data.position is not None else (0 if last is None else int(last) + 1)
    category = Category(
        id=new_id(), shop_id=shop.merchant_id, name=name, position=position, created_at=clock.now()
    )
    session.add(category)
    return _category_out(category)


async def _own_category(session: AsyncSession, shop: Shop, category_id: int | str) -> Category:
    parsed = parse_id(category_id)
    category = await session.get(Category, parsed) if parsed is not None else None
    if category is None or category.shop_id != shop.merchant_id:
        raise NotFound("No such category in your shop.", code="category_not_found")
    return category


async def update_category(
    session: AsyncSession, actor: Actor, category_id: int | str, data: CategoryPatch
) -> CategoryOut:
    shop = await require_shop_owner(session, actor, lock=True)
    category = await _own_category(session, shop, category_id)
    if data.name is not None:
        name = clean_text(data.name, "name")
        if await _name_taken(session, shop.merchant_id, name, besides=category.id):
            raise Conflict("The shop already has a category of that name.", code="category_name_taken")
        category.name = name
    if data.position is not None:
        category.position = data.position
    return _category_out(category)


async def delete_category(session: AsyncSession, actor: Actor, category_id: int | str) -> None:
    """Delete a category; its products stay, out of any category."""
    shop = await require_shop_owner(session, actor, lock=True)
    category = await _own_category(session, shop, category_id)
    await session.execute(update(Product).where(Product.category_id == category.id).values(category_id=None))
    await session.delete(category)


async def _category_id_for(session: AsyncSession, shop_id: int, category_id: str | None) -> int | None:
    """A category id from a request body: one of this shop's categories, else 422."""
    if category_id is None:
        return None
    parsed = parse_id(category_id)
    category = await session.get(Category, parsed) if parsed is not None else None
    if category is None or category.shop_id != shop_id:
        raise InvalidInput("No such category in your shop.", code="unknown_category")
    return category.id


# --- products ---------------------------------------------------------------------------------------


def _sku_out(sku: Sku) -> SkuOut:
    return SkuOut(
        id=sku.id,
        name=sku.name,
        price=sku.price,
        stock=sku.stock,
        active=sku.active,
        per_buyer_limit=sku.per_buyer_limit,
    )


async def products_out(
    session: AsyncSession,
    products: Sequence[Product],
    *,
    shops: Sequence[Shop] | None = None,
    skus: dict[int, list[Sku]] | None = None,
) -> list[ProductOut]:
    """Products as their pages show them, with their shop and SKUs: three queries for any number,
    fewer when the caller read the shops or the SKUs with the products."""
    if not products:
        return []
    refs = await shop_refs(session, {product.shop_id for product in products}, shops=shops)
    if skus is None:
        skus = {product.id: [] for product in products}
        rows = await session.scalars(
            select(Sku).where(Sku.product_id.in_(list(skus))).order_by(Sku.product_id, Sku.id)
        )
        for sku in rows.all():
            skus[sku.product_id].append(sku)
    return [
        ProductOut(
            id=product.id,
            shop=refs[product.shop_id],
            title=product.title,
            description=product.description,
            category_id=product.category_id,
            status=product.status,  # type: ignore[arg-type]
            images=[image_out(key) for key in product.image_keys],
            price_min=product.price_min,
            sales_count=product.sales_count,
            skus=[_sku_out(sku) for sku in skus[product.id]],
            created_at=product.created_at,
            updated_at=product.updated_at,
        )
        for product in products
    ]


async def product_out(session: AsyncSession, product: Product) -> ProductOut:
    return (await products_out(session, [product]))[0]


async def _visible_product(
    session: AsyncSession, actor: Actor, product_id: int | str, *, lock: bool = False
) -> Product:
    """The product if the actor may see it (active, or their own): else 404 ``product_not_found``."""
    parsed = parse_id(product_id)
    if parsed is None:
        raise _product_not_found()
    stmt = select(Product).where(Product.id == parsed)
    if lock:
        stmt = stmt.with_for_update()
    product = await session.scalar(stmt)
    if product is None or (product.status != "active" and product.shop_id != actor.user_id):
        raise _product_not_found()
    return product


async def _own_product(session: AsyncSession, actor: Actor, product_id: int | str) -> Product:
    """The actor's own product, locked for the change (404 / 403 as the module says)."""
    if actor.kind != "merchant":
        await _visible_product(session, actor, product_id)
        raise Forbidden("Only merchant accounts run a shop.", code="not_a_merchant")
    product = await _visible_product(session, actor, product_id, lock=True)
    if product.shop_id != actor.user_id:
        raise Forbidden("This product is not in your shop.", code="not_shop_owner")
    return product


def _check_sku(data: SkuIn | SkuPatch) -> str | None:
    if data.price is not None and not 0 < data.price <= MAX_PRICE:
        raise InvalidInput("A price is 1 fen to 1,000,000 yuan.", code="invalid_price")
    if isinstance(data, SkuIn) and not 0 <= data.stock <= MAX_STOCK:
        raise InvalidInput(f"Stock is 0 to {MAX_STOCK}.", code="invalid_stock")
    return clean_text(data.name, "sku_name") if data.name is not None else None


async def _refresh_price_min(session: AsyncSession, product: Product) -> None:
    await session.flush()
    cheapest_active = await session.scalar(
        select(func.min(Sku.price)).where(Sku.product_id == product.id, Sku.active.is_(True))
    )
    if cheapest_active is None:
        cheapest_active = await session.scalar(
            select(func.min(Sku.price)).where(Sku.product_id == product.id)
        )
    product.price_min = int(cheapest_active or 0)


async def _has_active_sku(session: AsyncSession, product_id: int) -> bool:
    await session.flush()
    found = await session.scalar(
        select(Sku.id).where(Sku.product_id == product_id, Sku.active.is_(True)).limit(1)
    )
    return found is not None


def _emit_product(session: AsyncSession, topic: str, product: Product) -> None:
    emit(
        session,
        topic,
        {"product_id": str(product.id), "shop_id": str(product.shop_id), "status": product.status},
    )


async def create_product(session: AsyncSession, actor: Actor, data: ProductIn) -> ProductOut:
    shop = await require_shop_owner(session, actor)
    title = clean_text(data.title, "title")
    description = clean_text(data.description, "description", required=False)
    category_id = await _category_id_for(session, shop.merchant_id, data.category_id)
    image_keys = _check_image_keys(shop.merchant_id, data.image_keys)
    if not 1 <= len(data.skus) <= MAX_SKUS_PER_PRODUCT:
        raise InvalidInput(f"A product has 1 to {MAX_SKUS_PER_PRODUCT} SKUs.", code="invalid_skus")
    names = [_check_sku(sku) for sku in data.skus]
    if len(set(names)) != len(names):
        raise InvalidInput("Two SKUs have the same name.", code="duplicate_sku_name")
    now = clock.now()
    product = Product(
        id=new_id(),
        shop_id=shop.merchant_id,
        category_id=category_id,
        title=title,
        description=description,
        status=data.status,
        image_keys=image_keys,
        price_min=min(sku.price for sku in data.skus),
        sales_count=0,
        created_at=now,
        updated_at=now,
    )
    session.add(product)
    await session.flush()
    session.add_all(
        [
            Sku(
                id=new_id(),
                product_id=product.id,
                shop_id=shop.merchant_id,
                name=name,
                price=sku.price,
                stock=sku.stock,
                sold=0,
                active=True,
                per_buyer_limit=sku.per_buyer_limit,
                created_at=now,
            )
            for name, sku in zip(names, data.skus, strict=True)
        ]
    )
    await search.index_product(session, product)
    _emit_product(session, "commerce.product.created", product)
    return await product_out(session, product)


async def update_product(
    session: AsyncSession, actor: Actor, product_id: int | str, data: ProductPatch
) -> ProductOut:
    """Change what the request names; a field sent as null (category_id) is cleared, one left out stays."""
    product = await _own_product(session, actor, product_id)
    fields = data.model_fields_set
    reindex = False
    if data.title is not None:
        product.title = clean_text(data.title, "title")
        reindex = True
    if data.description is not None:
        product.description = clean_text(data.description, "description", required=False)
        reindex = True
    if "category_id" in fields:
        product.category_id = await _category_id_for(session, product.shop_id, data.category_id)
    if data.image_keys is not None:
        product.image_keys = _check_image_keys(product.shop_id, data.image_keys)
    if data.status is not None and data.status != product.status:
        if data.status == "active" and not await _has_active_sku(session, product.id):
            raise Conflict("Activate a SKU before putting the product on sale.", code="no_active_sku")
        product.status = data.status
    product.updated_at = clock.now()
    if reindex:
        await search.index_product(session, product)
    _emit_product(session, "commerce.product.updated", product)
    return await product_out(session, product)


async def get_product(session: AsyncSession, actor: Actor, product_id: int | str) -> ProductOut:
    """A product page: the product, its shop and SKUs in one query, then the owner's card."""
    parsed = parse_id(product_id)
    rows = (
        (
            await session.execute(
                select(Product, Shop, Sku)
                .join(Shop, Shop.merchant_id == Product.shop_id)
                .outerjoin(Sku, Sku.product_id == Product.id)
                .where(Product.id == parsed)
                .order_by(Sku.id)
            )
        ).all()
        if parsed is not None
        else []
    )
    if not rows:
        raise _product_not_found()
    product, shop = rows[0][0], rows[0][1]
    if product.status != "active" and product.shop_id != actor.user_id:
        raise _product_not_found()
    skus = {product.id: [sku for _, _, sku in rows if sku is not None]}
    return (await products_out(session, [product], shops=[shop], skus=skus))[0]


async def list_shop_products(
    session: AsyncSession,
    actor: Actor,
    shop_id: int | str,
    page: PageRequest,
    *,
    category_id: str | None = None,
    status: str = "active",
) -> tuple[list[ProductOut], str | None]:
    """A shop's products, newest first; only its merchant may list drafts or archived ones."""
    shop = await get_shop(session, shop_id)
    if status != "active" and actor.user_id != shop.merchant_id:
        raise Forbidden("Only the shop's merchant sees its drafts and archive.", code="not_shop_owner")
    stmt = select(Product).where(Product.shop_id == shop.merchant_id, Product.status == status)
    if category_id is not None:
        parsed = parse_id(category_id)
        if parsed is None:
            raise InvalidInput("category_id is not an id.", code="invalid_category_id")
        stmt = stmt.where(Product.category_id == parsed)
    return await _product_page(session, stmt, page)


async def _product_page(
    session: AsyncSession, stmt: Any, page: PageRequest
) -> tuple[list[ProductOut], str | None]:
    if page.after:
        if len(page.after) != 1 or not isinstance(page.after[0], int):
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        stmt = stmt.where(Product.id < page.after[0])
    stmt = stmt.add_columns(Shop).join(Shop, Shop.merchant_id == Product.shop_id)
    rows = list((await session.execute(stmt.order_by(Product.id.desc()).limit(page.limit + 1))).all())
    kept, next_cursor = page_of(rows, page, key=lambda row: row[0].id)
    shops = list({shop.merchant_id: shop for _, shop in kept}.values())
    return await products_out(session, [product for product, _ in kept], shops=shops), next_cursor


async def search_products(
    session: AsyncSession, actor: Actor, query: str, page: PageRequest
) -> tuple[list[ProductOut], str | None]:
    """Active products matching every jieba term of `query` (see `search`), newest first."""
    rows, next_cursor = await search.search_product_rows(session, query, page)
    return await products_out(session, rows), next_cursor


# --- SKUs and stock ---------------------------------------------------------------------------------


async def add_sku(session: AsyncSession, actor: Actor, product_id: int | str, data: SkuIn) -> SkuOut:
    product = await _own_product(session, actor, product_id)
    name = _check_sku(data)
    count = await session.scalar(select(func.count()).select_from(Sku).where(Sku.product_id == product.id))
    if int(count or 0) >= MAX_SKUS_PER_PRODUCT:
        raise Conflict(f"A product has at most {MAX_SKUS_PER_PRODUCT} SKUs.", code="too_many_skus")
    if await session.scalar(select(Sku.id).where(Sku.product_id == product.id, Sku.name == name)):
        raise Conflict("The product already has a SKU of that name.", code="sku_name_taken")
    sku = Sku(
        id=new_id(),
        product_id=product.id,
        shop_id=product.shop_id,
        name=name,
        price=data.price,
        stock=data.stock,
        sold=0,
        active=True,
        per_buyer_limit=data.per_buyer_limit,
        created_at=clock.now(),
    )
    session.add(sku)
    await _refresh_price_min(session, product)
    product.updated_at = clock.now()
    return _sku_out(sku)


async def _own_sku(session: AsyncSession, actor: Actor, sku_id: int | str) -> tuple[Sku, Product]:
    parsed = parse_id(sku_id)
    sku = await session.get(Sku, parsed) if parsed is not None else None
    if sku is None:
        raise _sku_not_found()
    try:
        product = await _own_product(session, actor, sku.product_id)
    except NotFound as exc:
        raise _sku_not_found() from exc
    return sku, product


async def update_sku(session: AsyncSession, actor: Actor, sku_id: int | str, data: SkuPatch) -> SkuOut:
    sku, product = await _own_sku(session, actor, sku_id)
    name = _check_sku(data)
    if name is not None and name != sku.name:
        if await session.scalar(select(Sku.id).where(Sku.product_id == product.id, Sku.name == name)):
            raise Conflict("The product already has a SKU of that name.", code="sku_name_taken")
        sku.name = name
    if data.price is not None:
        sku.price = data.price
    if data.active is not None:
        sku.active = data.active
    if "per_buyer_limit" in data.model_fields_set:
        sku.per_buyer_limit = data.per_buyer_limit
    await _refresh_price_min(session, product)
    product.updated_at = clock.now()
    return _sku_out(sku)


async def adjust_stock(session: AsyncSession, actor: Actor, sku_id: int | str, delta: int) -> SkuOut:
    """Add `delta` units (negative removes) in one guarded statement: never below zero (409
    ``insufficient_stock`` with the stock there is), never above the maximum (422 ``stock_too_large``)."""
    if delta == 0:
        raise InvalidInput("delta must not be zero.", code="invalid_delta")
    parsed = parse_id(sku_id)
    sku = await session.get(Sku, parsed) if parsed is not None else None
    if sku is None:
        raise _sku_not_found()
    if actor.kind != "merchant" or sku.shop_id != actor.user_id:
        await _own_sku(session, actor, sku.id)  # raises the right 404 / 403
    result = await session.execute(
        update(Sku)
        .where(Sku.id == sku.id, Sku.stock + delta >= 0, Sku.stock + delta <= MAX_STOCK)
        .values(stock=Sku.stock + delta)
        .returning(Sku.stock)
        .execution_options(synchronize_session=False)
    )
    stock = result.scalar_one_or_none()
    if stock is None:
        # Only the guard on delta's side can have failed (re-reading the stock could see a racing
        # adjustment that committed since, so it does not decide which).
        current = int(await session.scalar(select(Sku.stock).where(Sku.id == sku.id)) or 0)
        if delta < 0:
            raise Conflict(
                "There is not that much stock to remove.",
                code="insufficient_stock",
                details={"sku_id": str(sku.id), "stock": current},
            )
        raise InvalidInput(
            f"Stock is at most {MAX_STOCK}.", code="stock_too_large", details={"stock": current}
        )
    await session.refresh(sku)
    return _sku_out(sku)
