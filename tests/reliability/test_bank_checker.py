"""The bank's checker on small hand-made histories and ledgers: a sound one passes, and each
kind of anomaly the bank test hunts is found (so that a green bank run means something)."""

from collections import defaultdict

import pytest

from tests.reliability.bank import checker
from tests.reliability.bank.history import (
    BETCORE,
    BETSY,
    COUPONS,
    OK,
    PAYMENTS,
    REFUSED,
    UNKNOWN,
    WITHDRAWALS,
    Op,
)
from tests.reliability.bank.ledger import Ledger, SportsRow, Tx
from tests.reliability.bank.world import Player, World

A, B = 1, 2
OPENING = 10_000


class Book:
    """A ledger written by hand: openings, then movements in order (one second apart)."""

    def __init__(self):
        self.ledger = Ledger()
        self.ids = 0
        self.clock = 1000.0
        self.balance = defaultdict(int)
        for player in (A, B):
            self.tx("admin", f"opening:{player}", player, OPENING, "adjustment")

    def tx(self, source, key, player, amount, kind="stake", status="applied") -> Tx:
        self.ids += 1
        self.clock += 1
        self.balance[player] += amount
        tx = Tx(
            self.ids,
            source,
            key,
            kind,
            status,
            player,
            amount,
            None if status == "voided" else self.balance[player],
            self.clock,
        )
        ledger = self.ledger
        ledger.txs[(source, key)] = tx
        ledger.by_id[tx.id] = tx
        ledger.history[player].append(tx)
        ledger.balances[player] = self.balance[player]
        house = f"house:{source}"
        ledger.by_owner[house] = ledger.by_owner.get(house, 0) - amount
        return tx


WORLD = World([Player(A, OPENING, "ta", "ra")], Player(B, OPENING, "tb", "rb"))


def op(n, door, action, player, bet, *, kind=None, amount=None, outcome=OK, code=200, **more):
    fields = {"expected": {200}, "sent": 1000.0 + n, "answered": 1000.5 + n, "attempts": 1}
    return Op(
        id=n,
        thread="t",
        door=door,
        action=action,
        player=player,
        bet=str(bet),
        kind=kind,
        amount=amount,
        outcome=outcome,
        code=code,
        **{**fields, **more},
    )


def stake_answer(tx: Tx) -> dict:
    return {
        "PartnerTransactionId": tx.id,
        "Balance": f"{tx.balance_after / 100:.2f}",
        "Currency": "EUR",
    }


def checks(ops, book: Book) -> set[str]:
    return {anomaly.check for anomaly in checker.check(ops, book.ledger, WORLD)}


def test_a_sound_history_passes():
    book = Book()
    stake = book.tx(BETCORE, "10:-1", A, -500)
    win = book.tx(BETCORE, "10:1", A, 1200, "win")
    placed = book.tx(BETSY, "x:bet", B, -300)
    book.tx(BETSY, "x:settle:1", B, 900, "win")
    book.ledger.sports_bets["x"] = SportsRow(B, 300, 900, "won")
    book.ledger.casino_bets["10"] = A
    ops = [
        op(1, BETCORE, "make", A, 10, kind=-1, amount=500, value=stake_answer(stake)),
        op(2, BETCORE, "make", A, 10, kind=1, amount=1200, value=stake_answer(win)),
        op(3, BETSY, "place", B, "x", amount=300, value={"amount": placed.balance_after / 100}),
        op(
            4,
            BETSY,
            "settle",
            B,
            "x",
            kind=2,
            amount=900,
            value={"amount": 106},
            extra={"target": 900, "payout": 0, "stake": 300},
        ),
    ]
    assert checker.check(ops, book.ledger, WORLD) == []


def test_an_acknowledged_stake_missing_from_the_ledger_is_lost_money():
    book = Book()
    assert {"lost", "balance"} <= checks(
        [op(1, BETCORE, "make", A, 10, kind=-1, amount=500, value={"PartnerTransactionId": 9})],
        book,
    )


def test_a_refused_request_that_moved_money():
    book = Book()
    book.tx(BETCORE, "10:-1", A, -500)
    refused = op(1, BETCORE, "make", A, 10, kind=-1, amount=500, outcome=REFUSED, code=103802)
    refused.expected = frozenset({200, 103802})
    assert "applied refusal" in checks([refused], book)


