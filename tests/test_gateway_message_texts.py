"""Every message_format / errorCode the portal can emit has a text in every language of
portal.messages, found by scanning the portal's sources (so codes added later are checked
too), and the gateway's message-format endpoint serves each of them."""

import ast
from pathlib import Path

import portal
from portal import messages
from portal.accounts import profile

MESSAGE_FORMAT = "/gateway/site-management/1/content/message/format/{}"
PORTAL = Path(portal.__file__).parent


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _constant(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _template(node: ast.JoinedStr) -> str:
    return "".join(
        part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
        for part in node.values
    )


def _required_names(trees) -> set[str]:
    """Every field name passed as `required=` to profile.validate_details."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _callee(node) == "validate_details":
                for keyword in node.keywords:
                    if keyword.arg != "required":
                        continue
                    if isinstance(keyword.value, ast.Name):  # a constant of accounts.profile
                        names |= set(getattr(profile, keyword.value.id))
                    else:
                        names |= set(ast.literal_eval(keyword.value))
    return names


def emitted_codes() -> tuple[dict[str, str], list[str]]:
    """(code -> where it is emitted, dynamic codes this scan cannot resolve)."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PORTAL.rglob("*.py"))}
    required = _required_names(trees.values())
    prefixes = {name: code for name, (_, _, code) in profile.TEXT_FIELDS.items()}
    dynamic = {
        "{code}_required": {f"{prefixes[n]}_required" for n in required if n in prefixes},
        "{name}_required": {f"{n}_required" for n in required if n not in prefixes},
        "{code}_invalid": {f"{code}_invalid" for code in prefixes.values()},
    }
    found, unresolved = {}, []
    for path, tree in trees.items():
        where = str(path.relative_to(PORTAL.parent))
        for node in ast.walk(tree):
            codes = []
            if isinstance(node, ast.Call):
                name, args = _callee(node), node.args
                if name == "FieldError" and len(args) == 2 and isinstance(args[1], ast.JoinedStr):
                    template = _template(args[1])
                    if template in dynamic and path.name == "profile.py":
                        codes += dynamic[template]
                    else:
                        unresolved.append(f"{where}:{node.lineno} {template}")
                elif name == "FieldError" and len(args) == 2:
                    codes.append(_constant(args[1]))
                elif name == "text" and args or ast.unparse(node.func) == "codes.append":
                    codes.append(_constant(args[0]))  # texts shown; password policy codes
                codes += [_constant(k.value) for k in node.keywords if k.arg == "message_format"]
            elif isinstance(node, ast.Dict):
                pairs = zip(node.keys, node.values, strict=True)
                codes += [_constant(v) for k, v in pairs if _constant(k) == "message_format"]
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                value, target = _constant(node.value), node.targets[0]
                if (
                    value
                    and isinstance(target, ast.Name)
                    and target.id == value
                    and value.isupper()
                ):
                    codes.append(value)  # gating codes: NAME = "NAME"
            for code in codes:
                if code and code.replace("_", "").isalnum() and " " not in code:
                    found.setdefault(code.lower(), f"{where}:{node.lineno}")
    return found, unresolved


def test_the_scan_finds_the_codes_of_every_kind():
    found, unresolved = emitted_codes()

    assert unresolved == []  # a new dynamic code: teach emitted_codes to expand it
    for code in [
        "email_fraud", "password_short", "password_same_letters", "wrong_old_password",
        "forgot_email_sent", "general_failure", "login_failed", "tnc_approval_required",
        "incomplete_registration", "email_not_verified", "password_change_required",
        "first_name_required", "birthdate_required", "country_required", "zip_code_invalid",
        "underage", "custom_field_invalid", "document_not_published",
    ]:  # fmt: skip
        assert code in found, code
    assert "city_required" not in found  # never required, so never emitted
    assert len(found) >= 50


def test_every_code_the_portal_emits_has_a_text_in_every_language():
    found, _ = emitted_codes()

    missing = {
        f"{language}: {code} ({where})"
        for language in messages.TEXTS
        for code, where in found.items()
        if not messages.TEXTS[language].get(code)
    }
    assert missing == set()
    assert set(messages.TEXTS) == set(messages.TITLES) >= {"en", "de"}
    assert {lang: set(texts) for lang, texts in messages.TEXTS.items()} == {
        lang: set(messages.TEXTS["en"]) for lang in messages.TEXTS
    }


def test_every_emitted_code_is_served_as_a_message_format(client):
    found, _ = emitted_codes()

    for code in sorted(found):
        for language in messages.TEXTS:
            response = client.get(MESSAGE_FORMAT.format(code), query_string={"language": language})
            assert response.status_code == 200, (code, language)
            assert response.json["content"] == messages.TEXTS[language][code]
