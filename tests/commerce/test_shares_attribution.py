"""Share links and purchase attribution (ATT-1), driven through the HTTP API as clients do.

The acceptance line: A shares a product to B in chat, B shares it in a Moment, C (B's friend) opens it
and buys within 7 days → the order records the chain [A, B]; a purchase after 7 days records none.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import select

from quanzi.commerce.models.shares import ShareLink, ShareOpen
from quanzi.commerce.service import attribution_for_purchase
from tests.commerce.conftest import V1, ShopDriver

SHARE_URL = re.compile(r"/#/s/([A-Za-z0-9_-]+)")


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


class Sharing:
    """Share links, chats and Moments through the public API."""

    def __init__(self, shop: ShopDriver) -> None:
        self.shop = shop
        self.client = shop.client

    async def share(
        self, user: Any, product_id: str, channel: str, via_token: str | None = None
    ) -> httpx.Response:
        body: dict[str, Any] = {"product_id": product_id, "channel": channel}
        if via_token is not None:
            body["via_token"] = via_token
        return await self.client.post(f"{V1}/shares", json=body, headers=user.headers)

    async def shared(self, user: Any, product_id: str, channel: str, via_token: str | None = None) -> Any:
        return ok(await self.share(user, product_id, channel, via_token), 201)

    async def open(self, user: Any, token: str) -> httpx.Response:
        return await self.client.post(f"{V1}/shares/{token}/open", headers=user.headers)

    async def opened(self, user: Any, token: str) -> Any:
        return ok(await self.open(user, token))

    async def direct(self, a: Any, b: Any) -> str:
        chat = ok(await self.client.post(f"{V1}/chats/direct", json={"user_id": b.id}, headers=a.headers))
        return str(chat["id"])

    async def send_card(self, user: Any, chat_id: str, content: dict[str, Any]) -> httpx.Response:
        return await self.client.post(
            f"{V1}/chats/{chat_id}/messages",
            json={"kind": "product", "content": content},
            headers=user.headers,
        )

    async def history(self, user: Any, chat_id: str) -> list[dict[str, Any]]:
        page = ok(await self.client.get(f"{V1}/chats/{chat_id}/messages", headers=user.headers))
        return list(page["items"])


async def _attribution(shop: ShopDriver, buyer: Any, product_id: str) -> tuple[int | None, list[str]]:
    async with shop.wallet.db.read() as session:
        return await attribution_for_purchase(session, int(buyer.id), int(product_id))


async def test_chat_then_moment_chain_is_recorded_on_the_order_within_7_days(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    sharing = Sharing(shop)
    merchant = await shop.merchant()
    product = await shop.product(merchant, price=59_00, stock=5, title="Bamboo tea set")
    sku_id = product["skus"][0]["id"]
    a, b = await shop.buyer("alice", money=0), await shop.buyer("bobo")
    c = await shop.buyer("chen", money=500_00)
    await shop.wallet.befriend(a, b)
    await shop.wallet.befriend(b, c)

    # A shares the product to B in their chat: a share link for chat, then a product card.
    link_a = await sharing.shared(a, product["id"], "chat")
    assert link_a["url"] == f"/#/s/{link_a['token']}"
    assert link_a["product"]["title"] == "Bamboo tea set"
    chat_id = await sharing.direct(a, b)
    card = ok(await sharing.send_card(a, chat_id, {"share_token": link_a["token"]}), 201)
    assert card["kind"] == "product"
    assert card["content"]["title"] == "Bamboo tea set"
    assert card["content"]["price_min"] == 59_00
    assert card["content"]["share_token"] == link_a["token"]
    assert "image_url" in card["content"]

    # B sees the card in the chat and taps it: the open is recorded for B.
    [seen] = [m for m in await sharing.history(b, chat_id) if m["kind"] == "product"]
    opened_b = await sharing.opened(b, seen["content"]["share_token"])
    assert opened_b["sharer"]["id"] == a.id
    assert "chain" not in opened_b  # who shared before the sharer is the shop's to know
    assert (await _attribution(shop, b, product["id"]))[1] == [a.id]

    # A day later B shares it in a Moment from the product page (no via_token): it still chains to A.
    frozen_clock.advance(days=1)
    link_b = await sharing.shared(b, product["id"], "moment")
    moment = ok(
        await shop.client.post(
            f"{V1}/moments",
            json={
                "body": f"Love this tea set {link_b['url']}",
                "share": {"kind": "product", "ref": product["id"], "title": "Bamboo tea set"},
            },
            headers=b.headers,
        ),
        201,
    )

    # C, B's friend, reads the Moment in the friends timeline and opens the link in its text.
    timeline = ok(await shop.client.get(f"{V1}/moments", headers=c.headers))["items"]
    [post] = [p for p in timeline if p["id"] == moment["id"]]
    [token] = SHARE_URL.findall(post["body"])
    opened_c = await sharing.opened(c, token)
    assert opened_c["sharer"]["id"] == b.id
    assert (await _attribution(shop, c, product["id"]))[1] == [a.id, b.id]

    # Six days after opening, C buys: the order records the chain [A, B].
    frozen_clock.advance(days=6)
    order = await shop.ordered(c, sku_id)
    assert order["attribution_chain"] == [b.id]  # the buyer sees who shared it with them, no further
    paid = ok(await shop.pay(c, order["id"]))
    assert paid["status"] == "paid"
    as_shop = ok(await shop.client.get(f"{V1}/orders/{order['id']}", headers=merchant.headers))
    assert as_shop["attribution_chain"] == [a.id, b.id]

    # Past 7 days since the open, a purchase records no chain.
    frozen_clock.advance(days=1, minutes=1)
    later = await shop.ordered(c, sku_id)
    assert later["attribution_chain"] == []
    assert ok(await shop.pay(c, later["id"]))["attribution_chain"] == []
    assert await _attribution(shop, c, product["id"]) == (None, [])


async def test_chain_folds_repeats_leaves_out_the_viewer_and_latest_open_wins(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    sharing = Sharing(shop)
    merchant = await shop.merchant()
    product = await shop.product(merchant)
    a, b, c, d = [await shop.buyer(money=0) for _ in range(4)]

    link_a = await sharing.shared(a, product["id"], "link")
    await sharing.opened(b, link_a["token"])
    # B shares twice, the second time through their own first link: B appears once.
    link_b1 = await sharing.shared(b, product["id"], "post")
    await sharing.opened(c, link_b1["token"])
    assert (await _attribution(shop, c, product["id"]))[1] == [a.id, b.id]
    link_b2 = await sharing.shared(b, product["id"], "team", via_token=link_b1["token"])
    await sharing.opened(c, link_b2["token"])
    assert (await _attribution(shop, c, product["id"]))[1] == [a.id, b.id]
    # The first sharer opening a link further down sees the chain without themself.
    await sharing.opened(a, link_b2["token"])
    assert (await _attribution(shop, a, product["id"]))[1] == [b.id]

    # The sharer opening their own link records nothing.
    await sharing.opened(d, link_a["token"])
    own = await sharing.shared(d, product["id"], "chat")
    await sharing.opened(d, own["token"])
    assert (await _attribution(shop, d, product["id"]))[1] == [a.id]  # the viewer left out
    link_id, chain = await _attribution(shop, d, product["id"])
    assert chain == [a.id]
    async with shop.wallet.db.read() as session:
        opens = (await session.scalars(select(ShareOpen).where(ShareOpen.viewer_id == int(d.id)))).all()
        [link] = (await session.scalars(select(ShareLink).where(ShareLink.token == link_a["token"]))).all()
    assert [o.link_id for o in opens] == [link.id] == [link_id]

    # C's latest open decides: first B's link, then A's directly.
    frozen_clock.advance(minutes=5)
    assert (await _attribution(shop, c, product["id"]))[1] == [a.id, b.id]
    await sharing.opened(c, link_a["token"])
    assert (await _attribution(shop, c, product["id"]))[1] == [a.id]
    # Opening B's link again moves it forward once more.
    frozen_clock.advance(minutes=5)
    await sharing.opened(c, link_b1["token"])
    assert (await _attribution(shop, c, product["id"]))[1] == [a.id, b.id]

    # A share made more than 7 days after the sharer's last open starts a new chain.
    frozen_clock.advance(days=7, minutes=1)
    fresh = await sharing.shared(b, product["id"], "moment")
    await sharing.opened(c, fresh["token"])
    assert (await _attribution(shop, c, product["id"]))[1] == [b.id]


async def test_forwarding_a_card_makes_the_forwarder_a_link_of_their_own(
    shop: ShopDriver, frozen_clock: Any
) -> None:
    sharing = Sharing(shop)
    merchant = await shop.merchant()
    product = await shop.product(merchant, title="Silk scarf")
    a, b, c = [await shop.buyer(money=0) for _ in range(3)]
    await shop.wallet.befriend(a, b)
    await shop.wallet.befriend(b, c)
    link_a = await sharing.shared(a, product["id"], "chat")
    ab = await sharing.direct(a, b)
    card = ok(await sharing.send_card(a, ab, {"share_token": link_a["token"]}), 201)
    bc = await sharing.direct(b, c)
    forwarded = ok(
        await shop.client.post(
            f"{V1}/chats/{bc}/messages",
            json={"forward": {"chat_id": ab, "message_id": card["id"]}},
            headers=b.headers,
        ),
        201,
    )
    assert forwarded["kind"] == "product"
    assert forwarded["content"]["title"] == "Silk scarf"
    token = forwarded["content"]["share_token"]
    assert token != link_a["token"]
    opened = await sharing.opened(c, token)
    assert opened["sharer"]["id"] == b.id
    assert (await _attribution(shop, c, product["id"]))[1] == [a.id, b.id]
