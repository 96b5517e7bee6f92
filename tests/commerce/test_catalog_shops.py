"""Shops as official accounts (SHP-1, SHP-2): who may run one, the public list, follows, followers."""

from __future__ import annotations

import pytest

from tests.commerce.catalog_helpers import V1, Catalog, catalog_fixture, error_code  # noqa: F401


async def test_only_merchants_create_a_shop_and_the_first_put_creates_it(catalog: Catalog) -> None:
    consumer = await catalog.consumer()
    response = await catalog.client.put(f"{V1}/shops/me", json={"name": "Mine"}, headers=consumer.headers)
    assert response.status_code == 403 and error_code(response) == "not_a_merchant"

    merchant = await catalog.merchant(shop=None)
    assert error_code(await catalog.get(merchant, f"/shops/{merchant.id}")) == "shop_not_found"
    created = await catalog.client.put(
        f"{V1}/shops/me", json={"name": " 青山茶舍 ", "intro": "Tea"}, headers=merchant.headers
    )
    assert created.status_code == 200, created.text
    shop = created.json()
    assert shop["id"] == merchant.id
    assert shop["name"] == "青山茶舍" and shop["intro"] == "Tea"
    assert shop["verified"] is True and shop["follower_count"] == 0 and shop["product_count"] == 0
    assert shop["following"] is False

    updated = await catalog.client.put(
        f"{V1}/shops/me", json={"name": "Qingshan", "intro": ""}, headers=merchant.headers
    )
    assert updated.status_code == 200 and updated.json()["name"] == "Qingshan"
    assert updated.json()["created_at"] == shop["created_at"]
    viewed = await catalog.get(consumer, f"/shops/{merchant.id}")
    assert viewed.status_code == 200 and viewed.json()["name"] == "Qingshan"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "   "}, "name_required"),
        ({"name": ""}, "invalid_input"),
        ({"name": "x" * 61}, "invalid_input"),
        ({"name": "ok", "intro": "x" * 501}, "invalid_input"),
        ({"name": "ok", "owner": "1"}, "invalid_input"),
        ({"name": "bad\x00name"}, "invalid_input"),  # NUL is refused at the door, for every body
    ],
)
async def test_shop_profile_validation(catalog: Catalog, body: dict[str, str], code: str) -> None:
    merchant = await catalog.merchant(shop=None)
    response = await catalog.client.put(f"{V1}/shops/me", json=body, headers=merchant.headers)
    assert response.status_code == 422 and error_code(response) == code


async def test_merchant_without_a_shop_is_told_to_create_it(catalog: Catalog) -> None:
    merchant = await catalog.merchant(shop=None)
    response = await catalog.post(
        merchant, "/products", {"title": "Cup", "skus": [{"name": "A", "price": 100, "stock": 1}]}
    )
    assert response.status_code == 409 and error_code(response) == "shop_required"
    response = await catalog.post(merchant, "/shops/me/broadcasts", {"title": "Hi", "body": "Hello"})
    assert response.status_code == 409 and error_code(response) == "shop_required"


async def test_the_list_shows_verified_shops_newest_first_and_filters_by_name(catalog: Catalog) -> None:
    viewer = await catalog.consumer()
    shops = [await catalog.merchant(shop=f"Tea House {i}") for i in range(5)]
    await catalog.merchant(shop="Tea House unverified", verified=False)
    await catalog.merchant(shop="Bakery")

    listed = await catalog.all_pages(viewer, "/shops", limit=2, q="tea house")
    assert [shop["id"] for shop in listed] == [shop.id for shop in reversed(shops)]
    everything = await catalog.items(viewer, "/shops")
    assert len(everything) == 6 and all(shop["verified"] for shop in everything)
    assert await catalog.items(viewer, "/shops", q="%") == []
    assert error_code(await catalog.get(viewer, "/shops", cursor="not a cursor")) in {
        "invalid_cursor",
        "invalid_input",
    }


async def test_following_a_shop_follows_the_merchant_account(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    fans = [await catalog.consumer() for _ in range(3)]
    for fan in fans:
        response = await catalog.post(fan, f"/shops/{merchant.id}/follow")
        assert response.status_code == 200, response.text
        assert response.json()["following"] is True
    again = await catalog.post(fans[0], f"/shops/{merchant.id}/follow")
    assert again.status_code == 200 and again.json()["follower_count"] == 3

    # The same follow the social graph shows.
    following = await catalog.items(fans[0], "/following")
    assert [user["id"] for user in following] == [merchant.id]

    followers = await catalog.all_pages(merchant, "/shops/me/followers", limit=2)
    assert [user["id"] for user in followers] == [fan.id for fan in reversed(fans)]
    assert {"id", "username", "display_name", "avatar_url"} <= set(followers[0])

    left = await catalog.delete(fans[1], f"/shops/{merchant.id}/follow")
    assert left.status_code == 200 and left.json()["following"] is False
    assert left.json()["follower_count"] == 2
    assert (await catalog.get(fans[0], f"/shops/{merchant.id}")).json()["following"] is True

    self_follow = await catalog.post(merchant, f"/shops/{merchant.id}/follow")
    assert self_follow.status_code == 422 and error_code(self_follow) == "cannot_follow_self"
    unknown = await catalog.post(fans[0], "/shops/123456789/follow")
    assert unknown.status_code == 404 and error_code(unknown) == "shop_not_found"
    consumer_only = await catalog.post(fans[0], f"/shops/{fans[1].id}/follow")
    assert consumer_only.status_code == 404 and error_code(consumer_only) == "shop_not_found"


async def test_only_the_merchant_sees_its_followers(catalog: Catalog) -> None:
    consumer = await catalog.consumer()
    response = await catalog.get(consumer, "/shops/me/followers")
    assert response.status_code == 403 and error_code(response) == "not_a_merchant"
    no_shop = await catalog.merchant(shop=None)
    response = await catalog.get(no_shop, "/shops/me/followers")
    assert response.status_code == 409 and error_code(response) == "shop_required"


async def test_every_route_needs_a_session(catalog: Catalog) -> None:
    merchant = await catalog.merchant()
    for path in ("/shops", f"/shops/{merchant.id}", "/products/search?q=cup", "/subscriptions/feed"):
        response = await catalog.client.get(f"{V1}{path}")
        assert response.status_code == 401, path
