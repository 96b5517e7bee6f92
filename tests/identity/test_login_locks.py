"""The login and password-change locks under concurrency (ACC-3): a burst of guesses is as many
attempts as it has guesses, at most the allowed number of passwords is ever compared, and once the
lock is reached a right password gets the same answer as a wrong one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from quanzi.identity.service import accounts

LOGIN = "/api/v1/auth/login"
PASSWORD = "/api/v1/me/password"
ALLOWED = accounts.LoginPolicy().max_failures_per_account


@pytest.fixture
def comparisons(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many passwords were compared with a stored hash (the real comparison, counted)."""
    calls: list[str] = []
    compare = accounts.password_matches

    async def counted(password_hash: str, password: str) -> bool:
        calls.append(password)
        return await compare(password_hash, password)

    monkeypatch.setattr(accounts, "password_matches", counted)
    return lambda: len(calls)


def _same_answer(responses: list[Any]) -> set[tuple[int, str, str]]:
    return {(r.status_code, r.json()["error"]["code"], r.headers["retry-after"]) for r in responses}


async def test_a_burst_of_wrong_passwords_cannot_outrun_the_login_lock(
    client: Any, users: Any, frozen_clock: Any, comparisons: Callable[[], int]
) -> None:
    alice = await users.create("alice")
    guesses = [f"wrong guess {n}" for n in range(20)] + [alice.password]
    answers = await asyncio.gather(
        *(client.post(LOGIN, json={"login": "alice", "password": p}) for p in guesses)
    )
    *wrong, right = answers
    # A right password compared gives its slot back (its attempt was no failure): the wrong ones
    # compared stay within the limit either way.
    assert comparisons() - (right.status_code == 200) <= ALLOWED
    refused = [a for a in wrong if a.status_code == 401]
    assert len(refused) <= ALLOWED and all(
        a.json()["error"]["code"] == "invalid_credentials" for a in refused
    )
    locked = [a for a in answers if a.status_code == 429]
    assert len(refused) + len(locked) + (right.status_code == 200) == len(guesses)
    if right.status_code != 200:  # the right password came after the lock: it is not told apart
        assert len(refused) == ALLOWED
        assert _same_answer(locked) == {(429, "too_many_attempts", str(15 * 60))}
    after = await client.post(LOGIN, json={"login": "alice", "password": alice.password})
    if right.status_code != 200:
        assert after.status_code == 429


async def test_the_login_lock_is_per_account_whatever_name_the_guesses_use(
    client: Any, users: Any, frozen_clock: Any, comparisons: Callable[[], int]
) -> None:
    alice = await users.create("alice", phone="+8613800138000")
    for spelling in ("alice", "+8613800138000", "+86 138 0013 8000", "+86-138-0013-8000"):
        for _ in range(ALLOWED):
            await client.post(LOGIN, json={"login": spelling, "password": "not the password"})
    assert comparisons() == ALLOWED
    blocked = await client.post(LOGIN, json={"login": "alice", "password": alice.password})
    assert (blocked.status_code, blocked.json()["error"]["code"]) == (429, "too_many_attempts")


async def test_wrong_current_passwords_count_against_the_account_lock(
    client: Any, users: Any, frozen_clock: Any, comparisons: Callable[[], int]
) -> None:
    """A session token buys no extra guesses: wrong `current_password`s, even sent at once, are failed
    logins of the account, and once locked the right one is refused like the wrong ones."""
    alice = await users.create("alice")
    guesses = [f"wrong guess {n}" for n in range(20)]
    answers = await asyncio.gather(
        *(
            client.post(
                PASSWORD,
                headers=alice.headers,
                json={"current_password": p, "new_password": "brand new pass"},
            )
            for p in guesses
        )
    )
    assert comparisons() == ALLOWED
    assert sum(a.status_code == 403 for a in answers) == ALLOWED
    locked = [a for a in answers if a.status_code == 429]
    assert len(locked) == len(guesses) - ALLOWED
    right = await client.post(
        PASSWORD,
        headers=alice.headers,
        json={"current_password": alice.password, "new_password": "brand new pass"},
    )
    assert _same_answer([*locked, right]) == {(429, "too_many_attempts", str(15 * 60))}
    login = await client.post(LOGIN, json={"login": "alice", "password": alice.password})
    assert login.status_code == 429  # one lock for the account, not one per door
    frozen_clock.advance(minutes=16)
    changed = await client.post(
        PASSWORD,
        headers=alice.headers,
        json={"current_password": alice.password, "new_password": "brand new pass"},
    )
    assert changed.status_code == 204
    assert (
        await client.post(LOGIN, json={"login": "alice", "password": "brand new pass"})
    ).status_code == 200
