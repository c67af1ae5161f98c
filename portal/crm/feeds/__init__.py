"""Every CRM feed of seed 003, by the name in its URL (/crm/<name>)."""

from portal.crm.feeds.activity import CASINO_GAME_ACTIVITY, LOGINS
from portal.crm.feeds.autologins import AUTO_LOGINS
from portal.crm.feeds.bonuses import BONUS_ASSIGNMENTS, BONUSES
from portal.crm.feeds.money import TRANSACTIONS, WALLETS
from portal.crm.feeds.players import CONTACTS, PLAYERS
from portal.crm.feeds.sports import SPORTS_BETS, SPORTS_EVENTS, SPORTS_ODDS, SPORTS_TOURNAMENTS

FEEDS = {
    feed.name: feed
    for feed in (
        PLAYERS,
        CONTACTS,
        TRANSACTIONS,
        LOGINS,
        AUTO_LOGINS,
        WALLETS,
        BONUS_ASSIGNMENTS,
        BONUSES,
        CASINO_GAME_ACTIVITY,
        SPORTS_TOURNAMENTS,
        SPORTS_EVENTS,
        SPORTS_BETS,
        SPORTS_ODDS,
    )
}
