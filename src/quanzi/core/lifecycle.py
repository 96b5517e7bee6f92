"""Declared lifecycles: a row's states and the transitions between them, in one place per kind of row.

A domain declares each lifecycle once (an order, a transfer, a red packet, a team...) with the table it
lives in, its states and its named transitions; the declaration is checked when it is made (every
source and target is a declared state). A status then changes only through `Lifecycle.advance`, which
is ONE conditional statement::

    UPDATE t SET status = :target [, stamp = :now] [, ...values]
     WHERE id = :id AND status IN (:sources) [AND ...where] RETURNING *

so of two racing transitions exactly one wins, without a lock or a read first; the loser gets None and
its caller decides what to say (usually a 409 naming the state the row is in now). A transition name
that was never declared raises `UndeclaredTransition`: an undeclared move cannot happen by accident.
RETURNING works on SQLite ≥ 3.35 and PostgreSQL alike.

Domains list their lifecycles in their manifests (`DomainManifest.lifecycles`), so a test can walk
every declared graph without knowing the domains.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from sqlalchemy import ColumnElement, Row, Table, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock

Entity = TypeVar("Entity")


class UndeclaredTransition(LookupError):
    """Code asked for a transition its lifecycle does not declare: a programming error, not a 409."""


@dataclass(frozen=True)
class Transition:
    """An edge: from any of `sources` to `target`, setting the timestamp column `stamp` (if any) to now."""

    sources: tuple[str, ...]
    target: str
    stamp: str | None = None


class Lifecycle:
    """The states of the rows of `table` (in its `status_column`) and the named transitions between them."""

    def __init__(
        self,
        name: str,
        table: Table,
        states: Sequence[str],
        transitions: Mapping[str, Transition],
        *,
        status_column: str = "status",
    ) -> None:
        self.name = name
        self.table = table
        self.states = tuple(states)
        self.transitions = dict(transitions)
        self.status_column = status_column
        self._check()

    def _check(self) -> None:
        if len(set(self.states)) != len(self.states):
            raise ValueError(f"lifecycle {self.name}: a state is declared twice")
        if self.status_column not in self.table.c:
            raise ValueError(f"lifecycle {self.name}: {self.table.name} has no column {self.status_column!r}")
        keys = list(self.table.primary_key.columns)
        if len(keys) != 1:
            raise ValueError(f"lifecycle {self.name}: {self.table.name} needs a one-column primary key")
        for name, transition in self.transitions.items():
            if not transition.sources:
                raise ValueError(f"lifecycle {self.name}: transition {name!r} has no source state")
            unknown = {*transition.sources, transition.target} - set(self.states)
            if unknown:
                raise ValueError(
                    f"lifecycle {self.name}: transition {name!r} names undeclared states {sorted(unknown)}"
                )
            if transition.stamp is not None and transition.stamp not in self.table.c:
                raise ValueError(
                    f"lifecycle {self.name}: transition {name!r} stamps a missing column {transition.stamp!r}"
                )

    def __repr__(self) -> str:
        return f"Lifecycle({self.name!r})"

    # --- reading the graph ---------------------------------------------------------------------------

    def transition(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise UndeclaredTransition(f"lifecycle {self.name} declares no transition {name!r}") from None

    def allowed(self, from_state: str) -> tuple[str, ...]:
        """The names of the transitions a row in `from_state` may take."""
        return tuple(name for name, t in self.transitions.items() if from_state in t.sources)

    def refuses(self, from_state: str, transition: str) -> bool:
        """True when a row in `from_state` may not take `transition` (declared or not)."""
        declared = self.transitions.get(transition)
        return declared is None or from_state not in declared.sources

    def terminal(self) -> tuple[str, ...]:
        """The states no transition leaves."""
        return tuple(state for state in self.states if not self.allowed(state))

    def refused_pairs(self) -> Iterable[tuple[str, str]]:
        """Every (state, declared transition) pair the graph does not allow."""
        for state in self.states:
            for name in self.transitions:
                if self.refuses(state, name):
                    yield state, name

    # --- taking a transition -------------------------------------------------------------------------

    @overload
    async def advance(
        self,
        session: AsyncSession,
        key: Any,
        transition: str,
        *,
        values: Mapping[str, Any] | None = None,
        where: Sequence[ColumnElement[bool]] = (),
        entity: None = None,
    ) -> Row[Any] | None: ...

    @overload
    async def advance(
        self,
        session: AsyncSession,
        key: Any,
        transition: str,
        *,
        values: Mapping[str, Any] | None = None,
        where: Sequence[ColumnElement[bool]] = (),
        entity: type[Entity],
    ) -> Entity | None: ...

    async def advance(
        self,
        session: AsyncSession,
        key: Any,
        transition: str,
        *,
        values: Mapping[str, Any] | None = None,
        where: Sequence[ColumnElement[bool]] = (),
        entity: type[Any] | None = None,
    ) -> Any:
        """Move the row whose primary key is `key` along `transition` if it is in one of the
        transition's sources (and every `where` holds), setting `values` too. Returns the row as it is
        now (the mapped `entity`, refreshed in the session, when one is given), or None when the row
        is elsewhere — another transition won, or it never was in a source state."""
        declared = self.transition(transition)
        (key_column,) = self.table.primary_key.columns
        status = self.table.c[self.status_column]
        changes: dict[str, Any] = {self.status_column: declared.target}
        if declared.stamp is not None:
            changes[declared.stamp] = clock.now()
        changes.update(values or {})
        statement = update(entity if entity is not None else self.table).where(
            key_column == key, status.in_(declared.sources), *where
        )
        statement = statement.values(**changes)
        if entity is not None:
            result = await session.execute(
                statement.returning(entity).execution_options(
                    populate_existing=True, synchronize_session=False
                )
            )
            return result.scalar_one_or_none()
        result = await session.execute(
            statement.returning(*self.table.c).execution_options(synchronize_session=False)
        )
        return result.first()
