"""The ledger against a model: hypothesis drives random movements, the model predicts.

A `RuleBasedStateMachine` calls portal.wallet.operations (debit, credit, adjust,
refund_stake, reverse_credit) for 2 players x 2 currencies (EUR with 2 decimals, BTC with
8), one committed transaction per call as a request would, and keeps its own idea of every
balance and key in plain dicts. After every step the balances read from the database must
equal the model's and `wallet verify` must find nothing wrong.
"""

from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select

from portal.accounts.models import Player
from portal.extensions import db
from portal.money import format_amount, from_minor
from portal.wallet import operations as ops
from portal.wallet import queries, verify
from portal.wallet.errors import (
    AlreadyReversed,
    DuplicateMismatch,
    InsufficientFunds,
    TransactionVoided,
    WalletError,
)
from portal.wallet.models import Account, Entry, Transaction

SOURCE = "betcore"
CURRENCIES = ("EUR", "BTC")
PLAYERS = (0, 1)
REAL, BONUS = "real", "bonus"

# minor units: small amounts (so debits succeed) mixed with big ones (so they fail)
amounts = st.one_of(st.integers(1, 5_000), st.integers(1, 10**10))
players = st.sampled_from(PLAYERS)
currencies = st.sampled_from(CURRENCIES)


@dataclass
class Record:
    """One applied movement as the model remembers it; enough to send it again."""

    key: str
    kind: str  # debit | credit | adjust | refund | reversal
    player: int
    currency: str
    minor: int  # what the movement did to the player's balance (signed)
    tx_id: int
    account: str = REAL
    original: str | None = None  # refunds and reversals: the original's key
    cancelled_by: str | None = None  # debits and credits: the refund/reversal's key

    @property
    def source(self) -> str:
        return "admin" if self.kind == "adjust" else SOURCE


@dataclass
class Outcome:
    """What one call did, read before the commit/rollback expires the objects."""

    error: WalletError | None = None
    tx_id: int | None = None
    amount: int | None = None
    replayed: bool | None = None
    balance: object = None
    existing_key: str | None = None  # DuplicateMismatch / TransactionVoided
    existing_id: int | None = None
    reversal_key: str | None = None  # AlreadyReversed


def _outcome(call) -> Outcome:
    """Run one operation as a request does: commit on success, roll back on a domain error."""
    try:
        movement = call()
    except WalletError as exc:
        out = Outcome(error=exc)
        existing = getattr(exc, "existing", None)
        if existing is not None:
            out.existing_key, out.existing_id = existing.external_id, existing.id
        reversal = getattr(exc, "reversal", None)
        if reversal is not None:
            out.reversal_key = reversal.external_id
        db.session.rollback()
        return out
    out = Outcome(
        tx_id=movement.transaction.id,
        amount=movement.transaction.amount,
        replayed=movement.replayed,
        balance=movement.balance,
    )
    db.session.commit()
    return out


