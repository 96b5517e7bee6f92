"""The demo world's shops: each demo merchant has a shop with categories, products, photos and stock."""

from __future__ import annotations

import httpx

from quanzi.config import Settings
from quanzi.demo import DEMO_PASSWORD, SHOPS, seed_demo_world

V1 = "/api/v1"


async def test_demo_shops_are_browsable(settings: Settings, client: httpx.AsyncClient) -> None:
    assert await seed_demo_world(settings) is True
    login = await client.post(f"{V1}/auth/login", json={"login": "lin_xiaomei", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['token']}"}

    shops = (await client.get(f"{V1}/shops", headers=headers)).json()["items"]
    assert sorted(shop["name"] for shop in shops) == sorted(shop.name for shop in SHOPS)
    for shop in shops:
        assert shop["verified"] and shop["product_count"] >= 4
        categories = (await client.get(f"{V1}/shops/{shop['id']}/categories", headers=headers)).json()
        assert 2 <= len(categories) <= 3
        products = (await client.get(f"{V1}/shops/{shop['id']}/products", headers=headers)).json()["items"]
        for product in products:
            assert 1 <= len(product["skus"]) <= 3 and product["category_id"] is not None
            assert product["price_min"] == min(sku["price"] for sku in product["skus"])
            photo = await client.get(product["images"][0]["thumb_url"])
            assert photo.status_code == 200 and photo.headers["content-type"].startswith("image/")

    found = (await client.get(f"{V1}/products/search", params={"q": "保温杯"}, headers=headers)).json()
    assert [p["title"] for p in found["items"]] == ["真空保温杯 500ml Vacuum Thermos Bottle"]
    found = (await client.get(f"{V1}/products/search", params={"q": "earbuds"}, headers=headers)).json()
    assert [p["shop"]["name"] for p in found["items"]] == ["云端数码 Yunduan Digital"]
    broadcasts = (await client.get(f"{V1}/shops/{shops[0]['id']}/broadcasts", headers=headers)).json()
    assert len(broadcasts["items"]) == 1
