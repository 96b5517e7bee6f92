"""Durable jobs: due-time, restarts and crashes, dedupe, retries with backoff, atomic effects, and
workers racing each other. Handlers write to a real table (`effects`, one unique key per effect), so
a double execution would show as a duplicate key and a rolled-back one as a missing row."""

from __future__ import annotations

import asyncio
import contextvars
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.clock import FrozenClock
from quanzi.core.db import Database
from quanzi.core.jobs import DONE, FAILED, PENDING, Job, JobHandler, JobRunner, schedule
from quanzi.core.outbox import OutboxEvent, emit

from .conftest import SCRATCH_TABLE, is_postgres

assert SCRATCH_TABLE == "core_test_effects"  # named literally in the SQL below

WAIT = 5.0
RUNNER: contextvars.ContextVar[str] = contextvars.ContextVar("runner", default="main")
EXECUTIONS: list[str] = []  # every handler call, including those whose effects rolled back
FAILURES_LEFT: dict[str, int] = {}
GATE: dict[str, asyncio.Event] = {}


@pytest.fixture(autouse=True)
def fresh_records() -> None:
    EXECUTIONS.clear()
    FAILURES_LEFT.clear()
    GATE.clear()


async def _write_effect(session: AsyncSession, key: str, parent: str | None = None) -> None:
    EXECUTIONS.append(key)
    await session.execute(
        text("INSERT INTO core_test_effects (key, runner, parent) VALUES (:key, :runner, :parent)"),
        {"key": key, "runner": RUNNER.get(), "parent": parent},
    )


async def record(session: AsyncSession, payload: dict[str, Any]) -> None:
    await _write_effect(session, payload["key"])
    gate = GATE.get(RUNNER.get())
    if gate is not None and not gate.is_set():
        # First job of this runner: hold it (and its row lock) until the other runner holds one too.
        gate.set()
        await asyncio.wait_for(asyncio.gather(*(g.wait() for g in GATE.values())), WAIT)


async def flaky(session: AsyncSession, payload: dict[str, Any]) -> None:
    key = payload["key"]
    await _write_effect(session, f"{key}#{len(EXECUTIONS)}")  # partial effect of this attempt
    emit(session, "core_test.flaky.attempted", {"key": key})
    if FAILURES_LEFT.get(key, 0) != 0:
        FAILURES_LEFT[key] -= 1
        raise RuntimeError(f"kaboom {key}")


async def commit_fails(session: AsyncSession, payload: dict[str, Any]) -> None:
    # A dangling deferred reference: every statement succeeds, the COMMIT itself is refused.
    await _write_effect(session, payload["key"], parent="nobody")


async def job(db: Database, job_id: int) -> Job:
    async with db.read() as session:
        found = await session.get(Job, job_id)
        assert found is not None
        return found


async def effect_keys(db: Database) -> list[str]:
    async with db.read() as session:
        return sorted((await session.scalars(text("SELECT key FROM core_test_effects"))).all())


async def schedule_one(db: Database, kind: str, key: str, **options: Any) -> int:
    async with db.transaction() as session:
        job_id = await schedule(session, kind, {"key": key}, **options)
    assert job_id is not None
    return job_id


async def test_job_runs_at_its_due_time_not_before_and_only_once(
    db: Database, effects: str, frozen_clock: FrozenClock
) -> None:
    due = clock.now() + timedelta(minutes=10)
    job_id = await schedule_one(db, "core_test.record", "due-at-T", run_at=due)
    runner = JobRunner(db, HANDLERS, worker_name="worker-a")

    assert await runner.run_due() == 0
    frozen_clock.set(due - timedelta(microseconds=1))
    assert await runner.run_due() == 0
    assert await effect_keys(db) == []

    frozen_clock.set(due)
    assert await runner.run_due() == 1
    frozen_clock.advance(days=2)
    assert await runner.run_due() == 0

    ran = await job(db, job_id)
    assert (ran.status, ran.attempts, ran.finished_at, ran.finished_by) == (DONE, 1, due, "worker-a")
    assert await effect_keys(db) == ["due-at-T"]
    assert EXECUTIONS == ["due-at-T"]


async def test_due_jobs_run_oldest_first(db: Database, effects: str, frozen_clock: FrozenClock) -> None:
    now = clock.now()
    for key, minutes_ago in (("b", 5), ("c", 1), ("a", 30)):
        await schedule_one(db, "core_test.record", key, run_at=now - timedelta(minutes=minutes_ago))
    await schedule_one(db, "core_test.record", "later", run_at=now + timedelta(seconds=1))
    assert await JobRunner(db, HANDLERS).run_due() == 3
    assert EXECUTIONS == ["a", "b", "c"]


