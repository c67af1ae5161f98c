"""Money made through the core for the back office's money and dashboard tests."""

import json
from decimal import Decimal

from portal.accounts.models import Player
from portal.coupons.models import Coupon, CouponResult
from portal.extensions import db
from portal.payments import deposits, providers, withdrawals
from portal.payments.cli import method_row
from portal.wallet import operations as wallet

CARD = "424242******4242"
LIMITS = {
    "min_deposit": "5.00",
    "max_deposit": "1000.00",
    "min_withdrawal": "5.00",
    "max_withdrawal": "500.00",
}


def offer_sandbox(app, brand_id):
    with app.app_context():
        method_row(brand_id, "sandbox", "EUR", LIMITS)
        db.session.commit()


def deposit(app, player_id, amount, tx, status="success") -> int:
    with app.app_context():
        started = deposits.start(db.session.get(Player, player_id), amount, "EUR", "sandbox")
        db.session.commit()
        if status is None:  # started, no callback yet
            return started.id
        callback = providers.Callback(
            tx, started.reference, status, Decimal(amount), "EUR", CARD, "VISA"
        )
        deposits.apply_callback("sandbox", callback)
        db.session.commit()
        return started.id


def ask_withdrawal(app, player_id, amount="30.00") -> int:
    with app.app_context():
        player = db.session.get(Player, player_id)
        asked = withdrawals.ask(player, amount, "EUR", "sandbox", CARD).id
        db.session.commit()
        return asked


def stake(app, player_id, amount, key, *, win=None):
    with app.app_context():
        holder = wallet.holder_of(player_id)
        wallet.debit(holder, "EUR", amount, source="test", external_id=f"{key}:stake")
        if win is not None:
            wallet.credit(holder, "EUR", win, source="test", external_id=f"{key}:win")
        db.session.commit()


def refund(app, player_id, key):
    with app.app_context():
        wallet.refund_stake(
            wallet.holder_of(player_id),
            "EUR",
            source="test",
            external_id=f"{key}:refund",
            original_external_id=f"{key}:stake",
        )
        db.session.commit()


def unknown_coupon(app, player_id, stake_amount="10.00", note="no answer") -> int:
    """A coupon whose placement has no known end, its stake held (as placement leaves it)."""
    with app.app_context():
        coupon = Coupon(
            player_id=player_id,
            currency="EUR",
            stake=int(Decimal(stake_amount) * 100),
            odds="2.50",
            rate_mode="reject",
            lang="en",
            status="unknown",
            refusal_message=note,
        )
        db.session.add(coupon)
        db.session.flush()
        wallet.debit(
            wallet.holder_of(player_id),
            "EUR",
            stake_amount,
            source="coupons",
            external_id=f"{coupon.id}:stake",
            reference=f"coupon:{coupon.id}",
        )
        db.session.commit()
        return coupon.id


def refused_result(app, coupon_id, barcode, amount_out="25.00") -> int:
    """A won result recorded as refused (as a correction the balance could not give back)."""
    with app.app_context():
        coupon = db.session.get(Coupon, coupon_id)
        coupon.status, coupon.barcode = "open", barcode
        item = {"KeyHead": {"BarCode": barcode}, "Status": 2, "AmountOut": amount_out}
        result = CouponResult(
            coupon_id=coupon_id,
            barcode=barcode,
            status=2,
            amount_out=amount_out,
            raw=json.dumps(item),
            outcome="refused",
            note="the balance cannot give it back",
        )
        db.session.add(result)
        db.session.commit()
        return result.id
