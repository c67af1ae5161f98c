"""Settling a bet "to an amount": the one rule every betting door uses.

A bet's result can change (won, lost, returned, and corrected later: win → loss → win).
Each new result is the new truth: the bet's payout becomes that amount, and the wallet
moves only the difference to what was paid before, under a key of its own
("<reference>:settle:<n>", n counting the bet's movements), so every movement is
idempotent and the ledger shows each correction. A door locks the bet's row first (its
`paid` and `settlements` are then current), calls `settle_to`, and writes back the
`Settlement` it returns.
"""

from dataclasses import dataclass

from portal import money
from portal.errors import DomainError
from portal.wallet import errors as wallet_errors
from portal.wallet import operations as wallet


class PayoutNotReturnable(DomainError):
    """Taking a payout (or part of it) back would leave the player's balance below zero."""

    def __init__(self, needed: int, currency: str):
        super().__init__(
            f"taking back {money.format_amount(needed, currency)} {currency} "
            "would leave the balance below zero"
        )
        self.needed, self.currency = needed, currency


@dataclass(frozen=True)
class Settlement:
    payout: int  # the bet's payout now (minor units)
    settlements: int  # movements made so far (the next key's number - 1)
    movement: wallet.Movement | None  # None: the payout did not change


def settle_to(
    holder: wallet.Holder,
    currency: str,
    *,
    source: str,
    reference: str,
    paid: int,
    settlements: int,
    payout: int,
) -> Settlement:
    """Make the bet's payout `payout` (minor units, >= 0) when `paid` has been paid so far:
    credit the difference, or debit it back (a "reversal" movement) when the new result
    pays less. Raises PayoutNotReturnable when the balance cannot cover what goes back;
    wallet errors (a mismatching repeat of the key) go to the caller."""
    if payout < 0:
        raise ValueError("a payout is never negative")
    difference = payout - paid
    if not difference:
        return Settlement(payout, settlements, None)
    key = f"{reference}:settle:{settlements + 1}"
    amount = money.format_amount(abs(difference), currency)
    common = {"source": source, "external_id": key, "reference": reference, "existing": None}
    if difference > 0:
        movement = wallet.credit(holder, currency, amount, **common)
    else:
        try:
            movement = wallet.debit(holder, currency, amount, kind="reversal", **common)
        except wallet_errors.InsufficientFunds:
            raise PayoutNotReturnable(-difference, currency) from None
    return Settlement(payout, settlements + 1, movement)