async def test_job_survives_a_restart(database_url: str, effects: str) -> None:
    before = Database(database_url)
    job_id = await schedule_one(before, "core_test.record", "survivor")
    await before.dispose()  # the process that scheduled it is gone

    after = Database(database_url)
    try:
        assert await JobRunner(after, HANDLERS).run_due() == 1
        assert (await job(after, job_id)).status == DONE
        assert await effect_keys(after) == ["survivor"]
    finally:
        await after.dispose()


CRASH_MID_JOB = """
import asyncio, os, signal, sys
from sqlalchemy import text
from quanzi.core.db import Database
from quanzi.core.jobs import JobRunner, schedule

async def crash(session, payload):
    await session.execute(
        text("INSERT INTO core_test_effects (key, runner) VALUES ('crashed', 'doomed')")
    )
    await session.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-job, before its commit

async def main():
    db = Database(sys.argv[1])
    async with db.transaction() as session:
        print(await schedule(session, "core_test.crash_once", {"key": "after-crash"}), flush=True)
    await JobRunner(db, {"core_test.crash_once": crash}).run_due()

asyncio.run(main())
"""


async def crash_once_recovered(session: AsyncSession, payload: dict[str, Any]) -> None:
    await _write_effect(session, payload["key"])


HANDLERS: dict[str, JobHandler] = {
    "core_test.record": record,
    "core_test.flaky": flaky,
    "core_test.commit_fails": commit_fails,
    "core_test.crash_once": crash_once_recovered,
}


async def test_worker_killed_mid_job_leaves_it_pending_with_no_effects(
    database_url: str, effects: str
) -> None:
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", CRASH_MID_JOB, database_url],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    job_id = int(done.stdout.strip())

    db = Database(database_url)
    try:
        crashed = await job(db, job_id)
        assert (crashed.status, crashed.attempts) == (PENDING, 0)
        assert await effect_keys(db) == []  # the dead worker's insert never committed
        assert await JobRunner(db, HANDLERS).run_due() == 1
        assert (await job(db, job_id)).status == DONE
        assert await effect_keys(db) == ["after-crash"]
    finally:
        await db.dispose()


async def test_dedupe_key_makes_a_second_schedule_a_no_op(db: Database, effects: str) -> None:
    first = await schedule_one(db, "core_test.record", "once", dedupe_key="expire:packet:1")
    async with db.transaction() as session:
        assert (
            await schedule(session, "core_test.record", {"key": "twice"}, dedupe_key="expire:packet:1")
            is None
        )
        # The failed insert was confined to a savepoint: the rest of the transaction still commits.
        other = await schedule(session, "core_test.record", {"key": "other"}, dedupe_key="expire:packet:2")
        assert (
            await schedule(session, "core_test.record", {"key": "again"}, dedupe_key="expire:packet:2")
            is None
        )
    async with db.read() as session:
        jobs = (await session.scalars(select(Job).order_by(Job.id))).all()
    assert [(j.id, j.dedupe_key, j.payload) for j in jobs] == [
        (first, "expire:packet:1", {"key": "once"}),
        (other, "expire:packet:2", {"key": "other"}),
    ]
    assert await JobRunner(db, HANDLERS).run_due() == 2
    # Still a no-op once the job is done: the key names the work, not its pending state.
    async with db.transaction() as session:
        assert (
            await schedule(session, "core_test.record", {"key": "late"}, dedupe_key="expire:packet:1") is None
        )
    assert await effect_keys(db) == ["once", "other"]


async def test_concurrent_schedules_with_one_dedupe_key_make_one_job(database_url: str) -> None:
    """Two processes schedule the same key at once: the second waits for the first and gets None."""
    first_db, second_db = Database(database_url), Database(database_url)
    try:
        first_open = asyncio.Event()
        release_first = asyncio.Event()

        async def first() -> int | None:
            async with first_db.transaction() as session:
                job_id = await schedule(session, "core_test.record", {"key": "1"}, dedupe_key="race")
                first_open.set()
                await release_first.wait()
                return job_id

        async def second() -> int | None:
            await first_open.wait()
            async with second_db.transaction() as session:
                return await schedule(session, "core_test.record", {"key": "2"}, dedupe_key="race")

        first_task = asyncio.create_task(first())
        second_task = asyncio.create_task(second())
        await asyncio.wait_for(first_open.wait(), WAIT)
        await asyncio.sleep(0.1)  # give the second a chance to reach the database while the first is open
        assert not second_task.done()  # it waits for the first transaction's outcome
        release_first.set()
        first_id, second_id = await asyncio.wait_for(asyncio.gather(first_task, second_task), 60)
        assert first_id is not None and second_id is None
        async with first_db.read() as session:
            assert (await session.scalars(select(Job.id))).all() == [first_id]
    finally:
        await first_db.dispose()
        await second_db.dispose()


