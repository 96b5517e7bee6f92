"""The catalog (SHP-1): products, SKUs, categories, images; who may see and manage what; validation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from quanzi.commerce import catalog as catalog_service
from quanzi.core.errors import NotFound
from tests.commerce.catalog_helpers import V1, Catalog, catalog_fixture, error_code, png  # noqa: F401


async def test_a_product_with_skus_as_buyers_see_it(catalog: Catalog) -> None:
    merchant = await catalog.merchant(shop="华夏运动")
    buyer = await catalog.consumer()
    image = (await catalog.upload(merchant)).json()
    product = await catalog.product(
        merchant,
        "真空保温杯 500ml",
        description="304 stainless steel",
        image_keys=[image["key"]],
        skus=[
            {"name": "Red / 500ml", "price": 5900, "stock": 3},
            {"name": "Blue / 750ml", "price": 4900, "stock": 0},
        ],
    )
    assert product["status"] == "active"
    assert product["price_min"] == 4900 and product["sales_count"] == 0
    assert product["shop"] == {"id": merchant.id, "name": "华夏运动", "avatar_url": None, "verified": True}
    assert product["images"] == [image]
    assert image["url"].startswith("/media/products/") and image["thumb_url"].endswith("-thumb.jpg")
    assert [(s["name"], s["price"], s["stock"], s["active"]) for s in product["skus"]] == [
        ("Red / 500ml", 5900, 3, True),
        ("Blue / 750ml", 4900, 0, True),
    ]
    assert all(isinstance(s["id"], str) for s in product["skus"])

    seen = await catalog.get(buyer, f"/products/{product['id']}")
    assert seen.status_code == 200 and seen.json() == product
    media = await catalog.client.get(image["thumb_url"])
    assert media.status_code == 200 and media.content[:2] == b"\xff\xd8"
    shop = (await catalog.get(buyer, f"/shops/{merchant.id}")).json()
    assert shop["product_count"] == 1


async def test_drafts_and_archived_products_are_the_merchants_alone(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    other_merchant = await catalog.merchant()
    buyer = await catalog.consumer()
    draft = await catalog.product(merchant, "Draft cup", status="draft")
    live = await catalog.product(merchant, "Live cup")

    for viewer in (buyer, other_merchant):
        response = await catalog.get(viewer, f"/products/{draft['id']}")
        assert response.status_code == 404 and error_code(response) == "product_not_found"
        listed = await catalog.items(viewer, f"/shops/{merchant.id}/products")
        assert [p["id"] for p in listed] == [live["id"]]
        response = await catalog.get(viewer, f"/shops/{merchant.id}/products", status="draft")
        assert response.status_code == 403 and error_code(response) == "not_shop_owner"
    assert (await catalog.get(merchant, f"/products/{draft['id']}")).status_code == 200
    drafts = await catalog.items(merchant, f"/shops/{merchant.id}/products", status="draft")
    assert [p["id"] for p in drafts] == [draft["id"]]

    archived = await catalog.patch(merchant, f"/products/{live['id']}", {"status": "archived"})
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert (await catalog.get(buyer, f"/products/{live['id']}")).status_code == 404
    assert await catalog.items(buyer, f"/shops/{merchant.id}/products") == []
    archive = await catalog.items(merchant, f"/shops/{merchant.id}/products", status="archived")
    assert [p["id"] for p in archive] == [live["id"]]
    relisted = await catalog.patch(merchant, f"/products/{live['id']}", {"status": "active"})
    assert relisted.status_code == 200
    assert (await catalog.get(buyer, f"/products/{live['id']}")).status_code == 200


async def test_permission_matrix_for_managing_a_product(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    other = await catalog.merchant()
    buyer = await catalog.consumer()
    live = await catalog.product(merchant, "Live cup")
    draft = await catalog.product(merchant, "Draft cup", status="draft")
    sku_live, sku_draft = live["skus"][0]["id"], draft["skus"][0]["id"]

    def requests(product: dict[str, Any], sku_id: str) -> list[tuple[str, str, Any]]:
        return [
            ("PATCH", f"/products/{product['id']}", {"title": "Mine now"}),
            ("POST", f"/products/{product['id']}/skus", {"name": "New", "price": 100, "stock": 1}),
            ("PATCH", f"/skus/{sku_id}", {"price": 1}),
            ("POST", f"/skus/{sku_id}/stock", {"delta": -1}),
        ]

    for user, expected in ((buyer, "not_a_merchant"), (other, "not_shop_owner")):
        for method, path, body in requests(live, sku_live):
            headers = {**user.headers, "Idempotency-Key": uuid.uuid4().hex}
            response = await catalog.client.request(method, f"{V1}{path}", json=body, headers=headers)
            assert response.status_code == 403, (method, path, response.text)
            assert error_code(response) == expected
        for method, path, body in requests(draft, sku_draft):
            headers = {**user.headers, "Idempotency-Key": uuid.uuid4().hex}
            response = await catalog.client.request(method, f"{V1}{path}", json=body, headers=headers)
            assert response.status_code == 404, (method, path, response.text)
            assert error_code(response) in {"product_not_found", "sku_not_found"}

    for path in ("/shops/me/categories", "/shops/me/broadcasts"):
        response = await catalog.post(buyer, path, {"name": "x", "title": "x", "body": "x"})
        assert response.status_code in {403, 422}
    response = await catalog.post(buyer, "/shops/me/categories", {"name": "Cups"})
    assert response.status_code == 403 and error_code(response) == "not_a_merchant"
    response = await catalog.upload(buyer)
    assert response.status_code == 403 and error_code(response) == "not_a_merchant"

    # Nothing changed.
    again = (await catalog.get(merchant, f"/products/{live['id']}")).json()
    assert again["title"] == "Live cup" and len(again["skus"]) == 1 and again["skus"][0]["stock"] == 10
    assert again["price_min"] == 1999


SKU = {"name": "A", "price": 100, "stock": 1}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"title": "", "skus": [SKU]}, "invalid_input"),
        ({"title": "   ", "skus": [SKU]}, "title_required"),
        ({"title": "x" * 121, "skus": [SKU]}, "invalid_input"),
        ({"title": "Cup", "skus": []}, "invalid_input"),
        ({"title": "Cup"}, "invalid_input"),
        ({"title": "Cup", "skus": [{**SKU, "price": 0}]}, "invalid_input"),
        ({"title": "Cup", "skus": [{**SKU, "price": -100}]}, "invalid_input"),
        ({"title": "Cup", "skus": [{**SKU, "price": 100_000_001}]}, "invalid_input"),
        ({"title": "Cup", "skus": [{**SKU, "price": 19.99}]}, "invalid_input"),
        ({"title": "Cup", "skus": [{**SKU, "price": "100"}]}, "invalid_input"),
        ({"title": "Cup", "skus": [{**SKU, "stock": -1}]}, "invalid_input"),
        ({"title": "Cup", "skus": [{**SKU, "stock": 1_000_001}]}, "invalid_input"),
        ({"title": "Cup", "skus": [{**SKU, "name": " "}]}, "sku_name_required"),
        ({"title": "Cup", "skus": [SKU, SKU]}, "duplicate_sku_name"),
        ({"title": "Cup", "skus": [SKU] * 51}, "invalid_input"),
        ({"title": "Cup", "skus": [SKU], "status": "archived"}, "invalid_input"),
        ({"title": "Cup", "skus": [SKU], "category_id": "123"}, "unknown_category"),
        ({"title": "Cup", "skus": [SKU], "category_id": "abc"}, "invalid_input"),
        ({"title": "Cup", "skus": [SKU], "image_keys": ["products/1/2.jpg"]}, "unknown_image"),
        ({"title": "Cup", "skus": [SKU], "image_keys": ["../../etc/passwd"]}, "unknown_image"),
        ({"title": "Cup", "skus": [SKU], "shop_id": "1"}, "invalid_input"),
        ({"title": "Cup", "skus": [SKU], "sales_count": 1000}, "invalid_input"),
        ({"title": "Cup", "description": "x" * 5001, "skus": [SKU]}, "invalid_input"),
    ],
)
async def test_product_validation(catalog: Catalog, body: dict[str, Any], code: str) -> None:
    merchant = await catalog.merchant()
    response = await catalog.post(merchant, "/products", body)
    assert response.status_code == 422, response.text
    assert error_code(response) == code


async def test_images_belong_to_the_shop_that_uploaded_them(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    other = await catalog.merchant()
    keys = []
    for i in range(10):
        response = await catalog.upload(merchant, png((i * 20, 100, 100)))
        assert response.status_code == 201, response.text
        keys.append(response.json()["key"])
    too_many = await catalog.post(merchant, "/products", {"title": "Cup", "skus": [SKU], "image_keys": keys})
    assert too_many.status_code == 422 and error_code(too_many) == "invalid_input"
    twice = await catalog.post(
        merchant, "/products", {"title": "Cup", "skus": [SKU], "image_keys": [keys[0], keys[0]]}
    )
    assert twice.status_code == 422 and error_code(twice) == "duplicate_image"
    stolen = await catalog.post(other, "/products", {"title": "Cup", "skus": [SKU], "image_keys": [keys[0]]})
    assert stolen.status_code == 422 and error_code(stolen) == "unknown_image"

    product = await catalog.product(merchant, image_keys=keys[:9])
    assert [image["key"] for image in product["images"]] == keys[:9]
    reordered = await catalog.patch(
        merchant, f"/products/{product['id']}", {"image_keys": [keys[9], keys[0]]}
    )
    assert [image["key"] for image in reordered.json()["images"]] == [keys[9], keys[0]]

    not_image = await catalog.upload(merchant, b"plain text, not an image")
    assert not_image.status_code == 415
    empty = await catalog.upload(merchant, b"")
    assert empty.status_code == 422 and error_code(empty) == "empty_file"


async def test_categories(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    other = await catalog.merchant()
    buyer = await catalog.consumer()
    cups = (await catalog.post(merchant, "/shops/me/categories", {"name": "Cups"})).json()
    tea = (await catalog.post(merchant, "/shops/me/categories", {"name": "茶叶"})).json()
    assert (cups["position"], tea["position"]) == (0, 1)
    duplicate = await catalog.post(merchant, "/shops/me/categories", {"name": "Cups"})
    assert duplicate.status_code == 409 and error_code(duplicate) == "category_name_taken"
    blank = await catalog.post(merchant, "/shops/me/categories", {"name": "  "})
    assert blank.status_code == 422 and error_code(blank) == "name_required"
    theirs = (await catalog.post(other, "/shops/me/categories", {"name": "Cups"})).json()

    moved = await catalog.patch(merchant, f"/shops/me/categories/{tea['id']}", {"position": 0, "name": "Tea"})
    assert moved.status_code == 200 and moved.json()["name"] == "Tea"
    cups_moved = await catalog.patch(merchant, f"/shops/me/categories/{cups['id']}", {"position": 5})
    assert cups_moved.status_code == 200
    listed = (await catalog.get(buyer, f"/shops/{merchant.id}/categories")).json()
    assert [c["name"] for c in listed] == ["Tea", "Cups"]
    clash = await catalog.patch(merchant, f"/shops/me/categories/{tea['id']}", {"name": "Cups"})
    assert clash.status_code == 409
    not_mine = await catalog.patch(merchant, f"/shops/me/categories/{theirs['id']}", {"name": "Mine"})
    assert not_mine.status_code == 404 and error_code(not_mine) == "category_not_found"

    in_cups = await catalog.product(merchant, "Cup", category_id=cups["id"])
    await catalog.product(merchant, "Tea", category_id=tea["id"])
    foreign = await catalog.post(
        merchant, "/products", {"title": "Cup", "skus": [SKU], "category_id": theirs["id"]}
    )
    assert foreign.status_code == 422 and error_code(foreign) == "unknown_category"
    filtered = await catalog.items(buyer, f"/shops/{merchant.id}/products", category_id=cups["id"])
    assert [p["id"] for p in filtered] == [in_cups["id"]]

    cleared = await catalog.patch(merchant, f"/products/{in_cups['id']}", {"category_id": None})
    assert cleared.json()["category_id"] is None
    back = await catalog.patch(merchant, f"/products/{in_cups['id']}", {"category_id": cups["id"]})
    assert back.json()["category_id"] == cups["id"]
    assert (await catalog.delete(merchant, f"/shops/me/categories/{cups['id']}")).status_code == 204
    assert (await catalog.get(buyer, f"/products/{in_cups['id']}")).json()["category_id"] is None
    assert (await catalog.delete(merchant, f"/shops/me/categories/{cups['id']}")).status_code == 404


async def test_price_min_follows_the_cheapest_active_sku(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    product = await catalog.product(merchant, skus=[{"name": "M", "price": 5000, "stock": 1}])
    cheap = await catalog.post(merchant, f"/products/{product['id']}/skus", {"name": "S", "price": 3000})
    assert cheap.status_code == 201, cheap.text
    assert cheap.json()["stock"] == 0
    path = f"/products/{product['id']}"
    assert (await catalog.get(merchant, path)).json()["price_min"] == 3000
    taken = await catalog.post(merchant, f"/products/{product['id']}/skus", {"name": "S", "price": 10})
    assert taken.status_code == 409 and error_code(taken) == "sku_name_taken"

    off = await catalog.patch(merchant, f"/skus/{cheap.json()['id']}", {"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert (await catalog.get(merchant, path)).json()["price_min"] == 5000
    await catalog.patch(merchant, f"/skus/{product['skus'][0]['id']}", {"price": 4500})
    assert (await catalog.get(merchant, path)).json()["price_min"] == 4500

    # With no active SKU the product cannot go on sale; its price is the cheapest SKU's.
    await catalog.patch(merchant, path, {"status": "draft"})
    await catalog.patch(merchant, f"/skus/{product['skus'][0]['id']}", {"active": False})
    assert (await catalog.get(merchant, path)).json()["price_min"] == 3000
    refused = await catalog.patch(merchant, path, {"status": "active"})
    assert refused.status_code == 409 and error_code(refused) == "no_active_sku"

    for body, code in (
        ({"price": 0}, "invalid_input"),
        ({"price": 100_000_001}, "invalid_input"),
        ({"name": ""}, "invalid_input"),
        ({"active": "yes"}, "invalid_input"),
        ({"stock": 5}, "invalid_input"),
    ):
        response = await catalog.patch(merchant, f"/skus/{cheap.json()['id']}", body)
        assert response.status_code == 422 and error_code(response) == code, body


async def test_stock_adjustments_never_go_below_zero(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    product = await catalog.product(merchant, skus=[{"name": "M", "price": 5000, "stock": 3}])
    sku = product["skus"][0]["id"]
    added = await catalog.post(merchant, f"/skus/{sku}/stock", {"delta": 7})
    assert added.status_code == 200 and added.json()["stock"] == 10
    too_much = await catalog.post(merchant, f"/skus/{sku}/stock", {"delta": -11})
    assert too_much.status_code == 409 and error_code(too_much) == "insufficient_stock"
    assert too_much.json()["error"]["details"] == {"sku_id": sku, "stock": 10}
    emptied = await catalog.post(merchant, f"/skus/{sku}/stock", {"delta": -10})
    assert emptied.status_code == 200 and emptied.json()["stock"] == 0
    for body in ({"delta": 0}, {"delta": 1.5}, {"delta": "3"}, {"delta": 1_000_001}, {}):
        response = await catalog.post(merchant, f"/skus/{sku}/stock", body)
        assert response.status_code == 422, body
    await catalog.post(merchant, f"/skus/{sku}/stock", {"delta": 1_000_000})
    over = await catalog.post(merchant, f"/skus/{sku}/stock", {"delta": 1})
    assert over.status_code == 422 and error_code(over) == "stock_too_large"
    unknown = await catalog.post(merchant, "/skus/42/stock", {"delta": 1})
    assert unknown.status_code == 404 and error_code(unknown) == "sku_not_found"


async def test_shop_products_are_paged_newest_first(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    buyer = await catalog.consumer()
    made = [await catalog.product(merchant, f"Cup {i}") for i in range(5)]
    paged = await catalog.all_pages(buyer, f"/shops/{merchant.id}/products", limit=2)
    assert [p["id"] for p in paged] == [p["id"] for p in reversed(made)]
    bad = await catalog.get(buyer, f"/shops/{merchant.id}/products", status="deleted")
    assert bad.status_code == 422
    unknown = await catalog.get(buyer, "/shops/999/products")
    assert unknown.status_code == 404 and error_code(unknown) == "shop_not_found"


async def test_services_other_rooms_use(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    image = (await catalog.upload(merchant)).json()
    live = await catalog.product(merchant, "Cup", image_keys=[image["key"]])
    draft = await catalog.product(merchant, "Draft", status="draft")
    off_sku = await catalog.post(merchant, f"/products/{live['id']}/skus", {"name": "Off", "price": 10})
    await catalog.patch(merchant, f"/skus/{off_sku.json()['id']}", {"active": False})
    async with catalog.app.state.db.read() as session:
        sku, product = await catalog_service.get_sku_for_sale(session, live["skus"][0]["id"])
        assert (str(sku.id), str(product.id), sku.price, sku.stock) == (
            live["skus"][0]["id"],
            live["id"],
            1999,
            10,
        )
        for sku_id in (draft["skus"][0]["id"], off_sku.json()["id"], "1", "x"):
            with pytest.raises(NotFound):
                await catalog_service.get_sku_for_sale(session, sku_id)
        summary = await catalog_service.product_summary(session, live["id"])
        assert summary == {
            "id": live["id"],
            "shop_id": merchant.id,
            "title": "Cup",
            "price_min": 1999,
            "image_url": image["thumb_url"],
            "status": "active",
        }
        assert (await catalog_service.product_summary(session, int(draft["id"])))["status"] == "draft"
        with pytest.raises(NotFound):
            await catalog_service.product_summary(session, "404")
