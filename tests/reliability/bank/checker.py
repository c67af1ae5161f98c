"""The bank's checker: the history of requests against what the ledger holds afterwards.

Every anomaly names the requests (ops) and ledger transactions involved. The checks:

- answers: no internal error, no answer outside the protocol, every answer one the protocol
  allows at that point (e.g. a rollback that leaves the balance >= 0 is answered), at most
  one winner among requests racing for one bet, a request resent after its success
  answered alike;
- keys: every acknowledged movement is applied, once, to the requesting player, for the
  amount the request implies, and its answer names that transaction; a request only ever
  refused left no transaction of its own key; no transaction that no request explains;
- bets: one bet, one player (BETCORE BetId, Betsy transactionId); a Betsy bet's settle
  movements follow its settles in order, to their amounts; a coupon placed from the slip is
  the one coupon of its slip key (an unknown placement is found by that key);
- balances: each player's balance is the opening balance plus the effects of the
  acknowledged movements (unknown outcomes resolved from the ledger, at most once); the
  entries of all accounts sum to zero, each house's to minus what its door moved;
- reported balances: never negative, always a balance the account really had (exactly the
  modelled one for the solo player); refusals for want of money only when the balance at
  that moment did not cover the debit;
- bonuses (a player's balance is real plus bonus money): each assignment is explained by a
  claim or a deposit with its code, grants its offer's amount (a percentage of the deposit
  up to the maximum), once per player and code, one active per player; a completed one
  was wagered in full and converted what was left up to the maximum, the rest forfeited;
  a forfeited one gave back what was left; the bonus balance never goes below zero and is
  empty without an active bonus; stakes take bonus money only once the real balance is
  spent; a win on a bonus-funded stake pays the stake's bonus share of it to the bonus
  balance; a share paid after its bonus ended is forfeited, exactly;
- limits (players with responsible-gambling limits): no accepted stake crossed a stake,
  loss or bet-count limit, and every refusal for a limit had a reason in a state the
  player's account was in while the request was served;
- CRM feeds (`check_crm`): what a CRM poller received window by window during the run,
  upserted by key, holds every row that changed exactly in the windows of its
  modification time and ends in each row's final state (see crm_check.py).
"""

from __future__ import annotations

import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from tests.reliability.bank import crm_check
from tests.reliability.bank.clients import LIMIT_CODES
from tests.reliability.bank.crm_poller import Poll
from tests.reliability.bank.crm_truth import Truth
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
    cents,
)
from tests.reliability.bank.ledger import Ledger, Tx
from tests.reliability.bank.scenarios import (
    FUNDS,
    JACKPOT,
    NEGATIVE,
    NO_MONEY,
    PAYOUT,
    PAYOUT_RETURN,
    RESENT_GROUP,
    RETURN,
    STAKE,
)
from tests.reliability.bank.world import BONUS_PLAYERS, STARTER, World

INTERNAL = {BETCORE: 100500, BETSY: 100, COUPONS: None, PAYMENTS: None, WITHDRAWALS: None}
INTERNAL[BONUSES] = None
# What counts toward a loss limit (as portal.limits.checks.GAME_KINDS), and what each
# door's refusal for a limit names: (door, code) -> stake | loss | bets | any
GAME_KINDS = ("stake", "win", "jackpot", "refund", "reversal")
LIMIT_REFUSALS = {
    (door, code): kind for door, codes in LIMIT_CODES.items() for kind, code in codes.items()
}
WINDOW_MARGIN = 1.0  # seconds of clock slack around a request when asking what it could see


@dataclass
class Anomaly:
    check: str
    text: str
    ops: list[Op] = field(default_factory=list)
    txs: list[Tx] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"[{self.check}] {self.text}"]
        lines += [f"    op {op.describe()}" for op in sorted(self.ops, key=lambda o: o.id)]
        lines += [f"    ledger {tx.describe()}" for tx in sorted(self.txs, key=lambda t: t.id)]
        return "\n".join(lines)


# Money first: what the render shows first when there are many.
SEVERITY = [
    "lost",
    "applied refusal",
    "wrong player",
    "one bet, two players",
    "amount",
    "balance",
    "negative",
    "zero-sum",
    "wallet verify",
    "settlement",
    "bonus",
    "ledger order",
    "crm poll",
    "crm missed",
    "crm stale",
    "crm window",
    "crm twice",
    "crm extra",
    "accept",
    "outbox",
    "race",
    "idempotency",
    "refused for money",
    "unexpected answer",
    "reported balance",
    "solo balance",
    "answer",
    "check",
    "unexplained",
    "internal error",
    "protocol",
]


