"""Small HTTP helpers shared by the feed tests."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image

V1 = "/api/v1"


async def befriend(client: httpx.AsyncClient, a: Any, b: Any) -> None:
    response = await client.post(f"{V1}/friend-requests", json={"to_user_id": b.id}, headers=a.headers)
    assert response.status_code == 201, response.text
    response = await client.post(f"{V1}/friend-requests/{response.json()['id']}/accept", headers=b.headers)
    assert response.status_code == 200, response.text


async def make_tag(client: httpx.AsyncClient, owner: Any, name: str, members: list[Any]) -> str:
    response = await client.post(
        f"{V1}/tags", json={"name": name, "member_ids": [m.id for m in members]}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def moment(client: httpx.AsyncClient, author: Any, body: str, **extra: Any) -> dict[str, Any]:
    response = await client.post(f"{V1}/moments", json={"body": body, **extra}, headers=author.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def public_post(client: httpx.AsyncClient, author: Any, body: str, **extra: Any) -> dict[str, Any]:
    response = await client.post(f"{V1}/posts", json={"body": body, **extra}, headers=author.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def repost(client: httpx.AsyncClient, user: Any, post_id: str, comment: str = "") -> dict[str, Any]:
    response = await client.post(
        f"{V1}/posts/{post_id}/reposts", json={"comment": comment}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def headers(user: Any | None) -> dict[str, str]:
    return user.headers if user is not None else {}


async def items(
    client: httpx.AsyncClient, user: Any | None, path: str, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(f"{V1}{path}", params={"limit": 100, **params}, headers=headers(user))
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def png(width: int = 64, height: int = 48, color: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


async def upload_image(client: httpx.AsyncClient, user: Any, data: bytes | None = None) -> dict[str, Any]:
    response = await client.post(
        f"{V1}/media/images", headers=user.headers, files={"file": ("a.png", data or png(), "image/png")}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]
