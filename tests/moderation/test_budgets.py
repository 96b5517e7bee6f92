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
# A word added or removed: its row, the list's version and its event, in one transaction.
WORD_CHANGE = 5
# An operator's action, however many open reports of the same target it closes.
REPORT_ACTION = 6


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


async def test_the_operators_routes_cost_the_same_whatever_they_touch(
    mod: Moderation, app: Any, client: httpx.AsyncClient
) -> None:
    """The word list costs the same for 1 and 20 words; an action costs the same whether it closes one
    open report of its target or several (no statement per report)."""
    operator = await mod.operator()
    author, reporters = await mod.users.create(), [await mod.users.create() for _ in range(3)]
    for user in (operator, author, *reporters):
        assert (await client.get(f"{V1}/me", headers=user.headers)).status_code == 200

    async def cost(method: str, path: str, expected: int, **kwargs: Any) -> int:
        async with count_statements(app) as counted:
            response = await client.request(method, f"{V1}{path}", headers=operator.headers, **kwargs)
        assert response.status_code == expected, response.text
        return counted.total

    words = [await mod.add_word(operator, "word0", "mask")]
    one_word = await cost("GET", "/admin/sensitive-words", 200, params={"limit": 20})
    adding = [
        await cost("POST", "/admin/sensitive-words", 201, json={"word": f"word{n}", "action": "mask"})
        for n in range(1, 20)
    ]
    assert await cost("GET", "/admin/sensitive-words", 200, params={"limit": 20}) == one_word <= LIST_PAGE
    assert len(set(adding)) == 1 and adding[0] <= WORD_CHANGE
    assert await cost("DELETE", f"/admin/sensitive-words/{words[0]['id']}", 204) <= WORD_CHANGE

    async def take_down_cost(reporting: list[Any]) -> int:
        post = (await client.post(f"{V1}/posts", json={"body": "x"}, headers=author.headers)).json()
        ids = [(await mod.report(r, "post", post["id"])).json()["id"] for r in reporting]
        body = {"action": "take_down", "note": ""}
        return await cost("POST", f"/admin/reports/{ids[0]}/actions", 200, json=body)

    alone = await take_down_cost(reporters[:1])
    assert await take_down_cost(reporters) == alone <= REPORT_ACTION
