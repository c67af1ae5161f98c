"""The solo player: one thread plays with it, request after request, so its balance is known
exactly at every step. Each request states the one answer it must get (the model knows
whether the money suffices) and the exact balance that answer must report.

Among its plays is issue 9's item 4: balance B -> place 10 -> settle won 15 -> place a bet
that leaves 5 -> rollback of the first bet. The net effect (-15 + 10) leaves exactly 0, so
the rollback must be answered, not refused with 21.
"""

from __future__ import annotations

import uuid

from tests.reliability.bank.history import OK, UNKNOWN, Op
from tests.reliability.bank.scenarios import (
    ENDS,
    FUNDS,
    JACKPOT,
    NEGATIVE,
    NO_MONEY,
    PAYOUT,
    PAYOUT_RETURN,
    RETURN,
    STAKE,
    SUCCESS,
    Abort,
)


class Solo:
    """The solo player's thread: the model balance, and the plays that keep it exact."""

    def __init__(self, client):
        self.client, self.v, self.rng = client, client.vendors, client.rng
        self.who = client.world.solo
        self.balance = self.who.opening  # cents, the model

    def play(self) -> None:
        """Issue 9's item 4 first (so that even a short run plays it), then at random."""
        plays = [self.casino_round, self.sports_bet, self.spent_then_rollback]
        play = self.spent_then_rollback
        try:
            while self.client.run.more():
                if self.balance < 5000:
                    self.cashback()
                play()
                play = self.rng.choice(plays)
        except ENDS:
            return  # the time is up, or an unknown outcome: the model is not exact any more

    def _send(self, call, *args, change: int, enough: bool, refusal: int, **fields) -> Op:
        """Send; it must succeed (moving `change`) if `enough`, else be refused `refusal`."""
        after = self.balance + change if enough else self.balance
        op = call(
            *args,
            expected={SUCCESS} if enough else {refusal},
            expect_balance=after,
            **fields,
        )
        if op.outcome == UNKNOWN:
            raise Abort
        if op.outcome == OK:
            self.balance += change
        return op

    def cashback(self) -> None:
        amount = self.rng.randint(5000, 20000)
        cashback_id = self.client.bet_id()
        self._send(
            self.v.cashback,
            self.who.id,
            cashback_id,
            amount,
            change=amount,
            enough=True,
            refusal=SUCCESS,
            scenario="solo cashback",
        )

    def casino_round(self) -> None:
        name, bet, stake = "solo casino", self.client.bet_id(), self.rng.randint(100, 3000)
        pid, make = self.who.id, self.v.make
        staked = self._send(
            make,
            pid,
            bet,
            STAKE,
            stake,
            change=-stake,
            enough=stake <= self.balance,
            refusal=FUNDS,
            scenario=name,
        )
        if staked.outcome != OK:
            return
        draw = self.rng.random()
        if draw < 0.6:
            win = 0 if self.rng.random() < 0.4 else self.rng.randint(stake, 3 * stake)
            self._send(
                make,
                pid,
                bet,
                PAYOUT,
                win,
                change=win,
                enough=True,
                refusal=SUCCESS,
                scenario=name,
            )
            if self.rng.random() < 0.3:
                took = self._send(
                    make,
                    pid,
                    bet,
                    PAYOUT_RETURN,
                    win,
                    change=-win,
                    enough=win <= self.balance,
                    refusal=FUNDS,
                    scenario=name,
                )
                if took.outcome == OK:
                    self._send(
                        make,
                        pid,
                        bet,
                        RETURN,
                        stake,
                        change=stake,
                        enough=True,
                        refusal=SUCCESS,
                        scenario=name,
                    )
        elif draw < 0.8:
            jackpot = self.rng.randint(1, 5000)
            self._send(
                make,
                pid,
                bet,
                JACKPOT,
                jackpot,
                change=jackpot,
                enough=True,
                refusal=SUCCESS,
                scenario=name,
            )
        else:
            self._send(
                make,
                pid,
                bet,
                RETURN,
                stake,
                change=stake,
                enough=True,
                refusal=SUCCESS,
                scenario=name,
            )

    def _place(self, tx: str, stake: int, name: str) -> bool:
        op = self._send(
            self.v.place,
            self.who,
            tx,
            stake,
            change=-stake,
            enough=stake <= self.balance,
            refusal=NO_MONEY,
            scenario=name,
        )
        return op.outcome == OK

    def _settle(self, tx: str, stake: int, payout: int, target: int, name: str) -> int:
        change = target - payout
        op = self._send(
            self.v.settle,
            self.who,
            tx,
            target,
            change=change,
            enough=self.balance + change >= 0,
            refusal=NEGATIVE,
            scenario=name,
            extra={"payout": payout, "stake": stake, "target": target},
        )
        return target if op.outcome == OK else payout

    def _rollback(self, tx: str, stake: int, payout: int, name: str) -> bool:
        change = stake - payout
        op = self._send(
            self.v.rollback,
            self.who,
            tx,
            change=change,
            enough=self.balance + change >= 0,
            refusal=NEGATIVE,
            scenario=name,
            extra={"payout": payout, "stake": stake, "target": 0},
        )
        return op.outcome == OK

    def sports_bet(self) -> None:
        name, tx, stake = "solo sports", str(uuid.uuid4()), self.rng.randint(100, 3000)
        if not self._place(tx, stake, name):
            return
        payout = 0
        for _ in range(self.rng.randint(1, 3)):
            target = 0 if self.rng.random() < 0.4 else self.rng.randint(stake, 3 * stake)
            payout = self._settle(tx, stake, payout, target, name)
            if self.rng.random() < 0.3:
                self.v.check(
                    self.who,
                    tx,
                    expected={SUCCESS},
                    expect_payout=payout,
                    scenario=name,
                    extra={"stake": stake},
                )
        if self.rng.random() < 0.4:
            self._rollback(tx, stake, payout, name)

    def spent_then_rollback(self) -> None:
        """Issue 9 item 4: a rollback after a won settle, the payout since spent."""
        name = "solo rollback after spending the win"
        first, stake, payout = str(uuid.uuid4()), 1000, 1500
        if self.balance < stake or not self._place(first, stake, name):
            return
        self._settle(first, stake, 0, payout, name)
        drain, left = str(uuid.uuid4()), 500
        spend = self.balance - left
        if spend <= 0 or not self._place(drain, spend, name):
            return
        self._rollback(first, stake, payout, name)  # leaves exactly 0: must be answered
        self._settle(drain, spend, 0, spend, name)  # the second bet pays its stake back
