"""The operator CLI (`flask --app app brands|admins|players|mail|demo`), run through the
Flask CLI runner against the test database, and checked in the database and through the
gateway where a command promises something a player can use."""

import pytest
from sqlalchemy import func, select

from portal.accounts.models import AdminUser, Brand, OutboundMail, Player
from portal.accounts.passwords import verify_password
from portal.extensions import db


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def gateway_login(app, brand_id, email, password):
    return app.test_client().post(
        f"/gateway/login/1/{brand_id}/player", json={"email": email, "password": password}
    )


def create_brand(runner, name="Casino One", *extra):
    return runner.invoke(args=["brands", "create", "--name", name, *extra])


# --- brands -----------------------------------------------------------------------------


def test_brands_create_and_list(runner, app):
    first = create_brand(runner, "Casino One", "--currencies", "eur,usd", "--languages", "EN,de")
    second = create_brand(runner, "Casino Two")

    assert first.exit_code == 0, first.output
    assert first.output == "brand 1 created: Casino One (EUR,USD; en,de)\n"
    assert second.exit_code == 0, second.output
    assert second.output == "brand 2 created: Casino Two (EUR; en)\n"
    listing = runner.invoke(args=["brands", "list"])
    assert listing.exit_code == 0
    assert listing.output == "1\tCasino One\tEUR,USD\ten,de\n2\tCasino Two\tEUR\ten\n"


def test_brands_create_stores_the_account_settings(runner, app):
    result = create_brand(
        runner, "Strict", "--password-max-length", "20", "--require-verified-email"
    )

    assert result.exit_code == 0, result.output
    with app.app_context():
        brand = db.session.get(Brand, 1)
        assert (brand.password_max_length, brand.require_verified_email) == (20, True)


def test_brands_list_is_empty_without_brands(runner):
    result = runner.invoke(args=["brands", "list"])

    assert (result.exit_code, result.output) == (0, "")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--currencies", "ABC", "currencies: This currency is not offered. (currency_invalid)"),
        ("--currencies", "EUR,EURO", "currencies: This currency is not offered."),
        ("--languages", "english", "languages: This language is not offered. (language_invalid)"),
        ("--languages", "e1", "languages: This language is not offered."),
    ],
)
def test_brands_create_refuses_invalid_choices(runner, app, option, value, message):
    result = create_brand(runner, "Casino One", option, value)

    assert result.exit_code == 1
    assert "Error: invalid input:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert count(app, Brand) == 0


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU", "DEM"])
def test_brands_create_refuses_non_money_iso_codes(runner, app, code):
    result = create_brand(runner, "Casino One", "--currencies", code)

    assert result.exit_code == 1
    assert "currency_invalid" in result.output
    assert count(app, Brand) == 0


def test_brands_create_refuses_a_duplicate_name(runner, app):
    assert create_brand(runner, "Casino One").exit_code == 0

    result = create_brand(runner, "Casino One")

    assert result.exit_code == 1
    assert "name: This name is already taken. (name_already_exists)" in result.output
    assert count(app, Brand) == 1


def test_brands_create_refuses_a_password_max_length_out_of_range(runner, app):
    result = create_brand(runner, "Casino One", "--password-max-length", "7")

    assert result.exit_code == 2
    assert "--password-max-length" in result.output
    assert count(app, Brand) == 0


# --- admins -----------------------------------------------------------------------------


def test_admins_create(runner, app):
    result = runner.invoke(
        args=["admins", "create", "--email", "Boss@Example.com", "--password", "s3cret-pass"]
    )

    assert result.exit_code == 0, result.output
    assert result.output == (
        "admin 1 created: boss@example.com (admin; two-factor enrols at first login)\n"
    )
    with app.app_context():
        admin = db.session.scalars(select(AdminUser)).one()
        assert admin.email == "boss@example.com"
        assert admin.is_active
        assert admin.password_hash != "s3cret-pass"
        assert verify_password(admin.password_hash, "s3cret-pass")


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("abc123", "password_short"),
        ("abcdefghij", "password_mix_characters"),
        ("aaaa1111", "password_same_letters"),
        ("Boss1234", "password_match_user_name"),
    ],
)
def test_admins_create_refuses_a_weak_password(runner, app, password, code):
    result = runner.invoke(
        args=["admins", "create", "--email", "boss1234@example.com", "--password", password]
    )

    assert result.exit_code == 1
    assert "password: " in result.output and f"({code})" in result.output
    assert count(app, AdminUser) == 0


