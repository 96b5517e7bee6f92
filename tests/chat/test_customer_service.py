"""Customer service (CHT-1, CHT-9, SHP-2): service chats with official accounts, the merchant's shared
inbox, staff acting as the account, assignment and transfer, the messaging window, live pushes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from quanzi.core.clock import FrozenClock
from quanzi.wallet import service as wallet_service
from quanzi.wallet.pins import verify_pin
from tests.chat.conftest import V1, ChatApi, error_code, ok, open_socket
from tests.conftest import TestUser as Person
from tests.conftest import publish_events
from tests.wallet.conftest import PIN, Wallet


class Desk:
    """A merchant with staff and customers, driven through the public API."""

    def __init__(self, api: ChatApi) -> None:
        self.api = api
        self.client: httpx.AsyncClient = api.client

    async def merchant(self, name: str = "teashop") -> Person:
        return await self.api.users.create(name, kind="merchant", display_name="Tea Shop")

    async def follow(self, user: Person, merchant: Person) -> None:
        response = await self.client.put(f"{V1}/following/{merchant.id}", headers=user.headers)
        assert response.status_code == 204, response.text

    async def open(self, user: Person, merchant_id: str) -> httpx.Response:
        return await self.client.post(f"{V1}/service/{merchant_id}/conversation", headers=user.headers)

    async def customer(self, name: str, merchant: Person) -> tuple[Person, str]:
        """A new consumer who follows the merchant, and their service chat's id."""
        user = await self.api.users.create(name)
        await self.follow(user, merchant)
        return user, ok(await self.open(user, merchant.id))["id"]

    async def add_staff(self, merchant: Person, user: Person, role: str = "agent") -> httpx.Response:
        return await self.client.post(
            f"{V1}/service/staff", json={"username": user.username, "role": role}, headers=merchant.headers
        )

    async def staff(self, merchant: Person, name: str, role: str = "agent") -> Person:
        user = await self.api.users.create(name)
        ok(await self.add_staff(merchant, user, role))
        return user

    async def inbox(self, user: Person, **params: Any) -> httpx.Response:
        return await self.client.get(f"{V1}/service/inbox", params=params, headers=user.headers)

    async def conversation(self, user: Person, chat_id: str) -> httpx.Response:
        return await self.client.get(f"{V1}/service/conversations/{chat_id}", headers=user.headers)

    async def claim(self, user: Person, chat_id: str) -> httpx.Response:
        return await self.client.post(f"{V1}/service/conversations/{chat_id}/claim", headers=user.headers)

    async def transfer(self, user: Person, chat_id: str, to: str) -> httpx.Response:
        return await self.client.post(
            f"{V1}/service/conversations/{chat_id}/transfer", json={"to_user_id": to}, headers=user.headers
        )


@pytest.fixture
def desk(api: ChatApi) -> Desk:
    return Desk(api)


def ids(page: dict[str, Any]) -> list[str]:
    return [item["chat_id"] for item in page["items"]]


