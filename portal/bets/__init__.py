"""Bets in the core: the rules every betting door shares (sportsbook, coupons)."""
