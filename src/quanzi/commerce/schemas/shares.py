"""Request and response shapes of share links (ATT-1, docs/commerce.md "Share links and attribution")."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from quanzi.core.schemas import IdIn, IdOut, RequestModel, ResponseModel

ShareChannel = Literal["chat", "moment", "post", "team", "link"]
LINK_KEY_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


class ShareIn(RequestModel):
    product_id: IdIn
    channel: ShareChannel
    via_token: str | None = Field(default=None, pattern=LINK_KEY_PATTERN)


class SharedProduct(ResponseModel):
    """What a card shows of the product (catalog's `product_summary`)."""

    id: IdOut
    shop_id: IdOut
    title: str
    price_min: int
    image_url: str | None
    status: str


class SharerOut(ResponseModel):
    id: IdOut
    username: str | None
    display_name: str


class ShareOut(ResponseModel):
    token: str
    url: str
    channel: ShareChannel
    product: SharedProduct


class ShareOpenOut(ResponseModel):
    token: str
    product: SharedProduct
    # Only who shared it with the viewer: the earlier sharers (perhaps in private chats) are the shop's
    # to know, on the order (ATT-1), not the next viewer's.
    sharer: SharerOut
