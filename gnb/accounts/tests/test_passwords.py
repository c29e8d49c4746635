"""Password storage (Argon2id, bcrypt hashes of the previous system upgraded at login) and password rules."""

from __future__ import annotations

import hashlib

import bcrypt
import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import get_hasher, make_password
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError

from gnb.accounts.models import User
from gnb.accounts.passwords import (
    BreachedPasswordValidator,
    compared_forms,
    fold,
    keyboard_walks,
    legacy_bcrypt_to_django,
    simplify,
)

TOO_EASY = (
    "This password is too easy to guess: it is a common or leaked password with small changes, such as digits or "
    "symbols added or letters replaced by look-alikes, or a short pattern repeated."
)
STRONG = "violet tractor umbrella 97 lantern"


def legacy_hash(password: str, prefix: str) -> str:
    """A hash as the previous system stored it, made by the bcrypt library with the given prefix (cost 4: fast)."""
    salt = bcrypt.gensalt(4).replace(b"$2b$", f"${prefix}$".encode())
    return bcrypt.hashpw(password.encode(), salt).decode()


def refusals(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


# --- storage ------------------------------------------------------------------------------------------------------


def test_the_production_hasher_list_puts_argon2id_first_and_keeps_the_legacy_ones():
    assert settings.PASSWORD_HASHERS == [
        "gnb.accounts.passwords.Argon2idPasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "gnb.accounts.passwords.LegacyBCryptPasswordHasher",
    ]
    assert get_hasher("default").algorithm == "argon2"
    assert get_hasher("bcrypt").__class__.__name__ == "LegacyBCryptPasswordHasher"
    assert make_password(STRONG).startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.django_db
def test_a_new_user_gets_an_argon2id_hash():
    user = User.objects.create_user("anna", "anna@example.com", STRONG)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(STRONG)


@pytest.mark.parametrize("prefix", ["2a", "2b", "2y"])
def test_every_bcrypt_prefix_is_stored_in_the_form_django_reads(prefix):
    raw = legacy_hash("old secret", prefix)
    assert raw.startswith(f"${prefix}$04$")
    stored = legacy_bcrypt_to_django(raw)
    assert stored == "bcrypt$$2b$04$" + raw.removeprefix(f"${prefix}$04$")
    assert get_hasher("bcrypt").verify("old secret", stored)
    assert not get_hasher("bcrypt").verify("old secreT", stored)


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["2a", "2b", "2y"])
def test_a_user_with_a_bcrypt_hash_signs_in_and_gets_an_argon2id_hash(prefix):
    stored = legacy_bcrypt_to_django(legacy_hash("sunflower harbour 1987", prefix))
    User.objects.create(username="mehmet@example.com", email="mehmet@example.com", password=stored)

    user = authenticate(None, username="mehmet@example.com", password="sunflower harbour 1987")

    assert user is not None and user.username == "mehmet@example.com"
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("sunflower harbour 1987")


@pytest.mark.django_db
def test_a_wrong_password_leaves_the_bcrypt_hash_as_it_was():
    stored = legacy_bcrypt_to_django(legacy_hash("sunflower harbour 1987", "2a"))
    User.objects.create(username="mehmet@example.com", password=stored)

    assert authenticate(None, username="mehmet@example.com", password="sunflower harbour 1988") is None

    assert User.objects.get(username="mehmet@example.com").password == stored


