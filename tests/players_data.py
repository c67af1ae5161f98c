"""A player with something in every section of the admin player page."""

from datetime import timedelta

from portal.accounts.models import LoginEvent, Player, PlayerSession, Signature
from portal.admin.models import PlayerNote
from portal.bonuses import operations as bonuses
from portal.casino.models import CasinoBet, CasinoPayment
from portal.coupons.models import Coupon
from portal.extensions import db
from portal.limits import operations as limits
from portal.payments.models import Deposit, Withdrawal
from portal.sportsbook.models import SportsBet
from portal.timeutil import utcnow
from portal.wallet import operations as wallet

XSS = "<script>alert(1)</script>"


def open_session(player_id: int, ip="198.51.100.7") -> int:
    from portal.accounts.sessions import open_session as opened

    player = db.session.get(Player, player_id)
    opened(player, channel="web", ip=ip, user_agent="pytest")
    return db.session.query(PlayerSession).order_by(PlayerSession.id.desc()).first().id


def fill_sections(app, player_id: int) -> None:
    from portal.accounts.credentials import record_change

    with app.app_context():
        player = db.session.get(Player, player_id)
        player.first_name, player.last_name = "Rich", "Player"
        record_change(player, "first_name", None, "Rich", operator="Player")
        move = wallet.adjust(player, "EUR", "15.00", reason="opening balance", operator="test",
                             external_id="test:opening")  # fmt: skip
        bonus = bonuses.create("Ten", "TENNER", amount="10.00", wagering="5",
                               max_conversion="20.00", days=30)  # fmt: skip
        bonuses.grant(player, bonus, "EUR")
        db.session.add(Deposit(reference="DEP-REF-1", player_id=player_id, provider="sandbox",
                               currency="EUR", amount=1000, status="success"))  # fmt: skip
        db.session.add(Withdrawal(player_id=player_id, provider="sandbox", currency="EUR",
                                  amount=500, requisite="424242******4242"))  # fmt: skip
        limits.set_limit(player, "deposit", "day", "EUR", 10000, actor="player")
        limits.exclude(player, "timeout", "24h", reason="cool down")
        limits.lift(player, reason="asked by mistake", actor="operator:test")
        open_session(player_id)
        db.session.add(LoginEvent(brand_id=player.brand_id, player_id=player_id, channel="web",
                                  success=True, ip="198.51.100.7"))  # fmt: skip
        db.session.add(LoginEvent(brand_id=player.brand_id, player_id=player_id, channel="web",
                                  success=False, reason="bad_credentials"))  # fmt: skip
        db.session.add(CasinoBet(bet_id=777001, player_id=player_id, currency="EUR"))
        db.session.add(CasinoPayment(bet_id=777001, transaction_type=-1, amount=100,
                                     wallet_transaction_id=move.transaction.id))  # fmt: skip
        db.session.add(SportsBet(transaction_id="betsy-tx-1", player_id=player_id,
                                 currency="EUR", stake=200, coefficient="2.5"))  # fmt: skip
        coupon = dict(currency="EUR", stake=300, odds="1.9", rate_mode="accept", lang="en")
        db.session.add(Coupon(player_id=player_id, barcode="BARCODE-1", status="open", **coupon))
        db.session.add(Signature(player_id=player_id, type="tnc", version=3, language="en"))
        db.session.add(PlayerNote(player_id=player_id, author="support@example.com",
                                  text="Called about a refund"))  # fmt: skip
        db.session.commit()
        assert utcnow() - timedelta(minutes=1) < player.created_at
