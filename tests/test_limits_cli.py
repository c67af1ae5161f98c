"""The operators' responsible-gambling commands (`flask --app app limits show|set`,
`flask --app app exclusions add|list|lift`) through the Flask CLI runner: what each prints
and keeps, the core's rules (a raise waits for the cooling-off, an exclusion is never
shortened by add), and that every wrong input is refused in one line with nothing written."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Player
from portal.extensions import db
from portal.limits.models import Exclusion, LimitChange, PlayerLimit

COOLING_OFF = timedelta(hours=24, seconds=1)


@pytest.fixture
def player(make_player):
    return make_player(email="Rita@example.com")


def cli(runner, *args):
    return runner.invoke(args=[str(a) for a in args])


def ok(runner, *args) -> str:
    result = cli(runner, *args)
    assert result.exit_code == 0, result.output
    return result.output


def at(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def rows(app, model) -> list:
    with app.app_context():
        found = db.session.scalars(select(model).order_by(model.id)).all()
        db.session.expunge_all()
        return found


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (PlayerLimit, Exclusion, LimitChange)
        )


def status(app, player_id) -> tuple:
    with app.app_context():
        found = db.session.get(Player, player_id)
        return found.status, found.excluded_until


def limit_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.split(" ")[0] in LIMIT_KINDS]


LIMIT_KINDS = {"deposit", "loss", "stake", "bets", "session"}


# --- limits ------------------------------------------------------------------------------


def test_set_and_show_every_kind_of_limit(runner, player):
    said = ok(runner, "limits", "set", player, "--kind", "deposit", "--period", "day",
              "--amount", "100")  # fmt: skip
    assert said == f"player {player}: deposit day EUR limit is 100.00 EUR now\n"
    ok(runner, "limits", "set", player, "--kind", "loss", "--period", "week", "--amount", "50",
       "--currency", "usd")  # fmt: skip
    ok(runner, "limits", "set", player, "--kind", "stake", "--amount", "2.50")
    ok(runner, "limits", "set", "rita@EXAMPLE.com", "--kind", "bets", "--period", "month",
       "--count", "300")  # fmt: skip
    said = ok(runner, "limits", "set", player, "--kind", "session", "--minutes", "90")
    assert said == f"player {player}: session session limit is 90 minutes now\n"

    shown = ok(runner, "limits", "show", "rita@example.com")
    assert shown.splitlines()[0] == f"player {player} Rita@example.com (brand 1, EUR)"
    assert limit_lines(shown) == [
        "deposit  day    EUR  100.00 EUR",
        "loss     week   USD  50.00 USD",
        "stake    bet    EUR  2.50 EUR",
        "bets     month       300 bets",
        "session  session      90 minutes",
    ]
    assert "exclusion: none" in shown


def test_stake_and_session_limits_take_the_issues_period_and_say_it_is_not_used(runner, player):
    said = ok(runner, "limits", "set", player, "--kind", "stake", "--period", "day",
              "--amount", "5")  # fmt: skip
    assert said.splitlines() == [
        "note: a stake limit applies per bet; --period day is not used",
        f"player {player}: stake bet EUR limit is 5.00 EUR now",
    ]
    said = ok(runner, "limits", "set", player, "--kind", "session", "--period", "week",
              "--minutes", "45")  # fmt: skip
    note = "note: a session limit applies per session; --period week is not used"
    assert said.splitlines()[0] == note


def test_a_lower_limit_applies_at_once_a_raise_after_the_cooling_off(app, runner, player, clock):
    ok(runner, "limits", "set", player, "--kind", "deposit", "--period", "day", "--amount", "100")
    lower = ok(runner, "limits", "set", player, "--kind", "deposit", "--period", "day",
               "--amount", "80")  # fmt: skip
    assert lower == f"player {player}: deposit day EUR limit is 80.00 EUR now\n"

    said = ok(runner, "limits", "set", player, "--kind", "deposit", "--period", "day",
              "--amount", "200", "--reason", "asked by phone")  # fmt: skip
    (row,) = rows(app, PlayerLimit)
    assert (row.value, row.pending_value) == (8000, 20000)
    assert said == (
        f"player {player}: deposit day EUR limit stays 80.00 EUR until {at(row.pending_at)} "
        "(the cooling-off), then 200.00 EUR\n"
    )
    assert limit_lines(ok(runner, "limits", "show", player)) == [
        f"deposit  day    EUR  80.00 EUR  (raises to 200.00 EUR at {at(row.pending_at)})"
    ]
    clock.travel(timedelta(hours=23))
    assert "80.00 EUR  (raises" in ok(runner, "limits", "show", player)

    clock.travel(COOLING_OFF - timedelta(hours=23))
    assert limit_lines(ok(runner, "limits", "show", player)) == ["deposit  day    EUR  200.00 EUR"]


def test_a_removal_waits_for_the_cooling_off(app, runner, player, clock):
    ok(runner, "limits", "set", player, "--kind", "bets", "--period", "day", "--count", "20")
    said = ok(runner, "limits", "set", player, "--kind", "bets", "--period", "day", "--remove")
    (row,) = rows(app, PlayerLimit)
    assert said == (
        f"player {player}: bets day limit stays 20 bets until {at(row.pending_at)} "
        "(the cooling-off), then removed\n"
    )
    assert limit_lines(ok(runner, "limits", "show", player)) == [
        f"bets     day         20 bets  (removed at {at(row.pending_at)})"
    ]
    clock.travel(COOLING_OFF)
    shown = ok(runner, "limits", "show", player)
    assert limit_lines(shown) == [] and "no limits" in shown


def test_the_history_names_the_operator_who_and_when(app, runner, player):
    ok(runner, "limits", "set", player, "--kind", "stake", "--amount", "10", "--operator", "ann",
       "--reason", "agreed in chat")  # fmt: skip
    ok(runner, "limits", "set", player, "--kind", "stake", "--amount", "20")

    first, second = rows(app, LimitChange)
    assert (first.actor, first.action, first.old_value, first.new_value, first.reason) == (
        "operator:ann", "set", "none", "10.00 EUR", "agreed in chat"
    )  # fmt: skip
    assert (second.actor, second.action, second.reason) == ("operator:cli", "raise-pending", None)
    shown = ok(runner, "limits", "show", player).splitlines()
    history = shown[shown.index("last changes (newest first, 2):") + 1 :]
    assert history == [
        f"{at(second.created_at)}  operator:cli  stake bet EUR  raise-pending  "
        f"10.00 EUR -> 20.00 EUR  from {at(second.effective_at)}",
        f"{at(first.created_at)}  operator:ann  stake bet EUR  set  none -> 10.00 EUR  "
        "reason: agreed in chat",
    ]
    assert len(ok(runner, "limits", "show", player, "--history", "1").splitlines()) == 5


LONG = "x" * 501


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["999999", "--kind", "stake", "--amount", "5"], "no player 999999"),
        (["nobody@example.com", "--kind", "stake", "--amount", "5"], "no player nobody@"),
        (["{p}", "--kind", "wager", "--amount", "5"], "Invalid value for '--kind'"),
        (["{p}", "--kind", "deposit", "--period", "year", "--amount", "5"], "'--period'"),
        (["{p}", "--kind", "deposit", "--amount", "5"], "needs --period day|week|month"),
        (["{p}", "--kind", "deposit", "--period", "day", "--minutes", "10"],
         "--minutes does not fit: a deposit limit takes --amount"),
        (["{p}", "--kind", "deposit", "--period", "day", "--amount", "1", "--count", "2"],
         "--count does not fit"),
        (["{p}", "--kind", "session", "--amount", "10"], "a session limit takes --minutes"),
        (["{p}", "--kind", "bets", "--period", "day"], "needs --count (or --remove)"),
        (["{p}", "--kind", "loss", "--period", "day", "--remove", "--amount", "5"],
         "--remove takes no value"),
        (["{p}", "--kind", "deposit", "--period", "day", "--amount", "ten"], "positive amount"),
        (["{p}", "--kind", "deposit", "--period", "day", "--amount", "-5"], "positive amount"),
        (["{p}", "--kind", "deposit", "--period", "day", "--amount", "0"], "positive amount"),
        (["{p}", "--kind", "deposit", "--period", "day", "--amount", "1.001"], "positive amount"),
        (["{p}", "--kind", "stake", "--amount", "1e3"], "positive amount"),
        (["{p}", "--kind", "bets", "--period", "day", "--count", "0"], "whole number of bets"),
        (["{p}", "--kind", "bets", "--period", "day", "--count", "2.5"], "whole number of bets"),
        (["{p}", "--kind", "session", "--minutes", "1441"], "from 1 to 1440"),
        (["{p}", "--kind", "session", "--minutes", "\u0665"], "whole minutes"),
        (["{p}", "--kind", "stake", "--amount", "5", "--currency", "JPY"],
         "the player's brand has no currency JPY (EUR, USD)"),
        (["{p}", "--kind", "bets", "--period", "day", "--count", "5", "--currency", "EUR"],
         "a bets limit has no currency"),
        (["{p}", "--kind", "stake", "--amount", "5", "--reason", LONG], "at most 500"),
        (["{p}", "--kind", "stake", "--amount", "5", "--reason", "a\nb"], "one line"),
        (["{p}", "--kind", "stake", "--amount", "5", "--operator", " "], "--operator must be"),
        (["{p}", "--kind", "stake", "--amount", "5", "--operator", "o" * 51], "--operator must"),
    ],
)  # fmt: skip
def test_set_refuses_wrong_input_in_one_line_and_writes_nothing(app, runner, player, args, says):
    result = cli(runner, "limits", "set", *[a.format(p=player) for a in args])

    assert result.exit_code != 0
    assert says in result.output, result.output
    assert result.output.count("Error:") == 1
    assert counts(app) == (0, 0, 0)


def test_show_refuses_an_unknown_player(runner, player):
    result = cli(runner, "limits", "show", "ghost@example.com")
    assert (result.exit_code, result.output) == (1, "Error: no player ghost@example.com\n")


# --- exclusions --------------------------------------------------------------------------


def test_add_a_timeout_list_it_and_show_it(app, runner, player):
    said = ok(runner, "exclusions", "add", player, "--kind", "timeout", "--duration", "7d",
              "--reason", "asked by phone", "--operator", "bob")  # fmt: skip

    (exclusion,) = rows(app, Exclusion)
    until = exclusion.starts_at + timedelta(days=7)
    assert said == (
        f"player {player}: timeout 7d from {at(exclusion.starts_at)}, until {at(until)}; "
        "sessions ended\n"
    )
    assert status(app, player) == ("timed_out", until)
    assert (exclusion.actor, exclusion.reason) == ("operator:bob", "asked by phone")
    (change,) = rows(app, LimitChange)
    assert (change.actor, change.action, change.reason) == (
        "operator:bob",
        "timeout",
        "asked by phone",
    )
    assert ok(runner, "exclusions", "list") == (
        f"{player}\tRita@example.com\ttimeout 7d\tsince {at(exclusion.starts_at)}\t"
        f"until {at(until)}\tasked by phone\tby operator:bob\n1 exclusion(s)\n"
    )
    assert (
        f"exclusion: timeout 7d since {at(exclusion.starts_at)}, until {at(until)}, "
        "by operator:bob: asked by phone"
    ) in ok(runner, "limits", "show", player)


def test_self_exclusions_show_their_end_and_the_reopening(app, runner, player, make_player):
    other = make_player(email="other@example.com")
    ok(runner, "exclusions", "add", player, "--kind", "self-exclusion", "--duration", "6m",
       "--reason", "player's letter")  # fmt: skip
    ok(runner, "exclusions", "add", other, "--kind", "self-exclusion", "--duration", "indefinite",
       "--reason", "player's call")  # fmt: skip

    first, second = rows(app, Exclusion)
    assert status(app, player) == ("self_excluded", None)
    listed = ok(runner, "exclusions", "list").splitlines()
    assert listed[0].split("\t")[2:5] == [
        "self-exclusion indefinite", f"since {at(second.starts_at)}",
        "indefinite (only lift ends it)",
    ]  # fmt: skip
    assert listed[1].split("\t")[2:5] == [
        "self-exclusion 6m", f"since {at(first.starts_at)}",
        f"until {at(first.ends_at)}, then awaiting reopening (the player asks)",
    ]  # fmt: skip
    assert listed[2] == "2 exclusion(s)"


def test_add_never_shortens_an_exclusion_but_lengthens_it(app, runner, player):
    ok(runner, "exclusions", "add", player, "--kind", "timeout", "--duration", "30d",
       "--reason", "r")  # fmt: skip
    before = counts(app)
    shorter = cli(runner, "exclusions", "add", player, "--kind", "timeout", "--duration", "24h",
                  "--reason", "r")  # fmt: skip
    (exclusion,) = rows(app, Exclusion)
    assert shorter.exit_code == 1
    assert shorter.output == (
        "Error: an exclusion that lasts longer applies already (until "
        f"{at(exclusion.ends_at)}): add never shortens one; lift it first\n"
    )
    assert counts(app) == before

    ok(runner, "exclusions", "add", player, "--kind", "self-exclusion", "--duration", "indefinite",
       "--reason", "longer")  # fmt: skip
    replaced, longer = rows(app, Exclusion)
    assert status(app, player) == ("self_excluded", None)
    listed = ok(runner, "exclusions", "list").splitlines()
    assert [line.split("\t")[2] for line in listed[:-1]] == ["self-exclusion indefinite"]
    everything = ok(runner, "exclusions", "list", "--all").splitlines()
    assert [line.split("\t")[2] for line in everything[:-1]] == [
        "self-exclusion indefinite",
        "timeout 30d",
    ]
    assert everything[1].split("\t")[4] == (
        f"lifted {at(replaced.lifted_at)} by operator:cli: replaced by self-exclusion"
    )
    shorter = cli(runner, "exclusions", "add", player, "--kind", "self-exclusion",
                  "--duration", "5y", "--reason", "r")  # fmt: skip
    assert shorter.output == (
        "Error: an exclusion that lasts longer applies already (indefinite): add never "
        "shortens one; lift it first\n"
    )


def test_lift_ends_the_exclusion_at_once_and_names_the_operator(app, runner, player):
    ok(runner, "exclusions", "add", player, "--kind", "self-exclusion", "--duration", "5y",
       "--reason", "r")  # fmt: skip
    said = ok(runner, "exclusions", "lift", "RITA@example.com", "--reason", "entered by mistake",
              "--operator", "carol")  # fmt: skip

    assert said == f"player {player}: self-exclusion lifted; the player may play again\n"
    assert status(app, player) == ("active", None)
    (exclusion,) = rows(app, Exclusion)
    assert (exclusion.lifted_by, exclusion.lift_reason) == ("operator:carol", "entered by mistake")
    assert rows(app, LimitChange)[-1].actor == "operator:carol"
    assert ok(runner, "exclusions", "list") == "0 exclusion(s)\n"
    (line, _total) = ok(runner, "exclusions", "list", "--all").splitlines()
    assert line.split("\t")[4:] == [
        f"lifted {at(exclusion.lifted_at)} by operator:carol: entered by mistake",
        "r",
        "by operator:cli",
    ]
    again = cli(runner, "exclusions", "lift", player, "--reason", "again")
    assert (again.exit_code, again.output) == (
        1,
        "Error: no exclusion applies to this player now\n",
    )


def test_the_list_shows_what_applies_now_and_all_shows_what_ended(app, runner, player, clock):
    """Found while writing the command: a player's ended time-out was listed with the
    exclusion that applies now (the core's `exclusions` kept every unlifted row)."""
    ok(runner, "exclusions", "add", player, "--kind", "timeout", "--duration", "24h",
       "--reason", "first")  # fmt: skip
    clock.travel(COOLING_OFF)
    assert ok(runner, "exclusions", "list") == "0 exclusion(s)\n"
    assert "exclusion: none" in ok(runner, "limits", "show", player)
    ok(runner, "exclusions", "add", player, "--kind", "timeout", "--duration", "6w",
       "--reason", "second")  # fmt: skip

    first, second = rows(app, Exclusion)
    listed = ok(runner, "exclusions", "list").splitlines()
    assert [line.split("\t")[5] for line in listed[:-1]] == ["second"]
    everything = ok(runner, "exclusions", "list", "--all").splitlines()
    assert [line.split("\t")[4] for line in everything[:-1]] == [
        f"until {at(second.ends_at)}",
        f"ended {at(first.ends_at)}",
    ]


@pytest.mark.parametrize(
    ("command", "args", "says"),
    [
        ("add", ["--kind", "timeout", "--duration", "6m", "--reason", "r"],
         "a timeout lasts 24h, 7d, 30d, 6w; 6m is not one of them"),
        ("add", ["--kind", "self-exclusion", "--duration", "24h", "--reason", "r"],
         "a self-exclusion lasts 6m, 1y, 5y, indefinite; 24h is not one of them"),
        ("add", ["--kind", "timeout", "--duration", "2d", "--reason", "r"],
         "Invalid value for '--duration'"),
        ("add", ["--kind", "closure", "--duration", "7d", "--reason", "r"],
         "Invalid value for '--kind'"),
        ("add", ["--kind", "timeout", "--duration", "7d"], "Missing option '--reason'"),
        ("add", ["--kind", "timeout", "--duration", "7d", "--reason", "  "],
         "--reason must not be empty"),
        ("add", ["--kind", "timeout", "--duration", "7d", "--reason", LONG], "at most 500"),
        ("add", ["--kind", "timeout", "--reason", "r"], "Missing option '--duration'"),
        ("lift", ["--reason", ""], "--reason must not be empty"),
        ("lift", [], "Missing option '--reason'"),
        ("lift", ["--reason", "r"], "no exclusion applies to this player now"),
        ("lift", ["--reason", "r", "--operator", ""], "--operator must be"),
    ],
)  # fmt: skip
def test_exclusion_commands_refuse_wrong_input_and_write_nothing(
    app, runner, player, command, args, says
):
    result = cli(runner, "exclusions", command, player, *args)

    assert result.exit_code != 0
    assert says in result.output, result.output
    assert counts(app) == (0, 0, 0)
    assert status(app, player) == ("active", None)


@pytest.mark.parametrize("command", ["add", "lift"])
def test_exclusion_commands_refuse_an_unknown_player(app, runner, player, command):
    args = ["--kind", "timeout", "--duration", "7d"] if command == "add" else []
    result = cli(runner, "exclusions", command, "ghost@example.com", *args, "--reason", "r")

    assert (result.exit_code, result.output) == (1, "Error: no player ghost@example.com\n")
    assert counts(app) == (0, 0, 0)
