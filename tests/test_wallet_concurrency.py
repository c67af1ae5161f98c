"""Money movements racing for one wallet, in real parallel transactions on both databases.

Each thread is one request: its own application context (so its own session and
connection), one operation, one commit (or a rollback on a domain error). A barrier makes
the threads start at the same moment. Afterwards the balances are exact and `wallet verify`
passes.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from portal.accounts.models import Player
from portal.extensions import db
from portal.wallet import operations as ops
from portal.wallet import queries
from portal.wallet.errors import AlreadyReversed, InsufficientFunds, TransactionVoided, WalletError
from portal.wallet.models import Account, Transaction

SOURCE = "betcore"


@dataclass(frozen=True)
class Result:
    """One request's answer: the movement's transaction, or the error it raised."""

    error: str | None = None  # the exception's class name
    tx_id: int | None = None
    amount: int | None = None
    replayed: bool | None = None
    balance: Decimal | None = None  # after the movement, or carried by InsufficientFunds
    key: str | None = None  # the key an AlreadyReversed/TransactionVoided points at


def serve(app, player_id: int, operation, *args, **kwargs) -> Result:
    """Run one operation as a request would: its own session, one commit."""
    with app.app_context():
        try:
            movement = operation(db.session.get(Player, player_id), *args, **kwargs)
        except WalletError as exc:
            result = _error(exc)
            db.session.rollback()
            return result
        result = Result(
            tx_id=movement.transaction.id,
            amount=movement.transaction.amount,
            replayed=movement.replayed,
            balance=movement.balance,
        )
        db.session.commit()
        return result


def _error(exc: WalletError) -> Result:
    pointer = getattr(exc, "reversal", None) or getattr(exc, "existing", None)
    return Result(
        error=type(exc).__name__,
        balance=getattr(exc, "balance", None),
        key=pointer.external_id if pointer is not None else None,
    )


def race(calls) -> list:
    """Run each zero-argument call in its own thread, all released at the same moment.
    Anything but a wallet answer (e.g. 'database is locked', a deadlock) fails the test."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))  # re-raises a thread's unexpected exception


def fund(app, player_id: int, amount: str, currency: str = "EUR") -> None:
    with app.app_context():
        player = db.session.get(Player, player_id)
        ops.adjust(
            player, currency, amount, reason="test funds", operator="test", external_id="funds"
        )
        db.session.commit()


def real_balance(app, player_id: int, currency: str = "EUR") -> Decimal:
    with app.app_context():
        return queries.balance(db.session.get(Player, player_id), currency).real


def assert_ledger_ok(app) -> None:
    result = app.test_cli_runner().invoke(args=["wallet", "verify"])
    assert (result.exit_code, result.output) == (0, "ledger ok\n")


def count_keys(app, external_id: str) -> int:
    with app.app_context():
        query = select(func.count()).where(Transaction.external_id == external_id)
        return db.session.scalar(query)


# --- many debits on one wallet ----------------------------------------------------------------

THREADS, DEBITS_EACH = 20, 10


def test_concurrent_debits_never_overdraw(app, make_player):
    """20 threads x 10 debits of 1.00 on 100.00: exactly 100 succeed, in a strict sequence."""
    player = make_player()
    fund(app, player, "100.00")

    def worker(thread: int) -> list[Result]:
        return [
            serve(
                app, player, ops.debit, "EUR", "1.00", source=SOURCE, external_id=f"d{thread}-{n}"
            )
            for n in range(DEBITS_EACH)
        ]

    results = [r for batch in race([lambda t=t: worker(t) for t in range(THREADS)]) for r in batch]

    applied = [r for r in results if r.error is None]
    refused = [r for r in results if r.error is not None]
    assert len(applied) == 100
    assert {r.error for r in refused} == {"InsufficientFunds"}
    assert len(refused) == THREADS * DEBITS_EACH - 100
    assert all(r.balance == Decimal("0.00") for r in refused)  # only an empty wallet refuses
    assert not any(r.replayed for r in applied)
    # serialized: every balance from 99.00 down to 0.00 was seen exactly once
    assert sorted(r.balance for r in applied) == [Decimal(n) for n in range(100)]
    assert real_balance(app, player) == Decimal("0.00")
    assert_ledger_ok(app)


