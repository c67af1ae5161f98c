"""Bonuses: definitions, assignments to players, wagering and its completion."""
