"""Writing verified-purchase reviews (REV-1): only the buyer of a completed order reviews its item,
once, within 30 days; the author follows up once; the shop replies once; others vote helpful; photos
lose their EXIF. Everything goes through the public API, as a client does."""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import Any

from PIL import Image
from sqlalchemy import select

from quanzi.core.outbox import OutboxEvent
from tests.commerce.conftest import V1, ShopDriver


def jpeg_with_gps(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    image = Image.new("RGB", (640, 480), color)
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def upload_photo(client: Any, user: Any, data: bytes | None = None) -> dict[str, Any]:
    response = await client.post(
        f"{V1}/reviews/images",
        headers=user.headers,
        files={"file": ("photo.jpg", data or jpeg_with_gps(), "image/jpeg")},
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def review_item(
    client: Any, user: Any, item_id: str, rating: int = 5, text: str = "很好用", **extra: Any
) -> Any:
    return await client.post(
        f"{V1}/order-items/{item_id}/review",
        json={"rating": rating, "text": text, **extra},
        headers=user.headers,
    )


async def reviewed(
    shop: ShopDriver, merchant: Any, product: dict[str, Any], buyer: Any, rating: int = 5, text: str = "好"
) -> dict[str, Any]:
    """`buyer` buys the product, the order completes, and `buyer` reviews the item."""
    order = await shop.completed_order(buyer, merchant, product["skus"][0]["id"])
    response = await review_item(shop.client, buyer, order["items"][0]["id"], rating, text)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def log_in_again(client: Any, *people: Any) -> None:
    """Sessions end after a while; a test that moves the clock by weeks logs its users in again."""
    for person in people:
        response = await client.post(
            f"{V1}/auth/login", json={"login": person.username, "password": person.password}
        )
        assert response.status_code == 200, response.text
        person.token = response.json()["token"]


async def topics(app: Any, topic: str) -> list[dict[str, Any]]:
    async with app.state.db.read() as session:
        rows = (await session.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic))).all()
    return [row.payload for row in rows]


