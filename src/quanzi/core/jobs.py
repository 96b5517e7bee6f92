"""Durable jobs: a table of work due at a time, run by `quanzi worker` (or inside `quanzi serve`).

A job is claimed and executed inside one transaction: the row is locked (``FOR UPDATE SKIP LOCKED``
on PostgreSQL; SQLite's single writer serializes), the handler does its work with the same session,
and the row is marked done in the same commit. So a job due at T runs after T, its effects commit
exactly once even when two workers race, and a crash mid-job leaves it pending for the next run.
A failing job is retried with backoff and parked as `failed` after `max_attempts`.

Handlers are given to the runner by kind (each domain lists its own in its manifest, and the
platform gathers them); a job whose kind has no handler in this process fails and is retried, so a
worker that is older than the code that scheduled the job does not lose it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Index, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core import clock
from quanzi.core.db import Base, Database, insert_for
from quanzi.core.ids import new_id

log = logging.getLogger("quanzi.jobs")

JobHandler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]

PENDING, DONE, FAILED = "pending", "done", "failed"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    run_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=10)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    finished_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


async def schedule(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 10,
) -> int | None:
    """Add a job in the caller's transaction. With `dedupe_key`, a second schedule is a no-op (None)."""
    job_id = new_id()
    values: dict[str, Any] = {
        "id": job_id,
        "kind": kind,
        "payload": payload,
        "run_at": run_at or clock.now(),
        "status": PENDING,
        "attempts": 0,
        "max_attempts": max_attempts,
        "dedupe_key": dedupe_key,
        "created_at": clock.now(),
    }
    if dedupe_key is None:
        session.add(Job(**values))
        return job_id
    # One statement, no savepoint: the unique dedupe key turns a second schedule into nothing.
    inserted = await session.execute(
        insert_for(session, Job).values(values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    return job_id if inserted.rowcount == 1 else None  # type: ignore[attr-defined]


def _update_job(job_id: int, values: dict[str, Any]) -> Any:
    # Plain UPDATE: the loaded Job may be expired after a savepoint rollback, and touching it from
    # the ORM's session synchronization would mean lazy I/O.
    return update(Job).where(Job.id == job_id).values(**values).execution_options(synchronize_session=False)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 2 ** min(attempts, 12)))


class JobRunner:
    def __init__(
        self,
        db: Database,
        handlers: Mapping[str, JobHandler],
        *,
        worker_name: str | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        self.db = db
        self.handlers = dict(handlers)
        self.worker_name = worker_name or f"{socket.gethostname()}:{os.getpid()}"
        self.poll_seconds = poll_seconds

    async def run_one(self) -> bool:
        """Run one due job if there is one; returns whether a job was taken.

        The handler runs inside a savepoint of the claiming transaction. When it fails, the savepoint
        rolls its writes back and the failure (attempt, backoff) is recorded in the same transaction,
        while the row is still locked: no other worker can take the job again in between and skip
        its backoff.
        """
        job_id: int | None = None
        try:
            async with self.db.transaction() as session:
                job = await session.scalar(
                    select(Job)
                    .where(Job.status == PENDING, Job.run_at <= clock.now())
                    .order_by(Job.run_at, Job.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                if job is None:
                    return False
                job_id, attempts, max_attempts = job.id, job.attempts + 1, job.max_attempts
                kind, payload = job.kind, dict(job.payload)
                try:
                    async with session.begin_nested():
                        handler = self.handlers.get(kind)
                        if handler is None:
                            raise LookupError(f"no handler registered for job kind {kind!r}")
                        await handler(session, payload)
                except Exception as exc:
                    log.exception("job %s (%s) failed", job_id, kind)
                    values = self._failure_values(attempts, max_attempts, exc)
                else:
                    values = {
                        "status": DONE,
                        "attempts": attempts,
                        "finished_at": clock.now(),
                        "finished_by": self.worker_name,
                    }
                await session.execute(_update_job(job_id, values))
        except Exception as exc:
            if job_id is None:  # the claim itself failed: nothing to record against
                raise
            # The transaction as a whole failed (its commit, or a handler that broke the session):
            # nothing of the handler's is kept; record the attempt on its own.
            log.exception("job %s failed outside its handler", job_id)
            await self._record_failure(job_id, exc)
        return True

    def _failure_values(self, attempts: int, max_attempts: int, exc: BaseException) -> dict[str, Any]:
        values: dict[str, Any] = {"attempts": attempts, "last_error": f"{type(exc).__name__}: {exc}"[:4000]}
        if attempts >= max_attempts:
            values.update(status=FAILED, finished_at=clock.now(), finished_by=self.worker_name)
        else:
            values["run_at"] = clock.now() + _backoff(attempts)
        return values

    async def _record_failure(self, job_id: int, exc: BaseException) -> None:
        async with self.db.transaction() as session:
            job = await session.get(Job, job_id, with_for_update=True)
            if job is None or job.status != PENDING:
                return
            values = self._failure_values(job.attempts + 1, job.max_attempts, exc)
            await session.execute(_update_job(job_id, values))

    async def run_due(self, limit: int = 10_000) -> int:
        """Run every job due now (tests and `quanzi worker --once`)."""
        count = 0
        while count < limit and await self.run_one():
            count += 1
        return count

    async def run(self, stop: asyncio.Event) -> None:
        log.info("job runner %s started", self.worker_name)
        while not stop.is_set():
            try:
                ran = await self.run_one()
            except Exception:
                log.exception("job runner pass failed; retrying")
                ran = False
            if not ran:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)
