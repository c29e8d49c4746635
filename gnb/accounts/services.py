"""Writes on user accounts: importing the accounts of the previous system.

The previous system (Node, MongoDB) exported its users as a JSON list or a CSV file with the fields email, name,
role, password_hash (bcryptjs), preferred_language and created_at. :func:`read_user_rows` reads such a file and
:func:`user_import` checks every row, then writes them all in one transaction, or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from gnb.accounts.passwords import legacy_bcrypt_to_django

logger = logging.getLogger(__name__)

# The roles of the previous system. They become groups of the same name once those exist; until then a role is
# only reported (the access rules behind each role are not defined yet, so nothing is granted from it).
ROLES = ("customer", "driver", "dispatcher", "manager", "admin", "superadmin")
FIELDS = ("email", "name", "role", "password_hash", "preferred_language", "created_at")
REQUIRED_FIELDS = ("email", "password_hash")
FORMATS = ("json", "csv")
# Rows are written, and looked up, this many at a time (SQLite allows at most 32,766 query parameters).
_BATCH = 500


@dataclass(frozen=True)
class RowError:
    """A row that cannot be imported, and the field at fault (``row`` is None for the whole file)."""

    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "import"
        return f"{where}, {self.field}: {self.message}"


@dataclass(frozen=True)
class SkippedRow:
    """A row left out on purpose: its email address is already taken."""

    row: int
    email: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row} ({self.email}) skipped: {self.reason}"


@dataclass(frozen=True)
class UnassignedRole:
    """A row whose role has no group of that name yet: the user was imported without it."""

    row: int
    email: str
    role: str


@dataclass
class ImportReport:
    """What an import did, or, for a dry run or an import stopped by errors, what it would have done.

    ``created`` counts the users written (in a dry run: those a real run would write); ``valid`` the rows that
    passed every check. Without ``skip_invalid`` one error means nothing is written, so ``created`` is 0 while
    ``valid`` may not be.
    """

    dry_run: bool
    rows: int = 0
    valid: int = 0
    created: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unassigned_roles: list[UnassignedRole] = field(default_factory=list)
    ignored_fields: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        created = f"would create {self.created}" if self.dry_run else f"created {self.created}"
        return f"{created}, skipped {len(self.skipped)}, errors {len(self.errors)}"


@dataclass(frozen=True)
class ExportRows:
    """The rows of an export file and the number of each, as errors name them."""

    rows: list[Any]
    numbers: list[int]


class ImportFileError(Exception):
    """The file cannot be read as an export at all (not JSON, no CSV header, not UTF-8 …)."""


@dataclass
class _User:
    """A row that passed its checks, ready to write."""

    row: int
    email: str
    username: str
    first_name: str
    last_name: str
    password: str
    preferred_language: str
    date_joined: dt.datetime | None
    role: str


class _FieldError(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


# --- reading the file ---------------------------------------------------------------------------------------------


def read_user_rows(path: Path, file_format: str | None = None) -> ExportRows:
    """The rows of an export file, numbered.

    ``file_format`` is ``json`` (a list of objects, numbered from 1) or ``csv`` (UTF-8 with a header row, numbered
    as a spreadsheet shows them: the header is row 1, so the first user is row 2; blank lines are left out but
    counted); by default it follows the file name's extension. Column names are read ignoring case and spaces.
    Raises :class:`ImportFileError` naming what is wrong with the file as a whole.
    """
    file_format = file_format or path.suffix.lower().lstrip(".")
    if file_format not in FORMATS:
        raise ImportFileError(f"{path.name}: cannot tell the format from the file name; give --format json or csv")
    try:
        # utf-8-sig: spreadsheet programs start their CSV files with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path.name}: not UTF-8 text (byte {exc.start} cannot be read)") from None
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read: {exc.strerror}") from None
    if file_format == "json":
        return _json_rows(path.name, text)
    return _csv_rows(path.name, text)


def _json_rows(name: str, text: str) -> ExportRows:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, list):
        raise ImportFileError(f"{name}: expected a JSON list of user objects, found {_json_type(data)}")
    return ExportRows(rows=data, numbers=list(range(1, len(data) + 1)))


def _csv_rows(name: str, text: str) -> ExportRows:
    # newline="": a quoted value may hold line breaks, and the csv module must see them as they are.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        raise ImportFileError(f"{name}: the file is empty; expected a header row naming the columns") from None
    except csv.Error as exc:
        raise ImportFileError(f"{name}: the header row is not valid CSV ({exc})") from None
    missing = [column for column in REQUIRED_FIELDS if column not in header]
    if missing:
        raise ImportFileError(
            f"{name}: the header has no column {', '.join(missing)} (it names: {', '.join(header) or 'nothing'})"
        )
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        raise ImportFileError(f"{name}: the header names {', '.join(duplicated)} more than once")
    rows = ExportRows(rows=[], numbers=[])
    number = 1
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                raise ImportFileError(
                    f"{name}: row {number} has {len(cells)} values but the header names {len(header)} columns"
                )
            rows.rows.append(dict(zip(header, cells, strict=False)))
            rows.numbers.append(number)
    except csv.Error as exc:
        raise ImportFileError(f"{name}: row {number + 1} is not valid CSV ({exc})") from None
    return rows


# --- the import ---------------------------------------------------------------------------------------------------


def user_import(
    *,
    rows: Sequence[Any],
    dry_run: bool = False,
    skip_invalid: bool = False,
    strict: bool = False,
    row_numbers: Sequence[int] | None = None,
) -> ImportReport:
    """Import the users of the previous system, each with their bcrypt password hash.

    Every row is checked first, each error naming its row and field: email (required, a valid address, unique
    ignoring case in the file and against existing users), name (split into first name and last name at the last
    space), role (one of :data:`ROLES`), password_hash (a ``$2a$``/``$2b$``/``$2y$`` bcrypt hash, stored as
    ``bcrypt$$2b$…`` so the user signs in with their old password and gets an Argon2id hash), preferred_language
    (one of ``settings.LANGUAGES``) and created_at (an ISO 8601 date or date-time, or MongoDB's ``{"$date": …}``).
    The username is the email address in lower case. A role becomes membership of the group of that name when it
    exists; otherwise it is listed in ``unassigned_roles``.

    A row whose email address is taken (by an earlier row or an existing user) is skipped and reported, or counted
    as an error with ``strict``. Any error leaves everything unwritten unless ``skip_invalid``, which writes the
    rows without errors. All writes happen in one transaction; ``dry_run`` runs the same writes and rolls them
    back, so its report is what a real run would do. Errors name rows by ``row_numbers`` (by default 1, 2, …).
    """
    report = ImportReport(dry_run=dry_run, rows=len(rows))
    ignored: set[str] = set()
    parsed: list[_User] = []
    claimed: dict[str, int] = {}  # lower-case email -> the row that has it
    numbers = row_numbers if row_numbers is not None else range(1, len(rows) + 1)
    for number, raw in zip(numbers, rows, strict=True):
        if not isinstance(raw, Mapping):
            report.errors.append(RowError(number, "row", "is not an object with named fields"))
            continue
        ignored.update(str(key) for key in raw if key not in FIELDS)
        errors: list[RowError] = []
        email = _field(raw, "email", number, errors, _parse_email)
        if email is not None:
            # Claimed even when another field is wrong: two rows with one address are a conflict to look at, not
            # something to settle by which of them happens to be valid.
            first = claimed.setdefault(email.lower(), number)
            if first != number:
                reason = f"the same email address as row {first}"
                if strict:
                    errors.append(RowError(number, "email", f"has {reason}"))
                else:
                    report.skipped.append(SkippedRow(number, email, reason))
                    continue
        first_name, last_name = _field(raw, "name", number, errors, _parse_name) or ("", "")
        role = _field(raw, "role", number, errors, _parse_role) or ""
        password = _field(raw, "password_hash", number, errors, _parse_password_hash)
        language = _field(raw, "preferred_language", number, errors, _parse_language) or ""
        date_joined = _field(raw, "created_at", number, errors, _parse_created_at)
        if errors or email is None or password is None:
            report.errors.extend(errors)
            continue
        parsed.append(_User(number, email, email.lower(), first_name, last_name, password, language, date_joined, role))
    report.ignored_fields = sorted(ignored)

    taken = _existing_emails([user.username for user in parsed])
    ready: list[_User] = []
    for user in parsed:
        if user.username not in taken:
            ready.append(user)
        elif strict:
            report.errors.append(RowError(user.row, "email", "belongs to an existing user"))
        else:
            report.skipped.append(SkippedRow(user.row, user.email, "an existing user has this email address"))
    report.skipped.sort(key=lambda skipped: skipped.row)
    report.errors.sort(key=lambda error: (error.row or 0, FIELDS.index(error.field) if error.field in FIELDS else -1))
    report.valid = len(ready)

    if report.errors and not skip_invalid:
        _log(report)
        return report
    try:
        with transaction.atomic():
            report.created, report.unassigned_roles = _write(ready)
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError:
        # Only another process creating one of these accounts between the check above and the write gets here.
        report.created = 0
        report.unassigned_roles = []
        report.errors.append(
            RowError(
                None,
                "email",
                "another account with one of these email addresses was created during the import; nothing was "
                "imported, run it again",
            )
        )
    _log(report)
    return report


def _write(ready: list[_User]) -> tuple[int, list[UnassignedRole]]:
    """Create the users and their group memberships; return how many, and the roles that had no group."""
    user_model = get_user_model()
    user_model.objects.bulk_create(
        [
            user_model(
                username=user.username,
                email=user.email,
                first_name=user.first_name,
                last_name=user.last_name,
                password=user.password,
                preferred_language=user.preferred_language,
                **({"date_joined": user.date_joined} if user.date_joined else {}),
            )
            for user in ready
        ],
        batch_size=_BATCH,
    )
    # A role is the group of that name, ignoring case ("Manager"); should two groups differ only in case, the one
    # named exactly as the role wins.
    groups = {group.name.lower(): group for group in Group.objects.order_by("name")}
    groups.update({group.name: group for group in Group.objects.filter(name__in=ROLES)})
    with_role = [user for user in ready if user.role]
    pks = _pks_by_username([user.username for user in with_role if user.role in groups])
    membership = user_model.groups.through
    membership.objects.bulk_create(
        [
            membership(user_id=pks[user.username], group_id=groups[user.role].pk)
            for user in with_role
            if user.role in groups
        ],
        batch_size=_BATCH,
    )
    unassigned = [UnassignedRole(user.row, user.email, user.role) for user in with_role if user.role not in groups]
    return len(ready), unassigned


def _existing_emails(usernames: list[str]) -> set[str]:
    """The lower-case addresses among ``usernames`` that an existing user has as email address or username."""
    user_model = get_user_model()
    found: set[str] = set()
    for start in range(0, len(usernames), _BATCH):
        chunk = usernames[start : start + _BATCH]
        found.update(
            user_model.objects.annotate(key=Lower("email")).filter(key__in=chunk).values_list("key", flat=True)
        )
        found.update(
            user_model.objects.annotate(key=Lower("username")).filter(key__in=chunk).values_list("key", flat=True)
        )
    return found


def _pks_by_username(usernames: list[str]) -> dict[str, int]:
    user_model = get_user_model()
    pks: dict[str, int] = {}
    for start in range(0, len(usernames), _BATCH):
        chunk = usernames[start : start + _BATCH]
        pks.update(user_model.objects.filter(username__in=chunk).values_list("username", "pk"))
    return pks


def _log(report: ImportReport) -> None:
    # Counts only: the report's emails are personal data and stay in the command's output.
    logger.info(
        "users imported" if not report.dry_run else "users import checked (dry run)",
        extra={
            "import_rows": report.rows,
            "import_created": report.created,
            "import_skipped": len(report.skipped),
            "import_errors": len(report.errors),
        },
    )


# --- the fields ---------------------------------------------------------------------------------------------------


def _field(raw: Mapping[str, Any], name: str, row: int, errors: list[RowError], parse: Any) -> Any:
    """``parse`` applied to the field's value, or None when it is empty (an error when the field is required)."""
    value = raw.get(name)
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if name in REQUIRED_FIELDS:
            errors.append(RowError(row, name, "is required"))
        return None
    try:
        return parse(value)
    except _FieldError as exc:
        errors.append(RowError(row, exc.field, exc.message))
        return None


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _FieldError(name, f"must be text, not {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _max_length(field_name: str) -> int:
    max_length = getattr(get_user_model()._meta.get_field(field_name), "max_length", None)
    return max_length if isinstance(max_length, int) else 10**6


def _parse_email(value: Any) -> str:
    email = _text("email", value)
    try:
        validate_email(email)
    except ValidationError:
        raise _FieldError("email", f"{email!r} is not a valid email address") from None
    limit = _max_length("username")
    if len(email) > limit:
        raise _FieldError(
            "email", f"is {len(email)} characters long; usernames, which are the email address, hold at most {limit}"
        )
    local, _at, domain = email.rpartition("@")
    # The domain is case-insensitive, so it is stored in lower case (as Django's create_user does).
    return f"{local}@{domain.lower()}"


def _parse_name(value: Any) -> tuple[str, str]:
    words = _text("name", value).split()
    first_name, last_name = (" ".join(words[:-1]), words[-1]) if len(words) > 1 else (words[0], "")
    for part, label in ((first_name, "first name"), (last_name, "last name")):
        limit = _max_length(label.replace(" ", "_"))
        if len(part) > limit:
            raise _FieldError("name", f"gives a {label} of {len(part)} characters; at most {limit}")
    return first_name, last_name


def _parse_role(value: Any) -> str:
    role = _text("role", value).lower()
    if role not in ROLES:
        raise _FieldError("role", f"{value!r} is not a role; use one of {', '.join(ROLES)}")
    return role


def _parse_password_hash(value: Any) -> str:
    try:
        return legacy_bcrypt_to_django(_text("password_hash", value))
    except ValueError as exc:
        raise _FieldError("password_hash", str(exc)) from None


def _parse_language(value: Any) -> str:
    language = _text("preferred_language", value).lower()
    codes = [code for code, _name in settings.LANGUAGES]
    if language not in codes:
        raise _FieldError(
            "preferred_language", f"{value!r} is not a language of the site; use one of {', '.join(codes)}"
        )
    return language


def _parse_created_at(value: Any) -> dt.datetime:
    if isinstance(value, Mapping) and set(value) == {"$date"}:
        value = value["$date"]  # mongoexport's extended JSON: {"$date": "2023-05-01T10:20:30.123Z"} or milliseconds
        if isinstance(value, int) and not isinstance(value, bool):
            return _not_in_future(dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC))
    text = _text("created_at", value)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _FieldError(
            "created_at", f"{text!r} is not an ISO 8601 date or date-time (such as 2023-05-01 or 2023-05-01T10:20:30Z)"
        ) from None
    if timezone.is_naive(moment):
        # A date or a time without offset is read in the business's time zone (settings.TIME_ZONE).
        moment = timezone.make_aware(moment)
    return _not_in_future(moment)


def _not_in_future(moment: dt.datetime) -> dt.datetime:
    if moment > timezone.now():
        raise _FieldError("created_at", f"{moment.isoformat()} is in the future")
    return moment
