"""The payment PIN (WAL-3): six digits, kept as a keyed MAC; five wrong in a row lock payments for three
hours.

Checking a PIN is two steps, so that a wrong PIN's failure is committed on its own and no check runs
inside the money transaction:

1. `verify_pin(db, actor, pin)` — an entry-point step with its own transactions, like a login: it
   reads the PIN row, checks the PIN against its MAC and, when the PIN is wrong, commits the
   failure (and the lock at the fifth) before raising. A right PIN yields a `PinProof` naming the
   PIN row's version.
2. `confirm_pin(session, actor, proof)` — inside the money transaction: the proof must be the actor's
   and the PIN row must still be at that version (no failure, lock or new PIN in between), otherwise
   nothing moves (409 ``pin_changed``; the client asks again).

So guesses sent in parallel do not multiply: a right guess only counts if no wrong one was recorded
between its read and its payment.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import Database, insert_for, table_of
from quanzi.core.errors import AppError, Conflict, InvalidInput, TooManyRequests
from quanzi.wallet.models import PaymentPin
from quanzi.wallet.rules import PIN_LOCK, PIN_MAX_FAILURES

_pins = table_of(PaymentPin)

# A PIN has only a million values, so no hash cost protects a stolen table of them: argon2id at OWASP's
# floor took ~60–80 ms of CPU per check here — about 20 CPU-hours to try every PIN of one user, and it
# capped payments at ~26/s on two cores (bench/checkout.py). What protects PINs offline is a key that is
# not in the database (payment networks keep it in an HSM): the verifier is HMAC-SHA256 under
# QUANZI_PIN_KEY of a random per-PIN salt and the PIN; without the key a stolen table tells nothing,
# not even which users share a PIN. Online guessing is bounded by the lock after five failures.
_SCHEME = "hmac-sha256"
# Development only, like the sandbox bank's secret; production sets QUANZI_PIN_KEY (docs/wallet.md).
_DEV_PIN_KEY = "quanzi-development-pin-key"


def pin_key() -> bytes:
    return os.environ.get("QUANZI_PIN_KEY", _DEV_PIN_KEY).encode()


def _mac(salt: bytes, pin: str) -> str:
    return hmac.new(pin_key(), b"pin:" + salt + pin.encode(), hashlib.sha256).hexdigest()


async def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    return f"{_SCHEME}${salt.hex()}${_mac(salt, pin)}"


async def _matches(pin_hash: str, pin: str) -> bool:
    scheme, _, rest = pin_hash.partition("$")
    salt_hex, _, mac = rest.partition("$")
    if scheme != _SCHEME or not mac:
        return False
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    return hmac.compare_digest(_mac(salt, pin), mac)


class WrongPin(AppError):
    status_code = 403
    code = "wrong_pin"


class PinNotSet(Conflict):
    code = "pin_not_set"


class PinChanged(Conflict):
    """The PIN's state moved between verification and payment; retrying with the PIN is safe."""

    code = "pin_changed"
    retryable = True


@dataclass(frozen=True)
class PinProof:
    """The actor typed the right PIN while the PIN row was at `version`."""

    user_id: int
    version: int


def _locked(until: datetime | None, now: datetime) -> bool:
    return until is not None and until > now


def _locked_error(until: datetime, now: datetime) -> TooManyRequests:
    seconds = max(1, int((until - now).total_seconds()))
    return TooManyRequests(
        "Too many wrong PINs: payments are locked for now. Try again later.",
        retry_after=seconds,
        code="pin_locked",
    )


def _check_pin_format(pin: str) -> None:
    if not (isinstance(pin, str) and len(pin) == 6 and pin.isascii() and pin.isdigit()):
        raise InvalidInput("The payment PIN is 6 digits.", code="invalid_pin")


def _too_simple(pin: str) -> bool:
    digits = [int(ch) for ch in pin]
    steps = {b - a for a, b in itertools.pairwise(digits)}
    return len(set(digits)) == 1 or steps in ({1}, {-1})


async def verify_pin(db: Database, actor: Actor, pin: str) -> PinProof:
    """Check the actor's PIN (its own units of work). Raises `PinNotSet`, `WrongPin` (after committing
    the failure) or 429 ``pin_locked``; returns the proof a money transaction needs."""
    async with db.read() as session:
        row = await read_pin(session, actor.user_id)
    return await check_pin(db, actor, pin, row)


async def read_pin(session: AsyncSession, user_id: int) -> Any:
    """The stored PIN row (None when none is set), for `check_pin`."""
    return (await session.execute(select(_pins).where(_pins.c.user_id == user_id))).first()


