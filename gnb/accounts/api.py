"""Signing in to the API, the signed-in user's own data, and a partner's own bookings."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictStr

from gnb.accounts import api_tokens as tokens
from gnb.accounts.apiauth import ApiKeyAuth, BearerAuth, request_client
from gnb.accounts.models import ApiScope
from gnb.bookings import selectors as booking_selectors
from gnb.bookings.schemas import BookingOut
from gnb.core.ratelimit import client_ip
from gnb.core.schemas import InputSchema, error_responses

router = Router(tags=["authentication"])

USER_AUTH = [BearerAuth(accepts="user")]
PARTNER_READ_AUTH = [
    BearerAuth(accepts="key", scope=ApiScope.BOOKINGS_READ),
    ApiKeyAuth(accepts="key", scope=ApiScope.BOOKINGS_READ),
]


class TokenIn(InputSchema):
    username: StrictStr = Field(
        min_length=1, max_length=254, description="The account's username or email address", examples=["anna"]
    )
    password: StrictStr = Field(min_length=1, max_length=4096)
    otp_code: StrictStr | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Staff accounts only: the code their authenticator app shows now, or a recovery code",
        examples=["123456"],
    )


class RefreshIn(InputSchema):
    refresh_token: StrictStr = Field(min_length=1, max_length=tokens.REFRESH_TOKEN_MAX_LENGTH)


class TokenOut(Schema):
    token_type: str = Field(description="Always `Bearer`")
    access_token: str = Field(description="A JWT for `Authorization: Bearer …`; short-lived")
    expires_in: int = Field(description="Seconds until the access token expires")
    access_expires_at: dt.datetime
    refresh_token: str = Field(
        description="Opaque; exchange it once at /auth/refresh for a new pair. Using it twice ends the sign-in."
    )
    refresh_expires_at: dt.datetime


class MeOut(Schema):
    username: str
    email: str
    first_name: str
    last_name: str
    is_staff: bool


class Page(InputSchema):
    limit: int = Field(50, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000)


def _token_out(pair: tokens.TokenPair) -> dict:
    return {
        "token_type": "Bearer",
        "access_token": pair.access_token,
        "expires_in": max(0, int((pair.access_expires_at - timezone.now()).total_seconds())),
        "access_expires_at": pair.access_expires_at,
        "refresh_token": pair.refresh_token,
        "refresh_expires_at": pair.refresh_expires_at,
    }


# Signing in, refreshing and signing out take their credential in the body and leave the Authorization and
# X-API-Key headers unread (auth=None, not the API's default that checks them): a client that sends its expired
# access token along on every request must still be able to refresh or sign in again, and these headers grant
# nothing here.
@router.post(
    "/auth/token",
    # 403: the password was right, but the account may not sign in here (a staff account without its authenticator
    # code, an unverified address).
    response={200: TokenOut, **error_responses(400, 401, 403, 413, 415, 422, 429)},
    summary="Sign in with a username or email address and password: an access token and a refresh token",
    auth=None,
)
def issue_token(request: HttpRequest, payload: TokenIn):
    pair = tokens.token_sign_in(
        identifier=payload.username,
        password=payload.password,
        otp_code=payload.otp_code,
        ip=client_ip(request),
        request=request,
    )
    return _token_out(pair)


@router.post(
    "/auth/refresh",
    response={200: TokenOut, **error_responses(400, 401, 413, 415, 422)},
    summary="Exchange a refresh token (once) for a new access token and refresh token",
    auth=None,
)
def refresh_token(request: HttpRequest, payload: RefreshIn):
    return _token_out(tokens.token_refresh(refresh_token=payload.refresh_token))


@router.post(
    "/auth/logout",
    response={204: None, **error_responses(400, 413, 415, 422)},
    summary="End the sign-in a refresh token belongs to (its access tokens stop working too)",
    auth=None,
)
def logout(request: HttpRequest, payload: RefreshIn):
    tokens.token_logout(refresh_token=payload.refresh_token)
    return Status(204, None)


@router.get("/me", response={200: MeOut, **error_responses(401, 403)}, auth=USER_AUTH, summary="The signed-in user")
def me(request: HttpRequest):
    user = request_client(request).user
    assert user is not None  # USER_AUTH lets only users through
    return {
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_staff": user.is_staff,
    }


@router.get(
    "/me/bookings",
    response={200: list[BookingOut], **error_responses(401, 403, 422)},
    auth=USER_AUTH,
    summary="The signed-in user's own bookings, newest first",
)
def my_bookings(request: HttpRequest, page: Query[Page]):
    user = request_client(request).user
    assert user is not None  # USER_AUTH lets only users through
    return booking_selectors.bookings_of_customer(user_id=user.pk, limit=page.limit, offset=page.offset)


@router.get(
    "/partner/bookings",
    response={200: list[BookingOut], **error_responses(401, 403, 422)},
    auth=PARTNER_READ_AUTH,
    tags=["partners"],
    summary="The bookings placed with this API key (scope bookings:read), newest first",
)
def partner_bookings(request: HttpRequest, page: Query[Page]):
    api_key = request_client(request).api_key
    assert api_key is not None  # PARTNER_READ_AUTH lets only keys through
    return booking_selectors.bookings_of_api_key(api_key_id=api_key.pk, limit=page.limit, offset=page.offset)
