"""Chat messages are rate-limited per sending account (docs/security.md, section 4)."""

from __future__ import annotations

from typing import Any

import pytest

from quanzi.config import Settings
from tests.chat.conftest import ChatApi, open_socket
from tests.ratelimits import assert_limited, burst


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_messages": "3/minute"})


async def test_a_burst_of_messages_sends_only_the_limit_per_minute(api: ChatApi, frozen_clock: Any) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    group = await api.group(bob, [alice])
    responses = await burst(7, lambda i: api.send(alice, chat["id"], f"spam {i}"))
    assert_limited(responses, 3)
    assert (await api.send(alice, group["id"], "elsewhere")).status_code == 429  # per account, any chat
    assert len([t for t in await api.texts(bob, chat["id"]) if t.startswith("spam")]) == 3
    assert (await api.send(bob, chat["id"], "bob is not limited by alice")).status_code == 201

    frozen_clock.advance(minutes=1)
    assert_limited(await burst(4, lambda i: api.send(alice, group["id"], f"later {i}")), 3)


async def test_messages_over_the_websocket_count_against_the_same_limit(
    api: ChatApi, ws_url: str, frozen_clock: Any
) -> None:
    alice, bob = await api.friends("alice", "bob")
    chat = await api.direct(alice, bob)
    assert (await api.send(alice, chat["id"], "over HTTP")).status_code == 201
    async with open_socket(ws_url, alice) as socket:
        await socket.until("synced")
        answers = []
        for ref in ("r1", "r2", "r3"):
            text = {"kind": "text", "content": {"text": ref}}
            await socket.send({"type": "send", "ref": ref, "chat_id": chat["id"], "message": text})
            answer, _ = await socket.until("sent" if ref != "r3" else "error")
            answers.append(answer)
    assert [a["ref"] for a in answers] == ["r1", "r2", "r3"]
    refused = answers[2]
    assert refused["code"] == "rate_limited"
    assert refused["details"] == {"retry_after": 60, "limit": "chat.message"}
    assert (await api.send(alice, chat["id"], "still refused over HTTP")).status_code == 429
