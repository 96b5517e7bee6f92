"""Helpers for the rate-limit tests of every domain: fire a burst at once, check what got through."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx


async def burst(n: int, send: Callable[[int], Awaitable[httpx.Response]]) -> list[httpx.Response]:
    """`n` requests sent at once (`send(i)` for i in 0..n-1), their answers in order."""
    return list(await asyncio.gather(*(send(i) for i in range(n))))


def assert_limited(responses: list[httpx.Response], limit: int, ok: int = 201) -> None:
    """Exactly `limit` answers are `ok`; every other is 429 ``rate_limited`` with a Retry-After."""
    statuses = [r.status_code for r in responses]
    assert statuses.count(ok) == limit, [r.text for r in responses if r.status_code != ok]
    refused = [r for r in responses if r.status_code != ok]
    assert len(refused) == len(responses) - limit
    for response in refused:
        assert response.status_code == 429, response.text
        error = response.json()["error"]
        assert error["code"] == "rate_limited"
        assert "Try again in" in error["message"]
        retry_after = int(response.headers["Retry-After"])
        assert retry_after >= 1
        assert error["details"]["retry_after"] == retry_after


def assert_refused(response: httpx.Response, limit_name: str) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert response.json()["error"]["details"]["limit"] == limit_name
    assert int(response.headers["Retry-After"]) >= 1
