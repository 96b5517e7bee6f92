"""A hypothesis state machine over the wallet's services (issue 5's first acceptance line).

Random sequences of top-ups (succeeding or declined), withdrawals (paid or reversed), transfers
(accepted, declined or expired), red packets (grabbed or expired), merchant payments, releases and
refunds, with the clock moved between steps and due jobs run like a worker. After every step the
books are checked: postings sum to zero (per entry and overall), every cached balance equals its
postings, no user balance is negative, and no red packet paid out more shares or money than it holds.
Runs on SQLite, and on PostgreSQL with QUANZI_TEST_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, initialize, invariant, rule
from sqlalchemy import text

from quanzi.core.actor import Actor
from quanzi.core.clock import FrozenClock
from quanzi.core.db import Database
from quanzi.core.errors import AppError
from quanzi.core.ids import new_id
from quanzi.graph import service as graph
from quanzi.identity.models import User
from quanzi.wallet import service
from quanzi.wallet.bank import sandbox_card_number
from quanzi.wallet.check import ledger_problems
from quanzi.wallet.models import PaymentPin
from quanzi.wallet.pins import hash_pin
from tests.conftest import job_runner

PIN = "135790"
USERS = 4
# Mostly amounts the users can afford, sometimes more than they have.
amounts = st.one_of(st.integers(min_value=1, max_value=30_00), st.integers(min_value=1, max_value=3_000_00))


def _machine(
    db: Database, runner: asyncio.Runner, clock: FrozenClock, pin_hash: str, outcomes: Counter[str]
) -> type[RuleBasedStateMachine]:
    def run(coroutine: Awaitable[Any]) -> Any:
        return runner.run(coroutine)  # type: ignore[arg-type]

    async def attempt(action: Callable[[Any], Awaitable[Any]]) -> Any:
        """One unit of work; a refusal (AppError) rolls it back and answers None. The outcome is
        recorded as a hypothesis event (see --hypothesis-show-statistics)."""
        try:
            async with db.transaction() as session:
                result = await action(session)
        except AppError as error:
            event(f"refused: {error.code}")
            outcomes[f"refused: {error.code}"] += 1
            return None
        event(f"done: {type(result).__name__}")
        outcomes[f"done: {type(result).__name__}"] += 1
        return result

    class WalletMachine(RuleBasedStateMachine):
        transfers = Bundle("transfers")
        packets = Bundle("packets")
        payments = Bundle("payments")

        @initialize(target=payments)
        def people(self) -> int:
            """Four friends with 1,000 CNY each, a merchant, and one payment, so that every rule has
            something to act on from the first step."""
            self.users: list[Actor] = []
            self.proofs: dict[int, Any] = {}
            self.cards: dict[tuple[int, str], int] = {}
            run(self._setup())
            return int(run(self._first_payment()))

        async def _first_payment(self) -> int:
            buyer = self.users[0]
            async with db.transaction() as session:
                payment = await service.pay_to_escrow(
                    session,
                    buyer,
                    self.merchant.user_id,
                    50_00,
                    order_ref="first",
                    proof=self.proofs[buyer.user_id],
                )
            return payment.id

        async def _setup(self) -> None:
            now = clock.now()
            async with db.transaction() as session:
                for index in range(USERS + 1):
                    user_id = new_id()
                    session.add(
                        User(
                            id=user_id,
                            username=f"sm{user_id}",
                            phone=None,
                            password_hash=pin_hash,
                            display_name=f"SM {index}",
                            bio="",
                            region="",
                            kind="merchant" if index == USERS else "consumer",
                            is_kol=False,
                            is_operator=False,
                            discoverable_by_username=True,
                            discoverable_by_phone=True,
                            created_at=now,
                            password_changed_at=now,
                        )
                    )
                    session.add(
                        PaymentPin(
                            user_id=user_id,
                            pin_hash=pin_hash,
                            failed_attempts=0,
                            locked_until=None,
                            version=1,
                            updated_at=now,
                        )
                    )
                    self.users.append(Actor(user_id=user_id, session_id=0, kind="consumer"))
            self.merchant = self.users.pop()
            for i, a in enumerate(self.users):
                for b in self.users[i + 1 :]:
                    async with db.transaction() as session:
                        request = await graph.send_friend_request(session, a, b.user_id, None)
                    async with db.transaction() as session:
                        await graph.accept_friend_request(session, b, request.id)
            for actor in self.users:
                self.proofs[actor.user_id] = await service.verify_pin(db, actor, PIN)
                for behaviour in ("1234", "0002", "0077"):
                    async with db.transaction() as session:
                        number = sandbox_card_number(behaviour)
                        card = await service.link_card(session, actor, number, "SM")
                        self.cards[(actor.user_id, behaviour)] = card.id
                async with db.transaction() as session:
                    await service.start_topup(
                        session,
                        actor,
                        self.cards[(actor.user_id, "1234")],
                        1_000_00,
                        proof=self.proofs[actor.user_id],
                    )
            await job_runner(db).run_due()

        def _who(self, index: int) -> Actor:
            return self.users[index % len(self.users)]

        @rule(who=st.integers(0, USERS - 1), amount=amounts, card=st.sampled_from(["1234", "1234", "0002"]))
        def top_up(self, who: int, amount: int, card: str) -> None:
            actor = self._who(who)
            run(
                attempt(
                    lambda s: service.start_topup(
                        s, actor, self.cards[(actor.user_id, card)], amount, proof=self.proofs[actor.user_id]
                    )
                )
            )

        @rule(who=st.integers(0, USERS - 1), amount=amounts, card=st.sampled_from(["1234", "0077"]))
        def withdraw(self, who: int, amount: int, card: str) -> None:
            actor = self._who(who)
            run(
                attempt(
                    lambda s: service.start_withdrawal(
                        s, actor, self.cards[(actor.user_id, card)], amount, proof=self.proofs[actor.user_id]
                    )
                )
            )

        @rule(target=transfers, who=st.integers(0, USERS - 1), to=st.integers(1, USERS - 1), amount=amounts)
        def transfer(self, who: int, to: int, amount: int) -> Any:
            sender, receiver = self._who(who), self._who(who + to)
            made = run(
                attempt(
                    lambda s: service.send_transfer(
                        s, sender, receiver.user_id, amount, proof=self.proofs[sender.user_id]
                    )
                )
            )
            return (made.id, receiver) if made else (0, receiver)

        @rule(transfer=consumes(transfers), accept=st.booleans())
        def answer_transfer(self, transfer: tuple[int, Actor], accept: bool) -> None:
            transfer_id, receiver = transfer
            act = service.accept_transfer if accept else service.decline_transfer
            run(attempt(lambda s: act(s, receiver, transfer_id)))

        @rule(
            target=packets,
            who=st.integers(0, USERS - 1),
            total=st.integers(1, 200_00),
            count=st.integers(1, USERS - 1),
            lucky=st.booleans(),
        )
        def red_packet(self, who: int, total: int, count: int, lucky: bool) -> Any:
            sender = self._who(who)
            audience = [a.user_id for a in self.users if a != sender]
            made = run(
                attempt(
                    lambda s: service.create_red_packet(
                        s,
                        sender,
                        kind="group",
                        total=total,
                        count=count,
                        split="lucky" if lucky else "equal",
                        audience=audience,
                        proof=self.proofs[sender.user_id],
                    )
                )
            )
            return made.id if made else 0

        @rule(packet=packets, who=st.integers(0, USERS - 1))
        def grab(self, packet: int, who: int) -> None:
            run(attempt(lambda s: service.grab_red_packet(s, self._who(who), packet)))

        @rule(target=payments, who=st.integers(0, USERS - 1), amount=amounts)
        def pay(self, who: int, amount: int) -> Any:
            buyer = self._who(who)
            made = run(
                attempt(
                    lambda s: service.pay_to_escrow(
                        s,
                        buyer,
                        self.merchant.user_id,
                        amount,
                        order_ref="sm",
                        proof=self.proofs[buyer.user_id],
                    )
                )
            )
            return made.id if made else 0

        @rule(payment=payments, fee_percent=st.integers(0, 10))
        def release(self, payment: int, fee_percent: int) -> None:
            async def settle(session: Any) -> Any:
                found = await service.get_payment(session, self.merchant, payment)
                fee = (found.amount - found.refunded_amount) * fee_percent // 100
                return await service.release_escrow_to_merchant(session, None, payment, fee=fee)

            run(attempt(settle))

        @rule(payment=payments, percent=st.integers(1, 120))
        def refund(self, payment: int, percent: int) -> None:
            """A share of what is still refundable; above 100 % it asks for more than was paid."""

            async def give_back(session: Any) -> Any:
                found = await service.get_payment(session, self.merchant, payment)
                amount = max(1, (found.amount - found.refunded_amount) * percent // 100)
                return await service.refund(session, self.merchant, payment, amount)

            run(attempt(give_back))

        @rule(hours=st.sampled_from([0.25, 1, 6, 12, 23, 25]))
        def time_passes(self, hours: float) -> None:
            clock.advance(hours=hours)
            run(job_runner(db).run_due())

        @rule()
        def worker_runs(self) -> None:
            run(job_runner(db).run_due())

        @invariant()
        def books_balance(self) -> None:
            async def problems() -> list[str]:
                async with db.read() as session:
                    return await ledger_problems(session)

            assert run(problems()) == []

    return WalletMachine


def test_wallet_state_machine(database_url: str, frozen_clock: FrozenClock) -> None:
    with asyncio.Runner() as runner:
        db = Database(database_url)
        pin_hash = runner.run(hash_pin(PIN))
        outcomes: Counter[str] = Counter()
        explore = bool(os.environ.get("QUANZI_HYPOTHESIS_EXPLORE"))
        machine = _machine(db, runner, frozen_clock, pin_hash, outcomes)
        machine.TestCase.settings = settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            # Fixed sequences in CI (the coverage check below must not flake); explore new ones with
            # QUANZI_HYPOTHESIS_EXPLORE=1.
            derandomize=not explore,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        try:
            machine.TestCase().runTest()
            covered = runner.run(_coverage(db))
        finally:
            runner.run(db.dispose())
    # The fixed sequences reach every path the issue names, not just refusals (exploring runs may not).
    if explore:
        return
    for path in (
        "transfer accepted",
        "transfer declined",
        "transfer expired",
        "red packet grabbed",
        "red packet expired",
        "top-up succeeded",
        "top-up failed",
        "withdrawal succeeded",
        "withdrawal failed",
        "payment settled",
        "refund",
    ):
        assert covered[path] > 0, (path, sorted(covered.items()), sorted(outcomes.items()))


async def _coverage(db: Database) -> dict[str, int]:
    orders = "SELECT count(*) FROM wallet_bank_orders WHERE"
    queries = {
        "transfer accepted": "SELECT count(*) FROM wallet_transfers WHERE status = 'accepted'",
        "transfer declined": "SELECT count(*) FROM wallet_transfers WHERE status = 'declined'",
        "transfer expired": "SELECT count(*) FROM wallet_transfers WHERE status = 'expired'",
        "red packet grabbed": "SELECT count(*) FROM wallet_red_packet_grabs",
        "red packet expired": "SELECT count(*) FROM wallet_red_packets WHERE status = 'expired'",
        "top-up succeeded": f"{orders} kind = 'topup' AND status = 'succeeded'",
        "top-up failed": f"{orders} kind = 'topup' AND status = 'failed'",
        "withdrawal succeeded": f"{orders} kind = 'withdrawal' AND status = 'succeeded'",
        "withdrawal failed": f"{orders} kind = 'withdrawal' AND status = 'failed'",
        "payment settled": "SELECT count(*) FROM wallet_payments WHERE status = 'settled'",
        "refund": "SELECT count(*) FROM wallet_refunds",
    }
    async with db.read() as session:
        return {name: int(await session.scalar(text(query)) or 0) for name, query in queries.items()}
