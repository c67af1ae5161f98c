"""The operator of the bank's run: approves and declines withdrawals as
`flask --app app withdrawals approve|decline` does, through the same core functions, in the
test's process on the run's database (a subprocess per decision would cost an import of
the app each). Approving asks the sandbox provider served beside the portal to pay out:
to a card ending 0119 the payout fails and the held money returns."""

from __future__ import annotations

from portal.database import commit, rollback
from portal.payments import withdrawals
from portal.payments.deposits import CashierRefused
from tests.reliability.bank.history import OK, REFUSED


class Operator:
    def __init__(self, app):
        self.app = app

    def decide(self, action: str, withdrawal_id: int) -> tuple:
        """(outcome, code, value) of approving or declining: OK with the request's status
        afterwards (success, fail, or process while the payout has no answer), or
        REFUSED "not_pending"."""
        with self.app.app_context():
            try:
                if action == "approve":
                    done = withdrawals.approve(withdrawal_id, "bank")  # (commits)
                else:
                    done = withdrawals.decline(withdrawal_id, "bank test", "bank")
                    commit()
            except CashierRefused as exc:
                rollback()
                return REFUSED, exc.code, None
            return OK, 200, {"status": done.status}
