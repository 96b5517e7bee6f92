"""Reports and the operators' queue (MOD-2).

A user reports a post, comment, user or shop they can see, with a reason; one open report per reporter
and target (a partial unique index decides, so two racing reports make one). Operators see the queue
and act on a report: take the post or comment down, restore it, ban the owner's account, or dismiss.
An action applies to the target, so every open report of the same target is closed with it.

Moderation changes no other domain's rows: it emits an event and the owning domain reacts in its own
consumer (feed hides the post and tells the author why; identity ends the account's sessions).
"""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.db import insert_for
from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, page_of
from quanzi.moderation.events import (
    CONTENT_RESTORED,
    CONTENT_TAKEN_DOWN,
    REPORT_FILED,
    USER_BANNED,
    USER_UNBANNED,
)
from quanzi.moderation.lifecycles import REPORT
from quanzi.moderation.models import Report
from quanzi.moderation.schemas import ReportActionIn, ReportIn, ReportOut
from quanzi.moderation.service.targets import report_target
from quanzi.moderation.service.words import require_operator

EXCERPT_CHARS = 200
# The partial index's predicate, spelled as a literal: with a bound parameter PostgreSQL's generic plan
# (after five executions of the prepared statement) could no longer match it to the index.
OPEN_ONLY = text("status = 'open'")
ACTION_ORDER = ("take_down", "restore", "ban", "dismiss")
# What an operator can do to each kind of target: a user or a shop is banned, not taken down.
KIND_ACTIONS = {
    "post": frozenset(ACTION_ORDER),
    "comment": frozenset(ACTION_ORDER),
    "user": frozenset({"ban", "dismiss", "restore"}),
    "shop": frozenset({"ban", "dismiss", "restore"}),
}


def actions_for(report: Report) -> list[str]:
    return [
        action
        for action in ACTION_ORDER
        if action in KIND_ACTIONS[report.target_kind]
        and not REPORT.refuses(report.status, action)
        and (action != "ban" or report.target_owner_id is not None)
    ]


def report_out(report: Report) -> ReportOut:
    return ReportOut.model_validate(
        {**{c.key: getattr(report, c.key) for c in Report.__table__.columns}, "actions": actions_for(report)}
    )


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


async def file_report(session: AsyncSession, actor: Actor, data: ReportIn) -> ReportOut:
    """Report something the actor can see (404 otherwise, as if it did not exist). Reporting oneself
    or one's own content is 422 ``cannot_report_own``; a second open report of the same target by the
    same user is 409 ``already_reported``."""
    target = report_target(data.target_kind)
    target_id = parse_id(data.target_id)
    info = await target.describe(session, actor, target_id) if target and target_id else None
    if info is None:
        raise NotFound(f"No such {data.target_kind}.", code=f"{data.target_kind}_not_found")
    if info.owner_id == actor.user_id:
        raise InvalidInput("You cannot report yourself or your own content.", code="cannot_report_own")
    row = await session.scalar(
        insert_for(session, Report)
        .values(
            id=new_id(),
            reporter_id=actor.user_id,
            target_kind=data.target_kind,
            target_id=target_id,
            target_owner_id=info.owner_id,
            excerpt=_excerpt(info.excerpt),
            reason=data.reason,
            note=data.note,
            status="open",
            resolution_note="",
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(
            index_elements=["reporter_id", "target_kind", "target_id"], index_where=OPEN_ONLY
        )
        .returning(Report)
    )
    if row is None:
        raise Conflict(
            "You have already reported this; an operator will look at it.", code="already_reported"
        )
    emit(
        session,
        REPORT_FILED,
        {"report_id": str(row.id), "target_kind": row.target_kind, "target_id": str(row.target_id)},
    )
    return report_out(row)


async def list_reports(
    session: AsyncSession,
    actor: Actor,
    page: PageRequest,
    *,
    status: str | None = "open",
    kind: str | None = None,
) -> tuple[list[ReportOut], str | None]:
    """The queue, newest first, by status (default: open; None: all) and kind. Operators only."""
    require_operator(actor)
    stmt = select(Report)
    if status is not None:
        stmt = stmt.where(Report.status == status)
    if kind is not None:
        stmt = stmt.where(Report.target_kind == kind)
    if page.after:
        after = page.after[0]
        if len(page.after) != 1 or not isinstance(after, int):
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        stmt = stmt.where(Report.id < after)
    rows, cursor = page_of(
        list((await session.scalars(stmt.order_by(Report.id.desc()).limit(page.limit + 1))).all()),
        page,
        key=lambda r: r.id,
    )
    return [report_out(r) for r in rows], cursor


async def act_on_report(
    session: AsyncSession, actor: Actor, report_id: str, data: ReportActionIn
) -> ReportOut:
    """Take down, restore, ban or dismiss (operators only). An action the report's state or kind does
    not allow is 409 ``action_not_allowed`` (two operators racing: the second gets it). Banning
    oneself is 422 ``cannot_ban_yourself``."""
    require_operator(actor)
    parsed = parse_id(report_id)
    report = await session.get(Report, parsed) if parsed is not None else None
    if report is None:
        raise NotFound("No such report.", code="report_not_found")
    if data.action not in actions_for(report):
        raise Conflict(
            f"A {report.status} {report.target_kind} report cannot be given {data.action!r}.",
            code="action_not_allowed",
            details={"status": report.status, "allowed": actions_for(report)},
        )
    if data.action == "ban" and report.target_owner_id == actor.user_id:
        raise InvalidInput("You cannot ban yourself.", code="cannot_ban_yourself")
    was = report.status
    values = {"handled_by": actor.user_id, "resolution_note": data.note}
    advanced = await REPORT.advance(session, report.id, data.action, values=values, entity=Report)
    if advanced is None:
        raise Conflict("Another operator acted on this report first.", code="action_not_allowed")
    transition = REPORT.transition(data.action)
    # The target's other reports share its fate (those already in a state this action leaves).
    await session.execute(
        update(Report)
        .where(
            Report.target_kind == advanced.target_kind,
            Report.target_id == advanced.target_id,
            Report.status == was,
            Report.id != advanced.id,
        )
        .values(status=transition.target, handled_at=advanced.handled_at, **values)
        .execution_options(synchronize_session=False)
    )
    _announce(session, advanced, data.action, was)
    return report_out(advanced)


def _announce(session: AsyncSession, report: Report, action: str, was: str) -> None:
    owner = str(report.target_owner_id) if report.target_owner_id is not None else None
    base = {"report_id": str(report.id)}
    if action == "take_down" or (action == "restore" and was == "taken_down"):
        payload = {
            **base,
            "target_kind": report.target_kind,
            "target_id": str(report.target_id),
            "owner_id": owner,
        }
        if action == "take_down":
            emit(
                session,
                CONTENT_TAKEN_DOWN,
                {**payload, "reason": report.reason, "note": report.resolution_note},
            )
        else:
            emit(session, CONTENT_RESTORED, payload)
    elif action == "ban":
        emit(
            session,
            USER_BANNED,
            {**base, "user_id": owner, "reason": report.reason, "note": report.resolution_note},
        )
    elif action == "restore" and was == "banned":
        emit(session, USER_UNBANNED, {**base, "user_id": owner})
