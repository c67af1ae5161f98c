"""Coupons: bets sent to the bet calculation service (seed 004)."""
