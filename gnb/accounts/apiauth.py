"""Who is calling the API, what they may do, and how often (OWASP ASVS 4.0.3 V4.1, V4.2, V11.1.4, V13.2).

Credentials come in ``Authorization: Bearer <token>`` (a JWT access token, or a partner key ``gnb_…``) or in
``X-API-Key: <key>``. Public operations (catalogue, quotes, placing a booking) work without any; when credentials
are sent they must be valid (else 401) and, for a key, carry the operation's scope (else 403). Authenticated
clients get their own throttle budget instead of their address's.

Each operation names its rule in its ``auth=`` (django-ninja runs it before reading the body):

- ``Public(scope=…, budget=…)``: anyone; credentials optional, checked when given. ``Public()`` is the API's
  default (config/api.py), so an operation that names no rule (one read with its X-Manage-Token) still refuses
  credentials that are not valid;
- ``[BearerAuth(…), ApiKeyAuth(…)]``: credentials required (a user, a key, or either).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyHeader, HttpBearer

from gnb.accounts.api_tokens import access_token_verify
from gnb.accounts.apikeys import api_key_verify, is_api_key
from gnb.accounts.models import ApiKey, TokenFamily, User
from gnb.core.errors import Forbidden, Throttled, Unauthenticated
from gnb.core.ratelimit import client_ip, rate_limit_hit

# Credentials longer than this are refused before any work (issued keys are 58 characters, tokens about 400).
MAX_CREDENTIAL_LENGTH = 2048


@dataclass(frozen=True)
class ApiClient:
    """The caller: anonymous, a signed-in user (JWT), or a partner key."""

    user: User | None = None
    family: TokenFamily | None = None
    api_key: ApiKey | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user is None and self.api_key is None

    @property
    def identity(self) -> str:
        """``key:<id>`` or ``user:<id>``: what the API keeps per client (a throttle budget, an Idempotency-Key) is
        kept under this. An anonymous client has none; its address stands in where one is needed."""
        if self.api_key is not None:
            return f"key:{self.api_key.pk}"
        if self.user is not None:
            return f"user:{self.user.pk}"
        raise ValueError("an anonymous client has no identity of its own, only its address")

    def __bool__(self) -> bool:
        # django-ninja treats a falsy result as "not authenticated"; an anonymous client is a valid answer too.
        return True


ANONYMOUS = ApiClient()


def _credential(value: str) -> ApiClient:
    value = value.strip()
    if not value or len(value) > MAX_CREDENTIAL_LENGTH or not value.isascii() or not value.isprintable():
        raise Unauthenticated(_("The credentials are not valid."))
    if is_api_key(value):
        return ApiClient(api_key=api_key_verify(value))
    user, family = access_token_verify(value)
    return ApiClient(user=user, family=family)


def client_from_request(request: HttpRequest) -> ApiClient:
    """The client the request's credentials name, ANONYMOUS without any; :class:`Unauthenticated` for bad ones."""
    authorization = request.headers.get("Authorization")
    api_key = request.headers.get("X-API-Key")
    if authorization is not None and api_key is not None:
        raise Unauthenticated(_("Send either Authorization or X-API-Key, not both."))
    if api_key is not None:
        return _credential(api_key)
    if authorization is not None:
        scheme, _space, value = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise Unauthenticated(_("Use Authorization: Bearer <token>."))
        return _credential(value)
    return ANONYMOUS


def require_scope(client: ApiClient, scope: str | None) -> None:
    """A key must carry ``scope``; users (whose rights follow from their account) are not limited by scopes."""
    if scope and client.api_key is not None and scope not in client.api_key.scopes:
        raise Forbidden(_("This API key lacks the scope %(scope)s.") % {"scope": scope})


# --- throttling -------------------------------------------------------------------------------------------
# name: (per-address setting, per-client setting); windows of one minute.
BUDGETS = {
    "quotes": ("API_RATE_QUOTES_PER_IP", "API_RATE_QUOTES_PER_CLIENT"),
    "bookings": ("API_RATE_BOOKINGS_PER_IP", "API_RATE_BOOKINGS_PER_CLIENT"),
}


def too_many(wait: int) -> Throttled:
    return Throttled(_("Too many requests; try again in %(seconds)s seconds.") % {"seconds": wait}, retry_after=wait)


def throttle(request: HttpRequest, client: ApiClient, budget: str) -> None:
    """Count one request against the client's budget: per address when anonymous, else per key or user."""
    per_ip, per_client = BUDGETS[budget]
    if client.is_anonymous:
        identity, limit = client_ip(request), getattr(settings, per_ip)
    else:
        identity, limit = client.identity, getattr(settings, per_client)
    wait = rate_limit_hit(scope=f"api:{budget}", identity=identity, limit=limit, window_seconds=60)
    if wait is not None:
        raise too_many(wait)


# --- django-ninja auth callables --------------------------------------------------------------------------
# Security schemes of the OpenAPI document, named after the classes below; public operations list them as
# optional alternatives (the empty requirement `{}` means "or nothing").
PUBLIC_SECURITY: dict[str, Any] = {"security": [{}, {"BearerAuth": []}, {"ApiKeyAuth": []}]}


class Public:
    """Anyone may call; credentials are checked when given, then the scope, then the throttle budget."""

    def __init__(self, *, scope: str | None = None, budget: str | None = None) -> None:
        self.scope = scope
        self.budget = budget

    def __call__(self, request: HttpRequest) -> ApiClient:
        client = client_from_request(request)
        require_scope(client, self.scope)
        if self.budget:
            throttle(request, client, self.budget)
        return client


class _Required:
    accepts: str  # "user", "key" or "any"
    scope: str | None

    def __call__(self, request: HttpRequest) -> ApiClient | None:
        # Whatever was sent, in either header, is checked the one way public operations check it: a partner key
        # sent as X-API-Key where a user is needed is a valid credential not allowed here (403), not "nothing
        # sent" (401). The first scheme of an operation decides; the others are listed for the document.
        client = client_from_request(request)
        if client.is_anonymous:
            return None  # nothing sent: 401
        return self._checked(request, client)

    def _checked(self, request: HttpRequest, client: ApiClient) -> ApiClient:
        if self.accepts == "user" and client.user is None:
            raise Forbidden(_("This needs a signed-in user's access token, not an API key."))
        if self.accepts == "key" and client.api_key is None:
            raise Forbidden(_("This needs a partner API key."))
        require_scope(client, self.scope)
        return client


class BearerAuth(_Required, HttpBearer):
    """``Authorization: Bearer <token>``: a JWT access token from /auth/token, or a partner API key."""

    openapi_bearerFormat = "JWT access token or partner API key (gnb_…)"

    def __init__(self, *, accepts: str = "any", scope: str | None = None) -> None:
        self.accepts = accepts
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:  # pragma: no cover - see __call__
        return None


class ApiKeyAuth(_Required, APIKeyHeader):
    """``X-API-Key: <key>``: a partner API key."""

    param_name = "X-API-Key"

    def __init__(self, *, accepts: str = "key", scope: str | None = None) -> None:
        self.accepts = accepts
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiClient | None:  # pragma: no cover
        return None


def request_client(request: HttpRequest) -> ApiClient:
    """The client the operation's auth callable found (ANONYMOUS for an operation without one)."""
    client = getattr(request, "auth", None)
    return client if isinstance(client, ApiClient) else ANONYMOUS
