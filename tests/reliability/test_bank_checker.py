"""The bank's checker on small hand-made histories and ledgers: a sound one passes, and each
kind of anomaly the bank test hunts is found (so that a green bank run means something)."""

from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from tests.reliability.bank import checker, crm_poller, crm_truth
from tests.reliability.bank.crm_poller import Window
from tests.reliability.bank.crm_truth import moment
from tests.reliability.bank.history import (
    BETCORE,
    BETSY,
    BONUSES,
    COUPONS,
    OK,
    PAYMENTS,
    REFUSED,
    UNKNOWN,
    WITHDRAWALS,
    Op,
)
from tests.reliability.bank.ledger import Ledger, SportsRow, Tx
from tests.reliability.bank.world import Limits, Player, World

A, B = 1, 2
OPENING = 10_000


class Book:
    """A ledger written by hand: openings, then movements in order (one second apart)."""

    def __init__(self):
        self.ledger = Ledger()
        self.ids = 0
        self.clock = 1000.0
        self.real, self.bonus = defaultdict(int), defaultdict(int)
        for player in (A, B):
            self.tx("admin", f"opening:{player}", player, OPENING, "adjustment")

    def tx(self, source, key, player, amount, kind="stake", status="applied", *, bonus=0,
           reference=None) -> Tx:  # fmt: skip
        """`amount`: both legs (+ to the player); `bonus`: the part on the bonus balance."""
        self.ids += 1
        self.clock += 1
        self.real[player] += amount - bonus
        self.bonus[player] += bonus
        tx = Tx(
            self.ids,
            source,
            key,
            kind,
            status,
            player,
            amount,
            None if status == "voided" else self.real[player],
            self.clock,
            bonus if source != BONUSES and bonus else None,
            reference,
            self.real[player],
            self.bonus[player],
        )
        ledger = self.ledger
        ledger.txs[(source, key)] = tx
        ledger.by_id[tx.id] = tx
        ledger.history[player].append(tx)
        ledger.balances[player] = self.real[player] + self.bonus[player]
        if self.bonus[player] or player in ledger.bonus_balances:
            ledger.bonus_balances[player] = self.bonus[player]
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


def test_a_paid_out_withdrawal_keeps_its_money_and_a_failed_payout_returns_it():
    book = Book()
    book.tx(WITHDRAWALS, "withdrawal:9", A, -700, "withdrawal")
    asked = op(1, WITHDRAWALS, "ask", A, "9", amount=700, value={"id": 9})
    paid = op(2, WITHDRAWALS, "approve", A, "9", value={"status": "success"})
    assert checker.check([asked, paid], book.ledger, WORLD) == []
    book.tx(WITHDRAWALS, "withdrawal:9:return", A, 700, "withdrawal_return")
    assert "applied refusal" in checks([asked, paid], book)  # paid and returned
    failed = op(2, WITHDRAWALS, "approve", A, "9", value={"status": "fail"})
    failed.extra["key"] = "withdrawal:9:return"
    assert checker.check([asked, failed], book.ledger, WORLD) == []
    declined = op(2, WITHDRAWALS, "decline", A, "9", value={"status": "declined"})
    assert checker.check([asked, declined], book.ledger, WORLD) == []


