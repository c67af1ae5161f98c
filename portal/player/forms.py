"""Player forms. They check shape only; the account rules live in accounts/."""

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal.accounts.profile import COUNTRIES

# Field names of the account core -> form field names.
CORE_FIELDS = {
    "email": "email",
    "loginName": "login_name",
    "password": "password",
    "currency": "currency",
    "language": "language",
    "timeZone": "time_zone",
    "over18": "over18",
    "signTNC": "accept_terms",
    "firstName": "first_name",
    "lastName": "last_name",
    "birthdate": "birthdate",
    "gender": "gender",
    "country": "country",
    "city": "city",
    "address": "address",
    "zipPostalCode": "zip_code",
    "phone": "phone",
    "optOut.chat": "opt_out_chat",
    "optOut.sms": "opt_out_sms",
    "optOut.email": "opt_out_email",
    "optOut.phone": "opt_out_phone",
    "mail": "email",
}


def country_choices(locale: Locale | None = None) -> list[SelectChoice]:
    """The countries named (and sorted) in the page's language."""
    names = (locale or get_locale() or Locale("en")).territories
    countries = sorted(COUNTRIES, key=lambda code: names[code])
    return [SelectChoice("", "—")] + [SelectChoice(code, names[code]) for code in countries]


def time_zone_choices() -> list[SelectChoice]:
    from portal.i18n import time_zones

    return [SelectChoice(zone, zone.replace("_", " ")) for zone in time_zones()]


class PageForm(FlaskForm):
    """A form whose hidden CSRF field has no id: every page has the header's log-out form
    besides its own, and ids must be unique on a page (the field is found by its name)."""

    class Meta(FlaskForm.Meta):
        def render_field(self, field, render_kw):
            if field.type == "CSRFTokenField":
                render_kw = {**render_kw, "id": False}
            return super().render_field(field, render_kw)


class ButtonForm(PageForm):
    """A form with nothing but its CSRF token (log out, resend, acknowledge)."""


class RegistrationForm(PageForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=254)])
    login_name = StringField(_l("Login name (optional)"), validators=[Length(max=50)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=128)])
    currency = SelectField(_l("Currency"))
    over18 = BooleanField(_l("I am over 18 years old"))
    accept_terms = BooleanField(_l("I accept the terms and conditions"))


class LoginForm(PageForm):
    identifier = StringField(
        _l("Email or login name"), validators=[InputRequired(), Length(max=254)]
    )
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=128)])


class DetailsForm(FlaskForm):
    """Personal details; also registration step two (where four of them are required).
    The country and time zone choices are set per page (`_details_form`): the zone is
    checked by the core, which says why a zone is refused."""

    first_name = StringField(_l("First name"))
    last_name = StringField(_l("Last name"))
    birthdate = StringField(_l("Date of birth (YYYY-MM-DD)"))
    gender = SelectField(
        _l("Gender"),
        choices=[
            SelectChoice("", "—"),
            SelectChoice("F", _l("Female")),
            SelectChoice("M", _l("Male")),
        ],
        validators=[Optional()],
    )
    country = SelectField(_l("Country"), validators=[Optional()])
    city = StringField(_l("City"))
    address = StringField(_l("Address"))
    zip_code = StringField(_l("Postal code"))
    phone = StringField(_l("Phone"))
    language = SelectField(_l("Language"), validators=[Optional()])
    time_zone = SelectField(_l("Time zone"), validate_choice=False)
    opt_out_chat = BooleanField(_l("No chat messages"))
    opt_out_sms = BooleanField(_l("No text messages"))
    opt_out_email = BooleanField(_l("No marketing email"))
    opt_out_phone = BooleanField(_l("No phone calls"))

    def core_values(self) -> dict:
        """The form as the core's field dict (same keys as the gateway's)."""
        return {
            "firstName": self.first_name.data,
            "lastName": self.last_name.data,
            "birthdate": self.birthdate.data,
            "gender": self.gender.data,
            "country": self.country.data,
            "city": self.city.data,
            "address": self.address.data,
            "zipPostalCode": self.zip_code.data,
            "phone": self.phone.data,
            "language": self.language.data or None,
            "timeZone": self.time_zone.data,  # (None when not posted: unchanged)
            "optOut": {
                c: getattr(self, f"opt_out_{c}").data for c in ("chat", "sms", "email", "phone")
            },
        }


class EmailChangeForm(FlaskForm):
    email = EmailField(_l("New email address"), validators=[Length(max=300)])


class PasswordChangeForm(PageForm):
    old_password = PasswordField(_l("Current password"), validators=[Length(max=128)])
    new_password = PasswordField(_l("New password"), validators=[Length(max=128)])


class ForgotPasswordForm(PageForm):
    email = EmailField(_l("Email"), validators=[Length(max=300)])


class ResetPasswordForm(PageForm):
    new_password = PasswordField(_l("New password"), validators=[Length(max=128)])


class TermsForm(PageForm):
    accept = BooleanField(
        _l("I have read and accept these documents"),
        validators=[InputRequired(_l("Please tick the box to accept."))],
    )