@pytest.mark.django_db
def test_staff_with_a_bcrypt_hash_sign_in_to_the_back_office_and_are_upgraded(client):
    stored = legacy_bcrypt_to_django(legacy_hash("dispatch desk 2019", "2y"))
    User.objects.create(username="ops@gnbtransfer.com", password=stored, is_staff=True, is_superuser=True)

    refused = client.post("/admin/login/?next=/admin/", {"username": "ops@gnbtransfer.com", "password": "dispatch"})
    assert refused.status_code == 200
    assert User.objects.get(username="ops@gnbtransfer.com").password == stored

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "ops@gnbtransfer.com", "password": "dispatch desk 2019"}
    )
    # The password is right; with no authenticator yet, the next step is setting one up (gnb/accounts/admin_site.py).
    assert response.status_code == 302
    assert response["Location"] == "/admin/two-factor/setup/"
    assert client.get("/admin/two-factor/setup/").status_code == 200
    assert User.objects.get(username="ops@gnbtransfer.com").password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_a_password_over_72_bytes_signs_in_as_it_did_before_and_is_then_kept_whole():
    # bcryptjs hashed the first 72 bytes of a longer password; bcrypt 5 would raise on it instead of checking it.
    password = "ü" * 40 + " mountain road to kemer"  # 103 bytes in UTF-8
    bcryptjs_hash = bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(4)).decode()
    User.objects.create(username="long@example.com", password=legacy_bcrypt_to_django(bcryptjs_hash))

    user = authenticate(None, username="long@example.com", password=password)

    assert user is not None
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(password)
    assert not user.check_password("ü" * 36)  # the first 72 bytes alone no longer pass


def _with_last(raw: str, position: int, char: str) -> str:
    return raw[:position] + char + raw[position + 1 :]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda raw: "",
            "is not a bcrypt hash: expected 60 characters such as $2b$10$ followed by 53 characters (letters, "
            "digits, . and /)",
        ),
        (
            lambda raw: raw[:-1],
            "is not a bcrypt hash: expected 60 characters such as $2b$10$ followed by 53 characters (letters, "
            "digits, . and /)",
        ),
        (
            lambda raw: "bcrypt$" + raw,
            "is not a bcrypt hash: expected 60 characters such as $2b$10$ followed by 53 characters (letters, "
            "digits, . and /)",
        ),
        (
            lambda raw: raw.replace("$2b$", "$2x$"),
            "uses the $2x$ variant; only $2a$, $2b$ and $2y$ hashes can be checked ($2x$ marks hashes from a broken "
            "implementation)",
        ),
        (lambda raw: raw.replace("$2b$04$", "$2b$03$"), "has cost 03; bcrypt costs run from 04 to 31"),
        (lambda raw: raw.replace("$2b$04$", "$2b$32$"), "has cost 32; bcrypt costs run from 04 to 31"),
        (
            lambda raw: _with_last(raw, 28, "/"),
            "is not a valid bcrypt hash: its salt or hash part was not made by bcrypt",
        ),
        (
            lambda raw: _with_last(raw, 59, "/"),
            "is not a valid bcrypt hash: its salt or hash part was not made by bcrypt",
        ),
    ],
)
def test_a_value_that_is_not_a_usable_bcrypt_hash_is_refused_saying_why(make, message):
    with pytest.raises(ValueError) as refused:
        legacy_bcrypt_to_django(make(legacy_hash("x", "2b")))
    assert str(refused.value) == message


def test_the_last_digits_of_real_salts_and_hashes_are_accepted():
    # The salt and hash end in digits whose unused bits are zero; 60 real hashes cover the values they take.
    for index in range(60):
        raw = legacy_hash(f"password {index}", "2b")
        assert legacy_bcrypt_to_django(raw).endswith(raw[7:])


# --- rules --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "P@ssw0rd2024!",
        "Passw0rd!2024",
        "p4ssw0rd123456",
        "!!Summer2024!!",
        "Antalya2025!!",
        "Galatasaray1905!",
        "Şifre123456789",
        "Пароль2024!!!!",
        "qwertyuiop1234",
        "4rfv5tgb6yhn!",
        "iloveyou1234",
        "aaaaaaaaaaaaaa",
        "abcabcabcabc",
    ],
)
def test_common_passwords_with_digits_symbols_or_look_alikes_are_refused(password):
    assert refusals(password) == [TOO_EASY]


def test_an_exact_common_password_keeps_djangos_translated_message():
    assert refusals("1q2w3e4r5t6y") == ["This password is too common."]


@pytest.mark.django_db
def test_a_password_containing_the_email_local_part_is_refused():
    user = User(username="mehmet.yilmaz@example.com", email="mehmet.yilmaz@example.com")
    assert refusals("Sunny-m3hm3t.yilmaz-Harbour", user) == [
        "This password contains the part of your email address before the @."
    ]
    assert refusals("harbour of yilmaz at sunset", user) == [
        "This password contains the part of your email address before the @."
    ]


