"""Accounts, sessions and profiles (ACC-1 … ACC-3): the rules of the identity domain.

Passwords are hashed with argon2id off the event loop. A session token is 32 random bytes shown to
the client once; the table keeps its SHA-256. Failed logins are recorded per account and per address
and throttle further attempts within a sliding window (ACC-3).

A password is only compared once its attempt is reserved: in a short transaction of its own,
serialized per account and per address (advisory locks on PostgreSQL, the single writer on SQLite),
the recent failures are counted and, under the limits, the attempt is recorded as a failure and
committed; a right password then deletes that record as it issues the session. So N guesses at once
are N attempts: at most the allowed number is ever compared, and once the limit is reached a right
password gets the same 429 as a wrong one. A wrong `current_password` at `POST /me/password` is a
failed login of that account: it counts against, and is refused by, the same lock.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, delete, exists, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, ratelimit
from quanzi.core.actor import Actor
from quanzi.core.db import Database
from quanzi.core.errors import AppError, Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized
from quanzi.core.ids import new_id, parse_id
from quanzi.core.images import process_image
from quanzi.core.jobs import schedule
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.core.storage import get_storage
from quanzi.identity.models import AuthSession, LoginFailure, User
from quanzi.identity.schemas import (
    PHONE_RE,
    USERNAME_RE,
    MeOut,
    ProfileUpdateIn,
    SessionOut,
    SignupIn,
    UserCard,
    normalize_phone,
)
from quanzi.identity.service.session_cache import SessionCache, note_revoked
from quanzi.moderation import service as moderation

# argon2id at OWASP's recommended floor (19 MiB, 2 passes, 1 lane): about 50 ms a hash here, where the
# library default took over ten times as long on a busy 2-core machine without a real security gain.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


@dataclass(frozen=True)
class LoginPolicy:
    max_failures_per_account: int = 5
    max_failures_per_address: int = 30
    window: timedelta = timedelta(minutes=15)
    session_ttl: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class IssuedSession:
    user: User
    session: AuthSession
    token: str


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def password_matches(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- views ------------------------------------------------------------------------------------


def avatar_url(user: User) -> str | None:
    return get_storage().url(user.avatar_key) if user.avatar_key else None


def card_of(user: User) -> UserCard:
    return UserCard(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        avatar_url=avatar_url(user),
        kind=user.kind,  # type: ignore[arg-type]
        is_kol=user.is_kol,
        merchant_verified=user.merchant_verified_at is not None,
    )


def me_of(user: User) -> MeOut:
    return MeOut(
        **card_of(user).model_dump(),
        phone=user.phone,
        bio=user.bio,
        region=user.region,
        is_operator=user.is_operator,
        discoverable_by_username=user.discoverable_by_username,
        discoverable_by_phone=user.discoverable_by_phone,
        created_at=user.created_at,
    )


# --- lookups other domains use ----------------------------------------------------------------


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def require_user(session: AsyncSession, user_id: int | str) -> User:
    """The user with this id, or NotFound (also for ids that are not ids at all)."""
    parsed = parse_id(user_id)
    user = await session.get(User, parsed) if parsed is not None else None
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    return user


async def lock_users(session: AsyncSession, user_ids: Iterable[int], *, shared: bool = False) -> None:
    """Lock these users' rows in id order until the transaction ends, so that changes between the
    same users (a block racing a friend acceptance) happen one after the other. FOR NO KEY UPDATE does
    not hold up rows that merely reference the users (sessions, messages). `shared` takes FOR SHARE:
    many such transactions (messages between two friends) pass together, and wait only for a change.
    On SQLite the single writer already serializes write transactions: nothing is sent."""
    if session.get_bind().dialect.name == "sqlite":
        return
    await session.execute(
        select(User.id)
        .where(User.id.in_(sorted(set(user_ids))))
        .order_by(User.id)
        .with_for_update(read=shared, key_share=not shared)
    )


async def users_with(
    session: AsyncSession, user_ids: Iterable[int], *columns: Any
) -> list[tuple[User, *tuple[Any, ...]]]:
    """These users' rows (for `card_of`, a kind check) with `columns` of other domains alongside
    (a relation's clause, a PIN's version): one query where a write would otherwise make several.
    The columns are evaluated once per row returned; a missing user returns no row."""
    rows = await session.execute(select(User, *columns).where(User.id.in_(set(user_ids))))
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def get_cards(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, UserCard]:
    ids = set(user_ids)
    if not ids:
        return {}
    users = (await session.scalars(select(User).where(User.id.in_(ids)))).all()
    return {user.id: card_of(user) for user in users}


async def find_discoverable(
    session: AsyncSession, query: str, page: PageRequest, *, exclude: set[int]
) -> tuple[list[User], str | None]:
    """Users a stranger may find (GRA-6): by exact phone, or by username prefix, username order."""
    text = query.strip()
    compact = text.replace(" ", "").replace("-", "")
    stmt = select(User).where(User.id.not_in(exclude) if exclude else true())
    if PHONE_RE.match(compact) and compact.lstrip("+").isdigit() and len(compact.lstrip("+")) >= 6:
        stmt = stmt.where(User.phone == normalize_phone(compact), User.discoverable_by_phone.is_(True))
        rows = (await session.scalars(stmt.limit(page.limit + 1))).all()
        return page_of(list(rows), page, key=lambda u: (u.username or "", str(u.id)))
    prefix = text.lower()
    if not prefix or not USERNAME_RE.match(prefix.ljust(3, "_")):
        return [], None
    escaped = prefix.replace("_", r"\_")
    stmt = stmt.where(User.username.like(escaped + "%", escape="\\"), User.discoverable_by_username.is_(True))
    if page.after:
        stmt = stmt.where(User.username > str(page.after[0]))
    rows = (await session.scalars(stmt.order_by(User.username).limit(page.limit + 1))).all()
    return page_of(list(rows), page, key=lambda u: u.username)


# --- sign-up, login, sessions ------------------------------------------------------------------


async def _issue_session(
    session: AsyncSession, user: User, *, ip: str, user_agent: str, policy: LoginPolicy
) -> IssuedSession:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    auth = AuthSession(
        id=new_id(),
        user_id=user.id,
        token_hash=_token_hash(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.session_ttl,
        revoked_at=None,
        user_agent=user_agent[:300],
        ip=ip[:64],
    )
    session.add(auth)
    return IssuedSession(user=user, session=auth, token=token)


async def signup(
    session: AsyncSession, data: SignupIn, *, ip: str, user_agent: str, policy: LoginPolicy = LoginPolicy()
) -> IssuedSession:
    """Create an account and its first session. Usernames and phones are unique (case-insensitive);
    the display name passes the sensitive-word filter (MOD-1). Sign-ups per client address are
    rate-limited (429 ``rate_limited``)."""
    await ratelimit.check(
        session, "Too many sign-ups from this address.", ("identity.signup", ratelimit.key_of(ip[:64]))
    )
    display_name = await moderation.screen(session, data.display_name, field="display_name")
    if data.username is not None and await session.scalar(
        select(User.id).where(User.username == data.username)
    ):
        raise Conflict("That username is taken.", code="username_taken")
    if data.phone is not None and await session.scalar(select(User.id).where(User.phone == data.phone)):
        raise Conflict("That phone number already has an account.", code="phone_taken")
    now = clock.now()
    user = User(
        id=new_id(),
        username=data.username,
        phone=data.phone,
        password_hash=await hash_password(data.password),
        display_name=display_name,
        bio="",
        region="",
        kind=data.kind,
        is_kol=False,
        is_operator=False,
        discoverable_by_username=True,
        discoverable_by_phone=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent sign-up took the name between check and insert
        raise Conflict("That username or phone number is taken.", code="username_taken") from exc
    emit(session, "identity.user.created", {"user_id": str(user.id), "kind": user.kind})
    return await _issue_session(session, user, ip=ip, user_agent=user_agent, policy=policy)


def _account_key(login: str) -> str:
    return login.strip().lower()[:64]


def _user_key(user_id: int) -> str:
    # An existing account is throttled as one, whichever name or phone format the guesses use.
    return f"user:{user_id}"


def _advisory_key(kind: str, value: str) -> int:
    return int.from_bytes(hashlib.sha256(f"login:{kind}:{value}".encode()).digest()[:8], "big", signed=True)


async def _reserve_attempt(
    session: AsyncSession, account_key: str, ip: str, policy: LoginPolicy, now: datetime
) -> tuple[int | None, AppError | None]:
    """Count and decide in one serialized step, in a write transaction that commits before the
    password is compared: refuse when the account or the address is at its limit, otherwise record
    this attempt as a failure (its id returned, for a right password to delete). Without the
    serialization, parallel guesses would all count the same failures and all be compared."""
    address = ip[:64]
    if session.get_bind().dialect.name == "postgresql":
        # Account before address, in one statement: every attempt takes them in the same order.
        await session.execute(
            select(
                func.pg_advisory_xact_lock(_advisory_key("account", account_key)),
                func.pg_advisory_xact_lock(_advisory_key("address", address)),
            )
        )
    since = now - policy.window
    recent = select(func.count()).select_from(LoginFailure).where(LoginFailure.created_at >= since)
    counts = (
        await session.execute(
            select(
                recent.where(LoginFailure.account_key == account_key).scalar_subquery(),
                recent.where(LoginFailure.address == address).scalar_subquery(),
            )
        )
    ).one()
    if counts[0] >= policy.max_failures_per_account:
        return None, _throttled("Too many failed logins for this account. Try again later.", policy)
    if counts[1] >= policy.max_failures_per_address:
        return None, _throttled("Too many failed logins from this address. Try again later.", policy)
    failure = LoginFailure(id=new_id(), account_key=account_key, address=address, created_at=now)
    session.add(failure)
    return failure.id, None


def _throttled(message: str, policy: LoginPolicy) -> TooManyRequests:
    return TooManyRequests(message, retry_after=int(policy.window.total_seconds()), code="too_many_attempts")


async def login(
    db: Database,
    login_name: str,
    password: str,
    *,
    ip: str,
    user_agent: str,
    policy: LoginPolicy = LoginPolicy(),
) -> IssuedSession:
    """Check credentials under the throttle (an entry-point step with its own transactions, like
    the wallet's `verify_pin`): the attempt is reserved and committed first, then the password
    compared. Raises 429 ``too_many_attempts`` or 401 ``invalid_credentials``."""
    now = clock.now()
    typed = _account_key(login_name)
    async with db.transaction() as session:
        user = await session.scalar(
            select(User).where(
                or_(User.username == typed, User.phone == typed.replace(" ", "").replace("-", ""))
            )
        )
        failure_id, refusal = await _reserve_attempt(
            session, _user_key(user.id) if user else typed, ip, policy, now
        )
    if refusal is not None:
        raise refusal
    # Verify against a dummy hash when the account does not exist so timing reveals nothing.
    ok = await password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok:
        raise Unauthorized("Wrong login or password.", code="invalid_credentials")
    if user.banned_at is not None:
        # Told only to whoever knows the password: a guesser learns nothing about the account.
        raise Forbidden("This account has been suspended by an operator.", code="account_banned")
    async with db.transaction() as session:
        await session.execute(delete(LoginFailure).where(LoginFailure.id == failure_id))
        return await _issue_session(session, user, ip=ip, user_agent=user_agent, policy=policy)


_DUMMY_HASH = _hasher.hash("quanzi-dummy-password")


class ActorResolver:
    """Bearer token → actor, through this process's `SessionCache` (one per process)."""

    def __init__(self, cache: SessionCache | None = None) -> None:
        self.cache = cache or SessionCache()

    async def __call__(self, db: Database, token: str, user_agent: str | None = None) -> Actor | None:
        """The actor a bearer token stands for, or None when it is unknown, revoked or expired."""
        return await self.cache.resolve(db, _token_hash(token))


async def resolve_actor(db: Database, token: str, user_agent: str | None = None) -> Actor | None:
    """The actor a bearer token stands for, read from the database (no cache): for tools and tests
    that run outside a serving process."""
    return await SessionCache(ttl=timedelta(0)).resolve(db, _token_hash(token))


async def logout(session: AsyncSession, actor: Actor) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == actor.session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    note_revoked(session, actor.user_id, [actor.session_id])


async def list_sessions(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[SessionOut], str | None]:
    stmt = select(AuthSession).where(
        AuthSession.user_id == actor.user_id,
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > clock.now(),
    )
    if page.after:
        stmt = stmt.where(AuthSession.id < int(page.after[0]))
    rows, cursor = page_of(
        list((await session.scalars(stmt.order_by(AuthSession.id.desc()).limit(page.limit + 1))).all()),
        page,
        key=lambda s: s.id,
    )
    return [
        SessionOut(
            id=s.id,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            user_agent=s.user_agent,
            ip=s.ip,
            current=s.id == actor.session_id,
        )
        for s in rows
    ], cursor


async def revoke_session(session: AsyncSession, actor: Actor, session_id: str) -> None:
    """Revoke one of the actor's own sessions; anyone else's is NotFound."""
    parsed = parse_id(session_id)
    result = await session.execute(
        update(AuthSession)
        .where(
            AuthSession.id == (parsed or 0),
            AuthSession.user_id == actor.user_id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("No such session.", code="session_not_found")
    note_revoked(session, actor.user_id, [int(parsed or 0)])


async def change_password(
    db: Database,
    actor: Actor,
    current: str,
    new: str,
    *,
    ip: str,
    policy: LoginPolicy = LoginPolicy(),
) -> None:
    """Change the password and revoke every other session (ACC-3); its own transactions, like
    `login`. A wrong `current` is a failed login of the account (the same lock, the same limits),
    so holding a session buys no extra guesses. Raises 429 ``too_many_attempts`` or 403
    ``wrong_password``."""
    now = clock.now()
    async with db.transaction() as session:
        user = await require_user(session, actor.user_id)
        failure_id, refusal = await _reserve_attempt(session, _user_key(user.id), ip, policy, now)
    if refusal is not None:
        raise refusal
    if not await password_matches(user.password_hash, current):
        raise Forbidden("The current password is wrong.", code="wrong_password")
    new_hash = await hash_password(new)
    async with db.transaction() as session:
        await session.execute(delete(LoginFailure).where(LoginFailure.id == failure_id))
        changed = await session.execute(
            update(User)
            # Only the password just checked is replaced: a change in between wins.
            .where(User.id == user.id, User.password_hash == user.password_hash)
            .values(password_hash=new_hash, password_changed_at=clock.now())
        )
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            raise Forbidden("The current password is wrong.", code="wrong_password")
        revoked = await session.execute(
            update(AuthSession)
            .where(
                AuthSession.user_id == actor.user_id,
                AuthSession.id != actor.session_id,
                AuthSession.revoked_at.is_(None),
            )
            .values(revoked_at=clock.now())
            .returning(AuthSession.id)
        )
        note_revoked(session, actor.user_id, [int(i) for i in revoked.scalars().all()])


# --- profile ------------------------------------------------------------------------------------


async def get_me(session: AsyncSession, actor: Actor) -> User:
    return await require_user(session, actor.user_id)


async def update_profile(session: AsyncSession, actor: Actor, data: ProfileUpdateIn) -> User:
    user = await require_user(session, actor.user_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            continue  # null means "leave as is"; every field here has a non-null value
        if field == "display_name":
            value = await moderation.screen(session, value, field=field)
        setattr(user, field, value)
    emit(session, "identity.user.updated", {"user_id": str(user.id)})
    return user


DELETE_AVATAR_JOB = "identity.avatar.delete_replaced"


async def set_avatar(session: AsyncSession, actor: Actor, raw: bytes) -> User:
    """Store a new avatar: sniffed, re-encoded without EXIF, square-bounded at 512 px. The replaced
    file is removed by a job after the change commits: removed here, a change that rolled back
    would leave the profile pointing at a file that is gone (and a backup taken meanwhile without
    it)."""
    user = await require_user(session, actor.user_id)
    image = process_image(raw, max_side=512, thumb_side=128)
    key = f"avatars/{user.id}/{new_id()}.{image.extension}"
    get_storage().save(key, image.data)
    previous, user.avatar_key = user.avatar_key, key
    if previous:
        await schedule(session, DELETE_AVATAR_JOB, {"key": previous})
    emit(session, "identity.user.updated", {"user_id": str(user.id)})
    return user


async def delete_replaced_avatar(payload: dict[str, Any]) -> None:
    get_storage().delete(str(payload["key"]))


# --- operators (ACC-2) --------------------------------------------------------------------------


def _require_operator(actor: Actor) -> None:
    if not actor.is_operator:
        # Operator functions do not exist for anyone else.
        raise NotFound("Not found.")


async def set_merchant_verified(
    session: AsyncSession, actor: Actor | None, user_id: int | str, verified: bool
) -> User:
    """Verify a merchant account. `actor` None means the local `quanzi admin` command."""
    if actor is not None:
        _require_operator(actor)
    user = await require_user(session, user_id)
    if user.kind != "merchant":
        raise Conflict("Only merchant accounts can be verified.", code="not_a_merchant")
    user.merchant_verified_at = clock.now() if verified else None
    emit(session, "identity.merchant.verification_changed", {"user_id": str(user.id), "verified": verified})
    return user


async def set_kol_badge(
    session: AsyncSession, actor: Actor | None, user_id: int | str, granted: bool
) -> User:
    if actor is not None:
        _require_operator(actor)
    user = await require_user(session, user_id)
    user.is_kol = granted
    emit(session, "identity.kol.badge_changed", {"user_id": str(user.id), "granted": granted})
    return user


async def set_operator(session: AsyncSession, user_id: int | str, is_operator: bool) -> User:
    """Only reachable from the local `quanzi admin` command."""
    user = await require_user(session, user_id)
    user.is_operator = is_operator
    emit(session, "identity.operator.changed", {"user_id": str(user.id), "granted": is_operator})
    note_revoked(session, user.id, None)  # cached actors carry the role: look it up again
    return user


def kol_clause(user: Any) -> ColumnElement[bool]:
    """SQL for "`user` (an id or a column of the caller's query) wears the KOL badge" (ACC-2), for
    other domains' queries; the users table stays identity's."""
    return exists(select(User.id).where(User.id == user, User.is_kol.is_(True)))


async def find_by_login(session: AsyncSession, login_name: str) -> User:
    key = _account_key(login_name)
    user = await session.scalar(select(User).where(or_(User.username == key, User.phone == key)))
    if user is None:
        raise NotFound(f"No user {login_name!r}.", code="user_not_found")
    return user
