"""What the client threads do with the shared players: short scripts of vendor calls that
collide with each other's, in orders valid and invalid.

Each request states the answers the protocol allows at that point (`expected`): a stake may
be refused for want of money, a payout after a stake may not; a return before the stake is
answered, the stake that follows is refused. A bet's requests come from one thread in
order, except where a scenario sends two at the same moment on purpose (twins: the same
request twice; races: two players on one bet id; crossed make-list batches). A request
whose outcome stays unknown ends its scenario, since the bet's state is no longer known.
"""

from __future__ import annotations

import uuid

from tests.reliability.bank.clients import FAILING_CARD, MASKED_CARD, Overtime, together
from tests.reliability.bank.history import OK, UNKNOWN, Op
from tests.reliability.bank.world import SeededCoupon

# BETCORE's codes
SUCCESS, FUNDS, MISMATCH, CANCELLED, PAID, AMOUNT = 200, 103802, 102823, 102825, 102826, 103801
STAKE, PAYOUT, RETURN, PAYOUT_RETURN, JACKPOT = -1, 1, 2, -2, 4
# the calculation service's result statuses, and the results door's refusal
COUPON_WON, COUPON_RETURNED, COUPON_LOST, COUPON_REFUSED = 2, 3, 4, "refused"
COUPON_FUNDS = "funds"  # the slip refused the stake for want of money
CONFLICT = 409  # a payment callback refused: a mismatch, or out of order
# Betsy's codes
NO_MONEY, PROCESSED, VALIDATION, RECALC_BLOCKED, NEGATIVE = 7, 8, 5, 20, 21

TWINS, RETRIED = 0.12, 0.08  # how often a request is doubled at once, or resent
TWINS_GROUP, RESENT_GROUP = "twins-", "resent-"


class Abort(Exception):
    """An outcome stayed unknown: the scenario cannot know the bet's state any more."""


ENDS = (Abort, Overtime)  # what ends a scenario early


def representative(ops: list[Op]) -> Op:
    """What a vendor concludes from copies of one request: success if any succeeded."""
    if any(op.outcome == UNKNOWN for op in ops):
        raise Abort
    return next((op for op in ops if op.outcome == OK), ops[0])


