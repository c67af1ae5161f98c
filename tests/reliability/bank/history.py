"""The history of a run: every request the vendors' clients sent, and what became of it.

One `Op` per logical request (a `make-list` item is an op of its own, sharing its batch's
HTTP call). Its outcome is OK (acknowledged), REFUSED (an answer other than success) or
UNKNOWN (no answer: a timeout or a connection error even after the retries; or an answer
that is not the protocol's, which is an anomaly as well). Retries of the same request are
counted in `attempts`, not recorded twice: they are the same request.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import asdict, dataclass, field
from decimal import Decimal

OK, REFUSED, UNKNOWN = "ok", "refused", "unknown"
BETCORE, BETSY, COUPONS, PAYMENTS = "betcore", "betsy", "coupons", "payments"
WITHDRAWALS, BONUSES = "withdrawals", "bonuses"


@dataclass
class Op:
    """One request and its answer. Amounts are integer cents (EUR)."""

    id: int
    thread: str
    door: str  # BETCORE | BETSY | COUPONS (the calculation service's results)
    action: str  # make, cashback, place, settle, unsettle, rollback, check, result
    player: int
    bet: str  # the BetId, CashbackId or Betsy transactionId, as text
    kind: int | None = None  # BETCORE TransactionType; Betsy PUT type
    amount: int | None = None  # what the request asked to move (stake, payout, target)
    expected: frozenset = frozenset()  # the answers the protocol allows here (codes)
    scenario: str = ""
    group: str | None = None  # requests sent at the same moment (twins, races, batches)
    exclusive: bool = False  # in its group, at most one request may succeed
    expect_balance: int | None = None  # the exact balance (a player nobody else touches)
    expect_payout: int | None = None  # a check's payout, when the bet's state is known
    sent: float = 0.0  # wall clock (time.time()), first attempt
    answered: float = 0.0
    attempts: int = 0
    outcome: str = UNKNOWN
    code: int | None = None  # 200 on success, else the refusal's code
    value: object = None  # the answer's Value (BETCORE) or body (Betsy)
    problem: str | None = None  # an answer outside the protocol (HTTP 502, bad signature...)
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> str | None:
        """The ledger key this request moves money under (source, external id)."""
        if self.door == BETCORE:
            return (
                f"cashback:{self.bet}" if self.action == "cashback" else f"{self.bet}:{self.kind}"
            )
        if self.door == PAYMENTS:  # a success callback: "deposit:<id>" (the checker finds id)
            return self.extra.get("key")
        if self.door == WITHDRAWALS:  # bet: the withdrawal's id (once known)
            if not self.bet.isdigit():
                return None
            if self.action == "approve":  # a failed payout returns the money (extra "key")
                return self.extra.get("key")
            back = self.action in ("cancel", "decline")
            return f"withdrawal:{self.bet}" + (":return" if back else "")
        if self.door == COUPONS:  # a placement's stake; results: see the settlement check
            placed = self.action == "place" and self.bet.startswith("coupon:")
            return f"{self.bet.removeprefix('coupon:')}:stake" if placed else None
        return {"place": f"{self.bet}:bet", "rollback": f"{self.bet}:rollback"}.get(self.action)

    @property
    def reported_balance(self) -> int | None:
        """The balance an answer reported, in cents (success answers and BETCORE 103802)."""
        value = self.value if isinstance(self.value, dict) else {}
        if self.door == BETCORE:
            text = value.get("Balance")
            return None if text is None else cents(text)
        if self.outcome == OK and self.action != "check" and "amount" in value:
            return cents(value["amount"])
        return None

    def describe(self) -> str:
        answer = {OK: "ok", REFUSED: f"refused {self.code}", UNKNOWN: "unknown"}[self.outcome]
        if self.problem:
            answer += f" ({self.problem})"
        what = f"{self.door} {self.action}"
        if self.kind is not None:
            what += f" type {self.kind}"
        amount = "" if self.amount is None else f" {self.amount / 100:.2f}"
        tail = f" group {self.group}" if self.group else ""
        return (
            f"#{self.id} [{self.scenario}] {what} bet {self.bet} player {self.player}{amount}"
            f" -> {answer} (expected {sorted(self.expected, key=str)}, {self.attempts} attempt(s),"
            f" value {self.value!r}){tail}"
        )


def cents(value) -> int:
    """An amount of the protocols ("12.30", Decimal, int) as integer cents."""
    return int((Decimal(str(value)) * 100).to_integral_value())


def amount_text(amount: int) -> str:
    """Integer cents as BETCORE's amount string ("0" for nothing, as for a lost bet)."""
    return f"{amount // 100}.{amount % 100:02d}" if amount else "0"


class History:
    """Every op of a run; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.ops: list[Op] = []

    def new(self, **fields) -> Op:
        with self._lock:
            op = Op(id=next(self._ids), **fields)
            self.ops.append(op)
        return op

    def requests(self) -> int:
        """HTTP requests sent, retries included."""
        return sum(op.attempts for op in self.ops if not op.extra.get("batch_follower"))

    def count(self, outcome: str) -> int:
        return sum(1 for op in self.ops if op.outcome == outcome)

    def dump(self, path) -> None:
        """Every op as one JSON line, to study a run afterwards."""
        with open(path, "w", encoding="utf-8") as fh:
            for op in self.ops:
                record = {**asdict(op), "expected": sorted(op.expected, key=str), "key": op.key}
                fh.write(json.dumps(record, default=str) + "\n")
