"""The payment PIN (WAL-3): six digits, kept as a keyed MAC; five wrong in a row lock payments for three
hours.

Checking a PIN is two steps, so that no check runs inside the money transaction:

1. `verify_pin(db, actor, pin)` — an entry-point step, like a login. It reads the PIN's salt, computes
   the guess's MAC, and then compares and counts in *one* conditional UPDATE, committed on its own:
   it only matches while payments are not locked, clears the count for a right PIN, adds one for a
   wrong PIN and sets the lock at the fifth. No row: 429 ``pin_locked``, whatever the PIN. A right
   PIN yields a `PinProof` naming the PIN's version.
2. `confirm_pin(session, actor, proof)` — inside the money transaction: the PIN is still the one
   verified (409 ``pin_changed`` otherwise; the client asks again).

So guesses sent in parallel are serialized by the database: of N at once, at most five are ever
compared, and while locked a right PIN gets the same answer as a wrong one. The version changes only
when the PIN is set or changed, never by a guess, so other guesses cannot turn a right PIN into
``pin_changed``; and a right PIN uses no attempt, so parallel payments do not lock each other out.
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

from sqlalchemy import case, or_, select, update
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
    """Check the actor's PIN (its own units of work). Raises `PinNotSet`, `WrongPin` or 429
    ``pin_locked`` (the attempt already committed); returns the proof a money transaction needs."""
    _check_pin_format(pin)
    now = clock.now()
    async with db.autocommit() as session:
        row = (
            await session.execute(
                select(_pins.c.pin_hash, _pins.c.version, _pins.c.locked_until).where(
                    _pins.c.user_id == actor.user_id
                )
            )
        ).first()
        if row is None:
            raise PinNotSet("Set a payment PIN first.")
        if _locked(row.locked_until, now):
            raise _locked_error(row.locked_until, now)
        attempt = await _attempt(session, actor.user_id, row.version, _candidate(row.pin_hash, pin), now)
        if attempt is None:
            raise await _refusal(session, actor.user_id, now)
    if attempt.matched:
        return PinProof(user_id=actor.user_id, version=row.version)
    if attempt.locked_until is not None:  # this guess used the last attempt
        raise _locked_error(attempt.locked_until, now)
    left = PIN_MAX_FAILURES - attempt.failed_attempts
    raise WrongPin(
        f"Wrong payment PIN. {left} attempt(s) left before payments are locked.",
        details={"attempts_left": left},
    )


def _candidate(pin_hash: str, pin: str) -> str:
    """What the stored verifier would be if `pin` were the PIN: its salt, the guess's MAC."""
    scheme, _, rest = pin_hash.partition("$")
    salt_hex, _, _mac_hex = rest.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return ""  # a verifier we cannot read matches no PIN
    return f"{scheme}${salt_hex}${_mac(salt, pin)}"


async def _attempt(session: AsyncSession, user_id: int, version: int, candidate: str, now: datetime) -> Any:
    """Compare and count in one statement, unless payments are locked: no concurrent guess can come
    between the count a guess sees and the one it leaves. A right PIN clears the count; a wrong one
    adds to it (a lock that ran out starts a fresh count) and sets the lock at the fifth. Returns
    `(failed_attempts, locked_until, matched)`, or None when no attempt was made (locked meanwhile,
    or the PIN was changed since it was read)."""
    # The comparison of MACs need not be constant-time: a MAC under a key the caller lacks tells
    # nothing about the PIN, whatever its first matching characters.
    matched = _pins.c.pin_hash == candidate
    # Only rows whose lock is absent or over match the WHERE, so a stored lock here has run out.
    attempts = case((matched, 0), (_pins.c.locked_until.is_not(None), 1), else_=_pins.c.failed_attempts + 1)
    return (
        await session.execute(
            update(_pins)
            .where(
                _pins.c.user_id == user_id,
                _pins.c.version == version,
                or_(_pins.c.locked_until.is_(None), _pins.c.locked_until <= now),
            )
            .values(
                failed_attempts=attempts,
                locked_until=case((attempts >= PIN_MAX_FAILURES, now + PIN_LOCK), else_=None),
                updated_at=now,
            )
            .returning(_pins.c.failed_attempts, _pins.c.locked_until, matched.label("matched"))
        )
    ).first()


async def _refusal(session: AsyncSession, user_id: int, now: datetime) -> AppError:
    """Why no attempt was made, read after the fact (only on this path)."""
    row = (await session.execute(select(_pins.c.locked_until).where(_pins.c.user_id == user_id))).first()
    if row is None:
        return PinNotSet("Set a payment PIN first.")
    if _locked(row.locked_until, now):
        return _locked_error(row.locked_until, now)
    # Not a guess's doing: only setting a PIN changes its version. The client asks again.
    return PinChanged("The payment PIN changed meanwhile; enter it again.")


@dataclass(frozen=True)
class PinPrecheck:
    """The payment PIN as the precheck of an idempotent request (`core.idempotency.Precheck`): it
    runs once the key is known not to be a replay, and the proof goes to the action."""

    actor: Actor
    pin: str

    async def check(self, db: Database) -> PinProof:
        return await verify_pin(db, self.actor, self.pin)


def pin_precheck(actor: Actor, pin: str) -> PinPrecheck:
    """The precheck for a request whose body carries `pin` (every money request's body does)."""
    return PinPrecheck(actor, pin)


async def confirm_pin(session: AsyncSession, actor: Actor, proof: PinProof | None) -> None:
    """Inside a money transaction: the proof is the actor's and its PIN is still the one set (a PIN
    changed since it was verified moves nothing). Guesses do not change the version, so they cannot
    turn a right PIN into ``pin_changed``; a lock they set after it was verified does not undo it
    either, since it was one of the attempts allowed."""
    if proof is None or proof.user_id != actor.user_id:
        raise InvalidInput("This needs the payment PIN.", code="pin_required")
    version = await session.scalar(select(_pins.c.version).where(_pins.c.user_id == actor.user_id))
    confirm_pin_version(actor, proof, version)


def pin_version_column(user_id: int) -> Any:
    """The user's PIN version (NULL without a PIN) as a column of another query, so that a money
    transaction reads it along with what it reads first; `confirm_pin_version` then decides."""
    return select(_pins.c.version).where(_pins.c.user_id == user_id).scalar_subquery().label("pin_version")


def confirm_pin_version(actor: Actor, proof: PinProof | None, version: int | None) -> None:
    """`confirm_pin` for a version read inside the transaction by `pin_version_column`."""
    if proof is None or proof.user_id != actor.user_id:
        raise InvalidInput("This needs the payment PIN.", code="pin_required")
    if version is None:
        raise PinNotSet("Set a payment PIN first.")
    if version != proof.version:
        raise PinChanged("The payment PIN changed meanwhile; enter it again.")


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
    existing = await session.get(PaymentPin, actor.user_id, with_for_update=True, populate_existing=True)
    if existing is None:
        raise PinNotSet("Set a payment PIN first.")
    if proof is None:
        raise Conflict("A payment PIN is set: give the current PIN to change it.", code="pin_already_set")
    await confirm_pin(session, actor, proof)
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
