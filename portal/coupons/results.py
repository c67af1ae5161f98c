"""Results the calculation service posts (the bet-result blueprint's core, seed 004).

Each item ("Head") is applied on its own, in its own transaction, and kept as it came
(`CouponResult`):
- Status 2 (won; ExtStatus 0, or 1 when some outcomes were calculated at changed odds)
  makes the coupon's payout `AmountOut` (what the player gets in all, in the coupon's
  currency); Status 4 (lost) makes it 0; Status 3 (returned) makes it the stake. The
  payout moves through the core's settlement rule: only the difference to what was paid
  before, so a repeated result moves nothing and a corrected one (win -> loss -> win)
  moves what the correction changes.
- Any other status is recorded and moves no money.
- An unknown barcode is recorded ("unknown"): an operator may attach it to an unknown
  coupon, which applies it then.
- A malformed item is recorded ("malformed") with what is wrong; a payout that the
  player's balance cannot give back is recorded ("refused") and the coupon stays as it was,
  until an operator applies it again (`retry`, `flask coupons retry RESULT_ID`) once the
  balance allows, unless a later result has settled the coupon since.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from portal import money
from portal.bets import settlement
from portal.coupons.models import Coupon, CouponResult
from portal.coupons.operations import SOURCE, holder_of
from portal.database import commit, rollback
from portal.extensions import db
from portal.wallet import errors as wallet_errors

WON, RETURNED, LOST = 2, 3, 4
STATUS_NAMES = {WON: "won", RETURNED: "returned", LOST: "lost"}
MAX_HEADS = 1000


class MalformedResults(ValueError):
    """The body is not a results message at all (answered 400, nothing applied)."""


@dataclass
class Summary:
    applied: int = 0
    unknown: int = 0
    repeated: int = 0
    recorded: int = 0
    malformed: int = 0
    refused: int = 0
    problems: list = field(default_factory=list)

    def answer(self) -> dict:
        return {
            "result": "ok",
            "applied": self.applied,
            "unknown": self.unknown,
            "repeated": self.repeated,
            "recorded": self.recorded,
            "malformed": self.malformed,
            "refused": self.refused,
            **({"problems": self.problems[:20]} if self.problems else {}),
        }


@dataclass(frozen=True)
class _Head:
    barcode: str
    status: int
    ext_status: int | None
    amount_out: Decimal | None
    date_receive: str | None


def heads_of(body) -> list:
    """The items of a results body; MalformedResults when there is no list of them."""
    if not isinstance(body, dict):
        raise MalformedResults("the body is not a JSON object")
    heads = body.get("Heads")
    if not isinstance(heads, list):
        raise MalformedResults("Heads: a list of results is required")
    if len(heads) > MAX_HEADS:
        raise MalformedResults(f"Heads: at most {MAX_HEADS} results per message")
    return heads


def apply_all(body) -> Summary:
    """Apply every item of a results body, each in its own transaction."""
    summary = Summary()
    for n, item in enumerate(heads_of(body), 1):
        outcome, note = _apply_one(item)
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        if note and outcome in ("malformed", "refused"):
            summary.problems.append(f"item {n}: {note}")
    return summary


def replay_unmatched(coupon: Coupon) -> None:
    """The results recorded for the coupon's barcode before it was known (an operator
    attached the barcode, or they came before the placement's answer): kept with the
    coupon, and those recorded as unknown applied in the order they came; the caller
    commits."""
    unmatched = db.session.scalars(
        select(CouponResult)
        .where(CouponResult.barcode == coupon.barcode, CouponResult.coupon_id.is_(None))
        .order_by(CouponResult.id)
    ).all()
    for result in unmatched:
        result.coupon_id = coupon.id  # kept with the coupon; only the unknown ones apply
        if result.outcome != "unknown":
            continue
        try:
            head = _parse(json.loads(result.raw))
        except ValueError as exc:  # (a raw body cut short, or unreadable now)
            result.outcome, result.note = "malformed", f"not replayed: {exc}"[:300]
            continue
        result.outcome, result.note = _settle(coupon, head)


class NotRetried(ValueError):
    """The result cannot be applied again; the message says why."""


def retry(result_id: int) -> str:
    """Apply a result that was refused for want of balance again (an operator's action):
    its outcome becomes "applied", or it stays refused with the reason; commits (the CLI's
    door; the back office calls `apply_again` inside its own transaction)."""
    try:
        outcome = apply_again(result_id)
        commit()
        return outcome
    except Exception:
        rollback()
        raise


def apply_again(result_id: int) -> str:
    """The rule of `retry`, without its commit: the caller commits (also when the result
    stays refused: its note then says why). NotRetried changes nothing."""
    found = db.session.get(CouponResult, result_id)
    if found is None or found.outcome != "refused" or found.coupon_id is None:
        raise NotRetried(f"result {result_id} is not a refused result of a coupon")
    lock_barcode(found.barcode)
    coupon = db.session.scalar(
        select(Coupon)
        .where(Coupon.id == found.coupon_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    later = db.session.scalar(
        select(func.count())
        .select_from(CouponResult)
        .where(
            CouponResult.coupon_id == coupon.id,
            CouponResult.id > found.id,
            CouponResult.outcome.in_(("applied", "repeated")),
        )
    )
    if later:
        raise NotRetried(f"a later result has settled coupon {coupon.id} since")
    outcome, note = _settle(coupon, _parse(json.loads(found.raw)))
    if outcome == "applied":
        found.outcome, found.note = "applied", "applied again by an operator"
    else:
        found.note = (note or outcome)[:300]
    return outcome if outcome == "applied" else f"{outcome}: {note}"


def _apply_one(item) -> tuple[str, str | None]:
    raw = json.dumps(item, default=str)[:20_000]
    try:
        head = _parse(item)
    except ValueError as exc:
        barcode = _barcode_of(item)
        owner = barcode and db.session.scalar(select(Coupon.id).where(Coupon.barcode == barcode))
        kept = CouponResult(barcode=barcode, coupon_id=owner or None, raw=raw, outcome="malformed")
        kept.note = str(exc)[:300]
        _keep(kept)
        return "malformed", str(exc)
    try:
        lock_barcode(head.barcode)
        coupon = db.session.scalar(
            select(Coupon)
            .where(Coupon.barcode == head.barcode)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        result = CouponResult(
            coupon_id=coupon.id if coupon else None,
            barcode=head.barcode,
            status=head.status,
            ext_status=head.ext_status,
            amount_out=None if head.amount_out is None else format(head.amount_out, "f"),
            date_receive=head.date_receive,
            raw=raw,
        )
        if coupon is None:
            result.outcome, result.note = "unknown", "no coupon has this barcode"
        else:
            result.outcome, result.note = _settle(coupon, head)
        db.session.add(result)
        commit()
        return result.outcome, result.note
    except Exception:
        rollback()
        raise


def _settle(coupon: Coupon, head: _Head) -> tuple[str, str | None]:
    """(outcome, note) of one result on a locked coupon."""
    if head.status not in STATUS_NAMES:
        return "recorded", f"status {head.status} moves no money"
    if head.status == WON:
        if head.amount_out is None:
            return "malformed", "a won result needs AmountOut"
        try:
            amount = money.parse_amount(format(head.amount_out, "f"), coupon.currency)
            payout = money.to_minor(amount, coupon.currency)
        except money.InvalidAmount as exc:
            return "malformed", f"AmountOut: {exc}"
    else:
        payout = coupon.stake if head.status == RETURNED else 0
    status = STATUS_NAMES[head.status]
    if payout == coupon.payout and status == coupon.status:
        return "repeated", None
    try:
        settled = settlement.settle_to(
            holder_of(coupon),
            coupon.currency,
            source=SOURCE,
            reference=f"coupon:{coupon.id}",
            paid=coupon.payout,
            settlements=coupon.settlements,
            payout=payout,
        )
    except settlement.PayoutNotReturnable as exc:
        return "refused", str(exc)
    except (wallet_errors.InvalidAmount, wallet_errors.CurrencyNotAllowed) as exc:
        return "malformed", str(exc)
    coupon.payout, coupon.settlements, coupon.status = settled.payout, settled.settlements, status
    return "applied", None


def _parse(item) -> _Head:
    if not isinstance(item, dict):
        raise ValueError("an item is an object")
    barcode = _barcode_of(item)
    if barcode is None:
        raise ValueError("KeyHead.BarCode: the coupon's barcode is required")
    status = item.get("Status")
    if isinstance(status, str) and status.strip().isdigit() and status.strip().isascii():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 0 <= status < 100:
        raise ValueError("Status: a number")
    ext = item.get("ExtStatus")
    if isinstance(ext, str) and ext.strip().isdigit() and ext.strip().isascii():
        ext = int(ext)
    if ext is not None and (
        not isinstance(ext, int) or isinstance(ext, bool) or not 0 <= ext < 100
    ):
        raise ValueError("ExtStatus: a number")
    if status == WON and ext not in (None, 0, 1):
        raise ValueError("ExtStatus: 0 or 1 with a won result")
    amount = item.get("AmountOut")
    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, int | float | str | Decimal):
            raise ValueError("AmountOut: a number")
        try:
            amount = Decimal(str(amount))
        except InvalidOperation:
            raise ValueError("AmountOut: a number") from None
        if not amount.is_finite() or not 0 <= amount <= money.MAX_MINOR_UNITS:
            raise ValueError("AmountOut: a number from 0")
    date = item.get("DateReceive")
    return _Head(barcode, status, ext, amount, None if date is None else str(date)[:40])


def lock_barcode(barcode: str) -> None:
    """Take turns on a barcode until the transaction ends: a result that finds no coupon
    for it and an operator (or a placement's answer) attaching it to one cannot pass each
    other unseen (PostgreSQL: an advisory lock; SQLite's writers take turns anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(barcode))))


def _barcode_of(item) -> str | None:
    key = item.get("KeyHead") if isinstance(item, dict) else None
    code = key.get("BarCode") if isinstance(key, dict) else None
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    if not isinstance(code, str) or not code.strip() or len(code) > 100 or "\x00" in code:
        return None
    return code.strip()


def _keep(result: CouponResult) -> None:
    try:
        db.session.add(result)
        commit()
    except Exception:
        rollback()
        raise
