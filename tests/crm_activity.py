"""Activity for the CRM feed tests, made through the portal's doors and operations, and
its modification times placed on chosen past instants.

A scenario (tests/crm_scenarios.py, tests/crm_sports_scenarios.py) makes a few items and
says how a real operation changes some of them later. An `Item` is rows of the database
written together (a player; a bet with its selections) and the rows it makes in one or
more feeds (players and contacts; sports-bets and sports-odds), by feed and key, with the
values they must show. Modification times are set by the database's clock (portal_now())
when the rows are written, i.e. now; to put an item exactly on a window's border the tests
then set its stamp columns directly with an UPDATE (`Item.stamps`, `place`), to fixed
instants of 2026-03-01."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from portal.accounts.models import Player
from portal.bonuses import operations as bonuses
from portal.casino import operations as casino
from portal.extensions import db
from portal.payments import deposits, withdrawals
from portal.wallet import operations as wallet
from portal.wallet.models import Account, Transaction
from tests.crm_feeds import AUTH, PASSWORD
from tests.harness.payments import SECRET as PAYMENTS_SECRET
from tests.harness.payments import signed
from tests.test_betsy_api import SECRET as BETSY_SECRET

AT = object()  # an expected value: the item's modification time, as the feed writes it
USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) "CRM, test" agent'
CITY = 'Saint-Denis, "Nord"\nBlock 5'  # a comma, a quote and a line break
TAG = 7  # the BETCORE frame (TagId) the casino sessions play in
RESULTS_SECRET = "crm-results-secret"  # of the calculation service's bet-result door


def feed_config(betcalc_url: str) -> dict:
    """The app's settings: the feeds' credentials (settled at once: CRM_SETTLE_SECONDS
    0), and the doors the scenarios use (Betsy, BETCORE, the payment sandbox, the
    calculation service's sandbox at `betcalc_url`)."""
    return {
        "CRM_FEED_USER": "crm", "CRM_FEED_PASSWORD": PASSWORD, "CRM_SETTLE_SECONDS": 0,
        "BETSY_PARTNER_SECRET": BETSY_SECRET, "PAYMENT_SANDBOX_SECRET": PAYMENTS_SECRET,
        "BETCALC_API_URL": betcalc_url, "BETCALC_LOGIN": "12345", "BETCALC_PASSWORD": "pw",
        "BETCALC_RESULT_SECRET": RESULTS_SECRET, "BETCALC_TIMEOUT": 5.0,
        "BETCORE_API_URL": "http://betcore.test",  # (its accepts wait in the outbox)
    }  # fmt: skip


@dataclass
class Item:
    rows: dict[str, dict[str, dict]]  # feed -> key of its row -> values the row must show
    stamps: list[tuple]  # (table, column, where): the writes of its modification time


@dataclass
class Scenario:
    items: list[Item]
    # a later change through a real operation: feed -> key of a changed (or new) row -> its
    # new values
    change: Callable[[], dict[str, dict[str, dict]]]
    # changed rows that also stay in their earlier window, as (feed, key): a casino session
    # still has its earlier actions there, a tournament its own time
    stays: frozenset = frozenset()


@dataclass
class Env:
    """What a scenario works with: the app, a client of its doors (a browser's user agent)
    and a brand, plus the factories of tests.conftest."""

    app: object
    client: object
    brand_id: int
    make_player: Callable

    def do(self, operation: Callable, *args, **kwargs):
        """Run a core operation in its own app context and commit it."""
        with self.app.app_context():
            result = operation(*args, **kwargs)
            db.session.commit()
            return result

    def read(self, query):
        with self.app.app_context():
            found = db.session.execute(query).all()
            db.session.commit()
            return found


def make_env(app, brand_id: int, make_player: Callable) -> Env:
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    return Env(app, client, brand_id, make_player)


def place(app, placed: list[tuple[Item, datetime]]) -> None:
    """Set each item's modification time to its instant (see the module's docstring)."""
    with app.app_context():
        for item, at in placed:
            for table, column, where in item.stamps:
                db.session.execute(update(table).where(where).values({column: at}))
        db.session.commit()


def stamp_of(model, column: str, where) -> tuple:
    return (model.__table__, column, where)


# --- doers ----------------------------------------------------------------------------------


def funded(env: Env, email: str, amounts: dict | None = None, **fields) -> int:
    """A ready player with real money by support's adjustment: {currency: "100.00"}."""
    player_id = env.make_player(email=email, btag=f"aff-{email.split('@')[0]}", **fields)
    for currency, amount in (amounts or {}).items():
        adjust(env, player_id, currency, amount, "opening balance")
    return player_id


def adjust(env: Env, player_id: int, currency: str, amount: str, reason: str) -> int:
    """Support's adjustment: its wallet transaction's id."""

    def run():
        player = db.session.get(Player, player_id)
        key = f"adjust-{player_id}-{currency}-{amount}-{reason}"
        return wallet.adjust(player, currency, amount, reason=reason, operator="t", external_id=key)

    return env.do(run).transaction_id


def casino_session(env: Env, player_id: int, currency: str = "EUR") -> str:
    """BETCORE opens the WebFrame for the player: the core of /users/auth (a new game
    session), as the casino door runs it."""

    def run():
        player = db.session.get(Player, player_id)
        return casino.authenticate(casino.issue_token(player, currency, TAG), TAG).session.id

    return env.do(run)


def casino_payment(env: Env, player_id: int, bet_id: int, kind: int, amount: str) -> None:
    """A stake (-1) or a win (1) of a bet: the core of BETCORE's /payments/make, as the
    casino door runs it (the door's JWT signing is tests/test_casino_betcore.py's)."""
    data = {"Amount": amount, "TaxAmount": "0", "BetId": bet_id, "TagId": TAG,
            "PartnerUserId": str(player_id), "TransactionType": kind}  # fmt: skip
    env.do(casino.make_payment, data)


def bonus(env: Env, name: str, code: str, amount: str, wagering: str = "30") -> int:
    """An operator defines a fixed bonus (`flask bonuses create`): its id."""

    def run():
        made = bonuses.create(
            name, code, amount=amount, wagering=wagering, max_conversion=amount, days=7
        )
        return made.id

    return env.do(run)


def grant(env: Env, player_id: int, code: str, currency: str) -> int:
    """The bonus given to the player (`flask bonuses assign`): the assignment's id."""

    def run():
        given = bonuses.grant(db.session.get(Player, player_id), bonuses.by_code(code), currency)
        return given.id

    return env.do(run)


def callback(env: Env, reference: str, status: str, amount: str, **more) -> None:
    """The payment provider's signed callback, through its door."""
    body = {"provider_tx_id": f"tx-{reference}", "reference": reference, "status": status,
            "amount": amount, "currency": "EUR", **more}  # fmt: skip
    raw, signature = signed(body)
    answer = env.client.post(
        "/payments/sandbox/callback",
        data=raw,
        headers={"X-Signature": signature, "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)


def deposit(env: Env, player_id: int, amount: str, status: str | None, **more) -> int:
    """A deposit started in the cashier, answered by the provider with `status` (None:
    not yet): its id."""

    def run():
        made = deposits.start(db.session.get(Player, player_id), amount, "EUR", "sandbox")
        return made.id, made.reference

    deposit_id, reference = env.do(run)
    if status is not None:
        callback(env, reference, status, amount, **more)
    return deposit_id


def transaction_id(env: Env, source: str, external_id: str) -> int:
    query = select(Transaction.id).where(
        Transaction.source == source, Transaction.external_id == external_id
    )
    return env.read(query)[0][0]


def accounts(env: Env) -> dict[tuple, int]:
    """Every player account: (player id, currency, kind) -> account id."""
    rows = env.read(
        select(Account.player_id, Account.currency, Account.kind, Account.id).where(
            Account.player_id.is_not(None)
        )
    )
    return {(p, c, k): i for p, c, k, i in rows}


def withdraw(env: Env, player_id: int, amount: str) -> int:
    """The player asks to withdraw to the card they deposited with: its id."""

    def run():
        player = db.session.get(Player, player_id)
        return withdrawals.ask(player, amount, "EUR", "sandbox", "424242******4242").id

    return env.do(run)


def issue_links(env: Env, people: list[int], campaign: str) -> dict[int, str]:
    """A CRM campaign asks the CRM door for personal login links: player id -> token."""
    body = {"player_ids": [str(p) for p in people], "campaign": campaign}
    answer = env.client.post("/crm/auto-logins", json=body, headers=AUTH)
    assert answer.status_code == 200 and answer.json["refused"] == [], answer.json
    return {int(link["player_id"]): link["login_token"] for link in answer.json["links"]}
