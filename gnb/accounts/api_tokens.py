"""Sign-in to the API: short-lived JWT access tokens and rotating refresh tokens (OWASP ASVS 4.0.3 V3.5).

``token_issue`` starts a *family* (one sign-in) and returns a pair: an access token (a JWT, HS256, 15 minutes by
default, with ``iss``, ``aud``, ``exp``, ``iat``, ``jti``, ``sub`` and ``fam``, the family) and a refresh token (an
opaque random string; only its SHA-256 is stored). ``token_refresh`` marks the refresh token used and returns the
next pair of the same family; a refresh token presented a second time means two parties hold it (a thief and the
user), so the whole family is revoked and both are refused (reuse detection). ``token_logout`` revokes the family.

Access tokens are checked against their family on every request (``access_token_verify``): the one query that
loads the user also reads the family, so a logout, a reuse or a password change ends its access tokens at once, not
15 minutes later.

Password changes: each family keeps a keyed hash of the user's password hash from when it began, and a family
whose fingerprint no longer matches is refused (and marked revoked when next seen). This was chosen over a
``post_save`` signal on the user because it holds however the password is changed: ``QuerySet.update()``, raw SQL,
a restore or a future form that forgets to call anything all bypass signals, while the stored hash always changes
with the password. It is the mechanism Django itself uses to end sessions on a password change
(``get_session_auth_hash``). A re-hash that keeps the password (Django upgrading a bcrypt hash to Argon2id at the
next website login) also ends the user's API sign-ins; they sign in again, which errs on the safe side.

Rotation is race-safe: the used mark is a conditional ``UPDATE … WHERE used_at IS NULL``, so of two concurrent
refreshes with one token exactly one claims it (on PostgreSQL the second waits for the first's row lock, then finds
the token used); the other counts as reuse and revokes the family.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from gnb.accounts import two_factor
from gnb.accounts.models import RefreshToken, TokenFamily, User
from gnb.accounts.selectors import username_for_identifier
from gnb.core.errors import DomainError, Forbidden, Throttled, Unauthenticated
from gnb.core.ratelimit import Limit, rate_limit_attempt, rate_limit_hit

logger = logging.getLogger(__name__)

ALGORITHM = "HS256"
CLOCK_SKEW_SECONDS = 5
AUDIENCE = "gnb-api"
# Longest refresh token the API reads; issued ones are 43 characters after the prefix.
REFRESH_TOKEN_MAX_LENGTH = 128
_REFRESH_PREFIX = "gnbr_"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: dt.datetime
    refresh_token: str
    refresh_expires_at: dt.datetime
    family_id: uuid.UUID


def signing_key() -> bytes:
    """JWT_SIGNING_KEY, or a key derived from SECRET_KEY for this one purpose (never SECRET_KEY itself)."""
    if settings.JWT_SIGNING_KEY:
        return settings.JWT_SIGNING_KEY.encode()
    return salted_hmac("gnb.accounts.api_tokens.jwt", "signing-key", algorithm="sha256").digest()


def issuer() -> str:
    return settings.SITE_URL


def password_fingerprint(user: User) -> str:
    """A keyed hash of the user's password hash: changes whenever the password does, reveals nothing of it."""
    return salted_hmac("gnb.accounts.api_tokens.password", user.password, algorithm="sha256").hexdigest()


def _hash(refresh_token: str) -> str:
    # A refresh token carries 256 random bits, so a fast hash is enough: nothing can be guessed from it.
    return hashlib.sha256(refresh_token.encode()).hexdigest()


def _access_token(*, user: User, family_id: uuid.UUID, now: dt.datetime) -> tuple[str, dt.datetime]:
    expires_at = now + dt.timedelta(seconds=settings.JWT_ACCESS_TOKEN_SECONDS)
    claims = {
        "iss": issuer(),
        "aud": AUDIENCE,
        "sub": str(user.pk),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": uuid.uuid4().hex,
        "fam": str(family_id),
    }
    return jwt.encode(claims, signing_key(), algorithm=ALGORITHM), expires_at


