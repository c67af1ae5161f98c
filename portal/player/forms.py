"""Player forms. They check shape only; the account rules live in accounts.operations."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length

# Field names of the account core -> form field names.
CORE_FIELDS = {
    "email": "email",
    "loginName": "login_name",
    "password": "password",
    "currency": "currency",
    "language": "language",
    "over18": "over18",
    "signTNC": "accept_terms",
}


class RegistrationForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])
    login_name = StringField("Login name (optional)", validators=[Length(max=50)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=128)])
    currency = SelectField("Currency")
    over18 = BooleanField("I am over 18 years old")
    accept_terms = BooleanField("I accept the terms and conditions")


class LoginForm(FlaskForm):
    identifier = StringField("Email or login name", validators=[InputRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=128)])
