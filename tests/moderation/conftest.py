"""Helpers for the moderation tests: operators, the word list, reports, through the public API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from quanzi.identity import service as identity
from tests.conftest import TestUser, Users, publish_events

V1 = "/api/v1"


class Moderation:
    def __init__(self, app: Any, client: httpx.AsyncClient, users: Users) -> None:
        self.app = app
        self.client = client
        self.users = users

    async def operator(self, name: str | None = None) -> TestUser:
        user = await self.users.create(name)
        async with self.app.state.db.transaction() as session:
            await identity.set_operator(session, int(user.id), True)
        await publish_events(self.app)
        return user

    async def add_word(self, operator: TestUser, word: str, action: str) -> dict[str, Any]:
        response = await self.client.post(
            f"{V1}/admin/sensitive-words", json={"word": word, "action": action}, headers=operator.headers
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def report(
        self, reporter: TestUser, kind: str, target_id: str, reason: str = "spam", note: str = ""
    ) -> httpx.Response:
        return await self.client.post(
            f"{V1}/reports",
            json={"target_kind": kind, "target_id": target_id, "reason": reason, "note": note},
            headers=reporter.headers,
        )

    async def act(self, operator: TestUser, report_id: str, action: str, note: str = "") -> httpx.Response:
        return await self.client.post(
            f"{V1}/admin/reports/{report_id}/actions",
            json={"action": action, "note": note},
            headers=operator.headers,
        )

    async def befriend(self, a: TestUser, b: TestUser) -> None:
        response = await self.client.post(
            f"{V1}/friend-requests", json={"to_user_id": b.id}, headers=a.headers
        )
        assert response.status_code == 201, response.text
        response = await self.client.post(
            f"{V1}/friend-requests/{response.json()['id']}/accept", headers=b.headers
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def mod(app: Any, client: httpx.AsyncClient, users: Users) -> Moderation:
    return Moderation(app, client, users)