async def check_pin(db: Database, actor: Actor, pin: str, row: Any) -> PinProof:
    """`verify_pin` for a caller that read the row (`read_pin`) in a read session of its own, closed
    before this call: a wrong PIN commits the failure in a write transaction."""
    _check_pin_format(pin)
    if row is None:
        raise PinNotSet("Set a payment PIN first.")
    now = clock.now()
    if _locked(row.locked_until, now):
        raise _locked_error(row.locked_until, now)
    if await _matches(row.pin_hash, pin):
        return PinProof(user_id=actor.user_id, version=row.version)
    async with db.transaction() as session:
        error = await _record_failure(session, actor.user_id)
    raise error


@dataclass(frozen=True)
class PinPrecheck:
    """The payment PIN as the precheck of an idempotent request (`core.idempotency.Precheck`): the
    PIN row is read with the key, checked after, and the proof goes to the action."""

    actor: Actor
    pin: str

    async def read(self, session: AsyncSession) -> Any:
        return await read_pin(session, self.actor.user_id)

    async def check(self, db: Database, state: Any) -> PinProof:
        return await check_pin(db, self.actor, self.pin, state)


def pin_precheck(actor: Actor, pin: str | None) -> PinPrecheck | None:
    """The precheck for a request whose body carries `pin` (None when it carries none)."""
    return None if pin is None else PinPrecheck(actor, pin)


async def _record_failure(session: AsyncSession, user_id: int) -> AppError:
    row = await session.get(PaymentPin, user_id, with_for_update=True, populate_existing=True)
    assert row is not None
    now = clock.now()
    if _locked(row.locked_until, now):
        assert row.locked_until is not None
        return _locked_error(row.locked_until, now)
    if row.locked_until is not None:  # an old lock ran out: a fresh count
        row.failed_attempts = 0
        row.locked_until = None
    row.failed_attempts += 1
    row.version += 1
    row.updated_at = now
    if row.failed_attempts >= PIN_MAX_FAILURES:
        row.locked_until = now + PIN_LOCK
        return _locked_error(row.locked_until, now)
    left = PIN_MAX_FAILURES - row.failed_attempts
    return WrongPin(
        f"Wrong payment PIN. {left} attempt(s) left before payments are locked.",
        details={"attempts_left": left},
    )


async def confirm_pin(session: AsyncSession, actor: Actor, proof: PinProof | None) -> None:
    """Inside a money transaction: the proof is the actor's and still current. Clears old failures."""
    if proof is None or proof.user_id != actor.user_id:
        raise InvalidInput("This needs the payment PIN.", code="pin_required")
    row = (
        await session.execute(
            select(_pins.c.version, _pins.c.failed_attempts, _pins.c.locked_until).where(
                _pins.c.user_id == actor.user_id
            )
        )
    ).first()
    if row is None:
        raise PinNotSet("Set a payment PIN first.")
    now = clock.now()
    if _locked(row.locked_until, now):
        raise _locked_error(row.locked_until, now)
    if row.version != proof.version:
        raise PinChanged("The payment PIN changed meanwhile; enter it again.")
    if row.failed_attempts or row.locked_until is not None:
        await session.execute(
            update(_pins)
            .where(_pins.c.user_id == actor.user_id, _pins.c.version == proof.version)
            .values(failed_attempts=0, locked_until=None, version=_pins.c.version + 1, updated_at=now)
        )


async def set_pin(session: AsyncSession, actor: Actor, new_pin: str, proof: PinProof | None) -> None:
    """Set the first PIN, or change it with proof of the current one. Trivial PINs are refused."""
    _check_pin_format(new_pin)
    if _too_simple(new_pin):
        raise InvalidInput("That PIN is too easy to guess.", code="pin_too_simple")
    now = clock.now()
    new_hash = await hash_pin(new_pin)
    if proof is None:
        created = await session.execute(
            insert_for(session, _pins)
            .values(
                user_id=actor.user_id,
                pin_hash=new_hash,
                failed_attempts=0,
                locked_until=None,
                version=1,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        if created.rowcount == 1:  # type: ignore[attr-defined]
            return
    existing = await session.get(PaymentPin, actor.user_id, with_for_update=True)
    if existing is None:
        raise PinNotSet("Set a payment PIN first.")
    if proof is None:
        raise Conflict("A payment PIN is set: give the current PIN to change it.", code="pin_already_set")
    await confirm_pin(session, actor, proof)
    await session.refresh(existing)
    existing.pin_hash = new_hash
    existing.failed_attempts = 0
    existing.locked_until = None
    existing.version += 1
    existing.updated_at = now


async def pin_state(session: AsyncSession, actor: Actor) -> tuple[bool, datetime | None]:
    """Whether the actor has a PIN, and until when payments are locked (None when they are not)."""
    row = (
        await session.execute(select(_pins.c.locked_until).where(_pins.c.user_id == actor.user_id))
    ).first()
    if row is None:
        return False, None
    return True, row.locked_until if _locked(row.locked_until, clock.now()) else None
