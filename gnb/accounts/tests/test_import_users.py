"""Importing the users of the previous system: `manage.py import_users` and the service behind it."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from zoneinfo import ZoneInfo

import bcrypt
import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from gnb.accounts import services
from gnb.accounts.models import User
from gnb.accounts.roles import ROLES
from gnb.accounts.services import ImportReport, RowError, SkippedRow, UnassignedRole, user_import

IST = ZoneInfo("Europe/Istanbul")


def legacy_hash(password: str, prefix: str = "2b") -> str:
    """A bcrypt hash as bcryptjs stored it (cost 4 to keep the tests fast)."""
    salt = bcrypt.gensalt(4).replace(b"$2b$", f"${prefix}$".encode())
    return bcrypt.hashpw(password.encode(), salt).decode()


HASH_A = legacy_hash("anna's old password", "2a")
HASH_B = legacy_hash("ali's old password", "2y")
HASH_C = legacy_hash("olga's old password", "2b")


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_users", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[str, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_users", *args, stdout=out, stderr=err)
    assert failed.value.returncode == 1
    return out.getvalue(), err.getvalue(), str(failed.value)


def write_json(tmp_path, rows) -> str:
    path = tmp_path / "users.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return str(path)


def three_users() -> list[dict]:
    return [
        {
            "_id": {"$oid": "64500f0e2b1c4a0012345678"},
            "email": "Anna.Smith@Example.COM",
            "name": "Anna Maria  Smith",
            "role": "manager",
            "password_hash": HASH_A,
            "preferred_language": "TR",
            "created_at": "2023-05-01T10:20:30.123Z",
        },
        {
            "email": "ali@example.com",
            "name": "Ali",
            "role": "driver",
            "password_hash": HASH_B,
            "created_at": {"$date": 1683000000000},
        },
        {"email": "olga@example.com", "password_hash": HASH_C, "created_at": "2022-01-15", "role": ""},
    ]


def without_role_groups() -> None:
    # migrate creates every role's group (gnb/accounts/roles.py); these tests import into a database where some
    # role has no group, so they start without them and create the ones they need.
    Group.objects.filter(name__in=ROLES).delete()


@pytest.mark.django_db
def test_a_json_export_is_imported_with_its_fields_roles_and_passwords(tmp_path):
    without_role_groups()
    managers = Group.objects.create(name="Manager")

    out, err = run(write_json(tmp_path, three_users()))

    assert err == ""
    assert out == (
        "role driver: no group of that name yet, not assigned (rows 2)\n"
        "fields ignored: _id\n"
        "created 3, skipped 0, errors 0\n"
    )
    anna = User.objects.get(username="anna.smith@example.com")
    assert (anna.email, anna.first_name, anna.last_name) == ("Anna.Smith@example.com", "Anna Maria", "Smith")
    assert anna.preferred_language == "tr"
    assert anna.date_joined == dt.datetime(2023, 5, 1, 10, 20, 30, 123000, tzinfo=dt.UTC)
    assert list(anna.groups.all()) == [managers]
    assert anna.password == "bcrypt$$2b$04$" + HASH_A.removeprefix("$2a$04$")
    assert (anna.is_staff, anna.is_superuser, anna.is_active) == (False, False, True)
    ali = User.objects.get(username="ali@example.com")
    assert (ali.first_name, ali.last_name, ali.preferred_language) == ("Ali", "", "")
    assert ali.date_joined == dt.datetime(2023, 5, 2, 4, 0, tzinfo=dt.UTC)
    assert list(ali.groups.all()) == []
    olga = User.objects.get(username="olga@example.com")
    assert olga.date_joined == dt.datetime(2022, 1, 15, tzinfo=IST)
    assert User.objects.count() == 3


@pytest.mark.django_db
def test_imported_users_sign_in_with_their_old_password_and_are_upgraded_to_argon2id(tmp_path):
    run(write_json(tmp_path, three_users()))

    assert authenticate(None, username="ali@example.com", password="ali's old password!") is None
    assert User.objects.get(username="ali@example.com").password.startswith("bcrypt$$2b$04$")
    assert authenticate(None, username="ali@example.com", password="ali's old password") is not None
    assert User.objects.get(username="ali@example.com").password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_a_csv_export_is_imported_and_an_existing_user_is_skipped(tmp_path):
    without_role_groups()
    olga = User.objects.create_user("olga@example.com", "Olga@Example.com", "olga's new password")
    path = tmp_path / "users.csv"
    path.write_text(
        "\ufeffEmail, Name ,role,password_hash,preferred_language,created_at,phone\n"
        f'anna@example.com,"Anna Smith",customer,{HASH_A},de,2024-02-29T12:00:00+03:00,+905321234567\n'
        "\n"
        f"OLGA@example.com,Olga Petrova,customer,{HASH_C},ru,,\n"
        f'ali@example.com,"Ali Veli\nYilmaz",dispatcher,{HASH_B},,2020-06-01,\n',
        encoding="utf-8",
    )

    out, err = run(str(path))

    assert err == ""
    assert out == (
        "row 4 (OLGA@example.com) skipped: an existing user has this email address\n"
        "role customer: no group of that name yet, not assigned (rows 2)\n"
        "role dispatcher: no group of that name yet, not assigned (rows 5)\n"
        "fields ignored: phone\n"
        "created 2, skipped 1, errors 0\n"
    )
    anna = User.objects.get(username="anna@example.com")
    assert (anna.first_name, anna.last_name, anna.preferred_language) == ("Anna", "Smith", "de")
    assert anna.date_joined == dt.datetime(2024, 2, 29, 9, 0, tzinfo=dt.UTC)
    ali = User.objects.get(username="ali@example.com")
    assert (ali.first_name, ali.last_name) == ("Ali Veli", "Yilmaz")
    assert User.objects.get(username="olga@example.com").password == olga.password  # untouched
    assert User.objects.count() == 3


@pytest.mark.django_db
def test_a_dry_run_reports_what_would_happen_and_writes_nothing(tmp_path):
    without_role_groups()
    Group.objects.create(name="manager")

    out, err = run(write_json(tmp_path, three_users()), "--dry-run")

    assert err == ""
    assert out == (
        "role driver: no group of that name yet, not assigned (rows 2)\n"
        "fields ignored: _id\n"
        "Dry run: nothing was written.\n"
        "would create 3, skipped 0, errors 0\n"
    )
    assert User.objects.count() == 0
    assert User.groups.through.objects.count() == 0


@pytest.mark.django_db
def test_every_bad_row_is_named_with_its_field_and_nothing_is_written(tmp_path):
    rows = [
        {"email": "ok@example.com", "password_hash": HASH_A},
        {"name": "No Email", "password_hash": HASH_A},
        {"email": "not-an-address", "password_hash": HASH_A},
        {"email": "x@example.com", "password_hash": HASH_A.replace("$2a$", "$2x$")},
        {"email": "y@example.com", "password_hash": "5f4dcc3b5aa765d61d8327deb882cf99"},
        {"email": "z@example.com", "password_hash": HASH_A, "role": "owner", "preferred_language": "es"},
        {"email": "w@example.com", "password_hash": HASH_A, "created_at": "01/05/2023", "name": 42},
        {"email": "v@example.com", "password_hash": HASH_A, "created_at": "2999-01-01"},
        ["u@example.com", HASH_A],
        {"email": "t@example.com"},
    ]

    out, err, message = run_failing(write_json(tmp_path, rows))

    assert err.splitlines() == [
        "row 2, email: is required",
        "row 3, email: 'not-an-address' is not a valid email address",
        "row 4, password_hash: uses the $2x$ variant; only $2a$, $2b$ and $2y$ hashes can be checked ($2x$ marks "
        "hashes from a broken implementation)",
        "row 5, password_hash: is not a bcrypt hash: expected 60 characters such as $2b$10$ followed by 53 "
        "characters (letters, digits, . and /)",
        "row 6, role: 'owner' is not a role; use one of customer, driver, dispatcher, manager, admin, superadmin",
        "row 6, preferred_language: 'es' is not a language of the site; use one of en, tr, de, ru, uk, pl, nl, fr, ar",
        "row 7, name: must be text, not a number",
        "row 7, created_at: '01/05/2023' is not an ISO 8601 date or date-time (such as 2023-05-01 or "
        "2023-05-01T10:20:30Z)",
        "row 8, created_at: 2999-01-01T00:00:00+03:00 is in the future",
        "row 9, row: is not an object with named fields",
        "row 10, password_hash: is required",
    ]
    assert out == ""
    assert message == (
        "created 0, skipped 0, errors 11. Nothing was imported: correct the rows above, or use --skip-invalid to "
        "import the rows without errors (1)."
    )
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_emails_are_skipped_or_with_strict_refused(tmp_path):
    User.objects.create_user("existing", "Taken@Example.com")
    path = write_json(
        tmp_path,
        [
            {"email": "new@example.com", "password_hash": HASH_A},
            {"email": "NEW@example.com", "password_hash": HASH_B},
            {"email": "taken@example.com", "password_hash": HASH_C},
        ],
    )

    _out, err, message = run_failing(path, "--strict")
    assert err.splitlines() == [
        "row 2, email: has the same email address as row 1",
        "row 3, email: belongs to an existing user",
    ]
    assert message.startswith("created 0, skipped 0, errors 2. Nothing was imported")
    assert not User.objects.filter(username="new@example.com").exists()

    out, err = run(path)
    assert err == ""
    assert out == (
        "row 2 (NEW@example.com) skipped: the same email address as row 1\n"
        "row 3 (taken@example.com) skipped: an existing user has this email address\n"
        "created 1, skipped 2, errors 0\n"
    )
    assert User.objects.get(username="new@example.com").check_password("anna's old password")


@pytest.mark.django_db
def test_one_bad_row_stops_the_whole_import_unless_skip_invalid(tmp_path):
    rows = [
        {"email": "one@example.com", "password_hash": HASH_A},
        {"email": "two@example.com", "password_hash": "not a hash"},
        {"email": "three@example.com", "password_hash": HASH_C},
    ]
    path = write_json(tmp_path, rows)

    _out, err, message = run_failing(path)
    assert err.startswith("row 2, password_hash: is not a bcrypt hash")
    assert message == (
        "created 0, skipped 0, errors 1. Nothing was imported: correct the rows above, or use --skip-invalid to "
        "import the rows without errors (2)."
    )
    assert User.objects.count() == 0

    out, err, message = run_failing(path, "--skip-invalid")
    assert err.startswith("row 2, password_hash: is not a bcrypt hash")
    assert out == ""
    assert message == "created 2, skipped 0, errors 1. The rows above were not imported."
    assert sorted(User.objects.values_list("username", flat=True)) == ["one@example.com", "three@example.com"]


@pytest.mark.django_db
def test_a_write_that_fails_half_way_leaves_nothing_written(monkeypatch):
    # Another process creates one of the accounts after the import looked for it: the insert fails, and the rows
    # written before it in the same transaction are gone too.
    User.objects.create_user("two@example.com", "two@example.com")
    monkeypatch.setattr(services, "_existing_emails", lambda usernames: set())

    report = user_import(
        rows=[
            {"email": "one@example.com", "password_hash": HASH_A},
            {"email": "two@example.com", "password_hash": HASH_B},
        ]
    )

    assert report.created == 0
    assert report.errors == [
        RowError(
            None,
            "email",
            "another account with one of these email addresses was created during the import; nothing was "
            "imported, run it again",
        )
    ]
    assert list(User.objects.values_list("username", flat=True)) == ["two@example.com"]


@pytest.mark.django_db
def test_the_service_reports_every_outcome():
    without_role_groups()
    Group.objects.create(name="admin")
    User.objects.create_user("old@example.com", "old@example.com")

    report = user_import(
        rows=[
            {"email": "a@example.com", "password_hash": HASH_A, "role": "Admin", "legacy_id": 7},
            {"email": "b@example.com", "password_hash": HASH_B, "role": "superadmin"},
            {"email": "old@example.com", "password_hash": HASH_C},
            {"email": "c@example.com", "password_hash": HASH_C, "preferred_language": "xx"},
        ],
        skip_invalid=True,
        row_numbers=[2, 3, 5, 6],
    )

    assert report == ImportReport(
        dry_run=False,
        rows=4,
        valid=2,
        created=2,
        skipped=[SkippedRow(5, "old@example.com", "an existing user has this email address")],
        errors=[
            RowError(
                6,
                "preferred_language",
                "'xx' is not a language of the site; use one of en, tr, de, ru, uk, pl, nl, fr, ar",
            )
        ],
        unassigned_roles=[UnassignedRole(3, "b@example.com", "superadmin")],
        ignored_fields=["legacy_id"],
    )
    assert list(User.objects.get(username="a@example.com").groups.values_list("name", flat=True)) == ["admin"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        (
            "users.json",
            "{not json",
            (),
            "users.json: not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)",
        ),
        ("users.json", '{"users": []}', (), "users.json: expected a JSON list of user objects, found an object"),
        ("users.csv", "", (), "users.csv: the file is empty; expected a header row naming the columns"),
        (
            "users.csv",
            "email,name\na@example.com,A\n",
            (),
            "users.csv: the header has no column password_hash (it names: email, name)",
        ),
        (
            "users.csv",
            f"email,password_hash\na@example.com,{HASH_A},extra\n",
            (),
            "users.csv: row 2 has 3 values but the header names 2 columns",
        ),
        ("users.txt", "[]", (), "users.txt: cannot tell the format from the file name; give --format json or csv"),
        (
            "users.csv",
            "email,password_hash\n",
            ("--format", "json"),
            "users.csv: not valid JSON (Expecting value at line 1, column 1)",
        ),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_saying_why(tmp_path, name, content, args, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    _out, _err, refused = run_failing(str(path), *args)
    assert refused == message
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes("email,password_hash\nçağrı@example.com,x\n".encode("cp1254"))
    _out, _err, refused = run_failing(str(path))
    assert refused == "users.csv: not UTF-8 text (byte 20 cannot be read)"
