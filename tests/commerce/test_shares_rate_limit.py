"""Share-link opens are rate-limited per client address and link: past the limit a link still opens
and answers the same, but the open is not recorded, so it cannot inflate the link's opens or win a
purchase's attribution (docs/security.md, section 4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from quanzi.commerce.models.shares import ShareOpen
from quanzi.config import Settings
from tests.commerce.conftest import V1, ShopDriver
from tests.conftest import SettlingTransport
from tests.ratelimits import burst


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_share_opens_per_address": "2/hour"})


async def _opens(shop: ShopDriver) -> int:
    async with shop.wallet.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(ShareOpen)) or 0)


async def test_opens_past_the_limit_answer_the_same_and_record_nothing(
    app: Any, shop: ShopDriver, frozen_clock: Any
) -> None:
    merchant = await shop.merchant()
    product = await shop.product(merchant, title="Tea")
    sharer = await shop.buyer("sharer", money=0)
    link = (
        await shop.client.post(
            f"{V1}/shares", json={"product_id": product["id"], "channel": "link"}, headers=sharer.headers
        )
    ).json()
    viewers = [await shop.buyer(f"viewer{i}", money=0) for i in range(7)]

    def open_as(i: int) -> Any:
        return shop.client.post(f"{V1}/shares/{link['token']}/open", headers=viewers[i].headers)

    responses = await burst(5, open_as)
    assert [r.status_code for r in responses] == [200] * 5
    assert len({r.text for r in responses}) == 1  # the same answer, counted or not
    assert await _opens(shop) == 2

    # Another address is counted apart.
    transport = SettlingTransport(app, client=("192.0.2.77", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://quanzi.test") as elsewhere:
        response = await elsewhere.post(f"{V1}/shares/{link['token']}/open", headers=viewers[5].headers)
        assert response.status_code == 200
    assert await _opens(shop) == 3

    frozen_clock.advance(hours=1)
    assert (await open_as(6)).status_code == 200
    assert await _opens(shop) == 4
