"""Product search (SHP-1): jieba-segmented terms of titles and descriptions, Chinese and English."""

from __future__ import annotations

from tests.commerce.catalog_helpers import Catalog, catalog_fixture, error_code  # noqa: F401


async def found(catalog: Catalog, user: object, query: str) -> list[str]:
    return [p["title"] for p in await catalog.items(user, "/products/search", q=query)]


async def test_chinese_and_english_search(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    buyer = await catalog.consumer()
    await catalog.product(merchant, "真空保温杯 500ml", description="304不锈钢，保温12小时")
    await catalog.product(merchant, "Vacuum Thermos Bottle", description="Keeps tea hot for 12 hours")
    await catalog.product(merchant, "明前龙井 绿茶", description="Spring green tea from Hangzhou")
    await catalog.product(merchant, "Running shoes 跑鞋", description="Light and fast")

    assert await found(catalog, buyer, "保温杯") == ["真空保温杯 500ml"]
    assert await found(catalog, buyer, "保温") == ["真空保温杯 500ml"]
    assert await found(catalog, buyer, "不锈钢") == ["真空保温杯 500ml"]
    assert await found(catalog, buyer, "龙井") == ["明前龙井 绿茶"]
    assert await found(catalog, buyer, "thermos") == ["Vacuum Thermos Bottle"]
    assert await found(catalog, buyer, "THERMOS bottle") == ["Vacuum Thermos Bottle"]
    assert await found(catalog, buyer, "tea") == ["明前龙井 绿茶", "Vacuum Thermos Bottle"]
    assert await found(catalog, buyer, "green tea") == ["明前龙井 绿茶"]
    assert await found(catalog, buyer, "跑鞋") == ["Running shoes 跑鞋"]
    assert await found(catalog, buyer, "500ml") == ["真空保温杯 500ml"]
    assert await found(catalog, buyer, "保温杯 thermos") == []
    assert await found(catalog, buyer, "冰箱") == []
    assert await found(catalog, buyer, "的 the") == []  # stopwords only


async def test_only_active_products_are_found_and_edits_are_reindexed(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    buyer = await catalog.consumer()
    draft = await catalog.product(merchant, "保温杯 draft", status="draft")
    live = await catalog.product(merchant, "保温杯 live")
    assert await found(catalog, buyer, "保温杯") == ["保温杯 live"]
    assert await found(catalog, merchant, "保温杯") == ["保温杯 live"]  # search is the shop window

    await catalog.patch(merchant, f"/products/{draft['id']}", {"status": "active"})
    await catalog.patch(merchant, f"/products/{live['id']}", {"status": "archived"})
    assert await found(catalog, buyer, "保温杯") == ["保温杯 draft"]

    await catalog.patch(
        merchant, f"/products/{draft['id']}", {"title": "Espresso cup", "description": "陶瓷"}
    )
    assert await found(catalog, buyer, "保温杯") == []
    assert await found(catalog, buyer, "espresso") == ["Espresso cup"]
    assert await found(catalog, buyer, "陶瓷") == ["Espresso cup"]


async def test_search_pages_and_validation(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    buyer = await catalog.consumer()
    made = [await catalog.product(merchant, f"保温杯 {i}号") for i in range(5)]
    paged = await catalog.all_pages(buyer, "/products/search", limit=2, q="保温杯")
    assert [p["id"] for p in paged] == [p["id"] for p in reversed(made)]
    empty = await catalog.get(buyer, "/products/search", q="")
    assert empty.status_code == 422
    long = await catalog.get(buyer, "/products/search", q="x" * 101)
    assert long.status_code == 422
    bad_cursor = await catalog.get(buyer, "/products/search", q="保温杯", cursor="!!")
    assert bad_cursor.status_code == 422 and error_code(bad_cursor) == "invalid_cursor"
