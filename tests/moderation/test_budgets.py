"""The filter adds no statement to the hot paths (MOD-1, DESIGN.md rule 16): once a process holds
the list, screening a group message, a Moment, a comment or a report costs nothing more than with no
list at all; a change to the list costs one reload on the next write."""

from __future__ import annotations

from typing import Any

import httpx

from tests.moderation.conftest import V1, Moderation
from tests.statements import count_statements
from tests.test_statement_budgets import LIST_PAGE, SEND_MESSAGE

# BEGIN, the target's description, the insert, the outbox event, COMMIT (the session is cached).
FILE_REPORT = 5


async def _cost(app: Any, client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: Any) -> int:
    async with count_statements(app) as counted:
        response = await client.post(f"{V1}{path}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return counted.total


async def test_screening_costs_no_statement(mod: Moderation, app: Any, client: httpx.AsyncClient) -> None:
    author, friend = await mod.users.create(), await mod.users.create()
    await mod.befriend(author, friend)
    group = await client.post(f"{V1}/chats/groups", json={"member_ids": [friend.id]}, headers=author.headers)
    post = (await client.post(f"{V1}/posts", json={"body": "hi"}, headers=author.headers)).json()
    paths = {
        "message": (
            f"/chats/{group.json()['id']}/messages",
            lambda n: {"kind": "text", "content": {"text": n}},
        ),
        "moment": ("/moments", lambda n: {"body": n}),
        "comment": (f"/posts/{post['id']}/comments", lambda n: {"body": n}),
    }

    async def costs(text: str) -> dict[str, int]:
        return {
            name: await _cost(app, client, path, body(text), author.headers)
            for name, (path, body) in paths.items()
        }

    await costs("warm up")  # the process loads the (empty) list once
    without = await costs("一起去打赌博士 gamble")
    operator = await mod.operator()
    for word, action in (("赌博", "refuse"), ("gamble", "mask"), ("大麻", "mask")):
        await mod.add_word(operator, word, action)
    await costs("reload")  # the first write after the change reloads the list
    with_list = await costs("一起去打赌博士 gamble")
    assert with_list == without
    assert with_list["message"] <= SEND_MESSAGE


async def test_the_queue_costs_the_same_for_1_and_for_20_reports(
    mod: Moderation, app: Any, client: httpx.AsyncClient
) -> None:
    operator = await mod.operator()
    reporter = await mod.users.create()

    async def page_cost() -> int:
        async with count_statements(app) as counted:
            response = await client.get(f"{V1}/admin/reports", params={"limit": 20}, headers=operator.headers)
        assert response.status_code == 200, response.text
        return counted.total

    async def report_cost(author: Any) -> int:
        async with count_statements(app) as counted:
            response = await mod.report(reporter, "user", author.id)
        assert response.status_code == 201, response.text
        return counted.total

    for user in (operator, reporter):  # each process now holds their sessions
        assert (await client.get(f"{V1}/me", headers=user.headers)).status_code == 200
    filing = await report_cost(await mod.users.create())
    one = await page_cost()
    for _ in range(19):
        assert await report_cost(await mod.users.create()) == filing
    assert await page_cost() == one <= LIST_PAGE
    assert filing <= FILE_REPORT
