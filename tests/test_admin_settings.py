"""The settings pages: brands (through accounts.operations.update_brand, as `flask brands
set`), payment method limits (payments.methods, as `flask payments method`) and bonus
definitions (create, edit, switch off: bonuses.operations). Each change is audited with
before, after and reason; finance and support get 403."""

import pytest
from sqlalchemy import select

from portal.accounts import operations
from portal.bonuses import operations as bonuses
from portal.bonuses.models import Bonus
from portal.extensions import db
from portal.payments import methods
from tests.admin_audit import entries
from tests.admin_helpers import audit_entries, log_in, post_action
from tests.conftest import page_text

EVIL = "<script>alert(1)</script>"
LIMITS = {"min_deposit": "10.00", "max_deposit": "500.00", "min_withdrawal": "20.00",
          "max_withdrawal": "1000.00"}  # fmt: skip
BONUS = {"name": "Welcome", "amount": "10", "percent": "", "max_amount": "", "wagering": "30",
         "max_conversion": "50", "days": "7"}  # fmt: skip


def _brand(app, brand_id):
    with app.app_context():
        brand = operations.get_brand(brand_id)
        return {
            "languages": brand.languages,
            "password_max_length": brand.password_max_length,
            "require_verified_email": brand.require_verified_email,
            "reality_check_minutes": brand.reality_check_minutes,
        }


def test_the_settings_pages_render_with_data(app, client, make_brand):
    brand_id = make_brand(name=f"Casino {EVIL}")
    with app.app_context():
        methods.set_method(brand_id, "sandbox", "EUR", LIMITS)
        bonuses.create(f"Bonus {EVIL}", "WELCOME", amount="10", wagering="30",
                       max_conversion="50", days=7)  # fmt: skip
        db.session.commit()
    log_in(app, client, "finance")
    listing = client.get("/admin/settings?sort=name&dir=asc")
    assert listing.status_code == 200
    assert "Casino &lt;script&gt;" in listing.get_data(as_text=True)
    assert EVIL not in listing.get_data(as_text=True)
    brand = client.get(f"/admin/settings/brands/{brand_id}?currency=eur")
    text = page_text(brand)
    assert brand.status_code == 200 and "10.00" in text and "500.00" in text
    assert 'data-testid="brand-form"' not in brand.get_data(as_text=True)
    listed = client.get("/admin/settings/bonuses?q=welc&active=1")
    assert "WELCOME" in page_text(listed) and EVIL not in listed.get_data(as_text=True)
    assert "0 found" in page_text(client.get("/admin/settings/bonuses?active=0"))
    with app.app_context():
        bonus_id = db.session.scalar(select(Bonus.id))
    assert client.get(f"/admin/settings/bonuses/{bonus_id}").status_code == 200


def test_an_admin_changes_a_brand(app, client, brand_id):
    log_in(app, client, "admin")
    page = f"/admin/settings/brands/{brand_id}"
    answer = post_action(
        client,
        page,
        {"languages": "de, en", "password_max_length": "64", "require_verified_email": "1",
         "reality_check_minutes": "30", "reason": "new market"},
        page=page,
    )  # fmt: skip
    assert answer.status_code == 302
    assert _brand(app, brand_id) == {
        "languages": "de,en",
        "password_max_length": 64,
        "require_verified_email": True,
        "reality_check_minutes": 30,
    }
    [entry] = entries(app, "brand.update")
    assert entry["target_type"] == "brand" and entry["target_id"] == str(brand_id)
    assert entry["before"]["languages"] == "en" and entry["before"]["password_max_length"] == 15
    assert entry["after"]["languages"] == "de,en" and entry["after"]["reality_check_minutes"] == 30
    assert entry["reason"] == "new market"
    # the reality check off again, a wrong maximum refused (400, nothing changed)
    off = {"languages": "de,en", "password_max_length": "64", "reality_check_minutes": "0",
           "reason": "off"}  # fmt: skip
    post_action(client, page, off, page=page)
    assert _brand(app, brand_id)["reality_check_minutes"] is None
    refused = post_action(client, page, {"languages": "de", "password_max_length": "200",
                                         "reason": "too long"}, page=page)  # fmt: skip
    assert refused.status_code == 400 and "password max" in page_text(refused).lower()
    assert _brand(app, brand_id)["languages"] == "de,en"
    assert len(audit_entries(app, "brand.update")) == 2