async def test_who_may_open_a_service_chat_and_who_may_see_the_inbox(desk: Desk, api: ChatApi) -> None:
    shop = await desk.merchant()
    agent = await desk.staff(shop, "agent1")
    stranger = await api.users.create("stranger")
    other = await api.users.create("other")

    # Nobody opens a service chat with a consumer (strangers still cannot message each other), the
    # merchant with itself, or its staff with it.
    response = await desk.open(stranger, other.id)
    assert response.status_code == 404 and error_code(response) == "merchant_not_found"
    response = await desk.open(stranger, "12345")
    assert response.status_code == 404 and error_code(response) == "merchant_not_found"
    response = await desk.open(shop, shop.id)
    assert response.status_code == 422 and error_code(response) == "cannot_message_self"
    await desk.follow(agent, shop)
    response = await desk.open(agent, shop.id)
    assert response.status_code == 409 and error_code(response) == "staff_cannot_open"
    response = await api.client.post(
        f"{V1}/chats/direct", json={"user_id": other.id}, headers=stranger.headers
    )
    assert response.status_code == 404

    # Anyone opens it, follower or not (SHP-2); again, the same chat. They see the shop as the other side.
    chat = ok(await desk.open(stranger, shop.id))
    assert chat["kind"] == "service" and chat["peer"]["id"] == shop.id
    assert chat["peer"]["display_name"] == "Tea Shop" and chat["member_count"] == 2
    assert ok(await desk.open(stranger, shop.id))["id"] == chat["id"]
    merchant_view = await api.chat(shop, chat["id"])
    assert merchant_view["peer"]["id"] == stranger.id
    staff_view = await api.chat(agent, chat["id"])
    assert staff_view["peer"]["id"] == stranger.id and staff_view["me"] == merchant_view["me"]

    # Nobody else sees the chat, the inbox or its conversations; the customer sees no console.
    for outsider in (other, stranger):
        response = await desk.inbox(outsider, merchant_id=shop.id)
        assert response.status_code == 404 and error_code(response) == "inbox_not_found"
    response = await desk.inbox(other)
    assert response.status_code == 404 and error_code(response) == "inbox_not_found"
    for outsider in (other, stranger):
        assert (await desk.conversation(outsider, chat["id"])).status_code == 404
        assert (await desk.claim(outsider, chat["id"])).status_code == 404
    assert (await api.client.get(f"{V1}/chats/{chat['id']}", headers=other.headers)).status_code == 404
    assert (await api.send(other, chat["id"], "let me in")).status_code == 404

    # Only the merchant account manages staff; staff are consumers.
    admin = await desk.staff(shop, "admin1", "admin")
    for not_merchant in (admin, agent, other):
        response = await desk.add_staff(not_merchant, other)
        assert response.status_code == 403 and error_code(response) == "merchant_only"
        response = await api.client.get(f"{V1}/service/staff", headers=not_merchant.headers)
        assert response.status_code == 403
        response = await api.client.delete(f"{V1}/service/staff/{agent.id}", headers=not_merchant.headers)
        assert response.status_code == 403
    other_shop = await desk.merchant("othershop")
    response = await desk.add_staff(shop, other_shop)
    assert response.status_code == 422 and error_code(response) == "not_a_consumer"
    response = await api.client.post(
        f"{V1}/service/staff", json={"username": "nobody_here"}, headers=shop.headers
    )
    assert response.status_code == 404 and error_code(response) == "user_not_found"
    staff = ok(await api.client.get(f"{V1}/service/staff", headers=shop.headers))
    assert [(s["user"]["id"], s["role"]) for s in staff] == [(agent.id, "agent"), (admin.id, "admin")]
    assert ok(await desk.add_staff(shop, agent, "admin"))["role"] == "admin"  # a role change
    ok(await desk.add_staff(shop, agent, "agent"))

    # Transfers go to staff (or the merchant) only.
    response = await desk.transfer(admin, chat["id"], other.id)
    assert response.status_code == 422 and error_code(response) == "not_staff"
    response = await desk.transfer(admin, chat["id"], stranger.id)
    assert response.status_code == 422 and error_code(response) == "not_staff"

    places = ok(await api.client.get(f"{V1}/service/workplaces", headers=agent.headers))
    assert [(p["merchant"]["id"], p["role"]) for p in places] == [(shop.id, "agent")]
    places = ok(await api.client.get(f"{V1}/service/workplaces", headers=shop.headers))
    assert [(p["merchant"]["id"], p["role"]) for p in places] == [(shop.id, "owner")]