def test_concurrent_first_movements_create_one_account(app, make_player):
    """10 credits at once on a player without any account yet: one account, all 10 applied."""
    player = make_player()
    results = race(
        [
            lambda n=n: serve(
                app, player, ops.credit, "EUR", "2.50", source=SOURCE, external_id=f"w{n}"
            )
            for n in range(10)
        ]
    )
    assert [r.error for r in results] == [None] * 10
    assert sorted(r.balance for r in results) == [Decimal("2.50") * n for n in range(1, 11)]
    assert real_balance(app, player) == Decimal("25.00")
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Account.player_id == player)) == 1
    assert_ledger_ok(app)


# --- the same key at the same moment ------------------------------------------------------------

TWINS, ROUNDS = 10, 5


def debit_call(app, player: int, amount: str, key: str):
    return lambda: serve(app, player, ops.debit, "EUR", amount, source=SOURCE, external_id=key)


def cancel_call(app, player: int, operation, key: str, original: str):
    return lambda: serve(
        app, player, operation, "EUR", source=SOURCE, external_id=key, original_external_id=original
    )


# --- the same key at the same moment ------------------------------------------------------------


def test_duplicate_key_at_once_moves_money_once(app, make_player):
    """10 identical debits at once, 5 times: one transaction each, the rest replay it."""
    player = make_player()
    fund(app, player, "100.00")
    for round_ in range(ROUNDS):
        key = f"twin-{round_}"
        results = race([debit_call(app, player, "5.00", key)] * TWINS)
        assert [r.error for r in results] == [None] * TWINS
        assert sorted(r.replayed for r in results) == [False] + [True] * (TWINS - 1)
        assert len({r.tx_id for r in results}) == 1
        assert {r.amount for r in results} == {-500}
        assert count_keys(app, key) == 1
        assert real_balance(app, player) == Decimal("100.00") - Decimal("5.00") * (round_ + 1)
    assert_ledger_ok(app)


# --- refunds and reversals racing ----------------------------------------------------------------


def _one_winner(results: list[Result], keys: list[str]) -> Result:
    """Exactly one call succeeded; every other one says AlreadyReversed, pointing at it."""
    winners = [r for r in results if r.error is None]
    assert len(winners) == 1, results
    winner_key = keys[results.index(winners[0])]
    losers = {(r.error, r.key) for r in results if r.error is not None}
    assert losers == {(AlreadyReversed.__name__, winner_key)}
    return winners[0]


def test_concurrent_refunds_of_one_stake_refund_once(app, make_player):
    """10 refunds of one stake under 10 keys at once, 5 times: refunded exactly once."""
    player = make_player()
    fund(app, player, "50.00")
    for round_ in range(ROUNDS):
        stake = f"stake-{round_}"
        placed = debit_call(app, player, "10.00", stake)()
        assert (placed.error, placed.amount) == (None, -1000)
        keys = [f"refund-{round_}-{n}" for n in range(TWINS)]
        results = race([cancel_call(app, player, ops.refund_stake, k, stake) for k in keys])
        winner = _one_winner(results, keys)
        assert (winner.amount, winner.replayed, winner.balance) == (1000, False, Decimal("50.00"))
        assert real_balance(app, player) == Decimal("50.00")
    assert_ledger_ok(app)


def test_concurrent_refunds_of_an_unknown_stake(app, make_player):
    """Refunds of a stake never seen, at once: one zero refund voids it, the rest are refused,
    and the late stake is refused too."""
    player = make_player()
    fund(app, player, "20.00")
    for round_ in range(ROUNDS):
        stake = f"unseen-{round_}"
        keys = [f"refund-{round_}-{n}" for n in range(TWINS)]
        results = race([cancel_call(app, player, ops.refund_stake, k, stake) for k in keys])
        winner = _one_winner(results, keys)
        assert (winner.amount, winner.replayed) == (0, False)
        late = debit_call(app, player, "1.00", stake)()
        assert (late.error, late.key) == (TransactionVoided.__name__, stake)
        assert count_keys(app, stake) == 1
        assert real_balance(app, player) == Decimal("20.00")
    assert_ledger_ok(app)


