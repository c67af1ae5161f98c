"""Wallet errors; each door maps them to its protocol (BETCORE codes, Betsy codes...)."""

from decimal import Decimal

from portal.errors import DomainError


class WalletError(DomainError):
    pass


class InvalidAmount(WalletError):
    """Not a positive amount in the currency's digits (or a float)."""


class CurrencyNotAllowed(WalletError):
    """The player's brand does not offer this currency."""


class InsufficientFunds(WalletError):
    """The movement would make a real-money balance negative; `balance`: the playable
    balance (real and bonus money) it met."""

    def __init__(self, balance: Decimal, currency: str):
        super().__init__(f"balance {balance} {currency}")
        self.balance, self.currency = balance, currency


class DuplicateMismatch(WalletError):
    """The idempotency key was used before with other parameters."""

    def __init__(self, existing):
        super().__init__(f"{existing.source}:{existing.external_id}")
        self.existing = existing


class TransactionVoided(WalletError):
    """The original arrived after it had been cancelled (refund before the stake)."""

    def __init__(self, existing):
        super().__init__(f"{existing.source}:{existing.external_id}")
        self.existing = existing


class AlreadyReversed(WalletError):
    """The original has been refunded or reversed already (under another key)."""

    def __init__(self, reversal):
        super().__init__(f"{reversal.source}:{reversal.external_id}")
        self.reversal = reversal