async def test_staff_reply_as_the_account_claim_and_transfer(
    desk: Desk, api: ChatApi, frozen_clock: FrozenClock
) -> None:
    shop = await desk.merchant()
    agent1, agent2 = await desk.staff(shop, "agent1"), await desk.staff(shop, "agent2")
    admin = await desk.staff(shop, "admin1", "admin")
    lin, lin_chat = await desk.customer("lin", shop)
    wang, wang_chat = await desk.customer("wang", shop)

    await api.say(lin, lin_chat, "Is the oolong in stock?")
    frozen_clock.advance(timedelta(seconds=1))
    await api.say(wang, wang_chat, "Where is my parcel?")
    frozen_clock.advance(timedelta(seconds=1))
    await api.say(lin, lin_chat, "Hello?")

    page = ok(await desk.inbox(agent1))  # staff of one merchant: no merchant_id needed
    assert ids(page) == [lin_chat, wang_chat]  # newest activity first
    first = page["items"][0]
    assert first["unread_count"] == 2 and first["assignee"] is None and first["customer"]["id"] == lin.id
    assert first["last_message"]["content"] == {"text": "Hello?"}
    assert first["window"]["state"] == "reply" and first["window"]["replies_left"] == 5
    assert ids(ok(await desk.inbox(shop, filter="unassigned"))) == [lin_chat, wang_chat]
    assert ids(ok(await desk.inbox(agent1, filter="mine"))) == []
    paged = ok(await desk.inbox(agent1, limit=1))
    assert ids(paged) == [lin_chat]
    assert ids(ok(await desk.inbox(agent1, limit=1, cursor=paged["next_cursor"]))) == [wang_chat]

    # An agent's reply goes out as the account, claims the conversation and reads it for everyone.
    reply = await api.say(agent1, lin_chat, "Yes, 20 tins left.")
    assert reply["sender_id"] == shop.id
    seen_by_lin = ok(await api.history(lin, lin_chat))["items"][0]
    assert seen_by_lin["id"] == reply["id"] and seen_by_lin["sender_id"] == shop.id
    detail = ok(await desk.conversation(agent2, lin_chat))
    assert detail["assignee"]["id"] == agent1.id and detail["unread_count"] == 0
    assert ids(ok(await desk.inbox(agent1, filter="mine"))) == [lin_chat]
    assert ids(ok(await desk.inbox(agent1, filter="unassigned"))) == [wang_chat]
    console = ok(
        await api.client.get(f"{V1}/service/conversations/{lin_chat}/messages", headers=admin.headers)
    )
    assert [(i["message"]["id"], (i["agent"] or {}).get("id")) for i in console["items"][:2]] == [
        (reply["id"], agent1.id),
        (console["items"][1]["message"]["id"], None),
    ]
    # The customer's console view does not exist for them.
    response = await api.client.get(f"{V1}/service/conversations/{lin_chat}/messages", headers=lin.headers)
    assert response.status_code == 404

    # Another agent may not reply in it, claim it or transfer it; an admin may reply.
    response = await api.send(agent2, lin_chat, "me too")
    assert response.status_code == 409 and error_code(response) == "assigned_to_other"
    response = await desk.claim(agent2, lin_chat)
    assert response.status_code == 409 and error_code(response) == "already_assigned"
    response = await desk.transfer(agent2, lin_chat, agent2.id)
    assert response.status_code == 403 and error_code(response) == "not_assignee"
    assert (await api.say(admin, lin_chat, "An admin here."))["sender_id"] == shop.id

    # The assignee transfers it: a notice in the chat, and the new assignee replies.
    moved = ok(await desk.transfer(agent1, lin_chat, agent2.id))
    assert moved["assignee"]["id"] == agent2.id
    notice = ok(await api.history(lin, lin_chat))["items"][0]
    assert notice["kind"] == "system" and notice["content"]["event"] == "service_transferred"
    assert notice["content"]["to_id"] == agent2.id and notice["content"]["from_id"] == agent1.id
    assert notice["content"]["text"] == "Agent1 transferred the conversation to Agent2"
    response = await api.send(agent1, lin_chat, "still me")
    assert response.status_code == 409 and error_code(response) == "assigned_to_other"
    await api.say(agent2, lin_chat, "Agent 2 here.")
    ok(await desk.transfer(shop, lin_chat, shop.id))  # the merchant takes anything, also to itself
    assert ok(await desk.conversation(agent1, lin_chat))["assignee"]["id"] == shop.id

    # Claiming an unassigned conversation, twice is the same; it posts a notice.
    claimed = ok(await desk.claim(agent1, wang_chat))
    assert claimed["assignee"]["id"] == agent1.id
    assert ok(await desk.claim(agent1, wang_chat))["assignee"]["id"] == agent1.id
    texts = [m["content"] for m in ok(await api.history(wang, wang_chat))["items"] if m["kind"] == "system"]
    assert [t["event"] for t in texts] == ["service_claimed"]

    # Reading as staff moves the account's shared read position.
    await api.say(wang, wang_chat, "??")
    assert ok(await desk.conversation(agent2, wang_chat))["unread_count"] == 2
    last_seq = ok(await desk.conversation(agent2, wang_chat))["last_seq"]
    ok(await api.client.post(f"{V1}/chats/{wang_chat}/read", json={"seq": last_seq}, headers=agent2.headers))
    assert ok(await desk.conversation(agent1, wang_chat))["unread_count"] == 0

    # A removed staff member loses access at once; their conversations go back to unassigned.
    response = await api.client.delete(f"{V1}/service/staff/{agent1.id}", headers=shop.headers)
    assert response.status_code == 204
    assert (await api.client.get(f"{V1}/chats/{wang_chat}", headers=agent1.headers)).status_code == 404
    assert (await desk.inbox(agent1)).status_code == 404
    assert ok(await desk.conversation(agent2, wang_chat))["assignee"] is None
    response = await api.client.delete(f"{V1}/service/staff/{agent1.id}", headers=shop.headers)
    assert response.status_code == 404 and error_code(response) == "staff_not_found"

    # Staff never see a customer's other chats, and the merchant lists its service chats as chats.
    merchant_chats = ok(await api.client.get(f"{V1}/chats", headers=shop.headers))["items"]
    assert {c["id"] for c in merchant_chats} == {lin_chat, wang_chat}