def test_admins_create_refuses_a_duplicate_email_case_insensitively(runner, app):
    args = ["admins", "create", "--password", "s3cret-pass", "--email"]
    assert runner.invoke(args=[*args, "boss@example.com"]).exit_code == 0

    result = runner.invoke(args=[*args, "BOSS@example.com"])

    assert result.exit_code == 1
    assert "email: This email address is already registered. (email_already_exists)" in (
        result.output
    )
    assert count(app, AdminUser) == 1


def test_admins_create_refuses_an_invalid_email(runner, app):
    result = runner.invoke(
        args=["admins", "create", "--email", "not-an-email", "--password", "s3cret-pass"]
    )

    assert result.exit_code == 1
    assert "(email_syntax_error)" in result.output
    assert count(app, AdminUser) == 0


# --- players ----------------------------------------------------------------------------


def create_player(runner, *extra, brand="1", email="ann@example.com", password="ann12345"):
    return runner.invoke(
        args=[
            "players", "create", "--brand-id", brand, "--email", email, "--password", password,
            *extra,
        ]
    )  # fmt: skip


def test_players_create_makes_a_verified_active_player_who_can_log_in(runner, app, brand_id):
    result = create_player(runner, "--currency", "usd", "--login-name", "ann")

    assert result.exit_code == 0, result.output
    with app.app_context():
        player = db.session.scalars(select(Player)).one()
        assert result.output == f"player {player.id} created: ann@example.com (USD)\n"
        assert (player.brand_id, player.status, player.currency) == (brand_id, "active", "USD")
        assert player.email_verified_at is not None
        assert player.login_name == "ann"
        player_id = player.id
    response = gateway_login(app, brand_id, "ann@example.com", "ann12345")
    assert response.status_code == 200
    assert response.json["player_id"] == player_id
    assert response.json["currency"] == "USD"


def test_players_create_defaults_to_the_brands_first_currency(runner, app, brand_id):
    result = create_player(runner, "--currency", "EUR")

    assert result.exit_code == 0, result.output
    assert result.output.endswith("created: ann@example.com (EUR)\n")
    assert create_player(runner, email="bob@example.com").output.endswith("(EUR)\n")


def test_players_create_on_an_unknown_brand(runner, app, brand_id):
    result = create_player(runner, "--currency", "EUR", brand="99")

    assert result.exit_code == 1
    assert result.output == "Error: no brand with id 99\n"
    assert count(app, Player) == 0


def test_players_create_with_a_currency_the_brand_does_not_offer(runner, app, brand_id):
    result = create_player(runner, "--currency", "GBP")

    assert result.exit_code == 1
    assert "currency: This currency is not offered. (currency_invalid)" in result.output
    assert count(app, Player) == 0


def test_players_create_applies_the_password_policy_and_uniqueness(runner, app, brand_id):
    weak = create_player(runner, password="annannann")
    assert weak.exit_code == 1
    assert "(password_mix_characters)" in weak.output

    assert create_player(runner).exit_code == 0
    duplicate = create_player(runner, email="ANN@example.com")
    assert duplicate.exit_code == 1
    assert "(email_already_exists)" in duplicate.output
    assert count(app, Player) == 1


# --- demo -------------------------------------------------------------------------------


DEMO_OUTPUT = (
    "brand  1: Demo Casino (EUR,USD,BTC)\n"
    "player demo@example.com / demo1234 (login name: demo)\n"
    "admin  admin@example.com / admin1234 at /admin\n"
    "       TOTP secret {secret} (add it to any authenticator app)\n"
)


def test_demo_is_idempotent_and_prints_the_credentials(runner, app):
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])

    with app.app_context():
        admin = db.session.scalars(select(AdminUser)).one()
        secret = admin.totp_secret
        assert admin.totp_enrolled_at is not None and len(secret) == 32
    assert (first.exit_code, first.output) == (0, DEMO_OUTPUT.format(secret=secret))
    assert (second.exit_code, second.output) == (0, DEMO_OUTPUT.format(secret=secret))
    assert (count(app, Brand), count(app, Player), count(app, AdminUser)) == (1, 1, 1)
    assert count(app, OutboundMail) == 1  # one welcome mail, not one per run


