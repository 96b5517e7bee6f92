"""Share links refuse what they must (ATT-1): unknown tokens, bad channels, products that cannot be
shared, and product cards in chat that carry someone else's link or one not made for chat."""

from __future__ import annotations

from typing import Any

from tests.commerce.conftest import V1, ShopDriver
from tests.commerce.test_shares_attribution import Sharing, ok


async def test_unknown_token_is_404(shop: ShopDriver) -> None:
    sharing = Sharing(shop)
    viewer = await shop.buyer(money=0)
    for token in ("nosuchtoken", "x" * 32, "a" * 40):
        response = await sharing.open(viewer, token)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "share_not_found"


async def test_bad_channel_product_and_via_token_are_refused(shop: ShopDriver) -> None:
    sharing = Sharing(shop)
    merchant = await shop.merchant()
    product = await shop.product(merchant)
    other = await shop.product(merchant)
    user = await shop.buyer(money=0)

    bad_channel = await sharing.share(user, product["id"], "fax")
    assert bad_channel.status_code == 422, bad_channel.text
    assert (await sharing.share(user, "not-an-id", "chat")).status_code == 422
    unknown = await sharing.share(user, "123456789", "chat")
    assert unknown.status_code == 404, unknown.text
    extra = await shop.client.post(
        f"{V1}/shares",
        json={"product_id": product["id"], "channel": "chat", "sharer_id": merchant.id},
        headers=user.headers,
    )
    assert extra.status_code == 422, extra.text

    # via_token must name a link of the same product.
    link_other = await sharing.shared(user, other["id"], "link")
    wrong = await sharing.share(user, product["id"], "moment", via_token=link_other["token"])
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "share_not_found"
    assert (await sharing.share(user, product["id"], "moment", via_token="nosuch")).status_code == 404

    # An archived product cannot be shared.
    archived = await shop.client.patch(
        f"{V1}/products/{product['id']}", json={"status": "archived"}, headers=merchant.headers
    )
    assert archived.status_code == 200, archived.text
    gone = await sharing.share(user, product["id"], "chat")
    assert gone.status_code == 404, gone.text

    anonymous = await shop.client.post(f"{V1}/shares", json={"product_id": other["id"], "channel": "chat"})
    assert anonymous.status_code == 401


async def test_chat_card_needs_the_senders_own_chat_link(shop: ShopDriver) -> None:
    sharing = Sharing(shop)
    merchant = await shop.merchant()
    product = await shop.product(merchant)
    a, b = await shop.buyer(money=0), await shop.buyer(money=0)
    await shop.wallet.befriend(a, b)
    chat_id = await sharing.direct(a, b)

    def refused(response: Any, status: int, code: str) -> None:
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code

    # Someone else's link (B's, even though B is in the chat) is refused.
    link_b = await sharing.shared(b, product["id"], "chat")
    refused(await sharing.send_card(a, chat_id, {"share_token": link_b["token"]}), 404, "share_not_found")
    # The sender's own link, but made for a Moment, is refused too.
    moment_link = await sharing.shared(a, product["id"], "moment")
    refused(
        await sharing.send_card(a, chat_id, {"share_token": moment_link["token"]}), 404, "share_not_found"
    )
    refused(await sharing.send_card(a, chat_id, {"share_token": "nosuch"}), 404, "share_not_found")
    # Malformed content.
    refused(await sharing.send_card(a, chat_id, {}), 422, "invalid_content")
    refused(await sharing.send_card(a, chat_id, {"share_token": "bad token!"}), 422, "invalid_content")
    own = await sharing.shared(a, product["id"], "chat")
    refused(
        await sharing.send_card(a, chat_id, {"share_token": own["token"], "title": "Free!"}),
        422,
        "invalid_content",
    )
    # What the card shows comes from the catalog, never from the client.
    sent = ok(await sharing.send_card(a, chat_id, {"share_token": own["token"]}), 201)
    assert sent["content"]["title"] == product["title"]
    assert sent["content"]["price_min"] == product["price_min"]
    assert [
        m["content"]["share_token"] for m in await sharing.history(b, chat_id) if m["kind"] == "product"
    ] == [own["token"]]
