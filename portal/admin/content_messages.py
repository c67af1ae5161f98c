"""Content: the texts of message codes (portal.messages) and operators' overrides of them
per language (portal.message_texts); pages and the gateway show an override at once in
this process, within message_texts.TTL seconds in the others."""

from flask import abort, flash, redirect, render_template, request, url_for

from portal import message_texts, messages
from portal.admin.args import arg_number
from portal.admin.blueprint import ADMIN, action, audit, page, required_reason
from portal.admin.paging import PER_PAGE, Page
from portal.admin.refusals import refuse


def _rows() -> list[dict]:
    overridden = message_texts.overrides()
    codes = sorted(messages.TEXTS[messages.DEFAULT_LANGUAGE])
    return [
        {
            "code": code,
            "language": language,
            "default": messages.TEXTS[language].get(code, ""),
            "override": overridden.get((language, code)),
        }
        for code in codes
        for language in messages.TEXTS
    ]


def _list_page(rows: list[dict]) -> Page:
    """Sort and page a list the way paginate pages a query (sort: code or language)."""
    sort = request.args.get("sort", "code")
    sort = sort if sort in ("code", "language") else "code"
    direction = "desc" if request.args.get("dir") == "desc" else "asc"
    rows = sorted(rows, key=lambda r: (r[sort], r["code"], r["language"]),
                  reverse=direction == "desc")  # fmt: skip
    number = max(1, min(arg_number("page") or 1, 100_000))
    start = (number - 1) * PER_PAGE
    return Page(rows[start : start + PER_PAGE], number, PER_PAGE, len(rows), sort, direction)


@page("/content/messages")
def content_messages():
    """Every code in every language: the built-in text and the override, if any."""
    rows = _rows()
    if code := request.args.get("code", "").strip().lower():
        rows = [r for r in rows if code in r["code"]]
    if text := request.args.get("text", "").strip().lower():
        rows = [r for r in rows if text in (r["override"] or r["default"]).lower()]
    if request.args.get("language") in messages.TEXTS:
        rows = [r for r in rows if r["language"] == request.args["language"]]
    if request.args.get("overridden") == "1":
        rows = [r for r in rows if r["override"] is not None]
    return render_template(
        "admin/messages.html", rows=_list_page(rows), languages=list(messages.TEXTS)
    )


def _target() -> tuple[str, str]:
    code = (request.form.get("code") or "").strip().lower()
    language = (request.form.get("language") or "").strip().lower()
    if code not in messages.TEXTS[messages.DEFAULT_LANGUAGE] or language not in messages.TEXTS:
        abort(400, "Unknown message code or language.")
    return code, language


def _state(code: str, language: str) -> dict:
    return {"text": messages.text(code, language), "override": message_texts.get(code, language)}


@action("/content/messages/set", roles=ADMIN)
def content_message_set():
    reason = required_reason()
    code, language = _target()
    before = _state(code, language)
    try:
        message_texts.set_text(code, language, request.form.get("text") or "")
    except message_texts.TextRefused as exc:
        refuse(exc)
    after = {"text": message_texts.get(code, language), "override": True}
    audit("message_text.set", target_type="message_text", target_id=f"{language}:{code}",
          before=before, after=after, reason=reason)  # fmt: skip
    flash(f"The text of {code} ({language}) is changed.", "success")
    return redirect(url_for("admin.content_messages", code=code, language=language))


@action("/content/messages/remove", roles=ADMIN)
def content_message_remove():
    reason = required_reason()
    code, language = _target()
    before = _state(code, language)
    if not message_texts.remove(code, language):
        abort(400, "This text has no override.")
    after = {"text": messages.TEXTS[language].get(code) or messages.text(code), "override": None}
    audit("message_text.remove", target_type="message_text", target_id=f"{language}:{code}",
          before=before, after=after, reason=reason)  # fmt: skip
    flash(f"{code} ({language}) uses its built-in text again.", "success")
    return redirect(url_for("admin.content_messages", code=code, language=language))
