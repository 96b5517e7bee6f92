"""Reading reviews (REV-2): a product's list puts the viewer's friends' reviews first, then those of
KOLs the viewer follows, then the rest, each newest first, across cursor pages; the summary's
average, histogram and photos; the merchant console."""

from __future__ import annotations

from typing import Any

from quanzi.identity import service as identity
from tests.commerce.conftest import V1, ShopDriver
from tests.commerce.test_reviews_writing import review_item, reviewed, upload_photo


async def grant_kol(app: Any, user: Any) -> None:
    async with app.state.db.transaction() as session:
        await identity.set_kol_badge(session, None, user.id, True)


async def all_pages(
    client: Any, user: Any, url: str, limit: int, **params: Any
) -> list[list[dict[str, Any]]]:
    pages, cursor = [], None
    while True:
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        response = await client.get(url, params=query, headers=user.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_friends_reviews_come_first_then_followed_kols_then_the_rest(app, client, shop, wallet):
    merchant = await shop.merchant()
    product = await shop.product(merchant, stock=50)
    viewer = await shop.buyer("rv_viewer", money=0)
    people = {name: await shop.buyer(f"rv_{name}") for name in ("f1", "s1", "k1", "s2", "f2", "k2", "n1")}
    for friend in ("f1", "f2"):
        await wallet.befriend(viewer, people[friend])
    for kol in ("k1", "k2"):
        await grant_kol(app, people[kol])
    for followed in ("k1", "n1"):  # k2 is a KOL the viewer does not follow; n1 is followed, not a KOL
        assert (
            await client.put(f"{V1}/following/{people[followed].id}", headers=viewer.headers)
        ).status_code == 204

    ratings = {"f1": 5, "s1": 4, "k1": 3, "s2": 5, "f2": 1, "k2": 5, "n1": 2}
    ids = {}
    for name, rating in ratings.items():  # written in this order, so later ones are newer
        ids[name] = (await reviewed(shop, merchant, product, people[name], rating, f"review by {name}"))["id"]

    url = f"{V1}/products/{product['id']}/reviews"
    expected = ["f2", "f1", "k1", "n1", "k2", "s2", "s1"]
    pages = await all_pages(client, viewer, url, 2)
    assert [[r["id"] for r in page] for page in pages] == [
        [ids[n] for n in expected[i : i + 2]] for i in range(0, 7, 2)
    ]
    flat = [review for page in pages for review in page]
    assert [r["relation"] for r in flat] == ["friend", "friend", "kol", None, None, None, None]
    assert [r["author"]["username"] for r in flat] == [f"rv_{n}" for n in expected]

    # One page holding every group gives the same order; a page size of 3 ends inside the KOL group
    # boundary and one of 1 walks each review alone.
    for limit in (1, 3, 20):
        walked = [r["id"] for page in await all_pages(client, viewer, url, limit) for r in page]
        assert walked == [ids[n] for n in expected], limit

    # Someone with no relations sees plain newest first, and no relation on any review.
    stranger = await shop.buyer("rv_stranger", money=0)
    plain = [r for page in await all_pages(client, stranger, url, 4) for r in page]
    assert [r["id"] for r in plain] == [ids[n] for n in reversed(ratings)]
    assert {r["relation"] for r in plain} == {None}

    bad = await client.get(url, params={"cursor": "not-a-cursor"}, headers=viewer.headers)
    assert bad.status_code == 422
    assert (await client.get(f"{V1}/products/424242/reviews", headers=viewer.headers)).status_code == 404

    summary = (await client.get(f"{url}/summary", headers=viewer.headers)).json()
    assert summary["count"] == 7
    assert summary["average"] == round(sum(ratings.values()) / 7, 1) == 3.6
    assert summary["histogram"] == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 3}
    assert summary["photo_count"] == 0 and summary["photos"] == []


async def test_with_photos_filter_and_summary_of_a_product_without_reviews(client, shop):
    merchant = await shop.merchant()
    product = await shop.product(merchant)
    plain_author, photo_author, viewer = await shop.buyer(), await shop.buyer(), await shop.buyer(money=0)
    url = f"{V1}/products/{product['id']}/reviews"

    empty = (await client.get(f"{url}/summary", headers=viewer.headers)).json()
    assert empty == {
        "count": 0,
        "average": 0.0,
        "histogram": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
        "photo_count": 0,
        "photos": [],
    }

    await reviewed(shop, merchant, product, plain_author, 5, "no photo")
    order = await shop.completed_order(photo_author, merchant, product["skus"][0]["id"])
    photo = await upload_photo(client, photo_author)
    with_photo = await review_item(
        client, photo_author, order["items"][0]["id"], 4, "看图", photo_keys=[photo["key"]]
    )
    assert with_photo.status_code == 201

    everything = (await client.get(url, headers=viewer.headers)).json()["items"]
    assert len(everything) == 2
    only_photos = (await client.get(url, params={"with_photos": "true"}, headers=viewer.headers)).json()
    assert [r["id"] for r in only_photos["items"]] == [with_photo.json()["id"]]
    summary = (await client.get(f"{url}/summary", headers=viewer.headers)).json()
    assert (summary["count"], summary["average"], summary["photo_count"]) == (2, 4.5, 1)
    assert summary["photos"] == [{"url": photo["url"], "thumb_url": photo["thumb_url"]}]


async def test_the_merchant_console_lists_its_shop_s_reviews_and_the_unanswered(client, shop: ShopDriver):
    merchant, rival = await shop.merchant(), await shop.merchant()
    product = await shop.product(merchant, stock=20)
    rival_product = await shop.product(rival)
    buyers = [await shop.buyer() for _ in range(4)]
    reviews = [await reviewed(shop, merchant, product, buyer, 3, f"r{i}") for i, buyer in enumerate(buyers)]
    await reviewed(shop, rival, rival_product, buyers[0], 5, "elsewhere")
    for answered in (reviews[0], reviews[2]):
        response = await client.post(
            f"{V1}/reviews/{answered['id']}/reply", json={"text": "谢谢"}, headers=merchant.headers
        )
        assert response.status_code == 200

    url = f"{V1}/shops/me/reviews"
    pages = await all_pages(client, merchant, url, 3)
    assert [r["id"] for page in pages for r in page] == [r["id"] for r in reversed(reviews)]
    assert len(pages) == 2
    unanswered = await all_pages(client, merchant, url, 1, unanswered="true")
    assert [r["id"] for page in unanswered for r in page] == [reviews[3]["id"], reviews[1]["id"]]

    # A consumer has no shop console.
    assert (await client.get(url, headers=buyers[0].headers)).status_code in (403, 404)


async def test_reviewed_item_ids_answers_for_the_buyer_only(app, client, shop):
    from quanzi.commerce.reviews import reviewed_item_ids

    merchant = await shop.merchant()
    product = await shop.product(merchant)
    buyer, other = await shop.buyer(), await shop.buyer()
    first = await shop.completed_order(buyer, merchant, product["skus"][0]["id"])
    second = await shop.completed_order(buyer, merchant, product["skus"][0]["id"])
    item_ids = [int(first["items"][0]["id"]), int(second["items"][0]["id"])]
    assert (await review_item(client, buyer, str(item_ids[0]))).status_code == 201
    async with app.state.db.read() as session:
        assert await reviewed_item_ids(session, int(buyer.id), item_ids) == {item_ids[0]}
        assert await reviewed_item_ids(session, int(other.id), item_ids) == set()
        assert await reviewed_item_ids(session, int(buyer.id), []) == set()