@pytest.mark.django_db
def test_a_password_containing_the_name_or_username_or_site_name_is_refused():
    named = User(username="bq", first_name="Bartholomew", last_name="Quist")
    assert refusals("orchard BARTHOLOMEW kettle 58", named) == ["This password contains your name."]
    staff = User(username="nightdesk")
    assert refusals("quiet nightdesk tea 4 two", staff) == ["This password contains your username."]
    assert refusals("my gnb-transfer account key") == ["This password contains the name of this site."]


@pytest.mark.django_db
def test_a_strong_passphrase_is_accepted_for_a_user_with_a_name_and_email():
    user = User(username="anna@example.com", email="anna@example.com", first_name="Anna", last_name="Smith")
    assert refusals(STRONG, user) == []


def test_length_counts_a_run_of_spaces_once_and_ends_at_128():
    assert refusals("Tulip  Zebra") == ["This password is too short. It must contain at least 12 characters."]
    assert refusals("Tulip Zebra!") == []
    assert refusals(hashlib.sha256(b"64").hexdigest()) == []  # 64 characters
    assert refusals(hashlib.sha512(b"128").hexdigest()) == []  # 128 characters
    assert refusals(hashlib.sha512(b"129").hexdigest() + "x") == [
        "This password is too long. It must contain at most 128 characters."
    ]


def test_there_are_no_composition_rules():
    # ASVS 2.1.9: digits only, or lower case only, is fine when the password is long and not a known one.
    assert refusals("830592716408") == []
    assert refusals("quiet lanterns drift over belek bay") == []


def test_the_help_texts_name_every_rule():
    assert password_validators_help_texts() == [
        "Your password can’t contain your name, your username, your email address or the name of this site.",
        "Your password must contain at least 12 characters.",
        "Your password must contain at most 128 characters.",
        "Your password can’t be a commonly used or leaked password, even with digits or symbols added or letters "
        "replaced by look-alike characters.",
    ]


def test_passwords_are_compared_folded_and_without_the_digits_and_symbols_around_them():
    assert fold("P@ss-W0rd 1!") == "passwordii"
    assert fold("Şifre İstanbul ı") == "sifreistanbuii"
    # Whole; without the symbols after it, or around it; without the digits and symbols after it, or around it.
    assert compared_forms("!P@ssw0rd2024!") == {
        "ipassword2o2ai",
        "ipassword2o2a",
        "password2o2a",
        "ipassword",
        "password",
    }
    assert compared_forms("1234") == {"i2ea"}
    assert compared_forms("abc123") == {"abci2e"}


def test_keyboard_walks_cover_rows_columns_and_turns_of_four_keys_or_more():
    walks = set(keyboard_walks())
    for walk in ("qwer", "poiuytrewq", "7890123456", "1qaz2wsx3edc", "zaq12wsx", "q1w2e3r4", "qawsedrf"):
        assert walk in walks
    assert simplify("йцукен") == "ицукен"  # walks are simplified like everything compared
    assert "ицукен" in walks
    assert "qwe" not in walks
    assert min(len(walk) for walk in walks) == 4


def test_the_blocklist_reads_django_s_list_and_the_bundled_words(tmp_path):
    extra = tmp_path / "extra.txt"
    extra.write_text("# a comment\n\nKumquat\n", encoding="utf-8")
    validator = BreachedPasswordValidator(extra_list_paths=[extra])
    assert validator.is_blocked("Kumqu@t2024!!")
    assert validator.is_blocked("Dragon!1234567")  # "dragon" is on Django's list
    assert not validator.is_blocked("Antalya2025!!")  # only the bundled file, not given here, has it
    assert BreachedPasswordValidator().is_blocked("Antalya2025!!")


def test_an_argon2_hash_with_other_costs_is_remade_with_ours_at_login():
    from django.contrib.auth.hashers import Argon2PasswordHasher, check_password

    stored = Argon2PasswordHasher().encode(STRONG, Argon2PasswordHasher().salt())
    assert stored.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")
    remade = []
    assert check_password(STRONG, stored, setter=remade.append)
    [new] = remade
    assert new == STRONG  # the setter receives the raw password, which Django then hashes with the default hasher
    assert make_password(new).startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
