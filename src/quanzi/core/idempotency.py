"""Idempotency keys (WAL-7, Stripe's model): the entry point of every request that moves money or stock.

`execute(db, actor, key=..., scope=..., payload=..., action=..., precheck=...)` runs one action at
most once per (user, key):

- The key row is inserted with its answer, in one statement, last in the action's transaction. A
  concurrent duplicate's INSERT waits on the unique key (PostgreSQL) or its transaction behind the
  single writer (SQLite), then finds the committed row: its own effects are rolled back and the
  committed answer replayed: one effect, one answer. A crash before commit leaves neither the effect
  nor the key; after commit, both.
- A retry with the same key and the same request replays the stored status and body; with a
  different request (scope or body) it is refused (422 ``idempotency_key_reused``) and writes nothing.
- An action that fails with a domain error (insufficient balance, a limit...) rolls back, and the
  error is then stored as the key's answer, so a retry gets the same answer rather than a second try.
  Retryable errors (``pin_changed``) and the precheck's refusals are not stored.
- Keys are one namespace: a key another user already used is refused (422 ``idempotency_key_reused``)
  and never replays that user's answer.

A `Precheck` runs before the transaction for a request that is not a replay: the wallet's payment PIN
is one (`quanzi.wallet.service.pin_precheck`). Its `check` runs after the read session that looks the
key up closed (a PIN check writes: it counts the attempt) and returns the proof the action gets.
What it checks is never part of the stored fingerprint.

An `EarlyRefusal` answers a request that cannot succeed (a sold-out SKU, a full team, an emptied red
packet) from a read, before any write transaction, so a crowd arriving after the last unit is gone
never queues for the writer. It reads only state that the write taking the last unit commits; the
action's own conditional UPDATE stays the guarantee. Its evidence is read before the key: each read
statement sees what was committed when it started, so when the evidence says "gone", the key of the
request that took the last unit (this key's first try, perhaps) is visible to the lookup after it, and
that stored answer is replayed instead. An early refusal is not stored (it wrote nothing, like the
precheck's): a retry with the same key is refused the same way while the state stays, and runs once
the state changes (a restock).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import JSON, BigInteger, Integer, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import Base, Database, insert_for
from quanzi.core.errors import AppError, InvalidInput

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, autoincrement=False)
    scope: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


_keys: Table = IdempotencyKey.__table__  # type: ignore[assignment]


class Precheck(Protocol):
    """A check that must pass before the action runs, for a request that is not a replay."""

    async def check(self, db: Database) -> Any:
        """Decide (raising an AppError to refuse); returns the proof handed to the action."""


Action = Callable[[AsyncSession, Any], Awaitable[tuple[int, dict[str, Any]]]]

# The error the action would answer, decided from committed state on a read session; None to run it.
EarlyRefusal = Callable[[AsyncSession], Awaitable[AppError | None]]


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool


class IdempotencyKeyMissing(AppError):
    status_code = 400
    code = "idempotency_key_required"


def check_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise IdempotencyKeyMissing(
            "This request moves money or stock: send an Idempotency-Key header (a fresh random string"
            " per operation)."
        )
    if not KEY_PATTERN.match(key):
        raise IdempotencyKeyMissing(
            "Idempotency-Key must be 1–100 characters of letters, digits and . _ : -",
            code="invalid_idempotency_key",
        )
    return key


def fingerprint(scope: str, payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        {"scope": scope, "body": payload}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def execute(
    db: Database,
    actor: Actor,
    *,
    key: str | None,
    scope: str,
    payload: Mapping[str, Any],
    action: Action,
    precheck: Precheck | None = None,
    refuse_early: EarlyRefusal | None = None,
) -> Outcome:
    """Run `action(session, proof)` once for (actor, key); see the module docstring for the rules.
    `payload` is what identifies the request (the body without secrets such as a PIN, plus path
    ids); `proof` is what `precheck` returned (None without one)."""
    key = check_key(key)
    request_hash = fingerprint(scope, payload)
    proof = None
    if precheck is not None or refuse_early is not None:
        # A retry of a finished request is answered without checking again (nor spending a PIN
        # attempt). One read session for every lookup, closed before the check, which writes. The
        # key is looked up only when something is to be decided: a request that will run anyway
        # claims it in its transaction, so the early refusal costs it one read.
        async with db.read() as session:
            refusal = await refuse_early(session) if refuse_early is not None else None
            stored = await _stored(session, key) if refusal is not None or precheck is not None else None
        if stored is not None:
            return _replay(stored, actor, scope, request_hash)
        if refusal is not None:
            raise refusal
        if precheck is not None:
            proof = await precheck.check(db)
    try:
        async with db.transaction() as session:
            status_code, body = await action(session, proof)
            # The key and its answer in one statement, last in the action's transaction: a concurrent
            # duplicate's INSERT waits here on the unique key until the first commits, then inserts
            # nothing, and its effects are rolled back below.
            stored = await _claim(session, actor.user_id, key, scope, request_hash, status_code, body)
            if stored is None:
                return Outcome(status_code, body, replayed=False)
            raise _Duplicate(stored)
    except _Duplicate as duplicate:
        return _replay(duplicate.stored, actor, scope, request_hash)
    except AppError as error:
        if getattr(error, "retryable", False):
            raise
        return await _store_failure(db, actor, key, scope, request_hash, error)


class _Duplicate(Exception):
    """Another request committed this key first: roll this one's effects back and replay that."""

    def __init__(self, stored: Any) -> None:
        super().__init__("duplicate idempotency key")
        self.stored = stored


async def _stored(session: AsyncSession, key: str) -> Any:
    # Looked up by key alone: a row of another user's refuses the request (`_replay`).
    return (await session.execute(select(_keys).where(_keys.c.key == key))).first()


async def _claim(
    session: AsyncSession,
    user_id: int,
    key: str,
    scope: str,
    request_hash: str,
    status_code: int,
    body: dict[str, Any],
) -> Any:
    """Insert the key row with its answer (None) or return the row another request committed first
    (read in the same transaction: under READ COMMITTED, and behind SQLite's single writer, the
    statement after the conflict sees it)."""
    inserted = await session.execute(
        insert_for(session, _keys)
        .values(
            user_id=user_id,
            key=key,
            scope=scope,
            request_hash=request_hash,
            status_code=status_code,
            response=body,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    if inserted.rowcount == 1:  # type: ignore[attr-defined]
        return None
    return await _stored(session, key)


def _replay(stored: Any, actor: Actor, scope: str, request_hash: str) -> Outcome:
    if stored.user_id != actor.user_id or stored.scope != scope or stored.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request. Use a new key."
        )
    return Outcome(stored.status_code, dict(stored.response or {}), replayed=True)


async def _store_failure(
    db: Database, actor: Actor, key: str, scope: str, request_hash: str, error: AppError
) -> Outcome:
    body = error.envelope()
    async with db.transaction() as session:
        stored = await _claim(session, actor.user_id, key, scope, request_hash, error.status_code, body)
        if stored is None:
            return Outcome(error.status_code, body, replayed=False)
    return _replay(stored, actor, scope, request_hash)
