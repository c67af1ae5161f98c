from decimal import Decimal


def test_decimals_are_exact_json_numbers_and_keys_keep_their_order(app):
    body = {"total_balance": Decimal("936.04"), "a": 1, "tiny": Decimal("0.00000001")}
    assert app.json.dumps(body) == '{"total_balance": 936.04, "a": 1, "tiny": 0.00000001}'


def test_incoming_fractions_are_decimals_not_floats(app):
    assert app.json.loads('{"amount": 10.10}') == {"amount": Decimal("10.10")}