def bonus_play(book: Book, *, cap_break=0, early_bonus=False, share=2000, left=0) -> list[Op]:
    """Player A claims BANKFIX1 (30.00, wagered 3 times, at most 15.00 converted), stakes
    all real money, then 10.00 of bonus money, wins 20.00 on it (to the bonus balance), and
    the next stake meets the wagering: 40.00 bonus left, 15.00 of it converted."""
    from tests.reliability.bank.ledger import Assignment

    book.tx(BONUSES, "bonus:1", A, 3000, "bonus", bonus=3000, reference="bonus:1")
    real = OPENING if not early_bonus else OPENING - 500  # (early: 5.00 real money left)
    first = book.tx(BETCORE, "20:-1", A, -real, reference="20")
    stake = book.tx(BETCORE, "21:-1", A, -1000, bonus=-1000, reference="21")
    win = book.tx(BETCORE, "21:1", A, 2000, "win", bonus=share, reference="21")
    book.ledger.casino_bets.update({"20": A, "21": A})
    converted = 1500 + cap_break
    book.tx(BONUSES, "bonus:1:close", A, -4000 - left, "bonus_forfeit", bonus=-4000 - left)
    book.tx(BONUSES, "bonus:1:convert", A, converted, "bonus_conversion")
    book.ledger.assignments.append(
        Assignment(1, A, "BANKFIX1", 3000, 9000, 11000, "completed", converted,
                   4000 + left - converted, None)
    )  # fmt: skip
    answer = {"PartnerTransactionId": 0, "Currency": "EUR"}
    return [
        op(1, BONUSES, "claim", A, "BANKFIX1", value=None),
        op(2, BETCORE, "make", A, 20, kind=-1, amount=real,
           value=answer | {"PartnerTransactionId": first.id, "Balance": "30.00"}),
        op(3, BETCORE, "make", A, 21, kind=-1, amount=1000,
           value=answer | {"PartnerTransactionId": stake.id, "Balance": "20.00"}),
        op(4, BETCORE, "make", A, 21, kind=1, amount=2000,
           value=answer | {"PartnerTransactionId": win.id, "Balance": "40.00"}),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("breaks", "found"),
    [
        ({}, set()),
        ({"cap_break": 100}, {"bonus"}),  # converted more than the maximum
        # bonus money staked while real money was left (the answers then differ as well)
        ({"early_bonus": True}, {"bonus", "reported balance"}),
        # a win on bonus money paid partly as real money (the close then overdraws)
        ({"share": 1500}, {"bonus", "negative"}),
        ({"left": 300}, {"bonus", "negative"}),  # the close took more than there was
    ],
)
def test_bonus_play_is_checked_to_the_rules(breaks, found):
    book = Book()
    ops = bonus_play(book, **breaks)
    anomalies = checker.check(ops, book.ledger, WORLD)
    assert {a.check for a in anomalies} == found, checker.render(anomalies)


def test_a_bonus_nobody_claimed_or_left_over_bonus_money_is_found():
    book = Book()
    ops = bonus_play(book)[1:]  # no claim
    assert "bonus" in checks(ops, book)
    book = Book()
    ops = bonus_play(book)
    book.tx(BETCORE, "22:1", A, 500, "win", bonus=500, reference="21")  # after the end
    assert "bonus" in checks(ops, book)  # bonus money without a bonus, and a wrong share


def test_two_bonuses_of_one_player_at_the_same_time_are_found():
    from dataclasses import replace

    from tests.reliability.bank.ledger import Assignment

    book = Book()
    ops = bonus_play(book)
    first = replace(book.ledger.assignments[0], created=1000.0, ended=1010.0)
    book.tx(BONUSES, "bonus:2", A, 3000, "bonus", bonus=3000, reference="bonus:2")
    second = Assignment(2, A, "BANKFIX2", 3000, 9000, 0, "active", 0, 0, None, 1020.0, None)
    book.ledger.assignments[:] = [first, second]
    ops.append(op(9, BONUSES, "claim", A, "BANKFIX2", value=None))
    assert checker.check(ops, book.ledger, WORLD) == []
    book.ledger.assignments[1] = replace(second, created=1005.0)  # before the first ended
    assert checks(ops, book) == {"bonus"}


# --- responsible-gambling limits --------------------------------------------------------------

LIMITED = World(
    [Player(A, OPENING, "ta", "ra")],
    Player(B, OPENING, "tb", "rb"),
    limits={A: Limits(loss_day=1000, stake=600, bets_day=3)},
)


def limit_checks(ops, book: Book) -> set[str]:
    return {anomaly.check for anomaly in checker.check(ops, book.ledger, LIMITED)}


