"""How passwords are stored and which passwords are refused (OWASP ASVS 4.0.3, V2.1 and V2.4).

Storage: ``settings.PASSWORD_HASHERS`` puts Argon2id first, so every password set or changed is hashed with it.
The hashes imported from the previous system (bcryptjs, ``$2a$``/``$2b$``/``$2y$``) are stored as
``bcrypt$$2b$…`` (:func:`legacy_bcrypt_to_django`) and checked by :class:`LegacyBCryptPasswordHasher`; Django
re-hashes a password with the first hasher on the first successful login, so those hashes disappear as their
owners sign in.

Rules, all in ``settings.AUTH_PASSWORD_VALIDATORS``: 12 to 128 characters (:class:`MinimumLengthValidator`,
:class:`MaximumLengthValidator`), not a common or breached password nor an obvious variation of one
(:class:`BreachedPasswordValidator`), and nothing of the user's name, username or email address, nor the company
name (:class:`UserContextValidator`). There are deliberately no composition rules (ASVS 2.1.9).
"""

from __future__ import annotations

import functools
import gzip
import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import Argon2PasswordHasher, BCryptPasswordHasher
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from gnb.accounts.models import User

EXTRA_BLOCKLIST_PATH = Path(__file__).resolve().parent / "data" / "blocklist-extra.txt"

# --- hashes from the previous system ----------------------------------------------------------------------------

# bcrypt only ever reads the first 72 bytes of a password.
BCRYPT_MAX_BYTES = 72

_BCRYPT_SHAPE = re.compile(
    r"\$(?P<variant>2[a-z]?)\$(?P<cost>\d\d)\$(?P<salt>[./A-Za-z0-9]{22})(?P<hash>[./A-Za-z0-9]{31})"
)
# The salt is 128 bits in 22 base-64 digits and the hash 184 bits in 31, so their last digits carry 4 and 2 unused
# bits that are always zero: a hash that ends otherwise was not made by bcrypt (and the library refuses such salts).
_BCRYPT_SALT_LAST = frozenset(".Oeu")
_BCRYPT_HASH_LAST = frozenset(".CGKOSWaeimquy26")


