"""Domain errors of the core as the admin pages show them: a 400 page saying what is
wrong (the action's transaction is rolled back by the abort)."""

from flask import abort

from portal import messages
from portal.accounts.errors import ValidationFailed


def refuse(exc: Exception):
    """Abort with 400 and the error's words (each field's message for ValidationFailed)."""
    if isinstance(exc, ValidationFailed):
        abort(400, "; ".join(f"{e.field}: {messages.text(e.code)}" for e in exc.errors))
    abort(400, getattr(exc, "detail", None) or str(exc) or type(exc).__name__)


def form_int(name: str, *, required: bool = True) -> int | None:
    """A whole-number field of the form (0 to 2**31 - 1): 400 when it is not one."""
    from flask import request

    from portal.admin.args import number

    text = (request.form.get(name) or "").strip()
    if not text and not required:
        return None
    value = number(text)
    if value is None:
        abort(400, f"{name.replace('_', ' ')}: a whole number")
    return value
