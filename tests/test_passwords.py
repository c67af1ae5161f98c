import pytest

from portal.accounts.passwords import hash_password, policy_errors, verify_password


def codes(password, max_length=15, identities=("lucky7", "ann@example.com")):
    return policy_errors(password, max_length=max_length, identities=list(identities))


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("goal2024x", []),
        ("ab1c", ["password_short"]),
        ("abcdefgh12345678", ["password_long"]),
        ("LUCKY7", ["password_short", "password_match_user_name"]),
        ("Ann@Example.com", ["password_match_user_name", "password_mix_characters"]),
        ("aaaa1111", ["password_same_letters"]),
        ("abcdefgh", ["password_mix_characters"]),
        ("12345678", ["password_mix_characters"]),
        ("aaa", ["password_short", "password_same_letters", "password_mix_characters"]),
    ],
)
def test_policy_codes(password, expected):
    assert codes(password) == expected


def test_email_local_part_is_an_identity():
    assert codes("annann12", identities=["annann12@example.com"]) == ["password_match_user_name"]


def test_maximum_is_the_brands():
    assert codes("abcdefgh12345678", max_length=20) == []


def test_production_hashing_uses_the_rfc_9106_parameters():
    from portal.accounts.passwords import production_hasher

    hasher = production_hasher()
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
    assert hasher.hash("goal2024x").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_hashes_are_argon2_and_salted():
    first, second = hash_password("goal2024x"), hash_password("goal2024x")
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "goal2024x")
    assert not verify_password(first, "goal2024y")
    assert not verify_password(None, "goal2024x")
    assert not verify_password("not-a-hash", "goal2024x")