def staked(book: Book, n: int, amount: int):
    tx = book.tx(BETCORE, f"{n}:-1", A, -amount)
    book.ledger.casino_bets[str(n)] = A
    return op(n, BETCORE, "make", A, n, kind=-1, amount=amount, value=stake_answer(tx))


def limit_refusal(n: int, amount: int, code: int, *, sent: float | None = None):
    refused = op(n, BETCORE, "make", A, n, kind=-1, amount=amount, outcome=REFUSED, code=code)
    refused.expected = frozenset({200, 103804, 103805, 103806})
    if sent is not None:
        refused.sent, refused.answered = sent, sent + 0.5
    return refused


def test_stakes_within_the_limits_and_refusals_they_explain_pass():
    book = Book()
    ops = [staked(book, 1, 500), staked(book, 2, 400)]  # lost 900 of 1000
    ops.append(limit_refusal(3, 200, 103805))  # 900 + 200 > 1000
    ops.append(limit_refusal(4, 601, 103804))
    assert limit_checks(ops, book) == set()


@pytest.mark.parametrize(
    "amounts",
    [
        [601],  # over the stake limit
        [600, 500],  # lost 1100 of 1000
        [100, 100, 100, 100],  # a fourth bet of three
    ],
)
def test_a_stake_that_crossed_a_limit_is_found(amounts):
    book = Book()
    ops = [staked(book, n, amount) for n, amount in enumerate(amounts, 1)]
    assert "limit" in limit_checks(ops, book)


def test_a_refusal_for_a_limit_the_player_was_within_is_found():
    book = Book()
    ops = [staked(book, 1, 100)]
    ops.append(limit_refusal(2, 100, 103805))  # lost 200 of 1000
    ops.append(limit_refusal(3, 600, 103804))  # exactly the stake limit
    ops.append(limit_refusal(4, 100, 103806))  # the second bet of three
    found = checker.check(ops, book.ledger, LIMITED)
    assert [a.check for a in found] == ["refused for a limit"] * 3


# --- the CRM feeds: what a poller received, window by window, against the database --------

T0 = datetime(2026, 1, 1, 12, 0, 0)
W1 = Window(0, T0, T0 + timedelta(seconds=2))
W2 = Window(1, W1.end, W1.end + timedelta(seconds=2))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def crm_run():
    """Two windows of 2 s: a wallet changed in both, a deposit asked in the first and paid
    in the second, a Betsy bet settled in the second, a game session played in both, and
    a withdrawal changed after the last window (not expected yet). (poll, truth)"""
    truth = crm_truth.Truth(T0, W2.end, {feed: {} for feed in crm_truth.KEYS})
    wallet = {"player_id": "1", "balance": "95.00", "modified_at": moment(at(3.5))}
    truth.put("wallets", "7", at(3.5), wallet)
    deposit = {"player_id": "1", "amount": "10.00", "status": "Success", "dir": "In"}
    truth.put("transactions", "deposit:5", at(2.0), {**deposit, "updated_at": moment(at(2.0))})
    truth.put("transactions", "withdrawal:3", at(4.2), {"status": "Success"})
    bet = {"status": "win", "win_amount": "9.00", "modified_at": moment(at(3))}
    truth.put("sports-bets", "betsy:x", at(3), bet)
    truth.actions["s1"] = [(at(0.5), "bet"), (at(1.0), "win"), (at(2.5), "bet")]
    session = {"bet_count": "2", "win_count": "1", "updated_at": moment(at(2.5))}
    truth.rows["casino-game-activity"]["s1"] = session

    poll = crm_poller.Poll(T0, 2, {feed: [] for feed in crm_truth.KEYS}, [W1, W2])

    def answer(feed, window, *rows):
        got = crm_poller.Answer(feed, window, "csv", [dict(row) for row in rows], 1, 0.5)
        poll.answers[feed].append(got)

    answer("wallets", W1, {"id": "7", **wallet, "balance": "100.00", "modified_at": moment(at(1))})
    answer("wallets", W2, {"id": "7", **wallet})
    answer("transactions", W1, {"id": "deposit:5", **deposit, "status": "New",
                                "updated_at": moment(at(0.2))})  # fmt: skip
    answer("transactions", W2, {"id": "deposit:5", **deposit, "updated_at": moment(at(2.0))})
    answer("transactions", W1, {"id": "withdrawal:3", "status": "New", "updated_at": moment(at(1))})
    answer("sports-bets", W1, {"id": "betsy:x", "status": "placed", "modified_at": moment(at(1))})
    answer("sports-bets", W2, {"id": "betsy:x", **bet})
    answer("casino-game-activity", W1, {"session_id": "s1", **session, "bet_count": "1"})
    answer("casino-game-activity", W2, {"session_id": "s1", **session})
    return poll, truth