async def test_the_account_sends_five_messages_within_48_hours_of_a_customer_message(
    desk: Desk, api: ChatApi, frozen_clock: FrozenClock
) -> None:
    shop = await desk.merchant()
    agent = await desk.staff(shop, "agent1")
    lin, chat = await desk.customer("lin", shop)

    response = await api.send(agent, chat, "Hi, new arrivals!")  # the customer has not written
    assert response.status_code == 409 and error_code(response) == "service_window_closed"
    assert ok(await desk.conversation(agent, chat))["window"] == {
        "state": "closed",
        "until": None,
        "replies_left": 0,
    }

    await api.say(lin, chat, "Do you ship to Chengdu?")
    frozen_clock.advance(timedelta(hours=47))
    for n in range(5):
        await api.say(agent if n % 2 == 0 else shop, chat, f"reply {n}")
    response = await api.send(agent, chat, "one more")
    assert response.status_code == 429 and error_code(response) == "service_reply_limit"
    assert response.json()["error"]["details"]["limit"] == 5
    before = ok(await desk.conversation(agent, chat))
    assert before["window"]["state"] == "closed" and before["last_seq"] == 6

    # The customer writes again: five more, for 48 hours from then.
    await api.say(lin, chat, "Thanks! And Lhasa?")
    window = ok(await desk.conversation(agent, chat))["window"]
    assert window["state"] == "reply" and window["replies_left"] == 5
    await api.say(agent, chat, "Lhasa too.")
    frozen_clock.advance(timedelta(hours=48))
    response = await api.send(agent, chat, "Still there?")
    assert response.status_code == 409 and error_code(response) == "service_window_closed"
    # The customer is never bounded, and notices do not count.
    await api.say(lin, chat, "Yes!")
    ok(await desk.claim(agent, chat))  # already theirs by replying: nothing new
    for n in range(5):
        await api.say(agent, chat, f"again {n}")
    assert (await api.send(agent, chat, "sixth")).status_code == 429

    # A customer who unfollows keeps the chat and may still write into it.
    response = await api.client.delete(f"{V1}/following/{shop.id}", headers=lin.headers)
    assert response.status_code == 204
    await api.say(lin, chat, "bye")
    assert ok(await desk.open(lin, shop.id))["id"] == chat


async def test_anyone_writes_to_an_official_account_first_and_only_a_block_stops_them(
    desk: Desk, api: ChatApi
) -> None:
    shop = await desk.merchant()
    agent = await desk.staff(shop, "agent1")
    asker = await api.users.create("asker")  # never follows the shop: a question before buying

    chat = ok(await desk.open(asker, shop.id))["id"]
    await api.say(asker, chat, "Is the oolong in stock?")
    # The customer's first message opens the account's reply window (SHP-2), as a follower's does.
    window = ok(await desk.conversation(agent, chat))["window"]
    assert window["state"] == "reply" and window["replies_left"] == 5
    await api.say(agent, chat, "Yes, 20 tins left.")
    assert await api.texts(asker, chat) == ["Is the oolong in stock?", "Yes, 20 tins left."]

    # A block, either way, stops the customer: the existing chat refuses, a new open finds no account.
    ok(await api.client.put(f"{V1}/blocks/{shop.id}", headers=asker.headers), 204)
    response = await api.send(asker, chat, "still there?")
    assert response.status_code == 403 and error_code(response) == "blocked"
    response = await desk.open(asker, shop.id)
    assert response.status_code == 404 and error_code(response) == "merchant_not_found"
    ok(await api.client.delete(f"{V1}/blocks/{shop.id}", headers=asker.headers), 204)
    await api.say(asker, chat, "unblocked")
    other = await api.users.create("other")
    ok(await api.client.put(f"{V1}/blocks/{other.id}", headers=shop.headers), 204)
    response = await desk.open(other, shop.id)
    assert response.status_code == 404 and error_code(response) == "merchant_not_found"