def test_demo_player_can_log_in_through_the_gateway(runner, app):
    assert runner.invoke(args=["demo"]).exit_code == 0

    by_email = gateway_login(app, 1, "demo@example.com", "demo1234")
    by_name = app.test_client().post(
        "/gateway/login/1/1/player", json={"user_name": "DEMO", "password": "demo1234"}
    )

    assert by_email.status_code == 200
    assert by_email.json["currency"] == "EUR"
    assert by_name.status_code == 200
    assert by_name.json["player_id"] == by_email.json["player_id"]


def test_demo_fills_the_bet_slip_with_a_line_starting_from_now(runner, app):
    from portal.coupons import line

    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # loaded again: the same matches
    with app.app_context():
        offered = line.offered()
        assert [e.title for e in offered] == [
            "Sinner - Alcaraz",
            "Arsenal - Chelsea",
            "Real Madrid - Sevilla",
        ]
        assert sum(len(e.outcomes) for e in offered) == 10


def test_demo_admin_has_the_printed_password(runner, app):
    assert runner.invoke(args=["demo"]).exit_code == 0

    with app.app_context():
        admin = db.session.scalars(select(AdminUser)).one()
        assert admin.email == "admin@example.com"
        assert verify_password(admin.password_hash, "admin1234")


# --- mail -------------------------------------------------------------------------------


def register_over_the_gateway(app, brand_id, email="mia@example.com"):
    response = app.test_client().post(
        f"/gateway/reg-step-one/1/{brand_id}",
        json={"email": email, "password": "mia12345", "over18": True, "loginName": "mia"},
    )
    assert response.status_code == 201, response.json
    return response


def test_mail_list_shows_the_welcome_mail_of_a_registration(runner, app, brand_id):
    register_over_the_gateway(app, brand_id)

    result = runner.invoke(args=["mail", "list"])

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 1
    mail_id, created, status, recipient, subject = lines[0].split("\t")
    assert (mail_id, status, recipient, subject) == (
        "1",
        "kept",
        "mia@example.com",
        "Welcome to Test Casino",
    )
    assert len(created) == len("2024-01-01 00:00:00")


def test_mail_list_is_newest_first_and_honours_the_limit(runner, app, brand_id):
    for name in ("one", "two", "three"):
        assert create_player(runner, email=f"{name}@example.com").exit_code == 0

    result = runner.invoke(args=["mail", "list", "--limit", "2"])

    assert result.exit_code == 0
    recipients = [line.split("\t")[3] for line in result.output.splitlines()]
    assert recipients == ["three@example.com", "two@example.com"]


def test_mail_show(runner, app, brand_id):
    register_over_the_gateway(app, brand_id)

    result = runner.invoke(args=["mail", "show", "1"])

    assert result.exit_code == 0
    head, body = result.output.split("\n\n", 1)
    assert head == "To: mia@example.com\nSubject: Welcome to Test Casino"
    assert body.startswith("Hello mia,\n")
    assert "http://portal.test/login with mia@example.com" in body


def test_mail_show_of_an_unknown_id(runner):
    result = runner.invoke(args=["mail", "show", "42"])

    assert (result.exit_code, result.output) == (1, "Error: no mail with id 42\n")


def test_mail_deliver_without_a_mail_server_is_an_error(make_app, brand_id):
    app = make_app(MAIL_SERVER="")
    register_over_the_gateway(app, brand_id)

    result = app.test_cli_runner().invoke(args=["mail", "deliver"])

    assert result.exit_code == 1
    assert result.output == "Error: MAIL_SERVER is not set: mails are kept in the outbox\n"
    with app.app_context():
        assert db.session.scalars(select(OutboundMail.status)).all() == ["kept"]


def test_demo_enrols_a_demo_admin_made_before_two_factor_login(runner, app):
    from portal.admin import users

    with app.app_context():
        users.create("admin@example.com", "admin1234", "admin")  # not enrolled
        db.session.commit()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = db.session.scalars(select(AdminUser)).one()
        assert admin.totp_enrolled_at is not None
        assert f"TOTP secret {admin.totp_secret}" in result.output