def crm_checks(poll, truth) -> list[str]:
    return [anomaly.check for anomaly in checker.check_crm(poll, truth)]


def test_what_the_crm_received_in_its_windows_and_the_database_agree():
    assert crm_checks(*crm_run()) == []


def test_a_wallet_whose_last_exported_balance_differs_is_found():
    poll, truth = crm_run()
    poll.answers["wallets"][-1].rows[0]["balance"] = "96.00"
    assert crm_checks(poll, truth) == ["crm stale"]


def test_a_missed_deposit_is_found():
    poll, truth = crm_run()
    for answer in poll.answers["transactions"]:
        answer.rows = [row for row in answer.rows if row["id"] != "deposit:5"]
    assert crm_checks(poll, truth) == ["crm missed"]


def test_a_paid_deposit_that_reached_the_crm_only_as_asked_is_stale():
    poll, truth = crm_run()
    poll.answers["transactions"][1].rows = []  # the second window lost the payment
    assert crm_checks(poll, truth) == ["crm stale"]


def test_a_row_in_a_window_without_its_modification_time_or_twice_in_one_is_found():
    poll, truth = crm_run()
    settled = poll.answers["sports-bets"][1].rows[0]
    poll.answers["sports-bets"][0].rows = [dict(settled)]  # stamped at 3 s, received in W1
    poll.answers["wallets"][1].rows.append(dict(poll.answers["wallets"][1].rows[0]))
    assert sorted(crm_checks(poll, truth)) == ["crm twice", "crm window"]


def test_a_game_session_outside_its_actions_windows_or_missing_earlier_actions_is_found():
    poll, truth = crm_run()
    poll.answers["casino-game-activity"][1].rows[0]["bet_count"] = "1"  # 2 made before 4 s
    assert crm_checks(poll, truth) == ["crm window", "crm stale"]
    poll, truth = crm_run()
    truth.actions["s1"] = [(at(0.5), "bet"), (at(1.0), "win")]  # none in W2
    assert "crm window" in crm_checks(poll, truth)


def test_a_row_the_database_does_not_hold_and_an_unanswered_window_are_found():
    poll, truth = crm_run()
    stake = {"id": "movement:99", "updated_at": moment(at(1.5)), "status": "Success"}
    poll.answers["transactions"][0].rows.append(stake)  # a stake is no CRM transaction
    poll.errors.append("wallets #1: not answered after 3 tries (HTTP 503)")
    assert sorted(crm_checks(poll, truth)) == ["crm extra", "crm poll"]


def test_a_json_answer_reads_as_the_csv_writes_it_and_a_cut_answer_is_refused():
    csv_body = b"id,balance,active,note\r\n7,12.50,true,\r\n"
    json_body = b'[\n{"id": "7", "balance": 12.50, "active": true, "note": null}\n]\n'
    assert crm_poller.parse(csv_body, "csv") == crm_poller.parse(json_body, "json")
    with pytest.raises(ValueError):
        crm_poller.parse(json_body[:30], "json")
    with pytest.raises(ValueError):
        crm_poller.parse(csv_body[:-2], "csv")