def render(anomalies: list[Anomaly], limit: int = 40) -> str:
    """The anomalies, the most serious first: a count per check, then each one."""
    counts = defaultdict(int)
    for anomaly in anomalies:
        counts[anomaly.check] += 1
    rank = {check: n for n, check in enumerate(SEVERITY)}
    anomalies = sorted(anomalies, key=lambda a: rank.get(a.check, len(rank)))
    order = sorted(counts, key=lambda check: rank.get(check, len(rank)))
    head = ", ".join(f"{check}: {counts[check]}" for check in order)
    shown = "\n".join(a.render() for a in anomalies[:limit])
    more = f"\n... and {len(anomalies) - limit} more" if len(anomalies) > limit else ""
    return f"{len(anomalies)} anomalies ({head})\n{shown}{more}"


def source(op: Op) -> str:
    return op.door  # (each door's ledger source bears its name)


def transaction_id(op: Op):
    return op.value.get("PartnerTransactionId") if isinstance(op.value, dict) else None


def bet_of(tx: Tx) -> str:
    return tx.key.split(":")[0]


class Checker:
    def __init__(self, ops: list[Op], ledger: Ledger, world: World):
        self.ops, self.ledger, self.world = ops, ledger, world
        self.anomalies: list[Anomaly] = []
        self.slips()
        self.deposits()
        self.lost_asks()
        self.by_key: dict[tuple[str, str], list[Op]] = defaultdict(list)
        self.by_bet: dict[tuple[str, str], list[Op]] = defaultdict(list)
        for op in ops:
            if op.key:
                self.by_key[(source(op), op.key)].append(op)
            self.by_bet[(source(op), op.bet)].append(op)
        self.final_payout: dict[str, int] = {}  # Betsy bet -> payout its settles left

    def flag(self, check: str, text: str, ops=(), txs=()) -> None:
        self.anomalies.append(Anomaly(check, text, list(ops), [t for t in txs if t]))

    def slips(self) -> None:
        """A slip placement answered names the coupon of its slip key; one whose answer was
        lost is that coupon if there is one (otherwise nothing was recorded)."""
        for op in self.ops:
            if op.door != COUPONS or op.action != "place" or op.outcome == REFUSED:
                continue
            coupon = self.ledger.slips.get((op.player, op.extra.get("slip")))
            if op.outcome == UNKNOWN and coupon is not None:
                op.bet = coupon
            elif op.outcome == OK and coupon != op.bet:
                self.flag("idempotency", f"placed {op.bet}, its slip's coupon is {coupon}", [op])

    def deposits(self) -> None:
        """A success callback moves money under its deposit's key ("deposit:<id>", found by
        the reference); a callback naming the deposit of another player is an anomaly."""
        for op in self.ops:
            if op.door != PAYMENTS or op.action != "callback":
                continue
            found = self.ledger.deposits.get(op.bet)
            if found is None or found[1] != op.player:
                self.flag(
                    "wrong player", f"a callback for {op.bet}: no deposit of the player", [op]
                )
            elif op.extra.get("status") == "success":
                op.extra["key"] = f"deposit:{found[0]}"

    def lost_asks(self) -> None:
        """A withdrawal asked whose answer was lost is the player's withdrawal of that amount
        no answered request names (if there is one: otherwise nothing was recorded)."""
        named = {op.bet for op in self.ops if op.door == WITHDRAWALS and op.bet.isdigit()}
        for op in self.ops:
            if op.door != WITHDRAWALS or op.action != "ask" or op.outcome != UNKNOWN:
                continue
            for (src, key), tx in sorted(self.ledger.txs.items(), key=lambda item: item[1].id):
                number = key.removeprefix("withdrawal:")
                if src != WITHDRAWALS or not number.isdigit() or number in named:
                    continue
                if tx.player == op.player and tx.amount == -op.amount:
                    op.bet = number
                    named.add(number)
                    break

    def run(self) -> list[Anomaly]:
        self.answers()
        self.keys()
        self.unexplained()
        self.ownership()
        self.settlements()
        self.coupon_settlements()
        self.balances()
        self.bonuses()
        self.payouts()
        self.ledger_order()
        self.reported_balances()
        self.refusals_for_money()
        self.limits()
        return self.anomalies

    # --- answers ---------------------------------------------------------------------------

    def answers(self) -> None:
        groups, resent = defaultdict(list), defaultdict(list)
        for op in self.ops:
            if op.problem:
                self.flag("protocol", f"an answer outside the protocol: {op.problem}", [op])
            if op.outcome == REFUSED and op.code == INTERNAL[op.door]:
                self.flag("internal error", "answered with an internal error", [op])
            elif op.outcome != UNKNOWN and op.code not in op.expected:
                self.flag("unexpected answer", f"answered {op.code}", [op])
            if op.group and op.exclusive:
                groups[op.group].append(op)
            if op.action == "check" and op.outcome == OK and op.expect_payout is not None:
                value = op.value
                stake = op.extra.get("stake")
                if cents(value["payout"]) != op.expect_payout or cents(value["amount"]) != stake:
                    self.flag("check", "the check reports another stake or payout", [op])
            if op.group and op.group.startswith(RESENT_GROUP):
                resent[op.group].append(op)
        for group, ops in groups.items():
            winners = [op for op in ops if op.outcome == OK]
            if len(winners) > 1:
                self.flag("race", f"{len(winners)} requests racing in {group} all succeeded", ops)
        for ops in resent.values():  # in the order sent
            first, *later = sorted(ops, key=lambda o: o.id)
            for op in later if first.outcome == OK else []:
                if op.outcome != OK:
                    self.flag("idempotency", "resent after its success, answered otherwise", ops)
                elif op.door == BETCORE and transaction_id(op) != transaction_id(first):
                    self.flag("idempotency", "resent, answered another transaction", ops)

    # --- keys ------------------------------------------------------------------------------

    def requested(self, src: str, key: str) -> int | None:
        """The amount the requests of a key asked for (acknowledged ones first)."""
        ops = self.by_key.get((src, key), [])
        for outcome in (OK, UNKNOWN):
            for op in ops:
                if op.outcome == outcome:
                    return op.amount
        return None

    def effect(self, src: str, key: str, op: Op) -> int:
        """What the request of `key` must move, in cents (+ to the player)."""
        if src == BETCORE:
            if op.action == "cashback" or op.kind in (PAYOUT, JACKPOT):
                return op.amount
            if op.kind == STAKE:
                return -op.amount
            bet = op.bet
            if op.kind == RETURN:
                stake_key = f"{bet}:{STAKE}"
                applied = self.ledger.applied(BETCORE, stake_key)
                return (self.requested(BETCORE, stake_key) or 0) if applied else 0
            if op.kind == PAYOUT_RETURN:
                payout_key = f"{bet}:{PAYOUT}"
                applied = self.ledger.applied(BETCORE, payout_key)
                return -(self.requested(BETCORE, payout_key) or 0) if applied else 0
            raise AssertionError(op.kind)
        if src == PAYMENTS:  # a deposit's success: its amount
            return op.amount
        if src == WITHDRAWALS:  # asked: held; cancelled: what the ask held, if it did
            if op.action == "ask":
                return -op.amount
            ask_key = f"withdrawal:{op.bet}"
            held = self.ledger.applied(WITHDRAWALS, ask_key)
            return (self.requested(WITHDRAWALS, ask_key) or 0) if held else 0
        if op.action == "place":  # a Betsy bet or a coupon: the stake
            return -op.amount
        bet_key = f"{op.bet}:bet"  # a rollback: the stake back, if there was one
        applied = self.ledger.applied(BETSY, bet_key)
        return (self.requested(BETSY, bet_key) or 0) if applied else 0

    def keys(self) -> None:
        for (src, key), ops in self.by_key.items():
            tx = self.ledger.get(src, key)
            acknowledged = [op for op in ops if op.outcome == OK]
            unknown = [op for op in ops if op.outcome == UNKNOWN]
            applied = tx is not None and tx.applied
            if acknowledged and not applied:
                self.flag("lost", "acknowledged, but no transaction applied", ops, [tx])
                continue
            if not acknowledged and not unknown:
                if applied:
                    self.flag("applied refusal", "only ever refused, yet applied", ops, [tx])
                continue
            if not applied:
                continue
            owners = {op.player for op in acknowledged}
            if owners - {tx.player} or tx.player not in {
                op.player for op in acknowledged or unknown
            }:
                self.flag("wrong player", "the transaction is another player's", ops, [tx])
            first = next(
                (op for op in acknowledged or unknown if op.player == tx.player),
                (acknowledged or unknown)[0],
            )
            if tx.amount != self.effect(src, key, first):
                self.flag(
                    "amount",
                    f"moved {tx.amount}, the request implies {self.effect(src, key, first)}",
                    ops,
                    [tx],
                )
            for op in acknowledged:
                if src == BETCORE:
                    value = op.value or {}
                    if value.get("PartnerTransactionId") != tx.id or value.get("Currency") != "EUR":
                        self.flag("answer", "the answer names another transaction", [op], [tx])
                elif (
                    op.door == BETSY
                    and op.action == "place"
                    and cents(op.value["amount"]) not in self.after(tx)
                ):
                    near = self.neighbours(tx)
                    self.flag("answer", "the bet's answer is not the balance after it", [op], near)

    def after(self, tx: Tx) -> set[int]:
        """The player's money right after a movement, and after the bonus conversion it may
        have caused (a stake that met the wagering: the close and convert that follow)."""
        history = self.ledger.history[tx.player]
        states = {tx.playable_after}
        for later in history[history.index(tx) + 1 :]:
            if later.source != BONUSES or not later.key.endswith((":close", ":convert")):
                break
            states.add(later.playable_after)
        return states

    def neighbours(self, tx: Tx, around: int = 2) -> list[Tx]:
        """The transaction and its player's transactions just before and after it."""
        history = self.ledger.history[tx.player]
        at = history.index(tx)
        return history[max(at - around, 0) : at + around + 1]

    def unexplained(self) -> None:
        """Every betcore/betsy/coupons transaction comes from a request that was not only
        refused (a seeded coupon's stake from the world; coupon settlements: see
        coupon_settlements)."""
        seeded = {f"{c.id}:stake" for c in self.world.coupons}
        for (src, key), tx in self.ledger.txs.items():
            if src == BONUSES:
                continue  # explained by the bonus check
            if src in (PAYMENTS, WITHDRAWALS) and not self.by_key.get((src, key)):
                self.flag(
                    "unexplained", "a deposit credited without its success callback", [], [tx]
                )
                continue
            if src == COUPONS:
                if ":settle:" not in key and key not in seeded and not self.by_key.get((src, key)):
                    self.flag("unexplained", "a coupon movement no request asked for", [], [tx])
                continue
            if src not in (BETCORE, BETSY):
                continue
            bet = bet_of(tx)
            if src == BETSY and ":settle:" in key:
                continue  # explained by the settle check
            if tx.status == "voided":  # an original cancelled first: its cancel explains it
                cancels = [
                    op
                    for op in self.by_bet.get((src, bet), [])
                    if op.outcome != REFUSED
                    and (op.kind in (RETURN, PAYOUT_RETURN) or op.action == "rollback")
                ]
                if not any(op.player == tx.player for op in cancels):
                    self.flag("unexplained", "a voided key no cancel explains", cancels, [tx])
                continue
            if not self.by_key.get((src, key)):  # (only refused ones: see keys())
                self.flag("unexplained", "a transaction no request asked for", [], [tx])

    # --- bets ------------------------------------------------------------------------------

    def ownership(self) -> None:
        players = defaultdict(set)
        txs = defaultdict(list)
        for (src, key), tx in self.ledger.txs.items():
            if src in (BETCORE, BETSY) and not key.startswith("cashback:"):
                players[(src, bet_of(tx))].add(tx.player)
                txs[(src, bet_of(tx))].append(tx)
        for (src, bet), owners in players.items():
            row = self.ledger.casino_bets.get(bet) if src == BETCORE else None
            if src == BETSY and bet in self.ledger.sports_bets:
                row = self.ledger.sports_bets[bet].player
            if len(owners) > 1 or (row is not None and owners != {row}):
                self.flag(
                    "one bet, two players",
                    f"{src} bet {bet} has money of players {sorted(owners)}, belongs to {row}",
                    self.by_bet.get((src, bet), []),
                    txs[(src, bet)],
                )

    def settlements(self) -> None:
        """Each Betsy bet's settle movements ("<tx>:settle:<n>") follow its owner's settles,
        unsettles and rollbacks in the order sent: each movement takes the payout to the
        target of one of them, and the last acknowledged one's target is where it ends."""
        chains = defaultdict(dict)
        for (src, key), tx in self.ledger.txs.items():
            if src == BETSY and ":settle:" in key:
                chains[bet_of(tx)][int(key.rsplit(":", 1)[1])] = tx
        bets = {bet for (src, bet) in self.by_bet if src == BETSY} | set(chains)
        for bet in bets:
            chain = chains.get(bet, {})
            txs = [chain[n] for n in sorted(chain)]
            ops = self.by_bet.get((BETSY, bet), [])
            placed = self.ledger.applied(BETSY, f"{bet}:bet")
            owner = placed.player if placed else None
            if sorted(chain) != list(range(1, len(chain) + 1)) or (
                txs and (placed is None or any(t.player != owner or not t.applied for t in txs))
            ):
                self.flag("settlement", f"bet {bet}: broken settle chain", ops, txs)
                continue
            states = [0]
            for tx in txs:
                states.append(states[-1] + tx.amount)
            self.final_payout[bet] = states[-1]
            steps = [
                op
                for op in sorted(ops, key=lambda o: o.id)
                if op.player == owner and op.action in ("settle", "unsettle", "rollback")
            ]
            if not self._follows(states, steps):
                self.flag(
                    "settlement",
                    f"bet {bet}: the payout went {states}, not as its settles asked",
                    ops,
                    txs,
                )
            row = self.ledger.sports_bets.get(bet)
            if row is not None and row.payout != states[-1]:
                self.flag("settlement", f"bet {bet}: payout {row.payout} != {states[-1]}", ops)

    def coupon_settlements(self) -> None:
        """Each seeded coupon's movements ("coupon:<id>:settle:<n>") follow its results in
        the order sent (the same rule as Betsy's settles), are its owner's, and end at the
        payout the coupon's row holds."""
        chains = defaultdict(dict)
        for (src, key), tx in self.ledger.txs.items():
            if src == COUPONS and ":settle:" in key:
                bet, number = key.rsplit(":settle:", 1)
                chains[bet][int(number)] = tx
        for bet, player in self.coupon_owners().items():
            coupon = SimpleNamespace(id=int(bet.removeprefix("coupon:")), player=player)
            chain = chains.pop(bet, {})
            txs = [chain[n] for n in sorted(chain)]
            ops = self.by_bet.get((COUPONS, bet), [])
            if sorted(chain) != list(range(1, len(chain) + 1)) or any(
                t.player != coupon.player or not t.applied for t in txs
            ):
                self.flag("coupon settlement", f"{bet}: broken settle chain", ops, txs)
                continue
            states = [0]
            for tx in txs:
                states.append(states[-1] + tx.amount)
            self.final_payout[bet] = states[-1]
            steps = sorted((o for o in ops if o.action == "result"), key=lambda o: o.id)
            if not self._follows(states, steps):
                self.flag("coupon settlement", f"{bet}: the payout went {states}", ops, txs)
            if self.ledger.coupons.get(bet) != (coupon.player, states[-1]):
                row = self.ledger.coupons.get(bet)
                self.flag("coupon settlement", f"{bet}: row {row} != payout {states[-1]}", ops)
        for bet, chain in chains.items():
            self.flag(
                "unexplained", f"{bet}: movements of no seeded coupon", [], list(chain.values())
            )

    def coupon_owners(self) -> dict[str, int]:
        """coupon:<id> -> player, of the seeded coupons and of those placed on the slip."""
        owners = {f"coupon:{c.id}": c.player for c in self.world.coupons}
        for op in self.ops:
            if op.door == COUPONS and op.action == "place" and op.bet.startswith("coupon:"):
                owners[op.bet] = op.player  # (acknowledged, or unknown and found: slips)
        return owners

    @staticmethod
    def _follows(states: list[int], steps: list[Op]) -> bool:
        """Can the requests, in order, have moved the payout through `states`? (A set of
        positions in the chain, since an unknown outcome may or may not have moved it.)"""
        last = len(states) - 1
        positions = {0}
        for op in steps:
            target = op.extra.get("target", op.amount)
            moved = {i + 1 for i in positions if i < last and states[i + 1] == target}
            stayed = {i for i in positions if states[i] == target}
            if op.outcome == OK:
                positions = moved | stayed
            elif op.outcome == UNKNOWN:  # (consecutive states differ: moved is a real move)
                positions = positions | moved
            if not positions:
                return False
        return last in positions

    # --- balances --------------------------------------------------------------------------

    def balances(self) -> None:
        expected = {p.id: p.opening - self.world.stakes_of(p.id) for p in self.world.everybody}
        by_source = defaultdict(int)
        by_source[COUPONS] = -sum(c.stake for c in self.world.coupons)
        for (src, key), ops in self.by_key.items():
            tx = self.ledger.get(src, key)
            acknowledged = [op for op in ops if op.outcome == OK]
            unknown = [op for op in ops if op.outcome == UNKNOWN]
            if acknowledged or (unknown and tx is not None and tx.applied):
                first = (acknowledged or unknown)[0]
                effect = self.effect(src, key, first)
                expected[first.player] += effect
                by_source[src] += effect
        for (src, _key), tx in self.ledger.txs.items():  # (checked in bonuses())
            if src == BONUSES and tx.applied:
                expected[tx.player] += tx.amount
                by_source[BONUSES] += tx.amount
        owners = self.coupon_owners()
        for bet, payout in self.final_payout.items():
            if bet in owners:
                expected[owners[bet]] += payout
                by_source[COUPONS] += payout
                continue
            placed = self.ledger.applied(BETSY, f"{bet}:bet")
            if placed is not None:
                expected[placed.player] += payout
                by_source[BETSY] += payout
        for player, balance in sorted(expected.items()):
            actual = self.ledger.balances.get(player)
            if actual != balance:
                ops = [op for op in self.ops if op.player == player and op.outcome == UNKNOWN]
                self.flag(
                    "balance",
                    f"player {player}: balance {actual}, the acknowledged movements give {balance}",
                    ops,
                )
            if actual is not None and actual < 0:
                self.flag("negative", f"player {player}: negative balance {actual}")
        owners = self.ledger.by_owner
        if self.ledger.entries_total != 0:
            self.flag("zero-sum", f"all entries sum to {self.ledger.entries_total}, not 0")
        openings = sum(p.opening for p in self.world.everybody)
        for owner, want in (
            ("house:admin", -openings),
            (f"house:{BETCORE}", -by_source[BETCORE]),
            (f"house:{BETSY}", -by_source[BETSY]),
            (f"house:{COUPONS}", -by_source[COUPONS]),
            (f"house:{PAYMENTS}", -by_source[PAYMENTS]),
            (f"house:{WITHDRAWALS}", -by_source[WITHDRAWALS]),
            (f"house:{BONUSES}", -by_source[BONUSES]),
        ):
            if owners.get(owner, 0) != want:
                self.flag("zero-sum", f"{owner} holds {owners.get(owner, 0)}, expected {want}")
        total = sum(self.ledger.balances.values())
        doors = (BETCORE, BETSY, COUPONS, PAYMENTS, WITHDRAWALS, BONUSES)
        moved = sum(by_source[door] for door in doors)
        if total != openings + moved:
            self.flag("zero-sum", f"players hold {total} in all, the history gives another sum")

    # --- bonuses ---------------------------------------------------------------------------

    def bonuses(self) -> None:
        txs = {key: tx for (src, key), tx in self.ledger.txs.items() if src == BONUSES}
        explained: set[str] = set()
        claims, granted = defaultdict(list), defaultdict(list)
        for op in self.ops:
            if op.door == BONUSES and op.action == "claim" and op.outcome != REFUSED:
                claims[(op.player, op.bet)].append(op)
        coded = {  # deposit reference -> the bonus code its form named
            op.bet: op.extra.get("bonus_code")
            for op in self.ops
            if op.door == PAYMENTS and op.action == "start" and op.outcome == OK
        }
        deposits = {found[0]: (reference, *found[1:]) for reference, found in
                    self.ledger.deposits.items()}  # fmt: skip
        active = defaultdict(list)
        starters = {p.id for p in self.world.players[:BONUS_PLAYERS]}
        for a in self.ledger.assignments:
            granted[(a.player, a.code)].append(a)
            if a.status == "active":
                active[a.player].append(a)
            keys = {name: f"bonus:{a.id}{name}" for name in ("", ":close", ":convert")}
            explained |= set(keys.values())
            grant, close, convert = (txs.get(key) for key in keys.values())
            offer = self.world.offer(a.code)
            if offer is None:
                self.flag("bonus", f"assignment {a.id}: {a.code} is no bonus of the run")
                continue
            if offer.amount is not None:
                want, why = offer.amount, claims.get((a.player, a.code))
                why = why or (a.code == STARTER.code and a.player in starters)
            else:
                reference, owner, status = deposits.get(a.deposit, (None, None, None))
                base = self.ledger.deposit_amounts.get(a.deposit, 0)
                want = min(base * offer.percent // 100, offer.max_amount)
                why = owner == a.player and status == "success" and coded.get(reference) == a.code
            if not why:
                self.flag("bonus", f"assignment {a.id} ({a.code}): no claim or deposit gave it")
            if grant is None or not grant.applied or grant.player != a.player:
                self.flag("bonus", f"assignment {a.id}: no grant of the player", txs=[grant])
            elif not grant.amount == a.amount == want:
                self.flag("bonus", f"assignment {a.id}: granted {grant.amount}, {want} due", [],
                          [grant])  # fmt: skip
            if a.required != a.amount * offer.wagering:
                self.flag("bonus", f"assignment {a.id}: requires {a.required}")
            left = -close.amount if close is not None else 0
            if close is not None and close.bonus_after != 0:
                self.flag("bonus", f"assignment {a.id}: its close left bonus money", txs=[close])
            if a.status == "completed":
                cap = offer.max_conversion
                converted = convert.amount if convert is not None else 0
                if a.wagered < a.required:
                    self.flag("bonus", f"assignment {a.id}: completed, wagered {a.wagered}")
                if converted != min(left, cap) or (a.converted, a.forfeited) != (
                    converted,
                    left - converted,
                ):
                    self.flag("bonus", f"assignment {a.id}: converted {converted} of {left}",
                              txs=[close, convert])  # fmt: skip
            else:
                if a.wagered >= a.required:
                    self.flag("bonus", f"assignment {a.id}: {a.status}, wagered {a.wagered}")
                if convert is not None or (a.status == "active" and close is not None):
                    self.flag("bonus", f"assignment {a.id}: {a.status}, yet converted or closed",
                              txs=[close, convert])  # fmt: skip
                if a.status != "active" and a.forfeited != left:
                    self.flag("bonus", f"assignment {a.id}: forfeited {a.forfeited} of {left}",
                              txs=[close])  # fmt: skip
        for (player, code), ops in claims.items():
            if any(op.outcome == OK for op in ops) and not granted.get((player, code)):
                self.flag("lost", f"claimed {code}, no assignment", ops)
        for (player, code), rows in granted.items():
            if len(rows) > 1:
                self.flag("bonus", f"player {player} got {code} {len(rows)} times")
        for player, rows in active.items():
            if len(rows) > 1:
                self.flag("bonus", f"player {player} has {len(rows)} active bonuses")
        mine = defaultdict(list)
        for a in self.ledger.assignments:
            mine[a.player].append(a)
        for player, rows in mine.items():  # one at a time: each began after the last ended
            for before, after in zip(rows, rows[1:], strict=False):
                if before.ended is None or before.ended > after.created:
                    self.flag("bonus", f"player {player}: bonus {after.id} began while"
                              f" {before.id} was active")  # fmt: skip
        for player, balance in self.ledger.bonus_balances.items():
            if balance and not active.get(player):
                self.flag("bonus", f"player {player} holds {balance} bonus money, no bonus")
        for key, tx in txs.items():
            if key in explained:
                continue
            number = key.removeprefix("bonus-late:")
            paid = self.ledger.by_id.get(int(number)) if number.isdigit() else None
            if paid is None or paid.player != tx.player or tx.amount != -(paid.bonus_amount or 0):
                self.flag("unexplained", "a bonus movement no assignment explains", [], [tx, paid])
        self.bonus_legs()

    def bonus_legs(self) -> None:
        """Real money first; a win on a bonus-funded stake pays its share to the bonus."""
        stakes = {
            (tx.source, tx.reference, tx.player): tx
            for tx in self.ledger.by_id.values()
            if tx.kind == "stake" and tx.bonus_amount is not None and tx.reference
        }
        for tx in self.ledger.by_id.values():
            if tx.bonus_after < 0:
                self.flag("negative", f"player {tx.player}: bonus balance {tx.bonus_after}",
                          txs=[tx])  # fmt: skip
            if tx.source == BONUSES or not tx.bonus_amount:
                continue
            if tx.amount < 0 and tx.bonus_amount < 0 and tx.real_after != 0:
                self.flag("bonus", "bonus money staked before the real money", txs=[tx])
            stake = stakes.get((tx.source, tx.reference, tx.player))
            if tx.kind in ("win", "jackpot") and (
                stake is None or tx.bonus_amount != tx.amount * stake.bonus_amount // stake.amount
            ):
                self.flag("bonus", "a win's bonus share is not its stake's", txs=[tx, stake])

    def payouts(self) -> None:
        """A withdrawal the provider paid out keeps its money held: nothing returns it."""
        for op in self.ops:
            if op.door != WITHDRAWALS or op.action != "approve" or op.outcome != OK:
                continue
            back = self.ledger.applied(WITHDRAWALS, f"withdrawal:{op.bet}:return")
            if op.value.get("status") == "success" and back is not None:
                self.flag("applied refusal", "paid out, and its money returned", [op], [back])

    def ledger_order(self) -> None:
        """The running sums the checks read agree with the balances the wallet recorded."""
        for tx in self.ledger.by_id.values():
            real = tx.source != BONUSES and tx.status == "applied"
            if real and tx.balance_after is not None and tx.balance_after != tx.real_after:
                self.flag("ledger order", "balance after != the running sum", txs=[tx])

    # --- what the answers said about balances ----------------------------------------------

    def had(self, player: int) -> set[int]:
        return {t.playable_after for t in self.ledger.history[player]}

    def during(self, op: Op) -> list[int]:
        """The balances (real and bonus; real only for a withdrawal, which only real money
        pays) the player's account may have had while `op` was served."""
        start, end = op.sent - WINDOW_MARGIN, op.answered + WINDOW_MARGIN
        txs = [t for t in self.ledger.history[op.player] if t.applied]
        value = (lambda t: t.real_after) if op.door == WITHDRAWALS else (lambda t: t.playable_after)
        before = [value(t) for t in txs if t.created < start][-1:]
        return before + [value(t) for t in txs if start <= t.created <= end]

    def reported_balances(self) -> None:
        for op in self.ops:
            reported = op.reported_balance
            if reported is None or op.outcome == UNKNOWN:
                continue
            if op.expect_balance is not None and reported != op.expect_balance:
                self.flag(
                    "solo balance", f"reported {reported}, the model says {op.expect_balance}", [op]
                )
            if reported < 0:
                self.flag("reported balance", f"reported a negative balance {reported}", [op])
            elif reported not in self.had(op.player):
                self.flag("reported balance", f"reported {reported}, never the balance", [op])

    def needed(self, op: Op) -> int:
        """What a refused-for-money request would have taken from the balance, in cents."""
        if op.door == BETCORE or op.action in ("place", "ask"):
            return op.amount
        payout = op.extra["payout"]
        if op.action == "rollback":
            return payout - op.extra["stake"]
        return payout - op.extra.get("target", 0)

    def refusals_for_money(self) -> None:
        for op in self.ops:
            money = {BETCORE: {FUNDS}, BETSY: {NO_MONEY, NEGATIVE}, WITHDRAWALS: {"funds"}}
            money = money.get(op.door, set())
            if op.outcome != REFUSED or op.code not in money:
                continue
            needed, seen = self.needed(op), self.during(op)
            if needed <= 0:
                self.flag("refused for money", f"it would have given {-needed}, not taken", [op])
            elif seen and min(seen) >= needed:
                self.flag(
                    "refused for money",
                    f"needed {needed}; the balance was {sorted(set(seen))} meanwhile",
                    [op],
                )

    # --- responsible-gambling limits -------------------------------------------------------

    def limit_states(self, player: int) -> list[tuple[float, int, int]]:
        """(when, loss so far, stakes so far) after each of the player's game movements, in
        the order they took (the run is shorter than a day: every window holds it all)."""
        loss, count, states = 0, 0, [(0.0, 0, 0)]
        for tx in self.ledger.history[player]:
            if not tx.applied or tx.kind not in GAME_KINDS:
                continue
            loss -= tx.amount
            count += tx.kind == "stake"
            states.append((tx.created, loss, count))
        return states

    def limits(self) -> None:
        """No accepted stake of a player crossed a limit; every refusal for a limit was due
        to a state the player's account was in while the request was served."""
        for player, chosen in self.world.limits.items():
            states = self.limit_states(player)
            loss, count = 0, 0
            for tx in self.ledger.history[player]:
                if not tx.applied or tx.kind not in GAME_KINDS:
                    continue
                loss, count = loss - tx.amount, count + (tx.kind == "stake")
                if tx.kind != "stake" or tx.created < self.world.limits_since:
                    continue  # (stakes before the limits were set: the seeded coupons)
                crossed = [
                    name
                    for name, over in (
                        ("stake", chosen.stake is not None and -tx.amount > chosen.stake),
                        ("loss", chosen.loss_day is not None and loss > chosen.loss_day),
                        ("bets", chosen.bets_day is not None and count > chosen.bets_day),
                    )
                    if over
                ]
                if crossed:
                    self.flag("limit", f"a stake crossed the {crossed} limit", txs=[tx])
            for op in self.ops:
                if op.player == player and op.outcome == REFUSED:
                    self.limit_refusal(op, chosen, states)

    def limit_refusal(self, op: Op, chosen, states) -> None:
        kind = LIMIT_REFUSALS.get((op.door, op.code))
        if kind is None:
            return
        start, end = op.sent - WINDOW_MARGIN, op.answered + WINDOW_MARGIN
        before = [state for state in states if state[0] < start][-1:]
        seen = before + [state for state in states if start <= state[0] <= end]
        reasons = {
            "stake": chosen.stake is not None and op.amount > chosen.stake,
            "loss": chosen.loss_day is not None
            and any(loss + op.amount > chosen.loss_day for _, loss, _ in seen),
            "bets": chosen.bets_day is not None
            and any(count + 1 > chosen.bets_day for _, _, count in seen),
        }
        if not (any(reasons.values()) if kind == "any" else reasons[kind]):
            self.flag("refused for a limit", f"refused for the {kind} limit, none applied", [op])


def limit_refusals(ops: list[Op]) -> int:
    """How many stakes the run's limits refused (for the report)."""
    return sum(1 for op in ops if op.outcome == REFUSED and (op.door, op.code) in LIMIT_REFUSALS)


def check(ops: list[Op], ledger: Ledger, world: World) -> list[Anomaly]:
    return Checker(ops, ledger, world).run()


def check_crm(poll: Poll, truth: Truth) -> list[Anomaly]:
    """What the CRM poller received against the database's final state (crm_check.py)."""
    return crm_check.check(poll, truth, Anomaly)


VERIFY = ["wallet", "verify"]  # the ledger's own invariants: exit 0 when sound


def verified(result: subprocess.CompletedProcess) -> list[Anomaly]:
    """The outcome of `flask --app app wallet verify` (see world.flask): exit 0, or an
    anomaly with its output."""
    if result.returncode == 0:
        return []
    output = (result.stdout + result.stderr)[-3000:]
    return [Anomaly("wallet verify", f"exit {result.returncode}: {output}")]


def check_accepts(ledger: Ledger, accepts: list[dict]) -> list[Anomaly]:
    """Every applied BETCORE make and cashback is confirmed to BETCORE (at least once; all
    copies identical), with its BetId, TransactionType, PartnerTransactionId and amount;
    nothing else is confirmed, and nothing without the partner token."""
    anomalies = []
    received = defaultdict(list)
    for accept in accepts:
        if not accept["authorized"]:
            anomalies.append(Anomaly("accept", f"an accept without a partner token: {accept}"))
        elif accept["status"] == 200:
            received[accept["body"].get("PartnerTransactionId")].append(accept["body"])
    confirmed = set()
    for (src, key), tx in ledger.txs.items():
        if src != BETCORE or not tx.applied:
            continue
        confirmed.add(tx.id)
        copies = received.get(tx.id, [])
        if not copies:
            anomalies.append(Anomaly("accept", "an applied payment was never confirmed", txs=[tx]))
            continue
        if any(body != copies[0] for body in copies):
            anomalies.append(Anomaly("accept", f"copies of one accept differ: {copies}", txs=[tx]))
        if key.startswith("cashback:"):
            want = {"CashbackId": int(key.split(":", 1)[1])}
        else:
            bet, kind = key.split(":")
            want = {"BetId": int(bet), "TransactionType": int(kind)}
        body = copies[0]
        got = {name: body.get(name) for name in want}
        amount = cents(body["Amount"]) if isinstance(body.get("Amount"), str) else None
        if got != want or amount != abs(tx.amount) or body.get("Currency") != "EUR":
            text = f"the accept says {body}, expected {want} and {abs(tx.amount)} cents"
            anomalies.append(Anomaly("accept", text, txs=[tx]))
    for transaction_id, copies in received.items():
        if transaction_id not in confirmed:
            anomalies.append(Anomaly("accept", f"an accept of no applied payment: {copies[0]}"))
    return anomalies
