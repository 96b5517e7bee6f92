"""Idempotency keys (WAL-7, Stripe's model): the entry point of every money-moving request.

`execute(db, actor, key=..., scope=..., payload=..., action=..., pin=...)` runs one money action at
most once per (user, key):

- The key row is inserted first, in the same transaction as the action and its answer. A concurrent
  duplicate's INSERT waits on the unique key (PostgreSQL) or behind the single writer (SQLite), then
  finds the committed row and replays it: one effect, one answer. A crash before commit leaves
  neither the effect nor the key; after commit, both.
- A retry with the same key and the same request replays the stored status and body; with a
  different request (scope or body) it is refused (422 ``idempotency_key_reused``) and writes nothing.
- An action that fails with a domain error (insufficient balance, a limit...) rolls back, and the
  error is then stored as the key's answer, so a retry gets the same answer rather than a second try.
  Retryable errors (``pin_changed``) and PIN checks are not stored.
- Keys are scoped to the caller: another user's key is simply another key.

The PIN, when the action needs one, is checked here before the transaction (see `pins`), and is never
part of the stored fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import Database, insert_for
from quanzi.core.errors import AppError, InvalidInput
from quanzi.wallet.models import IdempotencyKey, table_of
from quanzi.wallet.pins import PinProof, check_pin, read_pin

_keys = table_of(IdempotencyKey)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

Action = Callable[[AsyncSession, PinProof | None], Awaitable[tuple[int, dict[str, Any]]]]


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool


def check_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise InvalidInput(
            "This request moves money: send an Idempotency-Key header (a fresh random string per operation).",
            code="idempotency_key_required",
        )
    if not KEY_PATTERN.match(key):
        raise InvalidInput(
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
    pin: str | None = None,
) -> Outcome:
    """Run `action(session, proof)` once for (actor, key); see the module docstring for the rules.
    `payload` is what identifies the request (the body without the PIN, plus path ids)."""
    key = check_key(key)
    request_hash = fingerprint(scope, payload)
    proof = None
    if pin is not None:
        # A retry of a finished request is answered without checking the PIN again. One read
        # session for both lookups, closed before the check (a wrong PIN writes).
        async with db.read() as session:
            stored = await _stored(session, actor.user_id, key)
            pin_row = await read_pin(session, actor.user_id) if stored is None else None
        if stored is not None:
            return _replay(stored, scope, request_hash)
        proof = await check_pin(db, actor, pin, pin_row)
    try:
        async with db.transaction() as session:
            stored = await _claim(session, actor.user_id, key, scope, request_hash)
            if stored is None:
                status_code, body = await action(session, proof)
                await session.execute(
                    update(_keys)
                    .where(_keys.c.user_id == actor.user_id, _keys.c.key == key)
                    .values(status_code=status_code, response=body)
                )
                return Outcome(status_code, body, replayed=False)
    except AppError as error:
        if getattr(error, "retryable", False):
            raise
        return await _store_failure(db, actor, key, scope, request_hash, error)
    return _replay(stored, scope, request_hash)


async def _stored(session: AsyncSession, user_id: int, key: str) -> Any:
    return (
        await session.execute(select(_keys).where(_keys.c.user_id == user_id, _keys.c.key == key))
    ).first()


async def _claim(session: AsyncSession, user_id: int, key: str, scope: str, request_hash: str) -> Any:
    """Insert the key row (None) or return the row a concurrent request committed first."""
    inserted = await session.execute(
        insert_for(session, _keys)
        .values(
            user_id=user_id,
            key=key,
            scope=scope,
            request_hash=request_hash,
            status_code=0,
            response=None,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
    )
    if inserted.rowcount == 1:  # type: ignore[attr-defined]
        return None
    return await _stored(session, user_id, key)


def _replay(stored: Any, scope: str, request_hash: str) -> Outcome:
    if stored.scope != scope or stored.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request. Use a new key."
        )
    return Outcome(stored.status_code, dict(stored.response or {}), replayed=True)


async def _store_failure(
    db: Database, actor: Actor, key: str, scope: str, request_hash: str, error: AppError
) -> Outcome:
    body = error.envelope()
    async with db.transaction() as session:
        stored = await _claim(session, actor.user_id, key, scope, request_hash)
        if stored is None:
            await session.execute(
                update(_keys)
                .where(_keys.c.user_id == actor.user_id, _keys.c.key == key)
                .values(status_code=error.status_code, response=body)
            )
            return Outcome(error.status_code, body, replayed=False)
    return _replay(stored, scope, request_hash)
