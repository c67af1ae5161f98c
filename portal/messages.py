"""The texts behind every message_format / errorCode the portal emits, per language.

Pages show these texts instead of raw codes; the gateway's message-format endpoint
(seed 002) serves them to sites that render their own pages.
"""

DEFAULT_LANGUAGE = "en"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "email_required": "An email address is required.",
        "email_syntax_error": "The email syntax is wrong. The format is aaa@bbb.ccc.",
        "email_fraud": "Email addresses of this domain are not accepted.",
        "email_already_exists": "This email address is already registered.",
        "email_long": "The email address is too long.",
        "invalid_email": "The email address entered is invalid.",
        "username_short": "The login name must have at least 3 characters.",
        "username_long": "The login name can have at most 50 characters.",
        "username_invalid": "The login name may use only letters, digits, '_', '.' and '-'.",
        "username_already_exists": "This login name is already taken.",
        "password_required": "A password is required.",
        "password_short": (
            "The password is too short. It must have at least 8 characters, including a "
            "combination of digits and letters, and at least 4 different characters."
        ),
        "password_long": "The password is too long.",
        "password_match_user_name": "The password must be different from the email and username.",
        "password_same_letters": (
            "The password has too many repeating characters. It must contain at least "
            "4 different characters."
        ),
        "password_mix_characters": "The password must have a combination of letters and digits.",
        "wrong_old_password": "The verification password entered is not valid.",
        "currency_invalid": "This currency is not offered.",
        "language_invalid": "This language is not offered.",
        "over18_required": "You must confirm that you are over 18.",
        "tnc_required": "Please accept the terms and conditions.",
        "login_failed": "Wrong login name, email or password.",
        "player_blocked": "This account is blocked. Please contact support.",
        "too_many_requests": "Too many attempts. Please wait a minute and try again.",
        "session_expired": "Your session has ended. Please log in again.",
    },
}


def text(code: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The text for a code in the language, else in English, else the code itself."""
    for lang in (language, DEFAULT_LANGUAGE):
        found = TEXTS.get(lang, {}).get(code)
        if found:
            return found
    return code
