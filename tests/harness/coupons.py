"""A coupon the calculation service has accepted, made directly (for tests and the bench
that need open coupons without placing them through the service)."""

from portal import money
from portal.coupons.models import Coupon
from portal.coupons.operations import SOURCE
from portal.extensions import db
from portal.wallet import operations as wallet


def open_coupon(player, barcode: str, stake: int, currency: str = "EUR", odds: str = "2.5"):
    """An open coupon of `player` (a Player or a wallet Holder) with its stake (minor
    units) debited under the key placement uses; the caller commits."""
    coupon = Coupon(
        player_id=player.id,
        barcode=barcode,
        currency=currency,
        stake=stake,
        odds=odds,
        rate_mode="reject",
        lang="en",
        status="open",
    )
    db.session.add(coupon)
    db.session.flush()
    amount = money.format_amount(stake, currency)
    wallet.debit(player, currency, amount, source=SOURCE, external_id=f"{coupon.id}:stake")
    return coupon