async def test_a_payment_opens_48_hours_without_limit(
    desk: Desk, api: ChatApi, app: Any, frozen_clock: FrozenClock
) -> None:
    wallet = Wallet(app, api.client, api.users)
    shop = await desk.merchant()
    agent = await desk.staff(shop, "agent1")
    buyer = await wallet.user("buyer")
    await wallet.top_up(buyer, 100_00)
    await desk.follow(buyer, shop)
    chat = ok(await desk.open(buyer, shop.id))["id"]
    assert (await api.send(agent, chat, "hello")).status_code == 409

    proof = await verify_pin(wallet.db, wallet.actor(buyer), PIN)
    async with wallet.db.transaction() as session:
        await wallet_service.pay_to_escrow(
            session, wallet.actor(buyer), shop.id, 50_00, order_ref="order-1", proof=proof
        )
    await publish_events(app)  # chat learns of the payment from the wallet's event stream
    window = ok(await desk.conversation(agent, chat))["window"]
    assert window["state"] == "paid" and window["replies_left"] is None
    for n in range(8):  # no customer message, and more than five
        await api.say(agent, chat, f"Your order {n}")
    frozen_clock.advance(timedelta(hours=48) - timedelta(seconds=1))
    await api.say(agent, chat, "Shipped!")
    frozen_clock.advance(timedelta(seconds=1))
    response = await api.send(agent, chat, "Rate us?")
    assert response.status_code == 409 and error_code(response) == "service_window_closed"

    # Another merchant's customer paying elsewhere opens nothing here.
    other_shop = await desk.merchant("othershop")
    async with wallet.db.transaction() as session:
        await wallet_service.pay_to_escrow(
            session,
            wallet.actor(buyer),
            other_shop.id,
            1_00,
            order_ref="order-2",
            proof=await verify_pin(wallet.db, wallet.actor(buyer), PIN),
        )
    assert (await api.send(agent, chat, "Rate us?")).status_code == 409


async def test_customer_messages_reach_every_staff_socket(desk: Desk, api: ChatApi, ws_url: str) -> None:
    shop = await desk.merchant()
    agent1, agent2 = await desk.staff(shop, "agent1"), await desk.staff(shop, "agent2")
    lin, chat = await desk.customer("lin", shop)
    async with (
        open_socket(ws_url, agent1) as socket1,
        open_socket(ws_url, agent2) as socket2,
        open_socket(ws_url, lin) as lin_socket,
    ):
        for socket in (socket1, socket2, lin_socket):
            await socket.until("synced")
        sent = await api.say(lin, chat, "Anyone there?")
        for socket in (socket1, socket2):
            [entry] = await socket.entries(1, wait=3)
            assert entry["kind"] == "message" and entry["chat_id"] == chat
            assert entry["message"]["id"] == sent["id"] and entry["message"]["sender_id"] == lin.id
        # A reply over agent1's socket reaches agent2's console and the customer, as the account.
        await socket1.send(
            {
                "type": "send",
                "ref": "r1",
                "chat_id": chat,
                "message": {"kind": "text", "content": {"text": "Here!"}, "client_msg_id": "cs-1"},
            }
        )
        answer, _ = await socket1.until("sent")
        assert answer["message"]["sender_id"] == shop.id
        entry = await socket2.entry_where(
            lambda e: e["kind"] == "message" and e["message"]["id"] == answer["message"]["id"], wait=3
        )
        assert entry["message"]["content"] == {"text": "Here!"}
        mine = await lin_socket.entry_where(
            lambda e: e["kind"] == "message" and e["message"]["id"] == answer["message"]["id"], wait=3
        )
        assert mine["message"]["sender_id"] == shop.id
        # A recall reaches the consoles too.
        ok(await api.client.post(f"{V1}/chats/{chat}/messages/{sent['id']}/recall", headers=lin.headers))
        for socket in (socket1, socket2):
            recall = await socket.entry_where(lambda e: e["kind"] == "recall", wait=3)
            assert recall["message_id"] == sent["id"]

    # The log replays the same to a staff member who reconnects.
    log = await api.sync(agent2)
    assert [e["message"]["id"] for e in log["entries"] if e["kind"] == "message"] == [
        sent["id"],
        answer["message"]["id"],
    ]
