"""Sign-ups are rate-limited per client address (docs/security.md, section 4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from quanzi.config import Settings
from quanzi.identity.models import User
from tests.ratelimits import assert_limited, burst

SIGNUP = "/api/v1/auth/signup"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_signups_per_address": "3/hour"})


def _body(i: int, prefix: str = "new") -> dict[str, Any]:
    return {"username": f"{prefix}{i}", "password": "correct horse 1", "display_name": f"New {i}"}


async def _users(app: Any) -> int:
    async with app.state.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def test_a_burst_of_signups_from_one_address_creates_only_the_limit(
    app: Any, client: httpx.AsyncClient, frozen_clock: Any
) -> None:
    responses = await burst(7, lambda i: client.post(SIGNUP, json=_body(i)))
    assert_limited(responses, 3)
    assert await _users(app) == 3  # a refused sign-up wrote nothing
    refused = next(r for r in responses if r.status_code == 429)
    message = refused.json()["error"]["message"]
    assert message == "Too many sign-ups from this address. Try again in 60 minutes."

    # Another address is counted apart; a spoofed X-Forwarded-For from an untrusted peer changes nothing.
    spoofed = await client.post(SIGNUP, json=_body(0, "spoof"), headers={"X-Forwarded-For": "192.0.2.9"})
    assert spoofed.status_code == 429
    elsewhere = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("192.0.2.50", 40000)), base_url="http://quanzi.test"
    )
    async with elsewhere:
        assert (await elsewhere.post(SIGNUP, json=_body(0, "other"))).status_code == 201

    frozen_clock.advance(hours=1)
    assert_limited(await burst(4, lambda i: client.post(SIGNUP, json=_body(i, "later"))), 3)