def _wallet_machine(player_ids: list[int]):
    class WalletMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            for model in (Entry, Transaction, Account):  # a fresh ledger per example
                db.session.execute(delete(model))
            db.session.commit()
            self.balance = {
                (p, c, k): 0 for p in PLAYERS for c in CURRENCIES for k in (REAL, BONUS)
            }
            self.records: dict[str, Record] = {}  # applied movements by key
            self.voided: dict[str, str] = {}  # original key -> the refund that voided it
            self.voided_owner: dict[str, tuple[int, str]] = {}
            self.counter = 0

        # --- helpers --------------------------------------------------------------------

        def fresh_key(self, prefix: str) -> str:
            self.counter += 1
            return f"{prefix}-{self.counter}"

        def player(self, index: int) -> Player:
            return db.session.get(Player, player_ids[index])

        def real(self, p: int, currency: str) -> int:
            return self.balance[(p, currency, REAL)]

        def send(self, record: Record, *, minor=None, player=None, kind=None, **changes):
            """Call the operation `record` came from, with optional changed parameters."""
            minor = record.minor if minor is None else minor
            account = changes.get("account", record.account)
            original = changes.get("original", record.original)
            who = self.player(record.player if player is None else player)
            kind = kind or record.kind
            cur = record.currency
            if kind == "debit":
                return lambda: ops.debit(
                    who, cur, format_amount(abs(minor), cur), source=SOURCE, external_id=record.key
                )
            if kind == "credit":
                return lambda: ops.credit(
                    who, cur, format_amount(abs(minor), cur), source=SOURCE, external_id=record.key
                )
            if kind == "adjust":
                text = ("-" if minor < 0 else "") + format_amount(abs(minor), cur)
                return lambda: ops.adjust(
                    who,
                    cur,
                    text,
                    reason="model test",
                    operator="hypothesis",
                    external_id=record.key,
                    account_kind=account,
                )
            cancel = ops.refund_stake if kind == "refund" else ops.reverse_credit
            return lambda: cancel(
                who,
                cur,
                source=SOURCE,
                external_id=record.key,
                original_external_id=original,
            )

        def expect_applied(self, out: Outcome, minor: int, p: int, currency: str):
            assert out.error is None, f"unexpected {out.error!r}"
            assert out.replayed is False
            assert out.amount == minor
            assert out.balance == from_minor(self.real(p, currency), currency)

        def originals(self, kind: str) -> list[str]:
            return sorted(k for k, r in self.records.items() if r.kind == kind)

        # --- new movements ----------------------------------------------------------------

        @rule(p=players, currency=currencies, minor=amounts)
        def debit(self, p, currency, minor):
            record = Record(self.fresh_key("stake"), "debit", p, currency, -minor, 0)
            out = _outcome(self.send(record))
            if minor > self.real(p, currency):
                assert isinstance(out.error, InsufficientFunds), out.error
                assert out.error.balance == from_minor(self.real(p, currency), currency)
                assert out.error.currency == currency
                return
            self.balance[(p, currency, REAL)] -= minor
            self.expect_applied(out, -minor, p, currency)
            record.tx_id = out.tx_id
            self.records[record.key] = record

        @rule(p=players, currency=currencies, minor=st.integers(0, 10**10))
        def credit(self, p, currency, minor):
            record = Record(self.fresh_key("win"), "credit", p, currency, minor, 0)
            out = _outcome(self.send(record))
            self.balance[(p, currency, REAL)] += minor
            self.expect_applied(out, minor, p, currency)
            record.tx_id = out.tx_id
            self.records[record.key] = record

        @rule(
            p=players,
            currency=currencies,
            account=st.sampled_from((REAL, BONUS)),
            minor=amounts,
            negative=st.booleans(),
        )
        def adjust(self, p, currency, account, minor, negative):
            signed = -minor if negative else minor
            record = Record(self.fresh_key("adj"), "adjust", p, currency, signed, 0, account)
            out = _outcome(self.send(record))
            held = self.balance[(p, currency, account)]
            if held + signed < 0:
                assert isinstance(out.error, InsufficientFunds), out.error
                assert out.error.balance == from_minor(held, currency)
                return
            self.balance[(p, currency, account)] += signed
            self.expect_applied(out, signed, p, currency)
            record.tx_id = out.tx_id
            self.records[record.key] = record

        @precondition(lambda self: any(self.balance[k] for k in self.balance if k[2] == REAL))
        @rule(data=st.data())
        def debit_affordable(self, data):
            """A stake the player can pay, up to the whole balance (which must end at 0)."""
            funded = sorted(k for k, v in self.balance.items() if v and k[2] == REAL)
            p, currency, _ = data.draw(st.sampled_from(funded))
            self.debit(p, currency, data.draw(st.integers(1, self.real(p, currency))))

        @rule(p=players, currency=currencies, extra=amounts)
        def debit_beyond_balance(self, p, currency, extra):
            held = self.real(p, currency)
            record = Record(self.fresh_key("stake"), "debit", p, currency, -(held + extra), 0)
            out = _outcome(self.send(record))
            assert isinstance(out.error, InsufficientFunds), out.error
            assert out.error.balance == from_minor(held, currency)
            assert out.error.currency == currency

        # --- the same key again -------------------------------------------------------------

        @precondition(lambda self: self.records)
        @rule(data=st.data())
        def repeat_same(self, data):
            record = self.records[data.draw(st.sampled_from(sorted(self.records)))]
            out = _outcome(self.send(record))
            assert out.error is None, f"a replay failed: {out.error!r}"
            assert out.replayed is True
            assert out.tx_id == record.tx_id
            assert out.amount == record.minor
            assert out.balance == from_minor(
                self.real(record.player, record.currency), record.currency
            )

        @precondition(lambda self: self.records)
        @rule(data=st.data(), change=st.sampled_from(("amount", "player", "kind")))
        def repeat_mismatched(self, data, change):
            record = self.records[data.draw(st.sampled_from(sorted(self.records)))]
            if record.kind in ("refund", "reversal"):
                if change == "player":  # the other player cannot cancel this player's original
                    call = self.send(record, player=1 - record.player)
                else:  # the same refund key for another (unknown) original
                    call = self.send(record, original=self.fresh_key("other"))
                out = _outcome(call)
                assert isinstance(out.error, DuplicateMismatch), out.error
                return
            if change == "amount":
                sign = -1 if record.minor < 0 else 1
                call = self.send(record, minor=record.minor + sign * data.draw(amounts))
            elif change == "player":
                call = self.send(record, player=1 - record.player)
            elif record.kind == "adjust":  # the same key on the other account (real/bonus)
                call = self.send(record, account=BONUS if record.account == REAL else REAL)
            else:  # the same key and amount, but a credit instead of a debit or vice versa
                other = "credit" if record.kind == "debit" else "debit"
                call = self.send(record, kind=other, minor=max(abs(record.minor), 1))
            out = _outcome(call)
            assert isinstance(out.error, DuplicateMismatch), out.error
            assert out.existing_id == record.tx_id

        # --- refunds and reversals ------------------------------------------------------------

        @precondition(lambda self: self.originals("debit"))
        @rule(data=st.data())
        def refund(self, data):
            stake = self.records[data.draw(st.sampled_from(self.originals("debit")))]
            self.cancel(stake, "refund")

        @precondition(lambda self: self.originals("credit"))
        @rule(data=st.data())
        def reverse(self, data):
            win = self.records[data.draw(st.sampled_from(self.originals("credit")))]
            self.cancel(win, "reversal")

        def cancel(self, original: Record, kind: str):
            p, cur = original.player, original.currency
            record = Record(self.fresh_key(kind), kind, p, cur, -original.minor, 0)
            record.original = original.key
            out = _outcome(self.send(record))
            if original.cancelled_by is not None:
                assert isinstance(out.error, AlreadyReversed), out.error
                assert out.reversal_key == original.cancelled_by
                return
            if self.real(p, cur) - original.minor < 0:
                assert isinstance(out.error, InsufficientFunds), out.error
                assert out.error.balance == from_minor(self.real(p, cur), cur)
                return
            self.balance[(p, cur, REAL)] -= original.minor
            self.expect_applied(out, -original.minor, p, cur)
            record.tx_id = out.tx_id
            original.cancelled_by = record.key
            self.records[record.key] = record

        @precondition(lambda self: self.originals("debit"))
        @rule(data=st.data())
        def refund_by_other_player(self, data):
            stake = self.records[data.draw(st.sampled_from(self.originals("debit")))]
            record = Record(
                self.fresh_key("refund"), "refund", 1 - stake.player, stake.currency, 0, 0
            )
            record.original = stake.key
            out = _outcome(self.send(record))
            assert isinstance(out.error, DuplicateMismatch), out.error
            assert out.existing_key == stake.key

        @rule(p=players, currency=currencies, kind=st.sampled_from(("refund", "reversal")))
        def cancel_unknown(self, p, currency, kind):
            """A refund before its stake: a zero refund, and the stake's key is void."""
            record = Record(self.fresh_key(kind), kind, p, currency, 0, 0)
            record.original = self.fresh_key("unseen")
            out = _outcome(self.send(record))
            self.expect_applied(out, 0, p, currency)
            record.tx_id = out.tx_id
            self.records[record.key] = record
            self.voided[record.original] = record.key
            self.voided_owner[record.original] = (p, currency, kind)

        @precondition(lambda self: self.voided)
        @rule(data=st.data(), kind=st.sampled_from(("debit", "credit")), minor=amounts)
        def late_original(self, data, kind, minor):
            key = data.draw(st.sampled_from(sorted(self.voided)))
            p, cur, _ = self.voided_owner[key]
            out = _outcome(self.send(Record(key, kind, p, cur, minor, 0)))
            assert isinstance(out.error, TransactionVoided), out.error
            assert out.existing_key == key

        @precondition(lambda self: self.voided)
        @rule(data=st.data())
        def cancel_voided_again(self, data):
            key = data.draw(st.sampled_from(sorted(self.voided)))
            p, cur, kind = self.voided_owner[key]
            record = Record(self.fresh_key(kind), kind, p, cur, 0, 0)
            record.original = key
            out = _outcome(self.send(record))
            assert isinstance(out.error, AlreadyReversed), out.error
            assert out.reversal_key == self.voided[key]
            other = "reversal" if kind == "refund" else "refund"  # a stake is not a payout
            wrong = Record(self.fresh_key(other), other, p, cur, 0, 0)
            wrong.original = key
            assert isinstance(_outcome(self.send(wrong)).error, DuplicateMismatch)

        # --- after every step -------------------------------------------------------------

        @invariant()
        def ledger_matches_model(self):
            db.session.rollback()  # read committed state only
            for p in PLAYERS:
                expected = [
                    queries.Balance(
                        c,
                        from_minor(self.balance[(p, c, REAL)], c),
                        from_minor(self.balance[(p, c, BONUS)], c),
                    )
                    for c in CURRENCIES
                ]
                assert queries.balances(self.player(p)) == expected
            assert verify.problems() == []
            applied = db.session.scalar(
                select(func.count()).where(Transaction.status == ops.APPLIED)
            )
            voided = db.session.scalar(select(func.count()).where(Transaction.status == ops.VOIDED))
            assert (applied, voided) == (len(self.records), len(self.voided))
            db.session.rollback()

    return WalletMachine


def test_ledger_follows_the_model(app, make_brand, make_player):
    brand = make_brand(name="Model Casino", currencies=("EUR", "BTC"))
    ids = [make_player(email=f"model{p}@example.com", brand=brand) for p in PLAYERS]
    with app.app_context():
        run_state_machine_as_test(
            _wallet_machine(ids),
            settings=settings(
                max_examples=40,
                stateful_step_count=25,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