def test_a_payout_on_another_players_bet():
    """Issue 9 item 1: A's stake and B's payout on one BetId, both acknowledged."""
    book = Book()
    stake = book.tx(BETCORE, "10:-1", A, -500)
    payout = book.tx(BETCORE, "10:1", B, 1000, "win")
    book.ledger.casino_bets["10"] = A
    ops = [
        op(
            1,
            BETCORE,
            "make",
            A,
            10,
            kind=-1,
            amount=500,
            value=stake_answer(stake),
            group="r",
            exclusive=True,
        ),
        op(
            2,
            BETCORE,
            "make",
            B,
            10,
            kind=1,
            amount=1000,
            value=stake_answer(payout),
            group="r",
            exclusive=True,
        ),
    ]
    assert {"race", "one bet, two players"} <= checks(ops, book)


def test_twins_answered_with_two_transactions():
    book = Book()
    stake = book.tx(BETCORE, "10:-1", A, -500)
    other = {**stake_answer(stake), "PartnerTransactionId": stake.id + 100}
    ops = [
        op(1, BETCORE, "make", A, 10, kind=-1, amount=500, value=stake_answer(stake)),
        op(2, BETCORE, "make", A, 10, kind=-1, amount=500, value=other),
    ]
    assert "answer" in checks(ops, book)


def test_a_movement_for_the_wrong_amount_and_player():
    book = Book()
    stake = book.tx(BETCORE, "10:-1", B, -700)
    ops = [op(1, BETCORE, "make", A, 10, kind=-1, amount=500, value=stake_answer(stake))]
    assert {"wrong player", "amount", "balance"} <= checks(ops, book)


def test_money_from_nowhere_breaks_the_zero_sum():
    book = Book()
    book.ledger.by_owner["house:betcore"] = 5
    book.ledger.entries_total = 5
    assert "zero-sum" in checks([], book)


def test_a_rollback_refused_although_the_balance_covered_it():
    """Issue 9 item 4: stake 10, won 15, balance 5 left: the rollback's net -5 fits."""
    book = Book()
    book.tx(BETSY, "x:bet", B, -1000)
    book.tx(BETSY, "x:settle:1", B, 1500, "win")
    book.tx(BETSY, "y:bet", B, -(OPENING + 500 - 500))
    book.ledger.sports_bets["x"] = SportsRow(B, 1000, 1500, "won")
    refused = op(
        20,
        BETSY,
        "rollback",
        B,
        "x",
        kind=3,
        outcome=REFUSED,
        code=21,
        expected={200},
        extra={"payout": 1500, "stake": 1000, "target": 0},
    )
    refused.sent = refused.answered = book.clock + 5
    found = checks([refused], book)
    assert {"unexpected answer", "refused for money"} <= found


def test_settle_movements_that_no_settle_asked_for():
    book = Book()
    book.tx(BETSY, "x:bet", A, -300)
    book.tx(BETSY, "x:settle:1", A, 900, "win")
    book.tx(BETSY, "x:settle:2", A, 900, "win")  # a second credit: paid twice
    book.ledger.sports_bets["x"] = SportsRow(A, 300, 1800, "won")
    ops = [
        op(1, BETSY, "place", A, "x", amount=300, value={"amount": 97}),
        op(
            2,
            BETSY,
            "settle",
            A,
            "x",
            kind=2,
            amount=900,
            value={"amount": 106},
            extra={"target": 900},
        ),
        op(
            3,
            BETSY,
            "settle",
            A,
            "x",
            kind=2,
            amount=900,
            value={"amount": 106},
            extra={"target": 900},
        ),
    ]
    assert "settlement" in checks(ops, book)


@pytest.mark.parametrize(
    ("states", "outcomes", "follows"),
    [
        ([0, 900, 0, 900], [OK, OK, OK], True),  # won, lost, won
        ([0, 900], [OK, OK, OK], False),  # won, lost acknowledged: the 0 is missing
        ([0, 900], [OK, UNKNOWN, REFUSED], True),  # the lost one may not have landed
        ([0, 900, 0], [OK, UNKNOWN, REFUSED], True),  # ... or it may have
        ([0, 900, 0, 900], [OK, REFUSED, OK], False),  # a refused one moved money
    ],
)
def test_settle_chains_follow_the_requests_in_order(states, outcomes, follows):
    targets = [900, 0, 900]
    steps = [
        op(n, BETSY, "settle", A, "x", kind=2, amount=t, outcome=o, extra={"target": t})
        for n, (t, o) in enumerate(zip(targets, outcomes, strict=True))
    ]
    assert checker.Checker._follows(states, steps) is follows


