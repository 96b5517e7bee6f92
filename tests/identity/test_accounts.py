"""Sign-up, login, sessions and bad input for accounts (ACC-1, ACC-3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"


def body(**overrides):
    data = {"username": "mei_lin", "password": "long enough 1", "display_name": "林美"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


async def test_signup_returns_session_and_profile(client):
    response = await client.post(SIGNUP, json=body())
    assert response.status_code == 201
    data = response.json()
    assert data["user"]["username"] == "mei_lin"
    assert data["user"]["display_name"] == "林美"
    assert data["user"]["kind"] == "consumer"
    assert isinstance(data["user"]["id"], str) and data["user"]["id"].isdigit()
    assert isinstance(data["session_id"], str)
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {data['token']}"})
    assert me.status_code == 200
    assert me.json() == data["user"]


async def test_username_is_case_insensitive_and_unique(client):
    assert (await client.post(SIGNUP, json=body(username="Mei_Lin"))).status_code == 201
    duplicate = await client.post(SIGNUP, json=body(username="MEI_LIN", phone=None))
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "username_taken"
    login = await client.post(LOGIN, json={"login": "mEi_LiN", "password": "long enough 1"})
    assert login.status_code == 200


async def test_phone_signup_and_login(client):
    created = await client.post(SIGNUP, json=body(username=None, phone="+86 138-0013-8000"))
    assert created.status_code == 201
    assert created.json()["user"]["phone"] == "+8613800138000"
    assert created.json()["user"]["username"] is None
    login = await client.post(LOGIN, json={"login": "+8613800138000", "password": "long enough 1"})
    assert login.status_code == 200
    taken = await client.post(SIGNUP, json=body(username="other", phone="+8613800138000"))
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "phone_taken"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"username": "ab"}, "username"),
        ({"username": "a" * 33}, "username"),
        ({"username": "has space"}, "username"),
        ({"username": "中文名"}, "username"),
        ({"password": "short"}, "password"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "长" * 33}, "display_name"),
        ({"display_name": "bad\u0000name"}, "display_name"),
        ({"kind": "operator"}, "kind"),
        ({"username": None, "phone": None}, "username or a phone"),
        ({"phone": "12"}, "phone"),
        ({"balance": 100}, "balance"),
    ],
)
async def test_bad_signups_get_the_envelope_and_create_nothing(client, overrides, fragment):
    response = await client.post(SIGNUP, json=body(**overrides))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert fragment in error["message"] + str(error["details"])
    login = await client.post(LOGIN, json={"login": "mei_lin", "password": "long enough 1"})
    assert login.status_code == 401


async def test_invalid_fields_say_where_what_and_the_limit_for_clients_to_word(client):
    # Clients word validation errors in their reader's language from loc, type and ctx (docs/api.md).
    response = await client.post(SIGNUP, json={"username": "ab!", "password": "123", "display_name": "Lin"})
    assert response.status_code == 422
    details = {tuple(d["loc"]): d for d in response.json()["error"]["details"]}
    password = details[("body", "password")]
    assert password["type"] == "string_too_short" and password["ctx"] == {"min_length": 8}
    username = details[("body", "username")]
    # A validator's own check: its type, and no exception object in ctx.
    assert username["type"] == "value_error" and username["ctx"] == {}
    assert "3-32" in username["message"]


async def test_missing_fields_and_malformed_json(client):
    missing = await client.post(SIGNUP, json={"username": "abc"})
    assert missing.status_code == 422
    assert {tuple(d["loc"]) for d in missing.json()["error"]["details"]} >= {
        ("body", "password"),
        ("body", "display_name"),
    }
    malformed = await client.post(
        SIGNUP, content=b'{"username": ', headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "malformed_json"
    not_object = await client.post(SIGNUP, json=["a"])
    assert not_object.status_code == 422


async def test_oversized_body_is_refused(client):
    huge = {"username": "big", "password": "x" * 2_000_000, "display_name": "big"}
    response = await client.post(SIGNUP, json=huge)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_wrong_password_is_401_and_throttled_per_account(client, users, frozen_clock):
    alice = await users.create("alice")
    for _ in range(5):
        wrong = await client.post(LOGIN, json={"login": "alice", "password": "not the password"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "invalid_credentials"
    blocked = await client.post(LOGIN, json={"login": "alice", "password": alice.password})
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_attempts"
    assert int(blocked.headers["Retry-After"]) > 0
    frozen_clock.advance(timedelta(minutes=16))
    assert (await client.post(LOGIN, json={"login": "alice", "password": alice.password})).status_code == 200


async def test_unknown_accounts_are_throttled_too(client, frozen_clock):
    for _ in range(5):
        assert (await client.post(LOGIN, json={"login": "ghost", "password": "whatever1"})).status_code == 401
    assert (await client.post(LOGIN, json={"login": "ghost", "password": "whatever1"})).status_code == 429


async def test_address_throttle_ignores_spoofed_forwarded_for(client, users, frozen_clock):
    await users.create("bob")
    for attempt in range(30):
        response = await client.post(
            LOGIN,
            json={"login": f"nobody{attempt}", "password": "whatever1"},
            headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
        )
        assert response.status_code == 401
    spoofed = await client.post(
        LOGIN, json={"login": "bob", "password": "correct horse 1"}, headers={"X-Forwarded-For": "192.0.2.99"}
    )
    assert spoofed.status_code == 429


async def test_logout_revokes_the_token(client, users):
    alice = await users.create("alice")
    assert (await client.post("/api/v1/auth/logout", headers=alice.headers)).status_code == 204
    after = await client.get("/api/v1/me", headers=alice.headers)
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "unauthorized"


async def test_no_token_and_garbage_token(client):
    assert (await client.get("/api/v1/me")).json()["error"]["code"] == "authentication_required"
    garbage = await client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert garbage.status_code == 401


async def test_sessions_list_and_revoke(client, users):
    alice = await users.create("alice")
    second = await client.post(
        LOGIN, json={"login": "alice", "password": alice.password}, headers={"User-Agent": "phone"}
    )
    other_token = second.json()["token"]
    listed = await client.get("/api/v1/me/sessions", headers=alice.headers)
    items = listed.json()["items"]
    assert len(items) == 2
    assert [s["current"] for s in items] == [False, True]  # newest first: the phone login is newer
    assert items[0]["user_agent"] == "phone"
    revoke = await client.delete(f"/api/v1/me/sessions/{second.json()['session_id']}", headers=alice.headers)
    assert revoke.status_code == 204
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {other_token}"})
    ).status_code == 401
    assert len((await client.get("/api/v1/me/sessions", headers=alice.headers)).json()["items"]) == 1


async def test_another_users_session_is_not_found(client, users):
    alice = await users.create("alice")
    bob = await users.create("bob")
    response = await client.delete(f"/api/v1/me/sessions/{bob.session_id}", headers=alice.headers)
    assert response.status_code == 404
    assert (await client.get("/api/v1/me", headers=bob.headers)).status_code == 200
    for junk in ("abc", "0", "-1", "99999999999999999999"):
        assert (await client.delete(f"/api/v1/me/sessions/{junk}", headers=alice.headers)).status_code == 404


async def test_session_pagination_walks_every_session_once(client, users):
    alice = await users.create("alice")
    for _ in range(4):
        await client.post(LOGIN, json={"login": "alice", "password": alice.password})
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/me/sessions", params=params, headers=alice.headers)).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 == len(set(seen))
    bad = await client.get("/api/v1/me/sessions", params={"cursor": "!!!"}, headers=alice.headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_cursor"
    assert (
        await client.get("/api/v1/me/sessions", params={"limit": 101}, headers=alice.headers)
    ).status_code == 422


async def test_password_change_revokes_other_sessions(client, users):
    alice = await users.create("alice")
    other = (await client.post(LOGIN, json={"login": "alice", "password": alice.password})).json()["token"]
    wrong = await client.post(
        "/api/v1/me/password",
        headers=alice.headers,
        json={"current_password": "nope nope", "new_password": "brand new pass"},
    )
    assert wrong.status_code == 403
    ok = await client.post(
        "/api/v1/me/password",
        headers=alice.headers,
        json={"current_password": alice.password, "new_password": "brand new pass"},
    )
    assert ok.status_code == 204
    assert (await client.get("/api/v1/me", headers=alice.headers)).status_code == 200
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"})).status_code == 401
    assert (await client.post(LOGIN, json={"login": "alice", "password": alice.password})).status_code == 401
    assert (
        await client.post(LOGIN, json={"login": "alice", "password": "brand new pass"})
    ).status_code == 200