class Scenarios:
    """The scenarios of one client thread (`client` gives vendors, rng, ids, players)."""

    def __init__(self, client):
        self.client, self.v, self.rng = client, client.vendors, client.rng

    # --- helpers -------------------------------------------------------------------------

    def pick(self):
        return self.rng.choice(self.client.world.players)

    def pick_two(self):
        return self.rng.sample(self.client.world.players, 2)

    def stake(self) -> int:
        return self.rng.randint(100, 2500)

    def win(self, stake: int) -> int:
        """A payout: lost half the time, else 1.2 to 2.6 times the stake. Returning about
        95 % of the stakes, the balances drift down to where debits get refused, so that
        concurrent debits race for the last money."""
        return 0 if self.rng.random() < 0.5 else int(stake * self.rng.uniform(1.2, 2.6))

    def send(self, call, *args, **fields) -> Op:
        """One request; sometimes sent twice at the same moment (twins: if both succeed, with
        one transaction), sometimes resent after its answer (a vendor's retry: once
        acknowledged, acknowledged again alike)."""
        draw = self.rng.random()
        if draw < TWINS:
            group = f"{TWINS_GROUP}{self.client.next_id()}"
            ops = together(
                *(lambda s: call(*args, session=s, group=group, **fields) for _ in range(2))
            )
        elif draw < TWINS + RETRIED:
            group = f"{RESENT_GROUP}{self.client.next_id()}"
            first = call(*args, group=group, **fields)
            resent = call(*args, group=group, **fields) if first.outcome != UNKNOWN else None
            ops = [first, resent] if resent else [first]
        else:
            ops = [call(*args, **fields)]
        return representative(ops)

    # --- BETCORE -------------------------------------------------------------------------

    def casino_round(self):
        """A stake, then a payout (won or lost), a jackpot, a return, a payout return, in
        the orders BETCORE sends them, and some it should not."""
        name = "casino round"
        player, bet, stake = self.pick().id, self.client.bet_id(), self.stake()
        try:
            staked = self.send(
                self.v.make, player, bet, STAKE, stake, expected={SUCCESS, FUNDS}, scenario=name
            )
        except Abort:  # BETCORE returns a stake it got no answer for
            self.v.make(player, bet, RETURN, stake, expected={SUCCESS}, scenario=name)
            raise
        if staked.outcome != OK:
            return
        make = self.v.make
        path = self.rng.random()
        if path < 0.1:  # another player's payout on this bet: refused
            other = next(p for p in self.client.world.players if p.id != player)
            make(other.id, bet, PAYOUT, stake, expected={MISMATCH}, scenario=name + ": intruder")
        if path < 0.55:
            win = self.win(stake)
            self.send(make, player, bet, PAYOUT, win, expected={SUCCESS}, scenario=name)
            after = self.rng.random()
            if after < 0.25:
                took = self.send(
                    make,
                    player,
                    bet,
                    PAYOUT_RETURN,
                    win,
                    expected={SUCCESS, FUNDS},
                    scenario=name,
                )
                if took.outcome == OK and self.rng.random() < 0.5:
                    self.send(make, player, bet, RETURN, stake, expected={SUCCESS}, scenario=name)
            elif after < 0.4:  # a return while the payout stands
                expected = {PAID} if win else {SUCCESS}
                self.send(make, player, bet, RETURN, stake, expected=expected, scenario=name)
        elif path < 0.7:
            jackpot = self.rng.randint(1, 5000)
            self.send(make, player, bet, JACKPOT, jackpot, expected={SUCCESS}, scenario=name)
            self.send(make, player, bet, PAYOUT, self.win(stake), expected={SUCCESS}, scenario=name)
        elif path < 0.85:
            self.send(make, player, bet, RETURN, stake, expected={SUCCESS}, scenario=name)
            if self.rng.random() < 0.4:  # a payout after the return: refused
                make(player, bet, PAYOUT, stake, expected={CANCELLED}, scenario=name)
        else:  # invalid repeats: another amount for the return, for the stake
            make(player, bet, RETURN, stake + 1, expected={AMOUNT}, scenario=name)
            make(player, bet, STAKE, stake + 1, expected={MISMATCH}, scenario=name)
            self.send(make, player, bet, RETURN, stake, expected={SUCCESS}, scenario=name)

    def early_cancels(self):
        """A return before its stake (the late stake is refused); a payout return before its
        payout (the late payout is refused)."""
        name = "early cancel"
        player, bet, amount = self.pick().id, self.client.bet_id(), self.stake()
        make = self.v.make
        if self.rng.random() < 0.5:
            self.send(make, player, bet, RETURN, amount, expected={SUCCESS}, scenario=name)
            self.send(make, player, bet, STAKE, amount, expected={CANCELLED}, scenario=name)
            make(player, bet, PAYOUT, amount, expected={CANCELLED}, scenario=name)
            return
        staked = self.send(
            make, player, bet, STAKE, amount, expected={SUCCESS, FUNDS}, scenario=name
        )
        if staked.outcome != OK:
            return
        self.send(make, player, bet, PAYOUT_RETURN, amount, expected={SUCCESS}, scenario=name)
        make(player, bet, PAYOUT, amount, expected={CANCELLED}, scenario=name)
        self.send(make, player, bet, RETURN, amount, expected={SUCCESS}, scenario=name)

    def bet_id_race(self):
        """Two players on one new BetId at the same moment: A's stake and B's payout (or
        both stakes). The bet is one player's: at most one of them may succeed."""
        name, (a, b), bet = "bet id race", self.pick_two(), self.client.bet_id()
        stake, group = self.stake(), f"race-{bet}"
        if self.rng.random() < 0.7:  # B's payout
            kind_b, expected_b = PAYOUT, {SUCCESS, MISMATCH}
        else:  # B's stake
            kind_b, expected_b = STAKE, {SUCCESS, FUNDS, MISMATCH}
        common = {"scenario": name, "group": group, "exclusive": True}
        first, other = together(
            lambda s: self.v.make(
                a.id, bet, STAKE, stake, session=s, expected={SUCCESS, FUNDS, MISMATCH}, **common
            ),
            lambda s: self.v.make(
                b.id, bet, kind_b, stake * 2, session=s, expected=expected_b, **common
            ),
        )
        representative([first, other])
        if first.outcome == OK and other.outcome != OK:
            win = self.win(stake)
            self.send(self.v.make, a.id, bet, PAYOUT, win, expected={SUCCESS}, scenario=name)

    def crossed_batches(self):
        """Two make-list batches at once, with stakes of players [A, B] and [B, A]; then
        their payouts, crossed the same way."""
        name, (a, b) = "crossed batches", self.pick_two()
        players = [a.id, b.id, b.id, a.id]
        items = [
            {"player": p, "bet": self.client.bet_id(), "kind": STAKE, "amount": self.stake()}
            for p in players
        ]
        for item in items:
            item["expected"] = {SUCCESS, FUNDS}
        group = f"batches-{items[0]['bet']}"
        first, second = together(
            lambda s: self.v.make_list(items[:2], session=s, scenario=name, group=group),
            lambda s: self.v.make_list(items[2:], session=s, scenario=name, group=group + "b"),
        )
        representative(first + second)
        batches = []
        for ops in (first, second):
            payouts = [
                {
                    "player": op.player,
                    "bet": int(op.bet),
                    "kind": PAYOUT,
                    "amount": self.win(op.amount),
                    "expected": {SUCCESS},
                }
                for op in ops
                if op.outcome == OK
            ]
            if payouts:
                batches.append(payouts)
        if not batches:
            return
        group += "p"
        together(
            *(
                lambda s, batch=batch: self.v.make_list(
                    batch, session=s, scenario=name + ": payouts", group=group
                )
                for batch in batches
            )
        )

    def cashback(self):
        """A cashback, sometimes repeated with another amount or for another player (both
        refused: the CashbackId is taken)."""
        name, (player, other) = "cashback", self.pick_two()
        cashback_id, amount = self.client.bet_id(), self.rng.randint(50, 1000)
        self.send(
            self.v.cashback, player.id, cashback_id, amount, expected={SUCCESS}, scenario=name
        )
        draw = self.rng.random()
        if draw < 0.15:
            self.v.cashback(player.id, cashback_id, amount + 1, expected={MISMATCH}, scenario=name)
        elif draw < 0.3:
            self.v.cashback(other.id, cashback_id, amount, expected={MISMATCH}, scenario=name)

    # --- Betsy ---------------------------------------------------------------------------

    def sports_bet(self):
        """A bet, then settles, corrections (won -> lost -> won), unsettles, checks, an
        intruder's settle, and sometimes a rollback (also after a won settle)."""
        name, who, tx, stake = "sports bet", self.pick(), str(uuid.uuid4()), self.stake()
        placed = self.send(
            self.v.place, who, tx, stake, expected={SUCCESS, NO_MONEY}, scenario=name
        )
        if placed.outcome != OK:
            return
        payout = 0
        for _ in range(self.rng.randint(1, 4)):
            draw = self.rng.random()
            if draw < 0.45:
                payout = self.settle(who, tx, stake, payout, self.win(stake), name)
            elif draw < 0.6:  # a corrected result: won, lost, won again
                win = max(self.win(stake), 100)
                for target in (win, 0, win):
                    payout = self.settle(who, tx, stake, payout, target, name + ": correction")
            elif draw < 0.7:
                unsettled = self.send(
                    self.v.unsettle,
                    who,
                    tx,
                    expected={SUCCESS} if payout == 0 else {SUCCESS, NEGATIVE},
                    scenario=name,
                    extra={"payout": payout, "target": 0},
                )
                payout = 0 if unsettled.outcome == OK else payout
            elif draw < 0.8:
                intruder = next(p for p in self.client.world.players if p.id != who.id)
                self.v.settle(
                    intruder, tx, stake, expected={VALIDATION}, scenario=name + ": intruder"
                )
            else:
                self.check(who, tx, stake, payout, name)
        if self.rng.random() < 0.4 and self.rollback(who, tx, stake, payout, name):
            after = self.rng.random()
            if after < 0.3:
                self.v.settle(who, tx, stake, expected={RECALC_BLOCKED}, scenario=name)
            elif after < 0.6:
                self.check(who, tx, stake, 0, name)

    def settle(self, who, tx, stake, payout, target, name) -> int:
        """Settle to `target`; the bet's payout afterwards. Lowering a payout may be refused
        for want of money (21); raising it may not."""
        op = self.send(
            self.v.settle,
            who,
            tx,
            target,
            expected={SUCCESS} if target >= payout else {SUCCESS, NEGATIVE},
            scenario=name,
            extra={"payout": payout, "stake": stake, "target": target},
        )
        return target if op.outcome == OK else payout

    def rollback(self, who, tx, stake, payout, name) -> bool:
        """Refund the stake, taking the payout back: refused (21) only if the net effect
        (stake - payout) would leave the balance negative."""
        op = self.send(
            self.v.rollback,
            who,
            tx,
            expected={SUCCESS} if stake >= payout else {SUCCESS, NEGATIVE},
            scenario=name + ": rollback",
            extra={"payout": payout, "stake": stake, "target": 0},
        )
        return op.outcome == OK

    def check(self, who, tx, stake, payout, name) -> None:
        self.v.check(
            who,
            tx,
            expected={SUCCESS},
            scenario=name,
            expect_payout=payout,
            extra={"stake": stake},
        )

    def rollback_before_bet(self):
        """The rollback arrives first: answered; the late bet is refused (8)."""
        name, who, tx, stake = "rollback first", self.pick(), str(uuid.uuid4()), self.stake()
        self.send(
            self.v.rollback,
            who,
            tx,
            expected={SUCCESS},
            scenario=name,
            extra={"payout": 0, "stake": 0, "target": 0},
        )
        self.send(self.v.place, who, tx, stake, expected={PROCESSED}, scenario=name)

    def same_transaction_race(self):
        """Two players place the same transactionId at the same moment: one bet, one owner."""
        name, (a, b), tx, stake = "same tx race", self.pick_two(), str(uuid.uuid4()), self.stake()
        group = f"race-{tx}"
        ops = together(
            *(
                lambda s, who=who: self.v.place(
                    who,
                    tx,
                    stake,
                    session=s,
                    expected={SUCCESS, NO_MONEY, PROCESSED},
                    scenario=name,
                    group=group,
                    exclusive=True,
                )
                for who in (a, b)
            )
        )
        winner = representative(ops)
        if winner.outcome == OK and self.rng.random() < 0.5:
            owner = a if winner.player == a.id else b
            self.rollback(owner, tx, stake, 0, name)

    # --- coupons (the bet slip and the calculation service's results) -------------------

    def coupon_placement(self):
        """A player places a coupon on the bet slip (the service accepts it), then the
        service's results for it follow, in order."""
        who, stake = self.pick(), self.stake()
        if not self.client.world.selections:
            return
        selection = self.rng.choice(self.client.world.selections)
        placed = self.v.coupon_place(
            who, selection, stake, expected={SUCCESS, COUPON_FUNDS}, scenario="coupon placement"
        )
        value = placed.value if isinstance(placed.value, dict) else {}
        if placed.outcome != OK or value.get("state") != "Open" or not value.get("barcode"):
            return
        self.results_for(
            SeededCoupon(value["id"], who.id, value["barcode"], stake, stake * 5 // 2),
            "coupon placement: results",
        )

    def coupon_results(self):
        """Results for one coupon, in order: won, lost, returned, corrections (won -> lost
        -> won) and repeats, each now and then doubled at once or resent. A correction that
        takes money back may be refused when the player spent it ("refused")."""
        coupon = self.client.run.take_coupon()
        if coupon is not None:
            self.results_for(coupon, "coupon results")

    def results_for(self, coupon, name: str) -> None:
        pays = {COUPON_WON: coupon.won, COUPON_LOST: 0, COUPON_RETURNED: coupon.stake}
        for _ in range(self.rng.randint(1, 4)):
            if self.rng.random() < 0.2:  # a corrected result: won, lost, won again
                steps = (COUPON_WON, COUPON_LOST, COUPON_WON)
            else:
                steps = (self.rng.choice((COUPON_WON, COUPON_WON, COUPON_LOST, COUPON_RETURNED)),)
            for status in steps:
                self.send(
                    self.v.result,
                    coupon,
                    status,
                    pays[status],
                    expected={SUCCESS, COUPON_REFUSED},
                    scenario=name,
                )

    # --- the cashier: deposits and the provider's callbacks ---------------------------------

    def deposit(self):
        """A player starts a deposit; the provider's callbacks follow (pending now and then,
        success, each doubled at once or resent now and then), and sometimes one the portal
        must refuse: failed after success, another transaction or amount for the deposit,
        or success after a decline."""
        who, amount, name = self.pick(), self.rng.randint(500, 3000), "deposit"
        code = ""
        if self.rng.random() < 0.3:  # with a percentage bonus's code
            code = self.rng.choice([o.code for o in self.client.world.offers if o.percent])
        started = self.v.deposit_start(
            who, amount, code, expected={SUCCESS, "bonus"} if code else {SUCCESS}, scenario=name
        )
        if started.outcome != OK:
            return
        reference, tx = started.bet, f"SBX-{self.client.next_id()}"

        def callback(status, expected, *, tx=tx, amount=amount):
            args = (who, reference, tx, status, amount)
            self.send(self.v.deposit_callback, *args, expected=expected, scenario=name)

        if self.rng.random() < 0.3:
            callback("pending", {SUCCESS})
        if self.rng.random() < 0.15:  # declined: a later success is refused
            callback("failed", {SUCCESS})
            callback("success", {CONFLICT})
            return
        callback("success", {SUCCESS})
        draw = self.rng.random()
        if draw < 0.15:
            callback("failed", {CONFLICT})
        elif draw < 0.25:
            callback("success", {CONFLICT}, tx=f"SBX-{self.client.next_id()}")
        elif draw < 0.35:
            callback("success", {CONFLICT}, amount=amount + 100)

    def withdrawal(self):
        """A player asks for a withdrawal to one of their cards, which holds its amount, or
        is refused for want of money; now and then cancels it, sometimes twice at the same
        moment (one returns the money); or the operator approves it (the payout to one card
        succeeds, to the other fails and the money returns) or declines it, now and then
        while the player cancels it (one of them wins)."""
        who, name = self.pick(), "withdrawal"
        card = self.rng.choice((MASKED_CARD, FAILING_CARD))
        asked = self.v.withdrawal_ask(
            who, self.stake(), card, expected={SUCCESS, "funds"}, scenario=name
        )
        if asked.outcome != OK or self.rng.random() < 0.4:
            return
        operator = self.client.run.operator
        if operator is not None and self.rng.random() < 0.6:
            self.decide(who, asked.bet, operator, name)
        elif self.rng.random() < 0.3:
            group = f"{TWINS_GROUP}{self.client.next_id()}"
            together(
                *(
                    lambda s: self.v.withdrawal_cancel(
                        who,
                        asked.bet,
                        session=s,
                        expected={SUCCESS, "done"},
                        scenario=name,
                        group=group,
                    )
                    for _ in range(2)
                )
            )
        else:
            self.v.withdrawal_cancel(who, asked.bet, expected={SUCCESS}, scenario=name)

    def decide(self, who, withdrawal: str, operator, name: str) -> None:
        action = self.rng.choice(("approve", "approve", "decline"))
        decision = {"expected": {SUCCESS, "not_pending"}, "scenario": f"{name}: {action}"}
        if self.rng.random() < 0.3:  # the player cancels at the same moment
            group = f"{TWINS_GROUP}{self.client.next_id()}"
            cancel = {"expected": {SUCCESS, "done"}, "scenario": name, "exclusive": True}
            together(
                lambda s: self.v.withdrawal_decision(
                    who, withdrawal, action, operator, group=group, exclusive=True, **decision
                ),
                lambda s: self.v.withdrawal_cancel(who, withdrawal, group=group, **cancel),
            )
        else:
            self.v.withdrawal_decision(who, withdrawal, action, operator, **decision)

    # --- bonuses (claimed on the bonuses page; percentage ones come with deposits) -------

    def bonus_claim(self):
        """A player claims a fixed bonus's code (granted at once, unless a bonus is active or
        they had this one); now and then two codes at the same moment: one active bonus per
        player and currency (both may be granted if the first ends in between, e.g. by a
        withdrawal: the checker holds that a player's bonuses never overlap)."""
        who, name = self.pick(), "bonus claim"
        codes = [o.code for o in self.client.world.offers if o.amount]
        expected = {SUCCESS, "active", "used"}
        if self.rng.random() < 0.25:
            group = f"{TWINS_GROUP}{self.client.next_id()}"
            first, second = self.rng.sample(codes, 2)
            together(
                *(
                    lambda s, code=code: self.v.bonus_claim(
                        who, code, session=s, expected=expected, scenario=name, group=group
                    )
                    for code in (first, second)
                )
            )  # fmt: skip
        else:
            self.v.bonus_claim(who, self.rng.choice(codes), expected=expected, scenario=name)


SHARED = [
    (Scenarios.casino_round, 30),
    (Scenarios.early_cancels, 6),
    (Scenarios.bet_id_race, 9),
    (Scenarios.crossed_batches, 7),
    (Scenarios.cashback, 5),
    (Scenarios.sports_bet, 30),
    (Scenarios.rollback_before_bet, 5),
    (Scenarios.same_transaction_race, 5),
    (Scenarios.coupon_results, 8),
    (Scenarios.coupon_placement, 10),
    (Scenarios.deposit, 8),
    (Scenarios.withdrawal, 6),
    (Scenarios.bonus_claim, 4),
]
