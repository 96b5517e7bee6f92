"""The chat `product` message kind: a product card that carries a share link (CHT-3, ATT-1).

The client first creates a share link for channel "chat" (POST /shares), then sends a message of kind
``product`` with content ``{"share_token": <token>}``. `prepare` checks that the link is the sender's
own and made for chat, and stores what the card shows (title, price, image) with the token; tapping the
card opens "#/s/<token>", which records the open for attribution. Forwarding a card makes the forwarder
a share link of their own whose parent is the card's link, so the chain grows by the forwarder.

Commerce implements it through chat's card-kind interface and lists it in its manifest.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from quanzi.chat.service import CardContent, KindContext, MessageKind, Prepared, parse_content
from quanzi.commerce import shares
from quanzi.commerce.schemas.shares import LINK_KEY_PATTERN
from quanzi.core.errors import AppError, NotFound


class _ProductRef(CardContent):
    share_token: str = Field(pattern=LINK_KEY_PATTERN)


def _card(token: str, product: dict[str, Any]) -> dict[str, Any]:
    return {
        "share_token": token,
        "url": shares.share_url(token),
        "product_id": str(product["id"]),
        "title": product["title"],
        "price_min": int(product["price_min"]),
        "image_url": product.get("image_url"),
    }


class ProductKind(MessageKind):
    name = "product"

    async def prepare(self, ctx: KindContext, content: dict[str, Any]) -> Prepared:
        ref = parse_content(_ProductRef, self.name, content)
        missing = NotFound("No such share link of yours for chat.", code="share_not_found")
        try:
            link = await shares.get_link(ctx.session, ref.share_token)
        except NotFound:
            raise missing from None
        if link.sharer_id != ctx.actor.user_id or link.channel != "chat":
            raise missing
        try:
            product = await shares.product_card(ctx.session, link.product_id)
        except NotFound:
            raise missing from None
        card = _card(link.token, product)
        return Prepared(content=card, text=card["title"])

    async def forward(self, ctx: KindContext, content: dict[str, Any], text: str) -> Prepared:
        try:
            out = await shares.create_share(
                ctx.session, ctx.actor, content["product_id"], "chat", via_token=content["share_token"]
            )
        except (AppError, KeyError):
            raise NotFound("This product can no longer be shared.", code="product_not_found") from None
        card = _card(out.token, out.product.model_dump())
        return Prepared(content=card, text=card["title"])

    def preview(self, content: dict[str, Any]) -> str:
        title = str(content.get("title") or "")
        return f"[Product] {title}".rstrip()


CARD_KINDS: tuple[MessageKind, ...] = (ProductKind(),)
