"""Durable jobs of the identity domain: removing a replaced avatar's file once the change committed.

The manifest (`identity.domain`) lists them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.jobs import JobHandler
from quanzi.identity.service import accounts


async def delete_replaced_avatar(_session: AsyncSession, payload: dict[str, Any]) -> None:
    await accounts.delete_replaced_avatar(payload)


JOBS: dict[str, JobHandler] = {accounts.DELETE_AVATAR_JOB: delete_replaced_avatar}