def legacy_bcrypt_to_django(raw_hash: str) -> str:
    """The stored form of a bcrypt hash from the previous system: ``$2a$10$…`` becomes ``bcrypt$$2b$10$…``.

    ``$2a$`` (bcryptjs 2), ``$2b$`` (bcryptjs 3, OpenBSD) and ``$2y$`` (PHP's crypt_blowfish) name the same
    computation: the prefixes only mark fixes of bugs in other implementations (passwords over 255 bytes, 8-bit
    characters) that do not concern bcryptjs, and the bcrypt library computes all three identically. They are
    written as ``$2b$``, the form the library makes (``bcrypt.gensalt`` offers only ``$2a$`` and ``$2b$``) and
    Django stores itself, so every stored hash has the one form current libraries are sure to read.

    Raises ``ValueError`` saying what is wrong: not a bcrypt hash, the broken ``$2x$`` variant, a cost outside
    04-31 or a malformed salt or hash.
    """
    match = _BCRYPT_SHAPE.fullmatch(raw_hash)
    if match is None:
        raise ValueError(
            "is not a bcrypt hash: expected 60 characters such as $2b$10$ followed by 53 characters "
            "(letters, digits, . and /)"
        )
    if match["variant"] not in {"2a", "2b", "2y"}:
        raise ValueError(
            f"uses the ${match['variant']}$ variant; only $2a$, $2b$ and $2y$ hashes can be checked "
            "($2x$ marks hashes from a broken implementation)"
        )
    cost = int(match["cost"])
    if not 4 <= cost <= 31:
        raise ValueError(f"has cost {match['cost']}; bcrypt costs run from 04 to 31")
    if match["salt"][-1] not in _BCRYPT_SALT_LAST or match["hash"][-1] not in _BCRYPT_HASH_LAST:
        raise ValueError("is not a valid bcrypt hash: its salt or hash part was not made by bcrypt")
    return f"{LegacyBCryptPasswordHasher.algorithm}$$2b${match['cost']}${match['salt']}{match['hash']}"


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's recommended minimum cost (19 MiB, 2 passes, 1 lane) instead of Django's 100 MiB × 8.

    Each login holds this much memory while it hashes; with several web threads per small instance, Django's
    default would let a burst of logins exhaust the machine. Hashes made with other parameters are re-made with
    these at the next successful login (same algorithm name, so Django sees them as needing an update).
    """

    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1


class LegacyBCryptPasswordHasher(BCryptPasswordHasher):
    """Django's ``BCryptPasswordHasher`` (same ``bcrypt`` algorithm name and stored form), reading only the first
    72 bytes of the password.

    bcryptjs, which made the imported hashes, silently used the first 72 bytes of a longer password; bcrypt 5 raises
    ``ValueError`` instead, which would turn a long password typed at a login form into a server error. Cutting the
    password here gives bcryptjs's answer. This hasher is never the first in ``PASSWORD_HASHERS``, so the first
    successful login re-hashes the whole password with Argon2id and the cut-off stops mattering.
    """

    def encode(self, password: str, salt: str | bytes) -> str:
        import bcrypt  # imported when used, as Django's bcrypt hashers do

        salt_bytes = salt.encode("ascii") if isinstance(salt, str) else salt
        data = bcrypt.hashpw(password.encode()[:BCRYPT_MAX_BYTES], salt_bytes)
        return f"{self.algorithm}${data.decode('ascii')}"


# --- length -----------------------------------------------------------------------------------------------------

_WHITESPACE_RUN = re.compile(r"\s+")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """At least ``min_length`` characters (12: ASVS 2.1.1), a run of spaces counting as one character.

    ASVS counts length "after multiple spaces are combined", so twelve spaces or ``a`` and eleven spaces are not a
    12-character password. Django's messages are kept: they are translated into every language of the site.
    """

    def __init__(self, min_length: int = 12) -> None:
        super().__init__(min_length)

    def validate(self, password: str, user: User | None = None) -> None:
        super().validate(_WHITESPACE_RUN.sub(" ", password), user)


class MaximumLengthValidator:
    """At most ``max_length`` characters (128). ASVS 2.1.2: permit at least 64 characters, deny more than 128."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: User | None = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must contain at most %(max_length)d character.",
            "Your password must contain at most %(max_length)d characters.",
            self.max_length,
        ) % {"max_length": self.max_length}


# --- comparing passwords ----------------------------------------------------------------------------------------

# Look-alikes folded to the letter they stand for. 1, !, | and l all become i, on both sides of every comparison,
# because 1 stands for i as often as for l.
_LOOK_ALIKES = str.maketrans(
    {
        "4": "a",
        "@": "a",
        "0": "o",
        "1": "i",
        "!": "i",
        "|": "i",
        "l": "i",
        "3": "e",
        "5": "s",
        "$": "s",
        "7": "t",
        "+": "t",
    }
)
_NOT_ALNUM = re.compile(r"[\W_]+")
# Forms shorter than this are not compared: too many strong passwords are a short word and many random digits.
MIN_COMPARED_LENGTH = 4
_TRAILING_SYMBOLS = re.compile(r"[\W_]+$")
_LEADING_SYMBOLS = re.compile(r"^[\W_]+")
_TRAILING_NON_LETTERS = re.compile(r"[\W\d_]+$")
_LEADING_NON_LETTERS = re.compile(r"^[\W\d_]+")


def simplify(text: str) -> str:
    """Case and accents dropped (``Şifre`` → ``sifre``), with the Turkish dotless ı read as i."""
    if text.isascii():  # most passwords and list entries: nothing to decompose (and 20 times faster)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold().replace("ı", "i")


def fold(text: str) -> str:
    """``simplify``, look-alikes read as letters (``P@ssw0rd`` → ``password``), then only letters and digits kept
    (so ``pass word`` and ``pass-word`` read as ``password``)."""
    return _fold_simple(simplify(text))