def _new_refresh_token(family: TokenFamily, *, now: dt.datetime) -> tuple[str, dt.datetime]:
    token = _REFRESH_PREFIX + secrets.token_urlsafe(32)
    expires_at = min(now + dt.timedelta(days=settings.API_REFRESH_TOKEN_DAYS), family.expires_at)
    RefreshToken.objects.create(family=family, token_hash=_hash(token), created_at=now, expires_at=expires_at)
    return token, expires_at


def _pair(family: TokenFamily, *, user: User, now: dt.datetime) -> TokenPair:
    access, access_expires_at = _access_token(user=user, family_id=family.id, now=now)
    refresh, refresh_expires_at = _new_refresh_token(family, now=now)
    return TokenPair(access, access_expires_at, refresh, refresh_expires_at, family.id)


def token_issue(*, user: User, now: dt.datetime | None = None) -> TokenPair:
    """Start a sign-in for ``user`` (whose password was just checked) and return its first token pair."""
    now = now or timezone.now()
    with transaction.atomic():
        family = TokenFamily.objects.create(
            user=user,
            password_fingerprint=password_fingerprint(user),
            created_at=now,
            expires_at=now + dt.timedelta(days=settings.API_SIGN_IN_MAX_DAYS),
        )
        pair = _pair(family, user=user, now=now)
    logger.info("api sign-in", extra={"user_id": user.pk, "sign_in": str(family.id)})
    return pair


def _revoke(family_id: uuid.UUID, *, reason: str, now: dt.datetime) -> bool:
    """Revoke a family unless it already is; True when this call revoked it."""
    return bool(
        TokenFamily.objects.filter(pk=family_id, revoked_at__isnull=True).update(revoked_at=now, revoked_reason=reason)
    )


def _family_refusal(family: TokenFamily, user: User, *, now: dt.datetime) -> str | None:
    """Why a family may no longer be used (revoking it when it was still open), or None."""
    if family.revoked_at is not None:
        return _("This sign-in has ended; sign in again.")
    if not user.is_active:
        _revoke(family.id, reason=TokenFamily.RevokedReason.INACTIVE, now=now)
        return _("This sign-in has ended; sign in again.")
    if not constant_time_compare(family.password_fingerprint, password_fingerprint(user)):
        _revoke(family.id, reason=TokenFamily.RevokedReason.PASSWORD_CHANGED, now=now)
        return _("The password was changed; sign in again.")
    return None


def token_refresh(*, refresh_token: str, now: dt.datetime | None = None) -> TokenPair:
    """Rotate: mark ``refresh_token`` used and return the next pair of its family.

    Raises :class:`Unauthenticated` for an unknown, expired or revoked token, and for a token used before, which
    also revokes its family (so the newer token someone else holds stops working as well).
    """
    now = now or timezone.now()
    refused = _("This refresh token is not valid; sign in again.")
    if not refresh_token.startswith(_REFRESH_PREFIX) or len(refresh_token) > REFRESH_TOKEN_MAX_LENGTH:
        raise Unauthenticated(refused, field="refresh_token")
    # Revocations below must be kept even though the request fails: decide inside the transaction, raise after it.
    with transaction.atomic():
        row = RefreshToken.objects.select_related("family__user").filter(token_hash=_hash(refresh_token)).first()
        if row is None:
            raise Unauthenticated(refused, field="refresh_token")
        family, user = row.family, row.family.user
        refusal = _family_refusal(family, user, now=now)
        if refusal is None and row.used_at is None and row.expires_at <= now:
            refusal = refused
        if refusal is None:
            claimed = RefreshToken.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
            if not claimed:
                # Used before (or at this very moment by another request): whoever holds the newer token may not
                # be the user. End the sign-in for both.
                _revoke(family.id, reason=TokenFamily.RevokedReason.REUSE, now=now)
                logger.warning(
                    "refresh token reused; sign-in revoked", extra={"user_id": user.pk, "sign_in": str(family.id)}
                )
                refusal = refused
        if refusal is None:
            return _pair(family, user=user, now=now)
    raise Unauthenticated(refusal, field="refresh_token")