def test_an_admin_sets_payment_method_limits(app, client, brand_id):
    log_in(app, client, "admin")
    page = f"/admin/settings/brands/{brand_id}"
    url = f"{page}/methods"
    data = {"provider": "sandbox", "currency": "EUR", **LIMITS, "reason": "offer cards"}
    assert post_action(client, url, data, page=page).status_code == 302
    changed = {**data, "min_deposit": "5.00", "reason": "smaller deposits"}
    assert post_action(client, url, changed, page=page).status_code == 302
    with app.app_context():
        row = methods.find(brand_id, "sandbox", "EUR")
        assert methods.as_text(row)["min_deposit"] == "5.00"
    editing = client.get(f"{page}?edit={row.id}").get_data(as_text=True)
    assert 'value="5.00"' in editing and 'value="1000.00"' in editing
    first, second = entries(app, "payment_method.set")
    assert first["before"] is None and first["after"]["max_deposit"] == "500.00"
    assert second["before"]["min_deposit"] == "10.00" and second["after"]["min_deposit"] == "5.00"
    assert second["target_type"] == "payment_method" and second["reason"] == "smaller deposits"
    wrong = {**data, "min_deposit": "900.00", "reason": "oops"}
    refused = post_action(client, url, wrong, page=page)
    assert refused.status_code == 400 and "minimum is above" in page_text(refused)
    not_offered = {**data, "currency": "GBP", "reason": "oops"}
    assert post_action(client, url, not_offered, page=page).status_code == 400
    assert len(audit_entries(app, "payment_method.set")) == 2


def test_an_admin_creates_edits_and_switches_off_a_bonus(app, client):
    log_in(app, client, "admin")
    page = "/admin/settings/bonuses"
    created = post_action(client, page, {**BONUS, "code": "welcome", "reason": "launch"},
                          page=page)  # fmt: skip
    assert created.status_code == 302
    with app.app_context():
        bonus = bonuses.definition("WELCOME")
        bonus_id = bonus.id
    [entry] = entries(app, "bonus.create")
    assert entry["target_id"] == str(bonus_id) and entry["after"]["code"] == "WELCOME"
    assert entry["reason"] == "launch"
    detail = f"/admin/settings/bonuses/{bonus_id}"
    edited = {**BONUS, "amount": "", "percent": "100", "max_amount": "200", "reason": "match"}
    assert post_action(client, detail, edited, page=detail).status_code == 302
    [entry] = entries(app, "bonus.update")
    assert entry["before"]["amount"] == "10" and entry["after"]["percent"] == "100"
    assert entry["after"]["amount"] is None and entry["after"]["max_amount"] == "200"
    off = post_action(client, f"{detail}/offer", {"active": "0", "reason": "ended"}, page=detail)
    assert off.status_code == 302
    [entry] = entries(app, "bonus.disable")
    assert entry["before"] == {"active": True} and entry["after"] == {"active": False}
    with app.app_context(), pytest.raises(bonuses.BonusRefused):
        bonuses.by_code("WELCOME")  # players cannot claim it any more
    assert post_action(client, f"{detail}/offer", {"active": "1", "reason": "back"},
                       page=detail).status_code == 302  # fmt: skip
    assert len(audit_entries(app, "bonus.enable")) == 1
    bad = {**BONUS, "amount": "", "reason": "no amount"}
    refused = post_action(client, detail, bad, page=detail)
    assert refused.status_code == 400 and "amount or a percentage" in page_text(refused)
    taken = post_action(client, page, {**BONUS, "code": "WELCOME", "reason": "again"}, page=page)
    assert taken.status_code == 400
    assert len(audit_entries(app, "bonus.update")) == 1


@pytest.mark.parametrize("role", ["finance", "support"])
def test_only_admins_change_settings(app, client, brand_id, role):
    with app.app_context():
        bonus_id = bonuses.create("B", "B1", amount="1", wagering="1", max_conversion="1",
                                  days=1).id  # fmt: skip
        db.session.commit()
    log_in(app, client, role)
    page = f"/admin/settings/brands/{brand_id}"
    detail = f"/admin/settings/bonuses/{bonus_id}"
    posts = [
        (page, {"languages": "en", "password_max_length": "20", "reason": "r"}),
        (f"{page}/methods", {"provider": "sandbox", "currency": "EUR", **LIMITS, "reason": "r"}),
        ("/admin/settings/bonuses", {**BONUS, "code": "NEW", "reason": "r"}),
        (detail, {**BONUS, "reason": "r"}),
        (f"{detail}/offer", {"active": "0", "reason": "r"}),
    ]
    for url, data in posts:
        assert post_action(client, url, data, page=page).status_code == 403, url
    assert _brand(app, brand_id)["password_max_length"] == 15
    for action in ("brand.update", "payment_method.set", "bonus.create", "bonus.update"):
        assert audit_entries(app, action) == []


