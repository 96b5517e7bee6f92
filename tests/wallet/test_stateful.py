"""A model-based hypothesis state machine over the wallet's services.

Random sequences of top-ups (succeeding or declined), withdrawals (paid or reversed), transfers
(accepted, declined, expired; answered by the receiver, the sender or a stranger), red packets
(grabbed, emptied, expired), merchant payments, releases and refunds, PIN entries (right, wrong, a
lock, a change of PIN), requests under idempotency keys (first tries, retries, a key reused for
another body or by another user) and two transfers racing for one balance, with the clock moved
between steps and due jobs run like a worker.

Beside the database the machine keeps a model: every account's balance, each user's daily usage,
PIN state and the version of the PIN proof the client holds, each transfer's state, each red
packet's shares and grabbers, each payment's refundable amount, each bank order. Before every call
the model predicts the outcome — success, or a refusal with *which* error code — and the call must
answer exactly that; after every step every balance, state and PIN row in the database must equal
the model's, and the books must balance (`ledger_problems`). A wrong refusal fails as surely as a
wrong success.

CI runs 25 fixed (derandomized) sequences on SQLite, and on PostgreSQL with QUANZI_TEST_DATABASE_URL;
`make explore` runs many fresh random ones (QUANZI_EXPLORE_EXAMPLES, docs/testing.md).
"""

from __future__ import annotations

import asyncio
import copy
import os
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from quanzi.core import idempotency
from quanzi.core.actor import Actor
from quanzi.core.clock import FrozenClock, as_utc
from quanzi.core.db import Database
from quanzi.core.errors import AppError
from quanzi.core.ids import new_id
from quanzi.graph import service as graph
from quanzi.identity.models import User
from quanzi.wallet import rules, service
from quanzi.wallet.bank import sandbox_card_number
from quanzi.wallet.check import ledger_problems
from quanzi.wallet.models import (
    ESCROW,
    FEE,
    MERCHANT,
    PLATFORM,
    RED_PACKET_HOLD,
    WALLET,
    WITHDRAWAL_HOLD,
    BankOrder,
    PaymentPin,
    Posting,
    RedPacket,
    RedPacketGrab,
    Transfer,
    WalletAccount,
)
from quanzi.wallet.models import Payment as PaymentRow
from quanzi.wallet.pins import hash_pin
from tests.conftest import job_runner
from tests.wallet.ledger_model import (
    LIMITS,
    START_BALANCE,
    Model,
    OrderModel,
    PacketModel,
    PaymentModel,
    PinModel,
)

PINS = ("135790", "246813")  # a user's PIN alternates between these when changed
WRONG_PIN = "975310"
USERS = 4
FIRST_PAYMENT = 50_00
CARDS = ("1234", "0002", "0077")  # succeeds; declined; withdrawals fail and are reversed

# An amount as a rule asks for it: fixed fen, a percentage of the actor's balance (above 100 % asks
# for more than there is), all of it, or one fen more than all of it.
amount_specs = st.one_of(
    st.tuples(st.just("fen"), st.integers(1, 30_00)),
    st.tuples(st.just("pct"), st.integers(1, 125)),
    st.tuples(st.sampled_from(["all", "over"]), st.just(0)),
)
picks = st.integers(0, 10**6)  # which existing transfer, packet, payment or key a rule acts on


