"""Friend requests are rate-limited per sender, and per sender and target (docs/security.md, section 4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from quanzi.config import Settings
from tests.ratelimits import assert_limited, assert_refused, burst

V1 = "/api/v1"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"rate_limit_friend_requests": "3/day", "rate_limit_friend_requests_per_target": "2/day"}
    )


async def _request(
    client: httpx.AsyncClient, sender: Any, target: Any, message: str = "hi"
) -> httpx.Response:
    return await client.post(
        f"{V1}/friend-requests", json={"to_user_id": target.id, "message": message}, headers=sender.headers
    )


async def _incoming(client: httpx.AsyncClient, user: Any) -> list[Any]:
    response = await client.get(f"{V1}/friend-requests", headers=user.headers)
    return list(response.json()["items"])


async def test_a_burst_to_many_people_sends_only_the_limit_per_day(
    client: httpx.AsyncClient, users: Any, frozen_clock: Any
) -> None:
    spammer = await users.create("spammer")
    targets = [await users.create(f"target{i}") for i in range(7)]
    responses = await burst(6, lambda i: _request(client, spammer, targets[i]))
    assert_limited(responses, 3)
    told = [t for t in targets[:6] if await _incoming(client, t)]
    assert len(told) == 3  # a refused request reached nobody

    frozen_clock.advance(days=1)
    assert (await _request(client, spammer, targets[6])).status_code == 201
    # Someone else's requests are their own.
    assert (await _request(client, targets[6], spammer)).status_code == 201


async def test_asking_one_person_again_after_each_decline_is_limited_per_target(
    client: httpx.AsyncClient, users: Any, frozen_clock: Any
) -> None:
    pest, target, other = [await users.create(name) for name in ("pest", "target", "other")]
    # Repeats while a request is pending only edit it and tell nobody: they are not counted.
    repeats = await burst(5, lambda i: _request(client, pest, target, f"please {i}"))
    assert [r.status_code for r in repeats] == [201] * 5

    async def decline() -> None:
        [pending] = await _incoming(client, target)
        declined = await client.post(f"{V1}/friend-requests/{pending['id']}/decline", headers=target.headers)
        assert declined.status_code == 200, declined.text

    await decline()
    assert (await _request(client, pest, target, "please, again")).status_code == 201
    await decline()
    assert_refused(await _request(client, pest, target, "third time"), "graph.friend_request_target")
    assert await _incoming(client, target) == []
    # The per-account limit (3) still has room for someone else.
    assert (await _request(client, pest, other)).status_code == 201
    frozen_clock.advance(days=1)
    assert (await _request(client, pest, target)).status_code == 201