def token_family_revoke(*, family_ids: list[uuid.UUID], now: dt.datetime | None = None) -> int:
    """End sign-ins from the back office (a lost phone, a suspicion); return how many were still open."""
    now = now or timezone.now()
    ended = TokenFamily.objects.filter(pk__in=family_ids, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=TokenFamily.RevokedReason.STAFF
    )
    logger.info("api sign-ins ended by staff", extra={"ended_sign_ins": ended})
    return ended


def token_logout(*, refresh_token: str, now: dt.datetime | None = None) -> None:
    """End the sign-in ``refresh_token`` belongs to (used or not). An unknown token changes nothing (RFC 7009:
    the answer does not tell whether a token existed)."""
    now = now or timezone.now()
    if not refresh_token.startswith(_REFRESH_PREFIX) or len(refresh_token) > REFRESH_TOKEN_MAX_LENGTH:
        return
    family_id = RefreshToken.objects.filter(token_hash=_hash(refresh_token)).values_list("family_id", flat=True).first()
    if family_id is not None and _revoke(family_id, reason=TokenFamily.RevokedReason.LOGOUT, now=now):
        logger.info("api sign-out", extra={"sign_in": str(family_id)})


def access_token_verify(token: str, *, now: dt.datetime | None = None) -> tuple[User, TokenFamily]:
    """The user an access token speaks for, and its family; :class:`Unauthenticated` unless the signature, issuer,
    audience and lifetime are right, the algorithm is HS256 (``none`` and others are refused) and the family is
    still open for the user's current password."""
    now = now or timezone.now()
    refused = _("The access token is not valid.")
    try:
        claims = jwt.decode(
            token,
            signing_key(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=issuer(),
            options={"require": ["iss", "aud", "sub", "iat", "exp", "jti", "fam"]},
            # Web processes on several machines: a token issued by one whose clock runs a little ahead is not "issued
            # in the future" for another.
            leeway=CLOCK_SKEW_SECONDS,
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated(_("The access token has expired; refresh it.")) from None
    except jwt.PyJWTError:
        raise Unauthenticated(refused) from None
    try:
        family_id = uuid.UUID(str(claims["fam"]))
        user_id = int(claims["sub"])
    except (TypeError, ValueError):
        raise Unauthenticated(refused) from None
    family = TokenFamily.objects.select_related("user").filter(pk=family_id, user_id=user_id).first()
    if family is None:
        raise Unauthenticated(refused)
    refusal = _family_refusal(family, family.user, now=now)
    if refusal is not None:
        raise Unauthenticated(refusal)
    return family.user, family


# --- signing in -------------------------------------------------------------------------------------------
SIGN_IN_WINDOW_SECONDS = 15 * 60


def _too_many(wait: int) -> Throttled:
    return Throttled(
        _("Too many sign-in attempts; try again in %(seconds)s seconds.") % {"seconds": wait}, retry_after=wait
    )


# Authenticator codes tried for one staff account through the API in the window (as the back office's CODE_LIMIT).
STAFF_CODE_LIMIT = 5


def _staff_second_factor(*, user: User, otp_code: str | None, request: HttpRequest | None) -> None:
    """A staff account signs in here only with the code of its authenticator app (or a recovery code), as in the
    back office (ASVS 2.2.1, 4.3.1): dispatchers' tools call the dispatch operations with the token it gives."""
    if not otp_code:
        raise Forbidden(
            _(
                "Staff accounts give the code from their authenticator app (otp_code) with the password; without "
                "one, sign in at the back office."
            ),
            field="otp_code",
        )
    if not two_factor.two_factor_enrolled(user):
        raise Forbidden(_("Set up the authenticator app in the back office first."), field="otp_code")
    attempt = rate_limit_attempt([Limit("api:token:otp", f"user:{user.pk}", STAFF_CODE_LIMIT, SIGN_IN_WINDOW_SECONDS)])
    if attempt.wait is not None:
        raise _too_many(attempt.wait)
    if two_factor.two_factor_verify(user=user, token=otp_code, request=request) is None:
        raise Unauthenticated(_("That code is not right. Enter the 6-digit code your app shows now."), field="otp_code")
    attempt.refund()


def token_sign_in(
    *,
    identifier: str,
    password: str,
    ip: str,
    otp_code: str | None = None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> TokenPair:
    """Check a username or email address and its password, then start a sign-in (:func:`token_issue`).

    Throttled (ASVS 2.2.1): every attempt counts against the client address (``API_RATE_TOKEN_PER_IP`` per 15
    minutes) and, before the password is checked, against the account (``API_RATE_TOKEN_PER_ACCOUNT``), so no more
    than the limit is ever checked, also when guesses arrive at once; the right password gives the account's count
    back. Past either, :class:`Throttled` without checking the password. A wrong password and an unknown account get
    the same answer.
    """
    identifier = identifier.strip()
    wait = rate_limit_hit(
        scope="api:token:ip", identity=ip, limit=settings.API_RATE_TOKEN_PER_IP, window_seconds=SIGN_IN_WINDOW_SECONDS
    )
    if wait is not None:
        raise _too_many(wait)
    username = username_for_identifier(identifier=identifier)
    attempt = rate_limit_attempt(
        [Limit("api:token:account", username.lower(), settings.API_RATE_TOKEN_PER_ACCOUNT, SIGN_IN_WINDOW_SECONDS)]
    )
    if attempt.wait is not None:
        raise _too_many(attempt.wait)
    # Django's backends refuse inactive users, and run the password hasher for unknown ones too (same timing).
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        logger.info("api sign-in refused", extra={"client_ip": ip})
        raise Unauthenticated(_("The username, email address or password is not right."), field="password")
    attempt.refund()
    # Only after the right password: to anyone without it these answers are the 401 above, and reveal nothing.
    if user.is_staff or user.is_superuser:
        try:
            _staff_second_factor(user=user, otp_code=otp_code, request=request)
        except DomainError:
            logger.info("api sign-in refused: staff second factor", extra={"user_id": user.pk, "client_ip": ip})
            raise
        return token_issue(user=user, now=now)
    if not user.email_verified:
        logger.info("api sign-in refused: email not verified", extra={"user_id": user.pk, "client_ip": ip})
        raise Forbidden(
            _(
                "Confirm your email address first: open the link we emailed you (or ask for a new one on the "
                "website), then sign in again."
            ),
            field="username",
        )
    return token_issue(user=user, now=now)


# --- housekeeping ------------------------------------------------------------------------------------------
# Revoked sign-ins are kept this long (what ended them, and when, stays visible for a while), then deleted.
REVOKED_KEPT = dt.timedelta(days=30)


def token_purge(*, now: dt.datetime | None = None) -> int:
    """Delete sign-ins past their end, or revoked more than 30 days ago, with their refresh tokens; return how many.

    Whole families only: a used refresh token stays as long as its family, so presenting it again is recognised
    as reuse and never mistaken for an unknown token.
    """
    now = now or timezone.now()
    _total, by_model = TokenFamily.objects.filter(
        Q(expires_at__lte=now) | Q(revoked_at__lte=now - REVOKED_KEPT)
    ).delete()
    families = by_model.get(TokenFamily._meta.label, 0)
    logger.info("api sign-ins purged", extra={"purged_sign_ins": families})
    return families
