"""Partner API keys with scopes (OWASP ASVS 4.0.3 V4.1, V13.4 style: each key carries only what it needs).

A key reads ``gnb_<prefix>_<secret>``: the 10-character prefix finds its row, the secret (256 random bits) is
stored only as its SHA-256 and compared in constant time. The full key exists once, in the return value of
:func:`api_key_create`; the admin and ``manage.py api_key create`` show it then and never again. A key is revoked,
not deleted, so the bookings placed with it keep naming it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.accounts.models import ApiKey, ApiScope, User
from gnb.core.audit import AuditAction, audit_record, current_request
from gnb.core.errors import Unauthenticated, ValidationFailed

logger = logging.getLogger(__name__)

KEY_PREFIX = "gnb_"
_KEY = re.compile(r"gnb_(?P<prefix>[0-9a-f]{10})_(?P<secret>[A-Za-z0-9_-]{43})")
# last_used_at is written at most this often per key, not on every request.
_LAST_USED_EVERY = dt.timedelta(minutes=5)
# A key's row is kept in the cache this long, so a partner's quote costs no extra query (quotes stay within their
# five). Revoking through api_key_revoke drops it at once; only a key changed behind its back (the shell, SQL, or
# another process with its own local-memory cache: production shares Redis) waits out the time.
_CACHE_SECONDS = 60


def _cache_key(prefix: str) -> str:
    return f"api-key:{prefix}"


@dataclass(frozen=True)
class CreatedKey:
    api_key: ApiKey
    key: str  # the full key: show it to the partner now, it is not stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes, each one known, without repeats, in the order of :class:`ApiScope`."""
    given = [scope.strip() for scope in scopes]
    unknown = [scope for scope in given if scope not in ApiScope.values]
    if unknown:
        raise ValidationFailed(
            [("scopes", _("Unknown scope %(scope)s; use %(known)s.") % {"scope": unknown[0], "known": _known()})]
        )
    if not given:
        raise ValidationFailed([("scopes", _("Give at least one scope: %(known)s.") % {"known": _known()})])
    return [scope for scope in ApiScope.values if scope in given]


def _known() -> str:
    return ", ".join(ApiScope.values)


def api_key_create(*, name: str, scopes: Iterable[str], created_by: User | None = None) -> CreatedKey:
    """Make a key; the returned ``key`` is the only time the secret exists in full.

    Audited (``api_key.created``) with who made it and the key's prefix, never its secret."""
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed([("name", _("Name the partner who uses the key."))])
    if len(name) > 100:
        raise ValidationFailed([("name", _("At most 100 characters."))])
    cleaned = clean_scopes(scopes)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        # 40 random bits: a clash is unlikely and, thanks to the unique key, never silent (the create fails).
        api_key = ApiKey.objects.create(
            name=name,
            prefix=secrets.token_hex(5),
            secret_hash=_hash(secret),
            scopes=cleaned,
            created_by=created_by,
        )
        audit_record(
            action=AuditAction.API_KEY_CREATED,
            actor=created_by,
            request=current_request(),
            target=api_key,
            details={"prefix": api_key.prefix, "partner": name, "scopes": cleaned},
        )
    logger.info("api key created", extra={"key_prefix": api_key.prefix, "scopes": cleaned})
    return CreatedKey(api_key, f"{KEY_PREFIX}{api_key.prefix}_{secret}")


def api_key_revoke(*, api_key_id: int, actor: User | None = None, now: dt.datetime | None = None) -> bool:
    """Revoke a key (from then on it is refused with 401); False when it was revoked already.

    A revocation is audited (``api_key.revoked``) with ``actor`` (None: the command line) and the key's prefix."""
    with transaction.atomic():
        revoked = bool(
            ApiKey.objects.filter(pk=api_key_id, revoked_at__isnull=True).update(revoked_at=now or timezone.now())
        )
        api_key = ApiKey.objects.filter(pk=api_key_id).first()
        if revoked and api_key is not None:
            audit_record(
                action=AuditAction.API_KEY_REVOKED,
                actor=actor,
                request=current_request(),
                target=api_key,
                details={"prefix": api_key.prefix, "partner": api_key.name},
            )
    prefix = api_key.prefix if api_key is not None else None
    if prefix is not None:
        cache.delete(_cache_key(prefix))
    if revoked:
        logger.info("api key revoked", extra={"key_id": api_key_id})
    return revoked


def is_api_key(value: str) -> bool:
    return value.startswith(KEY_PREFIX)


def api_key_verify(key: str, *, now: dt.datetime | None = None) -> ApiKey:
    """The active key ``key`` names; :class:`Unauthenticated` for a malformed, unknown or revoked one."""
    refused = _("The API key is not valid.")
    match = _KEY.fullmatch(key)
    if match is None:
        raise Unauthenticated(refused)
    api_key = cache.get(_cache_key(match["prefix"]))
    if not isinstance(api_key, ApiKey):
        api_key = ApiKey.objects.filter(prefix=match["prefix"]).first()
        if api_key is not None:  # unknown prefixes are not cached: guessing them cannot fill the cache
            cache.set(_cache_key(api_key.prefix), api_key, _CACHE_SECONDS)
    # The hash is compared even for a revoked key, so a revoked and an unknown secret take the same time.
    if api_key is None or not secrets.compare_digest(api_key.secret_hash, _hash(match["secret"])):
        raise Unauthenticated(refused)
    if api_key.revoked_at is not None:
        raise Unauthenticated(_("This API key was revoked."))
    now = now or timezone.now()
    if api_key.last_used_at is None or api_key.last_used_at < now - _LAST_USED_EVERY:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
        cache.set(_cache_key(api_key.prefix), api_key, _CACHE_SECONDS)
    return api_key