def _fold_simple(simple: str) -> str:
    return _NOT_ALNUM.sub("", simple.translate(_LOOK_ALIKES))


def compared_forms(text: str) -> set[str]:
    """The forms in which a password, and every blocklist entry, is compared: the whole of it, and without the
    digits and symbols added after it, or before and after it (``!P@ssw0rd2024!`` → ``password``), each folded.

    The affixes are cut before folding, so a look-alike digit inside the word (``passw0rd``) is read as a letter
    while the digits after it are dropped.
    """
    simple = simplify(text)
    cut_symbols = _TRAILING_SYMBOLS.sub("", simple)
    cut_non_letters = _TRAILING_NON_LETTERS.sub("", simple)
    candidates = {
        simple,
        cut_symbols,
        _LEADING_SYMBOLS.sub("", cut_symbols),
        cut_non_letters,
        _LEADING_NON_LETTERS.sub("", cut_non_letters),
    }
    return {form for candidate in candidates if len(form := _fold_simple(candidate)) >= MIN_COMPARED_LENGTH}


# --- common and breached passwords ------------------------------------------------------------------------------

# Keyboard rows of the layouts the site's visitors type on (QWERTY, QWERTZ, AZERTY, Turkish Q, Russian, Ukrainian,
# Arabic), the digits and the alphabet: their runs, forwards and backwards and wrapping round, are walks.
KEYBOARD_ROWS = (
    "1234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertzuiop",
    "yxcvbnm",
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "qwertyuıopğü",
    "asdfghjklşi",
    "zxcvbnmöç",
    "йцукенгшщзхъ",
    "фывапролджэ",
    "ячсмитьбю",
    "йцукенгшщзхї",
    "фівапролджє",
    "ضصثقفغعهخحجد",
    "شسيبلاتنمكط",
    "ئءؤرلاىةوزظ",
    "abcdefghijklmnopqrstuvwxyz",
)
# Longer input is refused by MaximumLengthValidator anyway and is not compared: no blocklist entry or name is near
# this long, and the search for a repeated unit takes time growing with the square of the length.
_LONGEST_COMPARED = 256
# One unit typed over and over (aaaaaaaaaaaa, abcdabcdabcd, passwordpassword): refused when the unit is this short
# or is itself blocked.
_REPEATED_UNIT = re.compile(r"(.+?)\1+")
_SHORT_UNIT = 4


# The QWERTY columns, top to bottom, for the walks down and up the keyboard (1qaz2wsx, zaq12wsx, 1qazxsw2).
KEYBOARD_COLUMNS = ("1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik", "9ol", "0p")
# Neighbouring QWERTY rows typed in turns (1q2w3e4r, q1w2e3r4, qawsedrf).
KEYBOARD_ROW_PAIRS = (("1234567890", "qwertyuiop"), ("qwertyuiop", "asdfghjkl"), ("asdfghjkl", "zxcvbnm"))


def keyboard_walks() -> Iterator[str]:
    """The keyboard walks, simplified (see :func:`simplify`), each at least four keys long:

    - every run along a row of :data:`KEYBOARD_ROWS`, forwards or backwards, wrapping from the end of the row to
      its start (``7890123456``, ``12345678901234``), up to twice the row long;
    - two to ten neighbouring :data:`KEYBOARD_COLUMNS` from left to right, each typed down or up, with or without
      its digit (``1qaz2wsx3edc``, ``zaq12wsx``, ``qazwsxedc``);
    - two neighbouring rows typed in turns (``1q2w3e4r5t``, ``q1w2e3r4``), from any key.
    """
    for row in KEYBOARD_ROWS:
        row = simplify(row)  # once per row rather than once per walk
        for line in (row, row[::-1]):
            tripled = line * 3
            for start in range(len(line)):
                for end in range(start + MIN_COMPARED_LENGTH, start + 2 * len(line) + 1):
                    yield tripled[start:end]
    for columns in (KEYBOARD_COLUMNS, tuple(column[1:] for column in KEYBOARD_COLUMNS)):
        for start in range(len(columns)):
            for count in range(2, len(columns) - start + 1):
                chosen = columns[start : start + count]
                for directions in itertools.product((1, -1), repeat=count):
                    walk = "".join(column[::step] for column, step in zip(chosen, directions, strict=True))
                    if len(walk) >= MIN_COMPARED_LENGTH:
                        yield walk
    for upper, lower in KEYBOARD_ROW_PAIRS:
        for first, second in ((upper, lower), (lower, upper)):
            turns = "".join(a + b for a, b in zip(first, second, strict=False))
            for start in range(0, len(turns), 2):
                for end in range(start + MIN_COMPARED_LENGTH, len(turns) + 1, 2):
                    yield turns[start:end]


