"""The texts behind every message_format / errorCode the portal emits, per language.

Pages show these texts instead of raw codes; the gateway's message-format endpoint
(seed 002) serves them to sites that render their own pages. A test checks that every
code the code base can emit has a text in every language here.
"""

from portal import message_texts

DEFAULT_LANGUAGE = "en"

# Codes that report success; every other code is an error.
INFO_CODES = frozenset(
    {
        "forgot_email_sent",
        "password_replaced",
        "password_successfully_changed",
        "email_change_pending",
        "email_verified",
        "activation_sent",
    }
)

TITLES = {
    "en": {"info": "Done", "error": "Please check", "button": "OK"},
    "de": {"info": "Erledigt", "error": "Bitte prüfen", "button": "OK"},
}

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        # email
        "email_required": "An email address is required.",
        "email_syntax_error": "The email syntax is wrong. The format is aaa@bbb.ccc.",
        "email_fraud": "Email addresses of this domain are not accepted.",
        "email_already_exists": "This email address is already registered.",
        "email_long": "The email address is too long.",
        "invalid_email": "The email address entered is invalid.",
        # login name
        "username_short": "The login name must have at least 3 characters.",
        "username_long": "The login name can have at most 50 characters.",
        "username_invalid": "The login name may use only letters, digits, '_', '.' and '-'.",
        "username_already_exists": "This login name is already taken.",
        # passwords
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
        "wrong_old_password": "The current password is not correct.",
        "password_not_changed": "The new password must differ from the current one.",
        "password_replaced": "Your password was changed.",
        "password_successfully_changed": "Your password was changed. You are logged in.",
        "forgot_email_sent": (
            "If an account uses this address, we have sent it a link to choose a new password."
        ),
        "general_failure": "This link is not valid any more. Please ask for a new one.",
        # registration
        "currency_invalid": "This currency is not offered.",
        "language_invalid": "This language is not offered.",
        "time_zone_invalid": "This time zone is not known: choose one from the list.",
        "over18_required": "You must confirm that you are over 18.",
        "tnc_required": "Please accept the terms and conditions.",
        "first_name_required": "Please enter your first name.",
        "first_name_invalid": "A first name has letters, spaces, apostrophes and hyphens only (at most 100).",
        "last_name_required": "Please enter your last name.",
        "last_name_invalid": "A last name has letters, spaces, apostrophes and hyphens only (at most 100).",
        "birthdate_required": "Please enter your date of birth.",
        "birthdate_invalid": "Please enter your date of birth as YYYY-MM-DD.",
        "birthdate_not_exist": "This date does not exist.",
        "birthdate_out_of_range": "Please enter a real date of birth: from 1900 on, not in the future.",
        "underage": "You must be at least 18 years old to play.",
        "gender_invalid": "Please choose F or M.",
        "country_required": "Please choose your country.",
        "country_invalid": "Please choose a country from the list.",
        "city_invalid": "The city can have at most 100 characters.",
        "address_invalid": "The address can have at most 200 characters.",
        "zip_code_invalid": "A postal code has letters, digits, spaces and hyphens only (at most 20).",
        "phone_invalid": "Please enter a phone number of digits, e.g. 44-7911123456.",
        "opt_out_invalid": "Contact preferences must be yes or no.",
        "custom_field_invalid": "A custom field has a wrong id, name or value.",
        # gating and terms
        "tnc_approval_required": "Please accept the current terms and conditions first.",
        "privacy_approval_required": "Please accept the current privacy policy first.",
        "incomplete_registration": "Please complete your registration first.",
        "password_change_required": "Please choose a new password first.",
        "email_not_verified": "Please confirm your email address first.",
        "document_type_invalid": "Unknown document type.",
        "document_not_published": "There is no such document to accept.",
        # email changes and activation
        "email_change_pending": (
            "We sent a confirmation link to your new address. Until you open it, your "
            "account keeps its current address."
        ),
        "email_verified": "Your email address is confirmed.",
        "activation_sent": "We sent you a new confirmation link.",
        # sessions
        "login_failed": "Wrong login name, email or password.",
        "player_blocked": "This account is blocked. Please contact support.",
        # exclusions (responsible gambling): the login answer gives the time in excludedUntil
        "player_timed_out": (
            "You are taking a break from playing. You can log in again when your time-out "
            "ends; until then you can still withdraw your money on our website."
        ),
        "player_self_excluded": (
            "You have excluded yourself from playing. When a self-exclusion for a set time "
            "has ended, you can ask on our website to reopen your account; it reopens 24 "
            "hours later. You can still withdraw your money there."
        ),
        "player_closed": (
            "This account is closed. You can ask on our website to reopen it; it reopens "
            "24 hours later. You can still withdraw your money there."
        ),
        "player_under_age": "You must be 18 or older to play.",
        "player_not_verified": "Please confirm your email address before you play.",
        "too_many_requests": "Too many attempts. Please wait a minute and try again.",
        "session_expired": "Your session has ended. Please log in again.",
        # operator commands
        "name_invalid": "The name must have 1 to 100 characters.",
        "name_already_exists": "This name is already taken.",
        "password_max_length_invalid": "The password maximum must be between 8 and 128.",
        "title_invalid": "The title must have 1 to 200 characters.",
        "content_invalid": "The text must not be empty (and at most 200,000 characters).",
        "version_already_published": "This version is already published in this language.",
        "reality_check_minutes_invalid": "The reality check interval must be 0 to 1440 minutes.",
        "role_invalid": "The role must be admin, finance or support.",
        "legal_text_long": "The legal text can have at most 500 characters.",
        "totp_secret_invalid": "The TOTP secret must be base32 (16 to 64 characters).",
    },
    "de": {
        "email_required": "Bitte geben Sie eine E-Mail-Adresse ein.",
        "email_syntax_error": "Die E-Mail-Adresse hat das falsche Format (aaa@bbb.ccc).",
        "email_fraud": "E-Mail-Adressen dieser Domain werden nicht angenommen.",
        "email_already_exists": "Diese E-Mail-Adresse ist schon registriert.",
        "email_long": "Die E-Mail-Adresse ist zu lang.",
        "invalid_email": "Die E-Mail-Adresse ist ungültig.",
        "username_short": "Der Benutzername braucht mindestens 3 Zeichen.",
        "username_long": "Der Benutzername darf höchstens 50 Zeichen haben.",
        "username_invalid": "Der Benutzername darf nur Buchstaben, Ziffern, '_', '.' und '-' enthalten.",
        "username_already_exists": "Dieser Benutzername ist schon vergeben.",
        "password_required": "Bitte geben Sie ein Passwort ein.",
        "password_short": (
            "Das Passwort ist zu kurz. Es braucht mindestens 8 Zeichen mit Buchstaben und "
            "Ziffern und mindestens 4 verschiedene Zeichen."
        ),
        "password_long": "Das Passwort ist zu lang.",
        "password_match_user_name": "Das Passwort muss sich von E-Mail und Benutzername unterscheiden.",
        "password_same_letters": (
            "Das Passwort wiederholt zu viele Zeichen. Es braucht mindestens 4 verschiedene Zeichen."
        ),
        "password_mix_characters": "Das Passwort braucht Buchstaben und Ziffern.",
        "wrong_old_password": "Das aktuelle Passwort ist nicht korrekt.",
        "password_not_changed": "Das neue Passwort muss sich vom aktuellen unterscheiden.",
        "password_replaced": "Ihr Passwort wurde geändert.",
        "password_successfully_changed": "Ihr Passwort wurde geändert. Sie sind angemeldet.",
        "forgot_email_sent": (
            "Falls ein Konto diese Adresse nutzt, haben wir dorthin einen Link geschickt, mit "
            "dem Sie ein neues Passwort wählen können."
        ),
        "general_failure": "Dieser Link gilt nicht mehr. Bitte fordern Sie einen neuen an.",
        "currency_invalid": "Diese Währung wird nicht angeboten.",
        "language_invalid": "Diese Sprache wird nicht angeboten.",
        "time_zone_invalid": "Diese Zeitzone ist unbekannt. Bitte wählen Sie eine aus der Liste.",
        "over18_required": "Bitte bestätigen Sie, dass Sie über 18 sind.",
        "tnc_required": "Bitte akzeptieren Sie die Allgemeinen Geschäftsbedingungen.",
        "first_name_required": "Bitte geben Sie Ihren Vornamen ein.",
        "first_name_invalid": "Ein Vorname hat nur Buchstaben, Leerzeichen, Apostrophe und Bindestriche (höchstens 100).",
        "last_name_required": "Bitte geben Sie Ihren Nachnamen ein.",
        "last_name_invalid": "Ein Nachname hat nur Buchstaben, Leerzeichen, Apostrophe und Bindestriche (höchstens 100).",
        "birthdate_required": "Bitte geben Sie Ihr Geburtsdatum ein.",
        "birthdate_invalid": "Bitte geben Sie Ihr Geburtsdatum als JJJJ-MM-TT ein.",
        "birthdate_not_exist": "Dieses Datum gibt es nicht.",
        "birthdate_out_of_range": (
            "Bitte geben Sie ein echtes Geburtsdatum ein: ab 1900 und nicht in der Zukunft."
        ),
        "underage": "Sie müssen mindestens 18 Jahre alt sein, um zu spielen.",
        "gender_invalid": "Bitte wählen Sie F oder M.",
        "country_required": "Bitte wählen Sie Ihr Land.",
        "country_invalid": "Bitte wählen Sie ein Land aus der Liste.",
        "city_invalid": "Der Ort darf höchstens 100 Zeichen haben.",
        "address_invalid": "Die Adresse darf höchstens 200 Zeichen haben.",
        "zip_code_invalid": "Eine Postleitzahl hat nur Buchstaben, Ziffern, Leerzeichen und Bindestriche (höchstens 20).",
        "phone_invalid": "Bitte geben Sie eine Telefonnummer aus Ziffern ein, z. B. 49-1701234567.",
        "opt_out_invalid": "Kontaktwünsche müssen ja oder nein sein.",
        "custom_field_invalid": "Ein Zusatzfeld hat eine falsche Kennung, Bezeichnung oder einen falschen Wert.",
        "tnc_approval_required": (
            "Bitte akzeptieren Sie zuerst die aktuellen Allgemeinen Geschäftsbedingungen."
        ),
        "privacy_approval_required": "Bitte akzeptieren Sie zuerst die aktuelle Datenschutzerklärung.",
        "incomplete_registration": "Bitte schließen Sie zuerst Ihre Registrierung ab.",
        "password_change_required": "Bitte wählen Sie zuerst ein neues Passwort.",
        "email_not_verified": "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse.",
        "document_type_invalid": "Unbekannte Dokumentart.",
        "document_not_published": "Es gibt kein solches Dokument zum Akzeptieren.",
        "email_change_pending": (
            "Wir haben einen Bestätigungslink an Ihre neue Adresse geschickt. Bis Sie ihn "
            "öffnen, behält Ihr Konto die bisherige Adresse."
        ),
        "email_verified": "Ihre E-Mail-Adresse ist bestätigt.",
        "activation_sent": "Wir haben Ihnen einen neuen Bestätigungslink geschickt.",
        "login_failed": "Benutzername, E-Mail oder Passwort stimmen nicht.",
        "player_blocked": "Dieses Konto ist gesperrt. Bitte wenden Sie sich an den Support.",
        "player_timed_out": (
            "Sie nehmen gerade eine Auszeit vom Spielen. Wenn sie endet, können Sie sich "
            "wieder anmelden; bis dahin können Sie Ihr Geld auf unserer Website auszahlen lassen."
        ),
        "player_self_excluded": (
            "Sie haben sich selbst vom Spielen ausgeschlossen. Wenn ein befristeter "
            "Selbstausschluss abgelaufen ist, können Sie auf unserer Website die "
            "Wiedereröffnung Ihres Kontos beantragen; es wird 24 Stunden später wieder "
            "geöffnet. Ihr Geld können Sie dort weiterhin auszahlen lassen."
        ),
        "player_closed": (
            "Dieses Konto ist geschlossen. Sie können auf unserer Website die Wiedereröffnung "
            "beantragen; es wird 24 Stunden später wieder geöffnet. Ihr Geld können Sie dort "
            "weiterhin auszahlen lassen."
        ),
        "player_under_age": "Sie müssen mindestens 18 Jahre alt sein, um zu spielen.",
        "player_not_verified": "Bitte bestätigen Sie Ihre E-Mail-Adresse, bevor Sie spielen.",
        "too_many_requests": (
            "Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es dann erneut."
        ),
        "session_expired": "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
        "name_invalid": "Der Name muss 1 bis 100 Zeichen haben.",
        "name_already_exists": "Dieser Name ist schon vergeben.",
        "password_max_length_invalid": "Die Passwort-Höchstlänge muss zwischen 8 und 128 liegen.",
        "title_invalid": "Der Titel muss 1 bis 200 Zeichen haben.",
        "content_invalid": "Der Text darf nicht leer sein (und höchstens 200.000 Zeichen haben).",
        "version_already_published": "Diese Version ist in dieser Sprache schon veröffentlicht.",
        "reality_check_minutes_invalid": "Das Intervall muss zwischen 0 und 1440 Minuten liegen.",
        "role_invalid": "Die Rolle muss admin, finance oder support sein.",
        "legal_text_long": "Der Rechtstext darf höchstens 500 Zeichen haben.",
        "totp_secret_invalid": "Das TOTP-Geheimnis muss base32 sein (16 bis 64 Zeichen).",
    },
}


def text(code: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The text for a code in the language, else in English, else the code itself; an
    operator's override (portal.message_texts) comes before the built-in text."""
    code = code.lower()
    overridden = message_texts.overrides()
    for lang in (language, DEFAULT_LANGUAGE):
        found = overridden.get((lang, code)) or TEXTS.get(lang, {}).get(code)
        if found:
            return found
    return code


def message_format(code: str, language: str) -> dict | None:
    """The seed 002 message format for a code: {type, title, content, button}."""
    key = code.lower()
    if key not in TEXTS[DEFAULT_LANGUAGE]:
        return None
    language = language if language in TEXTS else DEFAULT_LANGUAGE
    kind = "info" if key in INFO_CODES else "error"
    return {
        "message_string": key,
        "language": language,
        "type": kind,
        "title": TITLES[language][kind],
        "content": text(key, language),
        "button_text": TITLES[language]["button"],
    }
