"""The payment-provider interface: everything the cashier asks of a provider.

A provider is a class registered under its name (the `provider` of a payment method, a
deposit, a withdrawal, and the callback URL `/payments/<name>/callback`):

    class Provider:
        name = "sandbox"
        def deposit_url(self, deposit, return_url) -> str        # where the player pays
        def verify(self, raw: bytes, headers) -> None            # BadSignature, before reading
        def read_callback(self, raw: bytes) -> Callback          # MalformedCallback
        def payout(self, withdrawal, token) -> Payout            # send the money
        def payout_problem(self) -> str | None                   # why it cannot pay out now

To add a real provider: write such a class (its settings in portal.config), register it
in `_registered`, describe its callback in the OpenAPI document, and offer it to a brand
(`flask --app app payments method BRAND PROVIDER CURRENCY ...`). The cashier's core
(portal.payments.deposits / withdrawals) never changes for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from portal import redaction
from portal.errors import DomainError

PENDING, SUCCESS, FAILED = "pending", "success", "failed"  # a callback's status


class BadSignature(DomainError):
    """The callback is not signed by the provider (answered 401, nothing read)."""


class MalformedCallback(DomainError):
    """The callback's body is not what the provider sends (answered 400)."""


class UnknownProvider(DomainError):
    pass


@dataclass(frozen=True)
class Callback:
    """A verified callback: the provider's transaction, our reference, what happened."""

    provider_tx_id: str
    reference: str
    status: str  # pending | success | failed
    amount: Decimal
    currency: str
    requisite: str | None = None  # masked
    payment_system: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Payout:
    """What a provider answered to a payout: success and failed are final."""

    status: str  # success | failed | pending
    provider_tx_id: str | None = None
    message: str | None = None


def _registered() -> dict:
    """Every provider class by name (the one place a new provider is added)."""
    from portal.payments.sandbox_provider import SandboxProvider

    return {SandboxProvider.name: SandboxProvider}


def get(name: str):
    """The provider registered under `name`, configured from the app's settings."""
    found = _registered().get(name)
    if found is None:
        raise UnknownProvider(name)
    return found()


def names() -> tuple[str, ...]:
    return tuple(_registered())


def mask(number: str) -> str:
    """A card number as it may be stored: the first six and last four digits."""
    return redaction.mask_card_number(number)


def masked_card_numbers(text: str) -> str:
    """Text as it may be stored: any run of 13 to 19 digits (a card number, spaces or
    dashes allowed) masked to its first six and last four digits (portal.redaction)."""
    return redaction.masked_card_numbers(text)