def _read_entries(path: Path) -> Iterator[str]:
    """The entries of a word list, gzipped or not, without blank lines and ``#`` comments."""
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        entry = line.strip()
        if entry and not entry.startswith("#"):
            yield entry


@functools.cache
def blocked_forms(list_paths: tuple[Path, ...]) -> frozenset[str]:
    """Every compared form of every entry of these lists and of every keyboard walk (read once per process)."""
    forms: set[str] = set()
    for path in list_paths:
        for entry in _read_entries(path):
            forms |= compared_forms(entry)
    # A walk is all letters or all digits, so cutting affixes leaves it whole or empty: its one form is the folded
    # walk.
    forms.update(_fold_simple(walk) for walk in keyboard_walks())
    return frozenset(forms)


class BreachedPasswordValidator(password_validation.CommonPasswordValidator):
    """Refuses common and breached passwords, and the small variations of them that guessing tools try first.

    The blocklist is three things, all bundled (nothing is looked up on the network):

    - the 20,000 passwords Django ships, read from Django's own file: the most frequent ones of Have I Been Pwned's
      Pwned Passwords (version 6), compiled by Royce Williams (see
      ``django.contrib.auth.password_validation.CommonPasswordValidator``);
    - ``gnb/accounts/data/blocklist-extra.txt``, typed in by hand: the company and product names, the places it
      serves, the word "password" in the site's languages, popular football clubs, greetings and endearments,
      months and seasons, and keyboard patterns;
    - the keyboard walks of :func:`keyboard_walks`, generated.

    It is not a breach corpus: it holds the most frequent choices, which is what ASVS 2.1.7 asks of a local list
    ("the top 1,000 or 10,000 most common passwords"), and their variations. A password is refused when any of its
    :func:`compared_forms` (case, accents and look-alike symbols folded; digits and symbols before or after the
    word cut off) is a form of an entry, or when it is one short unit (or a blocked word) repeated. An exact
    match keeps Django's message, which is translated into every language of the site.
    """

    def __init__(
        self,
        password_list_path: Path | str = password_validation.CommonPasswordValidator.DEFAULT_PASSWORD_LIST_PATH,
        extra_list_paths: Sequence[Path | str] = (EXTRA_BLOCKLIST_PATH,),
    ) -> None:
        if password_list_path is password_validation.CommonPasswordValidator.DEFAULT_PASSWORD_LIST_PATH:
            # A cached_property on Django's class: read on an instance, it is the path of Django's list.
            password_list_path = self.DEFAULT_PASSWORD_LIST_PATH
        super().__init__(password_list_path)
        self.list_paths = (Path(password_list_path), *(Path(path) for path in extra_list_paths))

    @property
    def blocked(self) -> frozenset[str]:
        # Built on first use (about half a second, once per process), not when a form merely shows the help texts.
        return blocked_forms(self.list_paths)

    def validate(self, password: str, user: User | None = None) -> None:
        super().validate(password, user)
        if len(password) <= _LONGEST_COMPARED and self.is_blocked(password):
            raise ValidationError(self.get_variant_error_message(), code="password_too_common")

    def is_blocked(self, password: str) -> bool:
        """Whether the password is an entry of the blocklist or a variation of one, or a unit repeated."""
        for form in compared_forms(password):
            if form in self.blocked:
                return True
            repeated = _REPEATED_UNIT.fullmatch(form)
            if repeated and (len(repeated[1]) <= _SHORT_UNIT or repeated[1] in self.blocked):
                return True
        return False

    def get_variant_error_message(self) -> str:
        return _(
            "This password is too easy to guess: it is a common or leaked password with small changes, such as "
            "digits or symbols added or letters replaced by look-alikes, or a short pattern repeated."
        )

    def get_help_text(self) -> str:
        return _(
            "Your password can’t be a commonly used or leaked password, even with digits or symbols added or "
            "letters replaced by look-alike characters."
        )


