"""The visitors' language switch: POST /language remembers the choice in a cookie for a
year. Players read the site in their own language setting (the account page)."""

from flask import abort, redirect, request
from flask_babel import lazy_gettext

from portal import i18n
from portal.player.blueprint import bp, safe_next

ONE_YEAR = 365 * 24 * 3600


@bp.post("/language")
def choose_language():
    chosen = request.form.get("language", "")
    if chosen not in i18n.site_languages():
        abort(400, lazy_gettext("This language is not offered."))
    answer = redirect(safe_next(request.form.get("next")))
    answer.set_cookie(
        i18n.LANGUAGE_COOKIE,
        chosen,
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure,
    )
    return answer
