"""Errors raised by account operations; each door maps them to its protocol."""

from dataclasses import dataclass

from portal.errors import DomainError


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str  # a message_format code, e.g. "password_short"


class ValidationFailed(DomainError):
    """One or more fields broke a rule; `errors` lists every (field, code) found."""

    def __init__(self, errors: list[FieldError]):
        super().__init__(", ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors

    def codes(self, field: str | None = None) -> list[str]:
        return [e.code for e in self.errors if field is None or e.field == field]


class BrandNotFound(DomainError):
    pass


class InvalidCredentials(DomainError):
    """Unknown login or wrong password: deliberately not told apart."""

    keeps_changes = True  # the failed LoginEvent is kept


class PlayerBlocked(DomainError):
    keeps_changes = True


class PlayerExcluded(PlayerBlocked):
    """A timed-out, self-excluded or closed player logging in through the gateway: `reason`
    timed_out | self_excluded | closed, `until` when play may resume (None: not by time).
    (The web login lets them in to withdraw and see their exclusion.)"""

    def __init__(self, reason: str, until=None):
        super().__init__(reason)
        self.reason, self.until = reason, until


class InvalidSession(DomainError):
    """Missing, unknown, expired or revoked session token."""


class ActionRequired(DomainError):
    """The player must first do something (sign the terms, finish registration…).
    `actions` are gating codes such as TNC_APPROVAL_REQUIRED, first one first."""

    def __init__(self, actions: list[str]):
        super().__init__(actions[0])
        self.actions = actions


class InvalidLink(DomainError):
    """A mail link (reset, activation, email change) that is unknown, used or expired."""
