"""The bank test's parts (Jepsen-style): the world it plays in, the vendors' HTTP clients,
the scenarios they play, the history they record, and the checker that holds the history
against the ledger. tests/reliability/test_bank.py and test_crash.py put them together."""
