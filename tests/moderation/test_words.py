"""The sensitive-word list (MOD-1): operators edit it; posts, Moments, reposts, comments, group chat
messages and nicknames are refused or masked; every process's copy follows the list."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import text

from quanzi.moderation import service as moderation
from quanzi.moderation.service import filter as word_filter
from tests.moderation.conftest import V1, Moderation

if TYPE_CHECKING:  # a Test* class pytest would try to collect
    from tests.conftest import TestUser


def refused(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "sensitive_content"
    assert "赌博" not in response.text and "spam" not in error["message"].lower()


async def test_only_operators_edit_and_read_the_list(mod: Moderation, client: httpx.AsyncClient) -> None:
    user = await mod.users.create()
    operator = await mod.operator()
    for method, path, body in (
        ("GET", "/admin/sensitive-words", None),
        ("POST", "/admin/sensitive-words", {"word": "x", "action": "mask"}),
        ("DELETE", "/admin/sensitive-words/1", None),
    ):
        response = await client.request(method, f"{V1}{path}", json=body, headers=user.headers)
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "not_an_operator"
    listed = await client.get(f"{V1}/admin/sensitive-words", headers=operator.headers)
    assert listed.json() == {"items": [], "next_cursor": None}


async def test_an_operator_adds_lists_and_removes_words(mod: Moderation, client: httpx.AsyncClient) -> None:
    operator = await mod.operator()
    first = await mod.add_word(operator, "  ＧＡＭＢＬＥ ", "mask")
    assert (first["word"], first["action"]) == ("gamble", "mask")
    await mod.add_word(operator, "赌博", "refuse")
    again = await client.post(
        f"{V1}/admin/sensitive-words", json={"word": "Gamble", "action": "refuse"}, headers=operator.headers
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "word_exists"
    for bad in (
        {"word": "   ", "action": "mask"},
        {"word": "x", "action": "hide"},
        {"word": "x" * 65, "action": "mask"},
    ):
        response = await client.post(f"{V1}/admin/sensitive-words", json=bad, headers=operator.headers)
        assert response.status_code == 422, response.text
    page = await client.get(f"{V1}/admin/sensitive-words", params={"limit": 1}, headers=operator.headers)
    assert [w["word"] for w in page.json()["items"]] == ["赌博"]
    rest = await client.get(
        f"{V1}/admin/sensitive-words", params={"cursor": page.json()["next_cursor"]}, headers=operator.headers
    )
    assert [w["word"] for w in rest.json()["items"]] == ["gamble"]
    gone = await client.delete(f"{V1}/admin/sensitive-words/{first['id']}", headers=operator.headers)
    assert gone.status_code == 204
    missing = await client.delete(f"{V1}/admin/sensitive-words/{first['id']}", headers=operator.headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "word_not_found"


async def _world(mod: Moderation) -> tuple[TestUser, TestUser]:
    operator = await mod.operator()
    await mod.add_word(operator, "赌博", "refuse")
    await mod.add_word(operator, "大麻", "mask")
    await mod.add_word(operator, "spam", "refuse")
    await mod.add_word(operator, "gamble", "mask")
    author, friend = await mod.users.create(), await mod.users.create()
    await mod.befriend(author, friend)
    return author, friend


async def test_posts_moments_reposts_and_comments_are_screened(
    mod: Moderation, client: httpx.AsyncClient
) -> None:
    author, friend = await _world(mod)
    h = author.headers
    refused(await client.post(f"{V1}/moments", json={"body": "一起去赌博"}, headers=h))
    refused(await client.post(f"{V1}/posts", json={"body": "Buy SPAM here"}, headers=h))
    moment = await client.post(f"{V1}/moments", json={"body": "他卖大麻, let's Gamble"}, headers=h)
    assert moment.status_code == 201 and moment.json()["body"] == "他卖**, let's ******"
    harmless = await client.post(f"{V1}/moments", json={"body": "我跟他打赌博士今天会来"}, headers=h)
    assert harmless.status_code == 201 and harmless.json()["body"] == "我跟他打赌博士今天会来"
    post = await client.post(f"{V1}/posts", json={"body": "hello"}, headers=h)
    post_id = post.json()["id"]
    refused(
        await client.post(f"{V1}/posts/{post_id}/reposts", json={"comment": "赌博"}, headers=friend.headers)
    )
    repost = await client.post(
        f"{V1}/posts/{post_id}/reposts", json={"comment": "gamble!"}, headers=friend.headers
    )
    assert repost.status_code == 201 and repost.json()["body"] == "******!"
    refused(
        await client.post(f"{V1}/posts/{post_id}/comments", json={"body": "spam"}, headers=friend.headers)
    )
    comment = await client.post(
        f"{V1}/posts/{post_id}/comments", json={"body": "大麻"}, headers=friend.headers
    )
    assert comment.status_code == 201 and comment.json()["body"] == "**"
    listed = await client.get(f"{V1}/posts/{post_id}/comments", headers=author.headers)
    assert [c["body"] for c in listed.json()["items"]] == ["**"]


async def _chat(client: httpx.AsyncClient, path: str, body: dict[str, Any], user: TestUser) -> dict[str, Any]:
    response = await client.post(f"{V1}{path}", json=body, headers=user.headers)
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


async def test_group_chat_text_is_screened_and_direct_chat_is_not(
    mod: Moderation, client: httpx.AsyncClient
) -> None:
    author, friend = await _world(mod)
    group = await _chat(client, "/chats/groups", {"member_ids": [friend.id]}, author)
    direct = await _chat(client, "/chats/direct", {"user_id": friend.id}, author)

    def say(words: str) -> dict[str, Any]:
        return {"kind": "text", "content": {"text": words}}

    refused(
        await client.post(f"{V1}/chats/{group['id']}/messages", json=say("去赌博"), headers=author.headers)
    )
    masked = await _chat(client, f"/chats/{group['id']}/messages", say("卖大麻"), author)
    assert masked["content"]["text"] == "卖**"
    private = await _chat(client, f"/chats/{direct['id']}/messages", say("去赌博"), author)
    assert private["content"]["text"] == "去赌博"


async def test_nicknames_are_screened(mod: Moderation, client: httpx.AsyncClient) -> None:
    user, _ = await _world(mod)
    signup = await client.post(
        f"{V1}/auth/signup",
        json={
            "username": "gambler1",
            "password": "correct horse 1",
            "display_name": "赌博王",
            "kind": "consumer",
        },
    )
    # 赌博王 is cut 赌博 / 王: the word stands on its own.
    refused(signup)
    masked = await client.patch(f"{V1}/me", json={"display_name": "Gamble King"}, headers=user.headers)
    assert masked.status_code == 200 and masked.json()["display_name"] == "****** King"
    refused(await client.patch(f"{V1}/me", json={"display_name": "spam"}, headers=user.headers))


async def test_a_change_to_the_list_applies_at_once(mod: Moderation, client: httpx.AsyncClient) -> None:
    operator = await mod.operator()
    author = await mod.users.create()
    assert (
        await client.post(f"{V1}/posts", json={"body": "赌博"}, headers=author.headers)
    ).status_code == 201
    word = await mod.add_word(operator, "赌博", "refuse")
    refused(await client.post(f"{V1}/posts", json={"body": "赌博"}, headers=author.headers))
    await client.delete(f"{V1}/admin/sensitive-words/{word['id']}", headers=operator.headers)
    assert (
        await client.post(f"{V1}/posts", json={"body": "赌博"}, headers=author.headers)
    ).status_code == 201


async def test_another_process_change_reaches_this_one_by_the_bus(mod: Moderation, app: Any) -> None:
    """A change committed elsewhere (here: straight into the tables, as another process would) is
    not seen until ``moderation.words.changed`` arrives; then it is."""
    db = app.state.db
    async with db.transaction() as session:
        assert (await moderation.current_list(session)).words == {}
        await session.execute(
            text(
                "INSERT INTO moderation_words (id, word, action, created_at)"
                " VALUES (1, 'gamble', 'mask', CURRENT_TIMESTAMP)"
            )
        )
        await session.execute(text("INSERT INTO moderation_word_list_version (id, version) VALUES (1, 7)"))
    async with db.transaction() as session:
        assert await moderation.screen(session, "gamble") == "gamble"  # the old copy
    await moderation.WordListListener(db)("moderation.words.changed", {"data": {"version": 7}})
    async with db.transaction() as session:
        assert await moderation.screen(session, "gamble") == "******"
        assert (await moderation.current_list(session)).version == 7


async def test_a_lost_bus_message_is_made_up_by_the_version_poll(
    mod: Moderation, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the event, each process's poll sees the stored version move on and drops its copy."""
    db = app.state.db
    async with db.transaction() as session:
        assert await moderation.screen(session, "gamble") == "gamble"  # loaded: version 0
        await session.execute(
            text(
                "INSERT INTO moderation_words (id, word, action, created_at)"
                " VALUES (1, 'gamble', 'mask', CURRENT_TIMESTAMP)"
            )
        )
        await session.execute(text("INSERT INTO moderation_word_list_version (id, version) VALUES (1, 1)"))
    monkeypatch.setattr(word_filter, "POLL_SECONDS", 0.01)
    stop = asyncio.Event()
    poller = asyncio.create_task(moderation.poll_versions(db, stop))
    try:
        deadline = time.monotonic() + 10
        while True:
            async with db.transaction() as session:
                if await moderation.screen(session, "gamble") == "******":
                    break
            assert time.monotonic() < deadline, "the poll never dropped the stale copy"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await poller