async def test_failing_job_is_retried_with_backoff_then_parked_as_failed(
    db: Database, effects: str, frozen_clock: FrozenClock
) -> None:
    start = clock.now()
    FAILURES_LEFT["doomed"] = -1  # fails forever
    job_id = await schedule_one(db, "core_test.flaky", "doomed", max_attempts=3)
    runner = JobRunner(db, HANDLERS, worker_name="worker-a")

    assert await runner.run_due() == 1
    first = await job(db, job_id)
    assert (first.status, first.attempts, first.run_at) == (PENDING, 1, start + timedelta(seconds=2))
    assert first.last_error == "RuntimeError: kaboom doomed"
    assert await runner.run_due() == 0  # backing off

    frozen_clock.advance(seconds=2)
    assert await runner.run_due() == 1
    second = await job(db, job_id)
    assert (second.status, second.attempts) == (PENDING, 2)
    assert second.run_at == clock.now() + timedelta(seconds=4)
    frozen_clock.advance(seconds=3)
    assert await runner.run_due() == 0

    frozen_clock.advance(seconds=1)
    assert await runner.run_due() == 1
    parked = await job(db, job_id)
    assert (parked.status, parked.attempts, parked.finished_at) == (FAILED, 3, clock.now())
    assert parked.last_error == "RuntimeError: kaboom doomed"

    frozen_clock.advance(days=30)
    assert await runner.run_due() == 0
    assert len(EXECUTIONS) == 3
    # Every attempt's partial effects (a row and an outbox event) were rolled back.
    assert await effect_keys(db) == []
    async with db.read() as session:
        assert (await session.scalars(select(OutboxEvent))).all() == []


async def test_job_that_fails_then_succeeds_keeps_only_the_successful_attempts_effects(
    db: Database, effects: str, frozen_clock: FrozenClock
) -> None:
    FAILURES_LEFT["wobbly"] = 2
    job_id = await schedule_one(db, "core_test.flaky", "wobbly")
    runner = JobRunner(db, HANDLERS)
    for _ in range(3):
        assert await runner.run_due() == 1
        frozen_clock.advance(hours=1)
    assert await runner.run_due() == 0
    finished = await job(db, job_id)
    assert (finished.status, finished.attempts) == (DONE, 3)
    assert finished.last_error == "RuntimeError: kaboom wobbly"
    assert await effect_keys(db) == ["wobbly#2"]  # the third call's effect; the first two rolled back
    async with db.read() as session:
        assert [e.payload for e in (await session.scalars(select(OutboxEvent))).all()] == [{"key": "wobbly"}]


async def test_a_refused_commit_undoes_the_handler_and_the_done_mark_together(
    db: Database, effects: str, frozen_clock: FrozenClock
) -> None:
    job_id = await schedule_one(db, "core_test.commit_fails", "orphan")
    assert await JobRunner(db, HANDLERS).run_due() == 1
    after = await job(db, job_id)
    assert (after.status, after.attempts) == (PENDING, 1)
    assert after.run_at == clock.now() + timedelta(seconds=2)
    assert after.last_error is not None and "IntegrityError" in after.last_error
    assert EXECUTIONS == ["orphan"]
    assert await effect_keys(db) == []


async def test_job_of_an_unknown_kind_is_recorded_as_a_failure(
    db: Database, frozen_clock: FrozenClock
) -> None:
    assert "core_test.nobody_handles_this" not in HANDLERS
    job_id = await schedule_one(db, "core_test.nobody_handles_this", "x", max_attempts=1)
    assert await JobRunner(db, HANDLERS).run_due() == 1
    parked = await job(db, job_id)
    assert (parked.status, parked.attempts) == (FAILED, 1)
    assert (
        parked.last_error == "LookupError: no handler registered for job kind 'core_test.nobody_handles_this'"
    )


def test_a_kind_has_one_handler() -> None:
    from quanzi.core.manifest import DomainManifest
    from quanzi.platform import job_handlers

    first = DomainManifest(name="core_test", jobs={"core_test.record": record})
    second = DomainManifest(name="core_test", jobs={"core_test.record": flaky})
    with pytest.raises(ValueError, match="has two handlers"):
        job_handlers([first, second])
    with pytest.raises(ValueError, match="must start with"):
        DomainManifest(name="other", jobs={"core_test.record": record})