def test_an_action_without_a_reason_is_refused(app, client, brand_id):
    log_in(app, client, "admin")
    page = f"/admin/settings/brands/{brand_id}"
    answer = post_action(client, page, {"languages": "en", "password_max_length": "20"}, page=page)
    assert answer.status_code == 400
    assert _brand(app, brand_id)["password_max_length"] == 15


def test_the_cli_uses_the_same_core(app, runner, brand_id):
    """`flask brands set --languages`, `payments method`, `bonuses edit|offer` go through
    the operations the pages call (and refuse what the pages refuse)."""
    result = runner.invoke(args=["brands", "set", str(brand_id), "--languages", "de,en"])
    assert result.exit_code == 0, result.output
    assert _brand(app, brand_id)["languages"] == "de,en"
    result = runner.invoke(args=["brands", "set", str(brand_id), "--languages", "German"])
    assert result.exit_code != 0 and "language" in result.output
    limits = ["--min-deposit", "10", "--max-deposit", "5", "--min-withdrawal", "1",
              "--max-withdrawal", "2"]  # fmt: skip
    result = runner.invoke(args=["payments", "method", str(brand_id), "sandbox", "EUR", *limits])
    assert result.exit_code != 0 and "a minimum is above its maximum" in result.output
    limits[3] = "50"
    result = runner.invoke(args=["payments", "method", str(brand_id), "sandbox", "EUR", *limits])
    assert result.exit_code == 0, result.output
    definition = ["--name", "W", "--amount", "5", "--wagering", "1", "--max-conversion", "5",
                  "--days", "3"]  # fmt: skip
    assert runner.invoke(args=["bonuses", "create", "--code", "w1", *definition]).exit_code == 0
    definition[3] = "8"
    result = runner.invoke(args=["bonuses", "edit", "W1", *definition])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["bonuses", "offer", "W1", "--off"]).exit_code == 0
    with app.app_context():
        bonus = bonuses.definition("w1")
        assert bonus.amount == "8" and bonus.active is False
    assert runner.invoke(args=["bonuses", "offer", "NOPE", "--on"]).exit_code != 0


def test_an_admin_adds_a_currency_that_players_can_use_at_once(app, client, brand_id, make_player):
    """Currencies are added (never removed); the process that added one forgets its cached
    currencies when the change commits, so a player's wallet takes the new one at once."""
    from portal.accounts import facts
    from portal.accounts.models import Player
    from portal.wallet import operations as wallet

    player_id = make_player(email="gbp@example.com")
    with app.app_context():
        assert "GBP" not in facts.player_currencies(player_id)  # cached now
    log_in(app, client, "admin")
    page = f"/admin/settings/brands/{brand_id}"
    form = {"languages": "en", "password_max_length": "15", "add_currencies": "gbp, EUR",
            "reason": "UK launch"}  # fmt: skip
    assert post_action(client, page, form, page=page).status_code == 302
    with app.app_context():
        assert operations.get_brand(brand_id).currencies.endswith(",GBP")
        assert operations.get_brand(brand_id).currencies.count("EUR") == 1
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "GBP", "5.00", reason="welcome", operator="t", external_id="g1")
        db.session.commit()
    [entry] = entries(app, "brand.update")
    assert "GBP" not in entry["before"]["currencies"] and "GBP" in entry["after"]["currencies"]
    bad = dict(form, add_currencies="XXX1")
    refused = post_action(client, page, bad, page=page)
    assert refused.status_code == 400
    result = app.test_cli_runner().invoke(
        args=["brands", "set", str(brand_id), "--add-currencies", "chf"]
    )
    assert result.exit_code == 0 and result.output.startswith(f"brand {brand_id}: currencies ")
    assert operations_currencies(app, brand_id)[-1] == "CHF"


def operations_currencies(app, brand_id):
    with app.app_context():
        return operations.get_brand(brand_id).currency_list
