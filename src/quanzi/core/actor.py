"""Who is acting: the authenticated user every service call is made for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int
    session_id: int
    kind: str
    is_operator: bool = False