async def test_two_runners_racing_on_due_jobs_run_each_exactly_once(database_url: str, effects: str) -> None:
    """Two workers (two Database objects, as two processes would have) drain 50 due jobs. On
    PostgreSQL each runner's first job is held until the other runner holds one too, so they provably
    work side by side; SKIP LOCKED must keep them apart. On SQLite the single writer serializes them."""
    first_db, second_db = Database(database_url), Database(database_url)
    try:
        async with first_db.transaction() as session:
            ids = [await schedule(session, "core_test.record", {"key": f"job-{n:02d}"}) for n in range(50)]
        if is_postgres(database_url):
            GATE.update(first=asyncio.Event(), second=asyncio.Event())

        async def work(name: str, db: Database) -> int:
            RUNNER.set(name)
            return await JobRunner(db, HANDLERS, worker_name=name).run_due()

        counts = await asyncio.wait_for(
            asyncio.gather(work("first", first_db), work("second", second_db)), 120
        )
        assert sum(counts) == 50
        assert sorted(EXECUTIONS) == [f"job-{n:02d}" for n in range(50)]  # no job called twice
        assert await effect_keys(first_db) == [f"job-{n:02d}" for n in range(50)]
        async with first_db.read() as session:
            jobs = (await session.scalars(select(Job).where(Job.id.in_(ids)))).all()
            runners: dict[str, str] = dict(
                (await session.execute(text("SELECT key, runner FROM core_test_effects"))).all()
            )
        assert {(j.status, j.attempts, j.last_error) for j in jobs} == {(DONE, 1, None)}
        # Each job's done mark names the runner whose handler wrote its effect: one transaction.
        assert {j.payload["key"]: j.finished_by for j in jobs} == runners
        if is_postgres(database_url):
            assert all(counts), f"both runners must have run jobs, got {counts}"
    finally:
        await first_db.dispose()
        await second_db.dispose()


async def test_racing_runners_do_not_retry_a_failed_job_before_its_backoff(
    database_url: str, effects: str, frozen_clock: FrozenClock
) -> None:
    """A failure is recorded while the job is still locked, so another worker cannot pick the job up
    again in the gap and skip its backoff (each job must have failed exactly once)."""
    if not is_postgres(database_url):
        pytest.skip("SQLite's single writer leaves no gap between a failure and its record")
    first_db, second_db = Database(database_url), Database(database_url)
    try:
        async with first_db.transaction() as session:
            for n in range(30):
                FAILURES_LEFT[f"f{n}"] = -1
                await schedule(session, "core_test.flaky", {"key": f"f{n}"}, max_attempts=5)
        counts = await asyncio.wait_for(
            asyncio.gather(JobRunner(first_db, HANDLERS).run_due(), JobRunner(second_db, HANDLERS).run_due()),
            120,
        )
        assert sum(counts) == 30
        async with first_db.read() as session:
            attempts = sorted((await session.scalars(select(Job.attempts))).all())
        assert attempts == [1] * 30
        assert len(EXECUTIONS) == 30
    finally:
        await first_db.dispose()
        await second_db.dispose()


def _worker(database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QUANZI_DATABASE_URL": database_url,
        "QUANZI_BUS_URL": "memory://",
        "QUANZI_MEDIA_DIR": str(tmp_path / "media"),
        "QUANZI_LOG_LEVEL": "WARNING",
        "QUANZI_LOG_JSON": "false",
    }
    return subprocess.run(
        [str(Path(sys.executable).with_name("quanzi")), "worker", "--once"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )


async def test_worker_once_command_runs_due_jobs_and_relays_the_outbox(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    empty = await asyncio.to_thread(_worker, database_url, tmp_path)
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.strip() == "ran 0 job(s), handled 0 event(s)"

    # The worker process has only the app's handlers, not this module's; a kind no one registers
    # makes its handling of a due job visible as a recorded "no handler" failure. A job that is not
    # due yet is left alone, and the outbox is relayed.
    due = await schedule_one(db, "core_test.only_in_tests", "due", max_attempts=1)
    later = await schedule_one(
        db, "core_test.only_in_tests", "later", run_at=clock.now() + timedelta(hours=1)
    )
    async with db.transaction() as session:
        emit(session, "core_test.worker.outbox", {"n": 1})

    ran = await asyncio.to_thread(_worker, database_url, tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "ran 1 job(s), handled 0 event(s)"
    failed = await job(db, due)
    assert (failed.status, failed.attempts) == (FAILED, 1)
    assert "no handler registered for job kind 'core_test.only_in_tests'" in (failed.last_error or "")
    waiting = await job(db, later)
    assert (waiting.status, waiting.attempts) == (PENDING, 0)
    async with db.read() as session:
        [event] = (await session.scalars(select(OutboxEvent))).all()
    assert event.published_at is not None