# --- the user's own details -------------------------------------------------------------------------------------

_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _words(value: str, min_length: int) -> set[str]:
    """The folded value and each run of letters in it, those at least ``min_length`` long."""
    simple = simplify(value)
    candidates = {fold(value), *(fold(run) for run in _LETTER_RUN.findall(simple))}
    return {word for word in candidates if len(word) >= min_length}


class UserContextValidator(password_validation.UserAttributeSimilarityValidator):
    """Django's similarity check, plus: the password may not contain the user's first or last name, username, the
    part of their email address before the @, nor the company name (``settings.GNB_COMPANY_NAME``).

    NIST SP 800-63B 5.1.1.2 lists these "context-specific words" among the passwords to refuse. They are compared
    folded (case, accents and look-alikes, see :func:`fold`), as whole values and word by word (``anna.smith``
    is checked as ``annasmith``, ``anna`` and ``smith``); words shorter than ``min_word_length`` are skipped, or
    a name such as "Al" would refuse half of all passwords. Django's similarity check, which catches a password
    that merely resembles one of these values, runs first and keeps its translated message.
    """

    def __init__(
        self,
        user_attributes: Sequence[str] = password_validation.UserAttributeSimilarityValidator.DEFAULT_USER_ATTRIBUTES,
        max_similarity: float = 0.7,
        min_word_length: int = 4,
    ) -> None:
        super().__init__(user_attributes, max_similarity)
        self.min_word_length = min_word_length

    def validate(self, password: str, user: User | None = None) -> None:
        super().validate(password, user)
        if len(password) > _LONGEST_COMPARED:
            return
        folded = fold(password)
        for kind, words in self.context_words(user):
            if any(word in folded for word in words):
                raise ValidationError(self.get_context_error_message(kind), code="password_contains_context")

    def context_words(self, user: User | None) -> list[tuple[str, set[str]]]:
        """(kind, folded words) for the company name and, when there is a user, their name, username and email."""
        # The company name as a whole: its words alone ("transfer") are ordinary words, kept out by the blocklist
        # only when they are the whole password.
        site = fold(settings.GNB_COMPANY_NAME)
        found = [("site", {site} if len(site) >= self.min_word_length else set())]
        if user is None:
            return found
        email = str(getattr(user, "email", "") or "")
        username = str(getattr(user, "username", "") or "")
        found.append(("email", _words(email.rpartition("@")[0], self.min_word_length) if "@" in email else set()))
        # Imported accounts have their email address as username: its local part is what matters there too.
        found.append(("username", _words(username.rpartition("@")[0] or username, self.min_word_length)))
        names = " ".join(str(getattr(user, field, "") or "") for field in ("first_name", "last_name"))
        found.append(("name", _words(names, self.min_word_length)))
        return found

    def get_context_error_message(self, kind: str) -> str:
        messages = {
            "site": _("This password contains the name of this site."),
            "email": _("This password contains the part of your email address before the @."),
            "username": _("This password contains your username."),
            "name": _("This password contains your name."),
        }
        return messages[kind]

    def get_help_text(self) -> str:
        return _("Your password can’t contain your name, your username, your email address or the name of this site.")