STAKE_REFUND_ROUNDS = 20


def test_stake_racing_its_own_refund(app, make_player):
    """A vendor times out on a stake and refunds it while the stake is still in flight.
    Either the stake lands and the refund gives it back, or the refund voids the key and the
    stake is refused: the balance ends where it started, and neither request gets a
    database error."""
    player = make_player()
    fund(app, player, "20.00")
    for round_ in range(STAKE_REFUND_ROUNDS):
        stake, refund = f"stake-{round_}", f"refund-{round_}"
        stake_result, refund_result = race(
            [
                debit_call(app, player, "1.00", stake),
                cancel_call(app, player, ops.refund_stake, refund, stake),
            ]
        )
        if stake_result.error is None:  # the stake came first; the refund gives it back
            assert stake_result.amount == -100
            assert (refund_result.error, refund_result.amount) == (None, 100)
        else:  # the refund came first and voided the key
            assert (stake_result.error, stake_result.key) == (TransactionVoided.__name__, stake)
            assert (refund_result.error, refund_result.amount) == (None, 0)
        assert real_balance(app, player) == Decimal("20.00")
    assert_ledger_ok(app)


def test_concurrent_reversals_of_one_win(app, make_player):
    """10 reversals of one win under 10 keys at once, 5 times: reversed exactly once, and
    the others are told AlreadyReversed (as they are when they come one after another)."""
    player = make_player()
    for round_ in range(ROUNDS):
        win_key = f"win-{round_}"
        win = serve(app, player, ops.credit, "EUR", "30.00", source=SOURCE, external_id=win_key)
        assert (win.error, win.amount, win.balance) == (None, 3000, Decimal("30.00"))
        keys = [f"reversal-{round_}-{n}" for n in range(TWINS)]
        results = race([cancel_call(app, player, ops.reverse_credit, k, win_key) for k in keys])
        winner = _one_winner(results, keys)
        assert (winner.amount, winner.balance) == (-3000, Decimal("0.00"))
        assert real_balance(app, player) == Decimal("0.00")
    assert_ledger_ok(app)


def test_stakes_racing_a_reversal_never_overdraw(app, make_player):
    """A reversal of a 10.00 win and four 4.00 stakes compete for the same 10.00."""
    player = make_player()
    for round_ in range(ROUNDS):
        win_key = f"win-{round_}"
        win = serve(app, player, ops.credit, "EUR", "10.00", source=SOURCE, external_id=win_key)
        assert (win.error, win.balance) == (None, Decimal("10.00"))
        calls = [debit_call(app, player, "4.00", f"stake-{round_}-{n}") for n in range(4)]
        calls.append(cancel_call(app, player, ops.reverse_credit, f"reversal-{round_}", win_key))
        *stakes, reversal = race(calls)
        placed = [r for r in stakes if r.error is None]
        assert {r.error for r in stakes if r.error} <= {InsufficientFunds.__name__}
        if reversal.error is None:  # it came first: nothing left for the stakes
            assert (reversal.amount, placed) == (-1000, [])
            left = Decimal("0.00")
        else:  # a stake came first: two stakes fit, the reversal and two stakes are refused
            assert reversal.error == InsufficientFunds.__name__
            assert len(placed) == 2
            left = Decimal("2.00")
        assert real_balance(app, player) == left
        # empty the wallet for the next round, through the ledger
        if left:
            rest = serve(
                app, player, ops.debit, "EUR", "2.00", source=SOURCE, external_id=f"rest-{round_}"
            )
            assert (rest.error, rest.balance) == (None, Decimal("0.00"))
    assert_ledger_ok(app)