def resolve_amount(spec: tuple[str, int], balance: int) -> int:
    mode, n = spec
    if mode == "fen":
        return n
    if mode == "pct":
        return max(1, balance * n // 100)
    return max(1, balance + (1 if mode == "over" else 0))


# --- the machine -------------------------------------------------------------------------------------


def _machine(
    db: Database, runner: asyncio.Runner, clock: FrozenClock, pin_hash: str, outcomes: Counter[str]
) -> type[RuleBasedStateMachine]:
    # Examples start at a China Standard Time midnight: a whole calendar day for the daily caps.
    china_now = clock.now().astimezone(rules.CHINA_TIME)
    start = (china_now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)

    def run(coroutine: Awaitable[Any]) -> Any:
        return runner.run(coroutine)  # type: ignore[arg-type]

    def record(what: str) -> None:
        event(what)
        outcomes[what] += 1

    async def attempt(action: Callable[[Any], Awaitable[Any]]) -> tuple[Any, str | None]:
        """One unit of work: (result, None), or (None, the refusal's code) after its rollback."""
        try:
            async with db.transaction() as session:
                return await action(session), None
        except AppError as error:
            return None, error.code

    def check(what: str, code: str | None, expected: str | None) -> None:
        assert code == expected, (
            f"{what}: the model expected {expected or 'success'}, got {code or 'success'}"
        )
        record(f"{what}: {code or 'done'}")

    class WalletMachine(RuleBasedStateMachine):
        @initialize()
        def people(self) -> None:
            """Four friends with 1,000 CNY each and a merchant with one payment, so that every rule
            has something to act on from the first step."""
            # Every example starts at the same time of day (daily limits count by the calendar day), so
            # that a failing example replays the same way.
            clock.set(start)
            self.users: list[Actor] = []
            self.proofs: dict[int, Any] = {}
            self.cards: dict[tuple[int, str], int] = {}
            self.keys: dict[str, tuple[Actor, dict[str, Any], idempotency.Outcome]] = {}
            run(self._setup())

        async def _setup(self) -> None:
            now = clock.now()
            async with db.read() as session:
                self.platform_start = dict(
                    (
                        await session.execute(
                            select(WalletAccount.kind, WalletAccount.balance).where(
                                WalletAccount.owner_id == PLATFORM
                            )
                        )
                    ).all()
                )
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
            model = Model(merchant=self.merchant.user_id)
            for i, a in enumerate(self.users):
                model.friends.add(a.user_id)
                for b in self.users[i + 1 :]:
                    async with db.transaction() as session:
                        request = await graph.send_friend_request(session, a, b.user_id, None)
                    async with db.transaction() as session:
                        await graph.accept_friend_request(session, b, request.id)
            for actor in [*self.users, self.merchant]:
                model.pins[actor.user_id] = PinModel(pin=PINS[0])
            for actor in self.users:
                self.proofs[actor.user_id] = await service.verify_pin(db, actor, PINS[0])
                for behaviour in CARDS:
                    async with db.transaction() as session:
                        card = await service.link_card(session, actor, sandbox_card_number(behaviour), "SM")
                        self.cards[(actor.user_id, behaviour)] = card.id
                async with db.transaction() as session:
                    order = await service.start_topup(
                        session,
                        actor,
                        self.cards[(actor.user_id, "1234")],
                        START_BALANCE,
                        proof=self.proofs[actor.user_id],
                    )
                model.orders[order.id] = OrderModel(actor.user_id, "topup", START_BALANCE, "1234")
            await job_runner(db).run_due()
            model.run_jobs(clock.now())
            buyer = self.users[0]
            async with db.transaction() as session:
                payment = await service.pay_to_escrow(
                    session,
                    buyer,
                    self.merchant.user_id,
                    FIRST_PAYMENT,
                    order_ref="first",
                    proof=self.proofs[buyer.user_id],
                )
            model.move((buyer.user_id, WALLET), (self.merchant.user_id, ESCROW), FIRST_PAYMENT)
            model.payments[payment.id] = PaymentModel(buyer.user_id, FIRST_PAYMENT)
            self.model = model

        def _who(self, index: int) -> Actor:
            return self.users[index % len(self.users)]

        def _anyone(self, index: int) -> Actor:
            """A consumer, or (index == USERS) the merchant, who is nobody's friend."""
            return self.merchant if index == USERS else self._who(index)

        @staticmethod
        def _pick(items: dict[int, Any], pick: int) -> int:
            return sorted(items)[pick % len(items)]

        # --- bank ---

        @rule(
            who=st.integers(0, USERS - 1), spec=amount_specs, card=st.sampled_from(["1234", "1234", "0002"])
        )
        def top_up(self, who: int, spec: tuple[str, int], card: str) -> None:
            actor, m = self._who(who), self.model
            amount = (
                resolve_amount(spec, m.wallet(actor.user_id)) * 2
            )  # top-ups run up to the limit and past it
            expected = m.predict_topup(actor.user_id, amount)
            order, code = run(
                attempt(
                    lambda s: service.start_topup(
                        s, actor, self.cards[(actor.user_id, card)], amount, proof=self.proofs[actor.user_id]
                    )
                )
            )
            check("top-up", code, expected)
            if order is not None:
                m.orders[order.id] = OrderModel(actor.user_id, "topup", amount, card)

        @rule(who=st.integers(0, USERS - 1), spec=amount_specs, card=st.sampled_from(["1234", "0077"]))
        def withdraw(self, who: int, spec: tuple[str, int], card: str) -> None:
            actor, m, now = self._who(who), self.model, clock.now()
            amount = resolve_amount(spec, m.wallet(actor.user_id))
            expected = m.predict_withdrawal(actor.user_id, amount, now)
            order, code = run(
                attempt(
                    lambda s: service.start_withdrawal(
                        s, actor, self.cards[(actor.user_id, card)], amount, proof=self.proofs[actor.user_id]
                    )
                )
            )
            check("withdrawal", code, expected)
            if order is not None:
                m.usage[(actor.user_id, "withdrawal", rules.day_key(now))] += amount
                m.move((actor.user_id, WALLET), (actor.user_id, WITHDRAWAL_HOLD), amount)
                m.orders[order.id] = OrderModel(actor.user_id, "withdrawal", amount, card)

        # --- transfers ---

        @rule(who=st.integers(0, USERS - 1), to=st.integers(1, USERS), spec=amount_specs)
        def transfer(self, who: int, to: int, spec: tuple[str, int]) -> None:
            sender = self._who(who)
            receiver = self.merchant if to == USERS else self._who(who + to)
            m, now = self.model, clock.now()
            amount = resolve_amount(spec, m.wallet(sender.user_id))
            expected = m.predict_transfer(sender.user_id, receiver.user_id, amount, now)
            made, code = run(
                attempt(
                    lambda s: service.send_transfer(
                        s, sender, receiver.user_id, amount, proof=self.proofs[sender.user_id]
                    )
                )
            )
            check("transfer", code, expected)
            if made is not None:
                m.apply_transfer(made.id, sender.user_id, receiver.user_id, amount, now)

        @precondition(lambda self: self.model.transfers)
        @rule(
            pick=picks,
            answers=st.lists(
                st.tuples(
                    st.sampled_from(["receiver", "receiver", "receiver", "sender", "stranger"]), st.booleans()
                ),
                min_size=1,
                max_size=3,
            ),
        )
        def answer_transfer(self, pick: int, answers: list[tuple[str, bool]]) -> None:
            """Answers to one transfer, one after another (accept or decline; by the receiver, the
            sender or a stranger): the first of the receiver's decides, the others find it decided."""
            m = self.model
            transfer_id = self._pick(m.transfers, pick)
            transfer = m.transfers[transfer_id]
            for by, accept in answers:
                if by == "stranger":
                    actor = next(
                        a
                        for a in [*self.users, self.merchant]
                        if a.user_id not in (transfer.sender, transfer.receiver)
                    )
                else:
                    user_id = transfer.receiver if by == "receiver" else transfer.sender
                    actor = next(a for a in [*self.users, self.merchant] if a.user_id == user_id)
                verb = "accept" if accept else "decline"
                expected = m.predict_answer(transfer_id, actor.user_id, verb, clock.now())
                act = service.accept_transfer if accept else service.decline_transfer
                answered, code = run(attempt(lambda s, act=act, actor=actor: act(s, actor, transfer_id)))
                check(f"transfer {verb}", code, expected)
                if answered is not None:
                    assert answered.status == ("accepted" if accept else "declined")
                    m.apply_answer(transfer_id, verb)

        @rule(
            who=st.integers(0, USERS - 1),
            to=st.integers(1, USERS - 1),
            first=st.integers(30, 100),
            second=st.integers(30, 100),
        )
        def transfers_race(self, who: int, to: int, first: int, second: int) -> None:
            """Two transfers from one balance issued at once (own transactions, asyncio.gather). The
            model allows the outcome of either order; the books must match exactly one of them."""
            sender = self._who(who)
            receivers = (self._who(who + to), self._who(who + to + 1 if to < USERS - 1 else who + 1))
            m, now = self.model, clock.now()
            # Each within the per-transaction limit, so that the balance (or the day's cap) decides.
            base = min(m.wallet(sender.user_id), LIMITS.transfer_per_transaction)
            amounts = (max(1, base * first // 100), max(1, base * second // 100))

            def send(i: int) -> Awaitable[tuple[Any, str | None]]:
                return attempt(
                    lambda s: service.send_transfer(
                        s, sender, receivers[i].user_id, amounts[i], proof=self.proofs[sender.user_id]
                    )
                )

            async def both() -> list[tuple[Any, str | None]]:
                return list(await asyncio.gather(send(0), send(1)))

            results = run(both())
            codes = tuple(code for _, code in results)
            orders = []
            for order in ((0, 1), (1, 0)):
                trial = copy.deepcopy(m)
                predicted: dict[int, str | None] = {}
                for i in order:
                    predicted[i] = trial.predict_transfer(
                        sender.user_id, receivers[i].user_id, amounts[i], now
                    )
                    if predicted[i] is None:
                        trial.apply_transfer(-1 - i, sender.user_id, receivers[i].user_id, amounts[i], now)
                orders.append((order, (predicted[0], predicted[1])))
            matching = [order for order, predicted in orders if predicted == codes]
            assert matching, (
                f"two transfers at once answered {codes}; either order allows only {[p for _, p in orders]}"
            )
            for i in matching[0]:
                made = results[i][0]
                if made is not None:
                    m.apply_transfer(made.id, sender.user_id, receivers[i].user_id, amounts[i], now)
            record(f"transfers race: {'+'.join(c or 'done' for c in sorted(codes, key=str))}")

        # --- idempotency keys ---

        @rule(who=st.integers(0, USERS - 1), to=st.integers(1, USERS), spec=amount_specs)
        def keyed_transfer(self, who: int, to: int, spec: tuple[str, int]) -> None:
            """A transfer as the route makes it: a fresh key, the PIN checked by the precheck."""
            sender = self._who(who)
            receiver = self.merchant if to == USERS else self._who(who + to)
            m, now = self.model, clock.now()
            amount = resolve_amount(spec, m.wallet(sender.user_id))
            key = uuid.uuid4().hex
            payload = {"to_user_id": str(receiver.user_id), "amount": amount, "note": ""}
            # The precheck enters the right PIN: refused only while payments are locked (not stored).
            pin_refusal = copy.deepcopy(m).enter_pin(sender.user_id, True, now)
            expected = pin_refusal or m.predict_transfer(
                sender.user_id, receiver.user_id, amount, now, fresh=True
            )
            outcome, code = run(self._keyed(sender, key, payload, m.pins[sender.user_id].pin))
            if pin_refusal is None:
                assert code is None, code
                code = outcome.body.get("error", {}).get("code")
                assert not outcome.replayed
            check("keyed transfer", code, expected)
            if pin_refusal is None:
                m.enter_pin(sender.user_id, True, now)
                m.pins[sender.user_id].proof_version = self.proofs[
                    sender.user_id
                ].version  # the precheck's proof is its own
                self.keys[key] = (sender, payload, outcome)
                if expected is None:
                    assert outcome.status_code == 201
                    m.apply_transfer(int(outcome.body["id"]), sender.user_id, receiver.user_id, amount, now)

        async def _keyed(
            self, actor: Actor, key: str, payload: dict[str, Any], pin: str
        ) -> tuple[idempotency.Outcome | None, str | None]:
            async def action(session: Any, proof: Any) -> tuple[int, dict[str, Any]]:
                made = await service.send_transfer(
                    session, actor, payload["to_user_id"], payload["amount"], proof=proof
                )
                return 201, {"id": str(made.id), "amount": made.amount, "status": made.status}

            try:
                outcome = await idempotency.execute(
                    db,
                    actor,
                    key=key,
                    scope="wallet.transfer",
                    payload=payload,
                    action=action,
                    precheck=service.pin_precheck(actor, pin),
                )
            except AppError as error:
                return None, error.code
            return outcome, None

        @precondition(lambda self: self.keys)
        @rule(pick=picks, right_pin=st.booleans())
        def retry_key(self, pick: int, right_pin: bool) -> None:
            """A retry replays the first answer, success or refusal, moves nothing and checks no PIN
            (even a wrong one, even while payments are locked)."""
            key = sorted(self.keys)[pick % len(self.keys)]
            actor, payload, first = self.keys[key]
            pin = self.model.pins[actor.user_id].pin if right_pin else WRONG_PIN
            outcome, code = run(self._keyed(actor, key, payload, pin))
            assert code is None, code
            assert (outcome.status_code, outcome.body, outcome.replayed) == (
                first.status_code,
                first.body,
                True,
            )
            record("key retried: replayed")

        @precondition(lambda self: self.keys)
        @rule(pick=picks, other_user=st.booleans())
        def reuse_key(self, pick: int, other_user: bool) -> None:
            """The same key with another body, or by another user: refused, nothing written."""
            key = sorted(self.keys)[pick % len(self.keys)]
            actor, payload, _first = self.keys[key]
            if other_user:
                actor = next(a for a in self.users if a != actor)
            else:
                payload = payload | {"amount": payload["amount"] + 1}
            _, code = run(self._keyed(actor, key, payload, self.model.pins[actor.user_id].pin))
            check("key reused", code, "idempotency_key_reused")

        # --- red packets ---

        @rule(
            who=st.integers(0, USERS - 1),
            total=st.one_of(st.integers(1, 60_00), st.sampled_from([1, 2, 200_00, 200_01, 250_00])),
            count=st.integers(1, USERS),
            lucky=st.booleans(),
            seed=st.integers(0, 2**32),
            grabbers=st.lists(st.integers(0, USERS), max_size=USERS + 1),
        )
        def red_packet(
            self, who: int, total: int, count: int, lucky: bool, seed: int, grabbers: list[int]
        ) -> None:
            """A group packet for the other three friends, then grabs of it."""
            sender, m, now = self._who(who), self.model, clock.now()
            audience = [a.user_id for a in self.users if a != sender]
            expected = m.predict_packet(sender.user_id, total, count, len(audience))
            made, code = run(
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
                        rng=random.Random(seed),
                    )
                )
            )
            check("red packet", code, expected)
            if made is not None:
                shares = (
                    rules.split_lucky(total, count, random.Random(seed))
                    if lucky
                    else rules.split_equal(total, count)
                )
                m.move((sender.user_id, WALLET), (sender.user_id, RED_PACKET_HOLD), total)
                m.packets[made.id] = PacketModel(
                    sender.user_id, frozenset(audience), shares, now + rules.RED_PACKET_TTL
                )
                self._grabs(made.id, grabbers)

        @precondition(lambda self: self.model.packets)
        @rule(pick=picks, grabbers=st.lists(st.integers(0, USERS), min_size=1, max_size=USERS + 1))
        def grab(self, pick: int, grabbers: list[int]) -> None:
            """Later grabs of a packet (after others, after its expiry)."""
            self._grabs(self._pick(self.model.packets, pick), grabbers)

        def _grabs(self, packet_id: int, grabbers: list[int]) -> None:
            """Grabs of one packet, one after another: by the audience, the sender (a group packet's
            sender may grab too), someone who grabbed already, someone outside the audience."""
            m = self.model
            for who in grabbers:
                actor = self._anyone(who)
                expected = m.predict_grab(packet_id, actor.user_id, clock.now())
                grabbed, code = run(
                    attempt(lambda s, actor=actor: service.grab_red_packet(s, actor, packet_id))
                )
                check("grab", code, expected)
                if grabbed is not None:
                    assert grabbed.amount == m.apply_grab(packet_id, actor.user_id)

        # --- merchant payments ---

        @rule(who=st.integers(0, USERS - 1), spec=amount_specs)
        def pay(self, who: int, spec: tuple[str, int]) -> None:
            buyer, m = self._who(who), self.model
            amount = resolve_amount(spec, m.wallet(buyer.user_id))
            expected = m.predict_pay(buyer.user_id, amount)
            made, code = run(
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
            check("payment", code, expected)
            if made is not None:
                m.move((buyer.user_id, WALLET), (self.merchant.user_id, ESCROW), amount)
                m.payments[made.id] = PaymentModel(buyer.user_id, amount)

        @rule(pick=picks, fee_percent=st.sampled_from([0, 0, 1, 5, 10, 100, 110]))
        def release(self, pick: int, fee_percent: int) -> None:
            m = self.model
            payment_id = self._pick(m.payments, pick)
            payment = m.payments[payment_id]
            left = payment.amount - payment.refunded
            fee = left * fee_percent // 100 + (1 if fee_percent > 100 else 0)
            expected = m.predict_release(payment_id, fee)
            _, code = run(attempt(lambda s: service.release_escrow_to_merchant(s, None, payment_id, fee=fee)))
            check("release", code, expected)
            if code is None:
                merchant = self.merchant.user_id
                m.move((merchant, ESCROW), (merchant, MERCHANT), left - fee)
                m.move((merchant, ESCROW), (PLATFORM, FEE), fee)
                payment.status, payment.fee = "settled", fee

        @rule(pick=picks, percent=st.integers(1, 120))
        def refund(self, pick: int, percent: int) -> None:
            """A share of what is still refundable; above 100 % it asks for more than was paid."""
            m = self.model
            payment_id = self._pick(m.payments, pick)
            payment = m.payments[payment_id]
            amount = max(1, (payment.amount - payment.refunded) * percent // 100)
            expected = m.predict_refund(payment_id, amount)
            _, code = run(attempt(lambda s: service.refund(s, self.merchant, payment_id, amount)))
            check(f"refund from {'escrow' if payment.status == 'escrowed' else 'merchant'}", code, expected)
            if code is None:
                source = ESCROW if payment.status == "escrowed" else MERCHANT
                m.move((self.merchant.user_id, source), (payment.payer, WALLET), amount)
                payment.refunded += amount
                payment.refunds += 1

        # --- PIN ---

        @rule(
            who=st.integers(0, USERS - 1),
            wrong=st.integers(0, rules.PIN_MAX_FAILURES),
            then_right=st.booleans(),
        )
        def enter_pin(self, who: int, wrong: int, then_right: bool) -> None:
            """`wrong` wrong PINs in a row, then maybe the right one: four refused with the attempts
            left, the fifth locks, and while locked the right PIN is refused exactly like a wrong one."""
            actor, m = self._who(who), self.model
            attempts = [WRONG_PIN] * wrong + ([m.pins[actor.user_id].pin] if then_right else [])
            for pin in attempts:
                now = clock.now()
                expected = m.enter_pin(actor.user_id, pin != WRONG_PIN, now)
                try:
                    proof = run(service.verify_pin(db, actor, pin))
                except AppError as error:
                    check(f"{'right' if pin != WRONG_PIN else 'wrong'} PIN", error.code, expected)
                    state = m.pins[actor.user_id]
                    if error.code == "wrong_pin":
                        assert error.details == {"attempts_left": rules.PIN_MAX_FAILURES - state.failed}
                    else:
                        assert state.locked_until is not None
                        assert error.details == {
                            "retry_after": int((state.locked_until - now).total_seconds())
                        }
                    continue
                check("right PIN", None, expected)
                assert proof.version == m.pins[actor.user_id].version
                self.proofs[actor.user_id] = proof

        @rule(who=st.integers(0, USERS - 1))
        def change_pin(self, who: int) -> None:
            """Setting a new PIN with the proof held; the proof (and every other proof of the old PIN)
            is stale afterwards, and payments with it are refused ``pin_changed`` until the PIN is
            entered again. Changing it also lifts a lock."""
            actor, m = self._who(who), self.model
            state = m.pins[actor.user_id]
            new_pin = PINS[1] if state.pin == PINS[0] else PINS[0]
            expected = "pin_changed" if state.proof_version != state.version else None
            _, code = run(attempt(lambda s: service.set_pin(s, actor, new_pin, self.proofs[actor.user_id])))
            check("PIN change", code, expected)
            if code is None:
                state.pin, state.version, state.failed, state.locked_until = (
                    new_pin,
                    state.version + 1,
                    0,
                    None,
                )

        # --- time and jobs ---

        @rule(hours=st.sampled_from([0.25, 1, 3, 6, 12, 23, 25]))
        def time_passes(self, hours: float) -> None:
            clock.advance(hours=hours)
            run(job_runner(db).run_due())
            self.model.run_jobs(clock.now())

        @rule()
        def worker_runs(self) -> None:
            run(job_runner(db).run_due())
            self.model.run_jobs(clock.now())

        def teardown(self) -> None:
            # The next example starts on this database: its bank orders must not resolve there.
            run(job_runner(db).run_due())
            run(self._books_balance())

        async def _books_balance(self) -> None:
            """The whole ledger (every example's entries so far), once per example: it grows with
            every step, and each step already compares this example's postings with the model."""
            async with db.read() as session:
                assert await ledger_problems(session) == []

        @invariant()
        def database_matches_model(self) -> None:
            run(self._compare())

        async def _compare(self) -> None:
            """The database holds what the model holds. Every example runs on the same database, so
            rows are those of this example's people, and the platform's accounts are compared as
            what moved since the example began."""
            m = self.model
            people = [a.user_id for a in (*self.users, self.merchant)]
            async with db.read() as session:
                posted = {
                    (owner, kind): total
                    for owner, kind, total in (
                        await session.execute(
                            select(WalletAccount.owner_id, WalletAccount.kind, func.sum(Posting.amount))
                            .join(Posting, Posting.account_id == WalletAccount.id)
                            .where(WalletAccount.owner_id.in_(people))
                            .group_by(WalletAccount.owner_id, WalletAccount.kind)
                        )
                    ).all()
                }
                accounts = (
                    await session.execute(
                        select(WalletAccount.owner_id, WalletAccount.kind, WalletAccount.balance).where(
                            WalletAccount.owner_id.in_([*people, PLATFORM])
                        )
                    )
                ).all()
                transfers = dict(
                    (
                        await session.execute(
                            select(Transfer.id, Transfer.status).where(Transfer.sender_id.in_(people))
                        )
                    ).all()
                )
                packets = {
                    packet_id: (status, refunded)
                    for packet_id, status, refunded in (
                        await session.execute(
                            select(RedPacket.id, RedPacket.status, RedPacket.refunded_amount).where(
                                RedPacket.sender_id.in_(people)
                            )
                        )
                    ).all()
                }
                grabs = {
                    (packet_id, user_id): amount
                    for packet_id, user_id, amount in (
                        await session.execute(
                            select(
                                RedPacketGrab.packet_id, RedPacketGrab.user_id, RedPacketGrab.amount
                            ).where(RedPacketGrab.user_id.in_(people))
                        )
                    ).all()
                }
                payments = {
                    row[0]: tuple(row[1:])
                    for row in (
                        await session.execute(
                            select(
                                PaymentRow.id,
                                PaymentRow.status,
                                PaymentRow.refunded_amount,
                                PaymentRow.refund_count,
                                PaymentRow.fee,
                            ).where(PaymentRow.payer_id.in_(people))
                        )
                    ).all()
                }
                orders = dict(
                    (
                        await session.execute(
                            select(BankOrder.id, BankOrder.status).where(BankOrder.user_id.in_(people))
                        )
                    ).all()
                )
                pins = {
                    user_id: (failed, as_utc(locked) if locked else None, version)
                    for user_id, failed, locked, version in (
                        await session.execute(
                            select(
                                PaymentPin.user_id,
                                PaymentPin.failed_attempts,
                                PaymentPin.locked_until,
                                PaymentPin.version,
                            ).where(PaymentPin.user_id.in_(people))
                        )
                    ).all()
                }
            balances = {
                (owner, kind): balance - self.platform_start.get(kind, 0) if owner == PLATFORM else balance
                for owner, kind, balance in accounts
            }
            expected = {k: v for k, v in m.balances.items() if v}
            assert {k: v for k, v in balances.items() if v} == expected
            # Every cached balance is the sum of its postings (the platform's: what moved meanwhile).
            assert {k: v for k, v in posted.items() if v} == {
                k: v for k, v in expected.items() if k[0] != PLATFORM
            }
            assert transfers == {i: t.status for i, t in m.transfers.items()}
            assert packets == {i: (p.status, p.refunded) for i, p in m.packets.items()}
            assert grabs == {(i, u): a for i, p in m.packets.items() for u, a in p.grabs.items()}
            assert payments == {i: (p.status, p.refunded, p.refunds, p.fee) for i, p in m.payments.items()}
            assert orders == {i: o.status for i, o in m.orders.items()}
            assert pins == {u: (p.failed, p.locked_until, p.version) for u, p in m.pins.items()}

    return WalletMachine


def explore_examples() -> int:
    """`make explore` sets QUANZI_EXPLORE_EXAMPLES: that many fresh random sequences instead of CI's."""
    return int(os.environ.get("QUANZI_EXPLORE_EXAMPLES", "0") or 0)


# What the fixed sequences must reach, so that a change of the rules' strategies cannot quietly stop
# testing a path: every success below, and every refusal code (from whichever rule).
MUST_SUCCEED = (
    "top-up: done",
    "withdrawal: done",
    "transfer: done",
    "transfer accept: done",
    "transfer decline: done",
    "transfers race: done+insufficient_balance",  # one of the two had to be refused
    "keyed transfer: done",
    "key retried: replayed",
    "red packet: done",
    "grab: done",
    "payment: done",
    "release: done",
    "refund from escrow: done",
    "refund from merchant: done",
    "right PIN: done",
    "PIN change: done",
)
MUST_REFUSE = (
    "insufficient_balance",
    "limit_exceeded",
    "daily_limit_exceeded",
    "not_a_friend",
    "pin_changed",
    "wrong_pin",
    "pin_locked",
    "idempotency_key_reused",
    "invalid_share_count",
    "share_too_small",
    "already_grabbed",
    # Not `red_packet_empty`: the fixed sequences reach it only when the transfers race ends one way
    # (the outcome shifts what the later steps can draw), so requiring it would flake; it is checked
    # whenever it occurs, and tests/wallet/test_concurrency.py races for the last share.
    "red_packet_not_found",
    "refund_exceeds_payment",
    "payment_already_settled",
)


def test_wallet_state_machine(
    database_url: str, frozen_clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "LIMITS", LIMITS)
    explore = explore_examples()
    with asyncio.Runner() as runner:
        db = Database(database_url)
        pin_hash = runner.run(hash_pin(PINS[0]))
        outcomes: Counter[str] = Counter()
        machine = _machine(db, runner, frozen_clock, pin_hash, outcomes)
        machine.TestCase.settings = settings(
            max_examples=explore or 30,
            stateful_step_count=60 if explore else 25,
            deadline=None,
            # Fixed sequences in CI (the coverage check below must not flake); `make explore` runs
            # fresh ones and prints what it reached.
            derandomize=not explore,
            # CI reports a failing sequence as found (at most 25 steps): shrinking replays it on the
            # shared database hundreds of times, past the test's timeout. `make explore` shrinks.
            phases=list(Phase) if explore else [Phase.explicit, Phase.reuse, Phase.generate],
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        try:
            machine.TestCase().runTest()
        finally:
            runner.run(db.dispose())
    if explore:
        print("\n".join(f"{count:6} {what}" for what, count in sorted(outcomes.items())))
        return
    refused = {what.rpartition(": ")[2] for what in outcomes}
    refused |= {
        code for what in outcomes if what.startswith("transfers race") for code in what[16:].split("+")
    }
    missing = [path for path in MUST_SUCCEED if not outcomes[path]]
    missing += [code for code in MUST_REFUSE if code not in refused]
    assert not missing, (missing, sorted(outcomes.items()))
