"""Request and response shapes of the identity domain (ACC-1 … ACC-3)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from quanzi.core.schemas import IdOut, RequestModel, ResponseModel

USERNAME_RE = re.compile(r"^[a-z0-9_]{3,32}$")
PHONE_RE = re.compile(r"^\+?[0-9]{6,15}$")


def normalize_username(value: str) -> str:
    lowered = value.lower()
    if not USERNAME_RE.match(lowered):
        raise ValueError("a username is 3-32 characters of a-z, 0-9 and _")
    return lowered


def normalize_phone(value: str) -> str:
    compact = re.sub(r"[\s-]", "", value)
    if not PHONE_RE.match(compact):
        raise ValueError("a phone number is 6-15 digits, optionally starting with +")
    return compact


def clean_display_name(value: str) -> str:
    cleaned = unicodedata.normalize("NFC", value.strip())
    if not 1 <= len(cleaned) <= 32:
        raise ValueError("a display name is 1-32 characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in cleaned):
        raise ValueError("a display name cannot hold control or invisible characters")
    return cleaned


def clean_text_line(value: str) -> str:
    cleaned = unicodedata.normalize("NFC", value.strip())
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n" for ch in cleaned):
        raise ValueError("control characters are not allowed")
    return cleaned


Username = Annotated[str, Field(min_length=3, max_length=32), AfterValidator(normalize_username)]
Phone = Annotated[str, Field(min_length=6, max_length=20), AfterValidator(normalize_phone)]
DisplayName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(clean_display_name)]
Password = Annotated[str, Field(min_length=8, max_length=128)]
Bio = Annotated[str, Field(max_length=200), AfterValidator(clean_text_line)]
Region = Annotated[str, Field(max_length=64), AfterValidator(clean_text_line)]
AccountKind = Literal["consumer", "merchant"]


class SignupIn(RequestModel):
    username: Username | None = None
    phone: Phone | None = None
    password: Password
    display_name: DisplayName
    kind: AccountKind = "consumer"

    @model_validator(mode="after")
    def _needs_a_login(self) -> SignupIn:
        if self.username is None and self.phone is None:
            raise ValueError("give a username or a phone number")
        return self


class LoginIn(RequestModel):
    login: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class ProfileUpdateIn(RequestModel):
    display_name: DisplayName | None = None
    bio: Bio | None = None
    region: Region | None = None
    discoverable_by_username: bool | None = None
    discoverable_by_phone: bool | None = None


class PasswordChangeIn(RequestModel):
    current_password: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password


class MerchantVerificationIn(RequestModel):
    verified: bool


class KolBadgeIn(RequestModel):
    granted: bool


class UserCard(ResponseModel):
    id: IdOut
    username: str | None
    display_name: str
    avatar_url: str | None
    kind: AccountKind
    is_kol: bool
    merchant_verified: bool


class MeOut(UserCard):
    phone: str | None
    bio: str
    region: str
    is_operator: bool
    discoverable_by_username: bool
    discoverable_by_phone: bool
    created_at: datetime


class AuthOut(ResponseModel):
    token: str
    session_id: IdOut
    user: MeOut


class SessionOut(ResponseModel):
    id: IdOut
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    ip: str
    current: bool
