"""The cashier: deposits and withdrawals through payment providers, on the one ledger."""
