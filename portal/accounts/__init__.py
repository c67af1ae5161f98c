"""Accounts core: brands, players, admins, sessions, passwords, mail."""