async def test_only_the_buyer_of_a_completed_order_reviews_its_item_once(app, client, shop, frozen_clock):
    merchant = await shop.merchant()
    product = await shop.product(merchant, price=50_00)
    sku_id = product["skus"][0]["id"]
    buyer, stranger = await shop.buyer(), await shop.buyer()

    paid = await shop.paid_order(buyer, sku_id)
    item_id = paid["items"][0]["id"]
    assert paid["items"][0]["reviewed"] is False

    # Not completed yet: a clear 409, nothing written.
    early = await review_item(client, buyer, item_id)
    assert early.status_code == 409, early.text
    assert early.json()["error"]["code"] == "order_not_completed"

    await client.post(
        f"{V1}/orders/{paid['id']}/ship",
        json={"carrier": "SF Express", "tracking_number": "SF1"},
        headers=merchant.headers,
    )
    done = await client.post(
        f"{V1}/orders/{paid['id']}/confirm", headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert done.status_code == 200, done.text

    # Someone else's order item, the merchant, and a made-up id: all 404, as if it did not exist.
    for who, target in ((stranger, item_id), (merchant, item_id), (buyer, "1234567"), (buyer, "x")):
        refused = await review_item(client, who, target)
        assert refused.status_code == 404, refused.text
        assert refused.json()["error"]["message"]

    response = await review_item(client, buyer, item_id, 4, "  保温效果很好 ")
    assert response.status_code == 201, response.text
    review = response.json()
    assert review["rating"] == 4 and review["text"] == "保温效果很好"
    assert review["product_id"] == product["id"] and review["shop_id"] == merchant.id
    assert review["order_item_id"] == item_id and review["sku_name"] == "Standard"
    assert review["author"]["id"] == buyer.id and review["relation"] is None
    assert review["photos"] == [] and review["follow_up"] is None and review["reply"] is None
    assert review["helpful_count"] == 0 and review["viewer_found_helpful"] is False

    again = await review_item(client, buyer, item_id, 1, "changed my mind")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_reviewed"
    assert again.json()["error"]["details"] == {"review_id": review["id"]}

    order = (await client.get(f"{V1}/orders/{paid['id']}", headers=buyer.headers)).json()
    assert order["items"][0]["reviewed"] is True

    summary = (
        await client.get(f"{V1}/products/{product['id']}/reviews/summary", headers=buyer.headers)
    ).json()
    assert summary["count"] == 1 and summary["histogram"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}

    created = await topics(app, "commerce.review.created")
    assert [(e["review_id"], e["rating"], e["author_id"]) for e in created] == [(review["id"], 4, buyer.id)]


async def test_bad_ratings_and_texts_are_422(client, shop):
    merchant = await shop.merchant()
    product = await shop.product(merchant)
    buyer = await shop.buyer()
    order = await shop.completed_order(buyer, merchant, product["skus"][0]["id"])
    item_id = order["items"][0]["id"]
    for body in (
        {"rating": 0, "text": "x"},
        {"rating": 6, "text": "x"},
        {"rating": 5, "text": "x" * 1001},
        {"rating": 5, "text": "x", "helpful_count": 99},
        {"rating": 5, "text": "x", "photo_keys": [f"k{i}" for i in range(10)]},
    ):
        refused = await client.post(f"{V1}/order-items/{item_id}/review", json=body, headers=buyer.headers)
        assert refused.status_code == 422, (body, refused.text)
    assert (await review_item(client, buyer, item_id, 3, "")).status_code == 201


async def test_the_review_window_closes_30_days_after_completion(client, shop, frozen_clock):
    merchant = await shop.merchant()
    product = await shop.product(merchant)
    buyer = await shop.buyer()
    first = await shop.completed_order(buyer, merchant, product["skus"][0]["id"])
    second = await shop.completed_order(buyer, merchant, product["skus"][0]["id"])

    frozen_clock.advance(days=29, hours=23)
    assert (await review_item(client, buyer, first["items"][0]["id"])).status_code == 201

    frozen_clock.advance(hours=1, minutes=1)
    await log_in_again(client, buyer)
    late = await review_item(client, buyer, second["items"][0]["id"])
    assert late.status_code == 409, late.text
    assert late.json()["error"]["code"] == "review_window_closed"


async def test_follow_up_once_by_the_author_only(app, client, shop, frozen_clock):
    merchant = await shop.merchant()
    product = await shop.product(merchant)
    buyer, other = await shop.buyer(), await shop.buyer()
    review = await reviewed(shop, merchant, product, buyer, 5, "first impressions")

    frozen_clock.advance(days=40)  # a follow-up comes later, after the review window too
    await log_in_again(client, buyer, other, merchant)
    for who in (other, merchant):
        refused = await client.post(
            f"{V1}/reviews/{review['id']}/follow-up", json={"text": "me too"}, headers=who.headers
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "not_review_author"
    empty = await client.post(
        f"{V1}/reviews/{review['id']}/follow-up", json={"text": "  "}, headers=buyer.headers
    )
    assert empty.status_code == 422

    photo = await upload_photo(client, buyer)
    response = await client.post(
        f"{V1}/reviews/{review['id']}/follow-up",
        json={"text": "still great after a month", "photo_keys": [photo["key"]]},
        headers=buyer.headers,
    )
    assert response.status_code == 200, response.text
    follow_up = response.json()["follow_up"]
    assert follow_up["text"] == "still great after a month"
    assert follow_up["photos"] == [{"url": photo["url"], "thumb_url": photo["thumb_url"]}]
    assert response.json()["photos"] == []

    again = await client.post(
        f"{V1}/reviews/{review['id']}/follow-up", json={"text": "once more"}, headers=buyer.headers
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "follow_up_exists"
    summary = (
        await client.get(f"{V1}/products/{product['id']}/reviews/summary", headers=other.headers)
    ).json()
    assert summary["photo_count"] == 1 and summary["count"] == 1


async def test_the_shop_replies_once_and_nobody_else_can(app, client, shop):
    merchant, rival = await shop.merchant(), await shop.merchant()
    product = await shop.product(merchant)
    buyer = await shop.buyer()
    review = await reviewed(shop, merchant, product, buyer, 2, "lid leaks")

    for who in (rival, buyer):
        refused = await client.post(
            f"{V1}/reviews/{review['id']}/reply", json={"text": "sorry"}, headers=who.headers
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "not_shop_owner"
    missing = await client.post(f"{V1}/reviews/99999/reply", json={"text": "hi"}, headers=merchant.headers)
    assert missing.status_code == 404

    response = await client.post(
        f"{V1}/reviews/{review['id']}/reply",
        json={"text": "抱歉，已为您补发密封圈"},
        headers=merchant.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["reply"]["text"] == "抱歉，已为您补发密封圈"

    again = await client.post(
        f"{V1}/reviews/{review['id']}/reply", json={"text": "again"}, headers=merchant.headers
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_replied"
    seen = (await client.get(f"{V1}/reviews/{review['id']}", headers=buyer.headers)).json()
    assert seen["reply"]["text"] == "抱歉，已为您补发密封圈"

    replied = await topics(app, "commerce.review.replied")
    assert [(e["review_id"], e["author_id"]) for e in replied] == [(review["id"], buyer.id)]


async def test_helpful_votes_count_once_per_user_and_never_ones_own(client, shop):
    merchant = await shop.merchant()
    product = await shop.product(merchant)
    author, ana, bo = await shop.buyer(), await shop.buyer(money=0), await shop.buyer(money=0)
    review = await reviewed(shop, merchant, product, author)
    url = f"{V1}/reviews/{review['id']}/helpful"

    own = await client.post(url, headers=author.headers)
    assert own.status_code == 403
    assert own.json()["error"]["code"] == "own_review"

    first = (await client.post(url, headers=ana.headers)).json()
    assert (first["helpful_count"], first["viewer_found_helpful"]) == (1, True)
    twice = (await client.post(url, headers=ana.headers)).json()
    assert twice["helpful_count"] == 1
    by_bo = (await client.post(url, headers=bo.headers)).json()
    assert (by_bo["helpful_count"], by_bo["viewer_found_helpful"]) == (2, True)
    seen_by_author = (await client.get(f"{V1}/reviews/{review['id']}", headers=author.headers)).json()
    assert (seen_by_author["helpful_count"], seen_by_author["viewer_found_helpful"]) == (2, False)

    undone = (await client.delete(url, headers=ana.headers)).json()
    assert (undone["helpful_count"], undone["viewer_found_helpful"]) == (1, False)
    undone_again = (await client.delete(url, headers=ana.headers)).json()
    assert undone_again["helpful_count"] == 1
    assert (await client.post(f"{V1}/reviews/123/helpful", headers=ana.headers)).status_code == 404


async def test_photos_are_stripped_of_exif_and_belong_to_their_uploader(client, shop):
    merchant = await shop.merchant()
    product = await shop.product(merchant)
    buyer, other = await shop.buyer(), await shop.buyer()
    order = await shop.completed_order(buyer, merchant, product["skus"][0]["id"])
    item_id = order["items"][0]["id"]

    photo = await upload_photo(client, buyer)
    assert photo["key"].startswith("reviews/") and photo["url"].endswith(photo["key"])
    served = await client.get(photo["url"])
    assert served.status_code == 200
    assert len(Image.open(io.BytesIO(served.content)).getexif()) == 0
    assert b"SpyCam" not in served.content
    thumb = Image.open(io.BytesIO((await client.get(photo["thumb_url"])).content))
    assert max(thumb.size) <= 256

    not_an_image = await client.post(
        f"{V1}/reviews/images", headers=buyer.headers, files={"file": ("a.jpg", b"hello", "image/jpeg")}
    )
    assert not_an_image.status_code == 415

    theirs = await upload_photo(client, other)
    stolen = await review_item(client, buyer, item_id, photo_keys=[theirs["key"]])
    assert stolen.status_code == 422
    assert stolen.json()["error"]["code"] == "photo_not_found"
    twice = await review_item(client, buyer, item_id, photo_keys=[photo["key"], photo["key"]])
    assert twice.status_code == 422

    more = [await upload_photo(client, buyer, jpeg_with_gps((i * 25, 90, 90))) for i in range(8)]
    keys = [photo["key"]] + [p["key"] for p in more]
    response = await review_item(client, buyer, item_id, 5, "九张图", photo_keys=keys)
    assert response.status_code == 201, response.text
    assert [p["url"] for p in response.json()["photos"]] == [f"/media/{k}" for k in keys]

    # Once used, a photo cannot be used again, even by its owner.
    again = await shop.completed_order(buyer, merchant, product["skus"][0]["id"])
    reused = await review_item(client, buyer, again["items"][0]["id"], photo_keys=[keys[0]])
    assert reused.status_code == 422

    summary = (
        await client.get(f"{V1}/products/{product['id']}/reviews/summary", headers=other.headers)
    ).json()
    assert summary["photo_count"] == 9
    assert [p["url"] for p in summary["photos"]] == [f"/media/{k}" for k in reversed(keys)]


async def test_a_review_is_shared_to_moments_with_a_link_to_the_product(client, shop, wallet):
    merchant = await shop.merchant()
    product = await shop.product(merchant, title="Vacuum flask")
    author, friend = await shop.buyer(), await shop.buyer(money=0)
    await wallet.befriend(author, friend)
    review = await reviewed(shop, merchant, product, author, 4, "keeps tea hot all day")

    response = await client.post(f"{V1}/reviews/{review['id']}/share", headers=author.headers)
    assert response.status_code == 201, response.text
    moment = response.json()
    assert "keeps tea hot all day" in moment["body"]
    assert f"/#/p/{product['id']}" in moment["body"]
    assert "★★★★☆" in moment["body"]

    timeline = (await client.get(f"{V1}/moments", headers=friend.headers)).json()["items"]
    assert [m["id"] for m in timeline] == [moment["id"]]
    assert (await client.post(f"{V1}/reviews/777/share", headers=author.headers)).status_code == 404


async def test_a_blocked_author_s_review_does_not_exist_for_the_blocker(client, shop):
    merchant = await shop.merchant()
    product = await shop.product(merchant)
    author, blocker = await shop.buyer(), await shop.buyer(money=0)
    review = await reviewed(shop, merchant, product, author)
    assert (await client.put(f"{V1}/blocks/{author.id}", headers=blocker.headers)).status_code == 204

    assert (await client.get(f"{V1}/reviews/{review['id']}", headers=blocker.headers)).status_code == 404
    assert (
        await client.post(f"{V1}/reviews/{review['id']}/helpful", headers=blocker.headers)
    ).status_code == 404
    listed = (await client.get(f"{V1}/products/{product['id']}/reviews", headers=blocker.headers)).json()
    assert listed["items"] == []
    # The merchant still sees and answers every review of their shop.
    answered = await client.post(
        f"{V1}/reviews/{review['id']}/reply", json={"text": "thanks"}, headers=merchant.headers
    )
    assert answered.status_code == 200


async def test_racing_reviews_of_one_item_and_racing_votes_count_once(client, shop):
    merchant = await shop.merchant()
    product = await shop.product(merchant)
    buyer, voter = await shop.buyer(), await shop.buyer(money=0)
    order = await shop.completed_order(buyer, merchant, product["skus"][0]["id"])
    item_id = order["items"][0]["id"]

    answers = await asyncio.gather(*(review_item(client, buyer, item_id, 5, f"try {i}") for i in range(4)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    review = next(a.json() for a in answers if a.status_code == 201)

    url = f"{V1}/reviews/{review['id']}/helpful"
    votes = await asyncio.gather(*(client.post(url, headers=voter.headers) for _ in range(4)))
    assert {v.status_code for v in votes} == {200}
    seen = (await client.get(f"{V1}/reviews/{review['id']}", headers=voter.headers)).json()
    assert (seen["helpful_count"], seen["viewer_found_helpful"]) == (1, True)
    summary = (
        await client.get(f"{V1}/products/{product['id']}/reviews/summary", headers=voter.headers)
    ).json()
    assert (summary["count"], summary["histogram"]["5"]) == (1, 1)
