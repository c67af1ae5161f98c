"""Wallet core: one double-entry ledger for every money movement of the portal."""
