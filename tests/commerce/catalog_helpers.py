"""HTTP helpers of the shop and catalog tests (test_catalog_*.py): merchants with shops, products,
images, broadcasts, all through the public API as clients do."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image

from quanzi.identity import service as identity

V1 = "/api/v1"


def png(colour: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


class Catalog:
    def __init__(self, app: Any, client: httpx.AsyncClient, users: Any) -> None:
        self.app = app
        self.client = client
        self.users = users

    async def merchant(
        self, name: str | None = None, *, shop: str | None = "", verified: bool = True, intro: str = ""
    ) -> Any:
        """A merchant account; with a shop named `shop` (default: after the merchant) unless None."""
        user = await self.users.create(name, kind="merchant")
        if verified:
            async with self.app.state.db.transaction() as session:
                await identity.set_merchant_verified(session, None, int(user.id), True)
        if shop is not None:
            response = await self.client.put(
                f"{V1}/shops/me",
                json={"name": shop or f"{user.username} shop", "intro": intro},
                headers=user.headers,
            )
            assert response.status_code == 200, response.text
        return user

    async def consumer(self, name: str | None = None) -> Any:
        return await self.users.create(name)

    async def product(
        self,
        merchant: Any,
        title: str = "Thermos cup",
        *,
        description: str = "",
        skus: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "title": title,
            "description": description,
            "skus": skus or [{"name": "Standard", "price": 1999, "stock": 10}],
            **extra,
        }
        response = await self.client.post(f"{V1}/products", json=body, headers=merchant.headers)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def upload(self, merchant: Any, data: bytes | None = None) -> httpx.Response:
        return await self.client.post(
            f"{V1}/products/images",
            files={"file": ("photo.png", data if data is not None else png(), "image/png")},
            headers=merchant.headers,
        )

    async def get(self, user: Any, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(f"{V1}{path}", params=params, headers=user.headers)

    async def post(self, user: Any, path: str, body: Any = None) -> httpx.Response:
        # A fresh Idempotency-Key on every call: routes that move stock require one, others ignore it.
        headers = {**user.headers, "Idempotency-Key": uuid.uuid4().hex}
        return await self.client.post(f"{V1}{path}", json=body, headers=headers)

    async def patch(self, user: Any, path: str, body: Any) -> httpx.Response:
        return await self.client.patch(f"{V1}{path}", json=body, headers=user.headers)

    async def delete(self, user: Any, path: str) -> httpx.Response:
        return await self.client.delete(f"{V1}{path}", headers=user.headers)

    async def items(self, user: Any, path: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.get(user, path, limit=100, **params)
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]

    async def all_pages(self, user: Any, path: str, *, limit: int, **params: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = {"limit": limit, **params}
            if cursor:
                query["cursor"] = cursor
            response = await self.get(user, path, **query)
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["items"]) <= limit
            found += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return found


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


@pytest.fixture(name="catalog")
def catalog_fixture(app: Any, client: httpx.AsyncClient, users: Any) -> Catalog:
    return Catalog(app, client, users)