def test_accepts_missing_or_different_are_found():
    book = Book()
    stake = book.tx(BETCORE, "10:-1", A, -500)
    win = book.tx(BETCORE, "10:1", A, 1200, "win")
    good = {
        "BetId": 10,
        "TransactionType": -1,
        "PartnerTransactionId": stake.id,
        "Amount": "5.00",
        "TaxAmount": "0.00",
        "Currency": "EUR",
        "ErrorCode": 200,
    }
    accepts = [{"kind": "payment", "body": good, "authorized": True, "status": 200}] * 2
    found = checker.check_accepts(book.ledger, accepts)
    assert [a.txs for a in found] == [[win]]  # the payout was never confirmed
    wrong = {**good, "Amount": "6.00"}
    accepts.append({"kind": "payment", "body": wrong, "authorized": True, "status": 200})
    assert any("differ" in a.text for a in checker.check_accepts(book.ledger, accepts))


def slip_placement(n, outcome, bet, slip="slip-key-a"):
    value = {"id": 7, "state": "Open", "barcode": None} if outcome == OK else None
    return op(
        n, COUPONS, "place", A, bet, amount=500, outcome=outcome, value=value, extra={"slip": slip}
    )


def test_a_lost_slip_answer_is_explained_by_its_coupon():
    """The answer of a slip placement was lost (a kill): its stake is the coupon of its
    slip key; the same movement with no such coupon is money no request explains."""
    book = Book()
    book.tx(COUPONS, "7:stake", A, -500)
    book.ledger.coupons["coupon:7"] = (A, 0)
    book.ledger.slips[(A, "slip-key-a")] = "coupon:7"
    assert checker.check([slip_placement(1, UNKNOWN, "slip")], book.ledger, WORLD) == []
    assert checker.check([slip_placement(1, OK, "coupon:7")], book.ledger, WORLD) == []
    del book.ledger.slips[(A, "slip-key-a")]
    assert {"balance", "unexplained"} <= checks([slip_placement(1, UNKNOWN, "slip")], book)


def test_a_slip_answered_with_another_coupon_than_its_own():
    book = Book()
    book.tx(COUPONS, "7:stake", A, -500)
    book.ledger.coupons["coupon:7"] = (A, 0)
    book.ledger.slips[(A, "slip-key-b")] = "coupon:7"
    assert "idempotency" in checks([slip_placement(1, OK, "coupon:7")], book)


def deposit_callback(n, status, *, outcome=OK, player=A, reference="DREF"):
    return op(
        n, PAYMENTS, "callback", player, reference, amount=700, outcome=outcome,
        value={"result": "ok"}, extra={"status": status, "tx": "T1"},
    )  # fmt: skip


def test_a_deposit_is_credited_by_its_success_callback_only():
    book = Book()
    book.ledger.deposits["DREF"] = (5, A, "success")
    ops = [deposit_callback(1, "pending"), deposit_callback(2, "success")]
    assert checks(ops, book) >= {"lost", "balance"}  # acknowledged, never credited
    book.tx(PAYMENTS, "deposit:5", A, 700, "deposit")
    assert checker.check(ops, book.ledger, WORLD) == []
    assert "unexplained" in checks([deposit_callback(1, "pending")], book)  # no success
    book.ledger.deposits["DREF"] = (5, B, "success")
    assert "wrong player" in checks(ops, book)


def test_a_withdrawal_whose_answer_was_lost_is_found_by_player_and_amount():
    book = Book()
    book.tx(WITHDRAWALS, "withdrawal:9", A, -700, "withdrawal")
    asked = op(1, WITHDRAWALS, "ask", A, "withdrawal", amount=700, outcome=UNKNOWN, value=None)
    assert checker.check([asked], book.ledger, WORLD) == []
    assert asked.bet == "9"
    other = op(1, WITHDRAWALS, "ask", A, "withdrawal", amount=500, outcome=UNKNOWN, value=None)
    assert {"unexplained", "balance"} <= checks([other], book)  # another amount: unexplained
    cancel = op(2, WITHDRAWALS, "cancel", A, "9", value=None)
    acknowledged = op(1, WITHDRAWALS, "ask", A, "9", amount=700, value={"id": 9})
    assert "lost" in checks([acknowledged, cancel], book)  # the return is missing
    book.tx(WITHDRAWALS, "withdrawal:9:return", A, 700, "withdrawal_return")
    assert checker.check([acknowledged, cancel], book.ledger, WORLD) == []
