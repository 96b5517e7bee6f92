"""Tables of the identity domain: accounts, sessions and failed-login records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base

ACCOUNT_KINDS = ("consumer", "merchant")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("kind IN ('consumer', 'merchant')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: usernames are case-insensitive (ACC-1).
    username: Mapped[str | None] = mapped_column(String(32), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(32))
    avatar_key: Mapped[str | None] = mapped_column(String(200))
    bio: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(16), default="consumer")
    is_kol: Mapped[bool] = mapped_column(Boolean, default=False)
    merchant_verified_at: Mapped[datetime | None]
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    discoverable_by_username: Mapped[bool] = mapped_column(Boolean, default=True)
    discoverable_by_phone: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]
    # Set while an operator has banned the account (MOD-2): no session, no login.
    banned_at: Mapped[datetime | None]


class AuthSession(Base):
    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_user_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Only a hash of the token is kept: a leaked table does not hand out sessions.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")


class LoginFailure(Base):
    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account", "account_key", "created_at"),
        Index("ix_login_failures_address", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
