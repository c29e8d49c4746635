"""Signing in to the API: JWT access tokens, rotating refresh tokens, reuse detection, logout, password change."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import jwt
import pytest
import time_machine
from django.utils import timezone

from gnb.accounts.api_tokens import AUDIENCE, signing_key, token_issue, token_refresh
from gnb.accounts.models import RefreshToken, TokenFamily, User
from gnb.bookings.models import Booking
from gnb.core.errors import Unauthenticated
from gnb.core.models import AuditEntry
from gnb.testing.api import assert_error, booking_body, post
from gnb.testing.bookings import place_transfer
from gnb.testing.personas import authenticator_code, authenticator_enrol, staff_login

PASSWORD = "correct horse battery staple 42"

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(db) -> User:
    return User.objects.create_user(
        "anna", "anna@example.com", PASSWORD, first_name="Anna", last_name="Smith", email_verified_at=timezone.now()
    )


def sign_in(client, username="anna", password=PASSWORD, otp_code=None, **headers):
    body = {"username": username, "password": password}
    if otp_code is not None:
        body["otp_code"] = otp_code
    return post(client, "/api/v1/auth/token", body, **headers)


def tokens_of(client, **kwargs) -> dict:
    response = sign_in(client, **kwargs)
    assert response.status_code == 200, response.content
    return response.json()


def me(client, access_token: str):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {access_token}"})


def refresh(client, refresh_token: str):
    return post(client, "/api/v1/auth/refresh", {"refresh_token": refresh_token})


def assert_unauthenticated(response, fields: list[str] | None = None) -> dict:
    error = assert_error(response, 401, "unauthenticated", fields or [])
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    return error


# --- issuing ---------------------------------------------------------------------------------------------
def test_signing_in_returns_a_short_lived_signed_access_token_and_a_refresh_token(client, anna):
    before = timezone.now().replace(microsecond=0)
    body = tokens_of(client)

    assert set(body) == {
        "token_type",
        "access_token",
        "expires_in",
        "access_expires_at",
        "refresh_token",
        "refresh_expires_at",
    }
    assert body["token_type"] == "Bearer"
    assert 898 <= body["expires_in"] <= 900
    claims = jwt.decode(body["access_token"], signing_key(), algorithms=["HS256"], audience="gnb-api")
    assert set(claims) == {"iss", "aud", "sub", "iat", "exp", "jti", "fam"}
    assert claims["iss"] == "http://testserver"
    assert claims["aud"] == "gnb-api"
    assert claims["sub"] == str(anna.pk)
    assert claims["exp"] - claims["iat"] == 900
    assert claims["iat"] >= int(before.timestamp())
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"
    family = TokenFamily.objects.get()
    assert claims["fam"] == str(family.id)
    assert family.user == anna
    assert family.expires_at - family.created_at == dt.timedelta(days=90)
    # The refresh token is opaque and stored only as its hash.
    assert body["refresh_token"].startswith("gnbr_")
    stored = RefreshToken.objects.get()
    assert stored.token_hash != body["refresh_token"] and len(stored.token_hash) == 64
    assert body["refresh_token"] not in json.dumps(list(RefreshToken.objects.values()), default=str)
    assert stored.expires_at - stored.created_at == dt.timedelta(days=30)

    answer = me(client, body["access_token"])
    assert answer.status_code == 200
    assert answer.json() == {
        "username": "anna",
        "email": "anna@example.com",
        "first_name": "Anna",
        "last_name": "Smith",
        "is_staff": False,
    }


def test_the_email_address_signs_in_as_well(client, anna):
    assert me(client, tokens_of(client, username="ANNA@example.com")["access_token"]).json()["username"] == "anna"


@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_staff": True, "is_superuser": True}])
def test_staff_accounts_sign_in_only_with_their_authenticator_code(client, db, flags):
    manager = User.objects.create_user("manager", "ops@example.com", PASSWORD, **flags)
    AuditEntry.objects.all().delete()
    error = assert_error(sign_in(client, "manager"), 403, "forbidden", ["otp_code"])
    assert error["message"] == (
        "Staff accounts give the code from their authenticator app (otp_code) with the password; without one, "
        "sign in at the back office."
    )
    not_enrolled = assert_error(sign_in(client, "manager", otp_code="123456"), 403, "forbidden", ["otp_code"])
    assert not_enrolled["message"] == "Set up the authenticator app in the back office first."
    assert TokenFamily.objects.count() == 0
    # Without the password nothing tells a staff account apart: the same 401 as for anybody, recorded as a failed
    # login with the name tried (through Django's user_login_failed signal).
    assert_unauthenticated(sign_in(client, "manager", "wrong password"), ["password"])
    failed = AuditEntry.objects.get(action="auth.login_failed")
    assert failed.actor_label == "manager"
    assert "wrong password" not in str(failed.details)

    device, recovery_codes = authenticator_enrol(manager)
    pair = tokens_of(client, username="manager", otp_code=authenticator_code(device, steps_ahead=1))
    assert me(client, pair["access_token"]).json()["is_staff"] is True
    # A recovery code works once.
    tokens_of(client, username="manager", otp_code=recovery_codes[0])
    assert_unauthenticated(sign_in(client, "manager", otp_code=recovery_codes[0]), ["otp_code"])
    assert TokenFamily.objects.count() == 2


def test_staff_codes_are_limited_per_account_before_they_are_checked(client, db):
    manager = User.objects.create_user("manager", "ops@example.com", PASSWORD, is_staff=True)
    device, _codes = authenticator_enrol(manager)
    wrong = "000000" if authenticator_code(device) != "000000" else "111111"
    for _ in range(5):
        assert_unauthenticated(sign_in(client, "manager", otp_code=wrong), ["otp_code"])
    # Past the limit even the right code is not checked.
    assert sign_in(client, "manager", otp_code=authenticator_code(device)).status_code == 429
    assert TokenFamily.objects.count() == 0


def test_a_customer_who_has_not_confirmed_the_address_is_asked_to(client, db):
    User.objects.create_user("nadia", "nadia@example.com", PASSWORD)
    error = assert_error(sign_in(client, "nadia"), 403, "forbidden", ["username"])
    assert error["message"].startswith("Confirm your email address first")
    assert TokenFamily.objects.count() == 0
    # Only with the right password: a wrong one gets the 401 everybody gets.
    assert_unauthenticated(sign_in(client, "nadia", "wrong password"), ["password"])
    User.objects.filter(username="nadia").update(email_verified_at=timezone.now())
    assert me(client, tokens_of(client, username="nadia")["access_token"]).json()["username"] == "nadia"


def test_customer_sign_ins_are_not_staff_logins(client, anna):
    tokens_of(client)
    assert not AuditEntry.objects.filter(action="auth.login").exists()


def test_a_wrong_password_an_unknown_account_and_an_inactive_one_get_the_same_401(client, anna):
    User.objects.create_user("gone", "gone@example.com", PASSWORD, is_active=False)
    messages = set()
    for username, password in (("anna", "wrong password here"), ("nobody", PASSWORD), ("gone", PASSWORD)):
        error = assert_unauthenticated(sign_in(client, username, password), ["password"])
        messages.add(error["message"])
    assert messages == {"The username, email address or password is not right."}
    assert TokenFamily.objects.count() == 0


def test_sign_in_input_is_checked_field_by_field(client, anna):
    assert_error(post(client, "/api/v1/auth/token", {"username": "anna"}), 422, "validation_error", ["password"])
    assert_error(
        post(client, "/api/v1/auth/token", {"username": "an\x00na", "password": "x"}),
        422,
        "validation_error",
        ["username"],
    )
    assert_error(post(client, "/api/v1/auth/token", "not json"), 400, "malformed_request", ["body"])


def test_an_access_token_expires_after_fifteen_minutes(client, anna):
    body = tokens_of(client)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=14, seconds=50), tick=False):
        assert me(client, body["access_token"]).status_code == 200
    # (5 seconds of leeway for clocks of several machines)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=15, seconds=6), tick=False):
        error = assert_unauthenticated(me(client, body["access_token"]))
    assert error["message"] == "The access token has expired; refresh it."


def test_a_refresh_token_expires_after_thirty_days_unused(client, anna):
    body = tokens_of(client)
    with time_machine.travel(timezone.now() + dt.timedelta(days=30, seconds=1), tick=False):
        assert_unauthenticated(refresh(client, body["refresh_token"]), ["refresh_token"])


def test_a_sign_in_ends_after_ninety_days_however_often_it_is_refreshed(anna):
    start = timezone.now()
    pair = token_issue(user=anna, now=start)
    for day in (29, 58, 87):
        pair = token_refresh(refresh_token=pair.refresh_token, now=start + dt.timedelta(days=day))
    assert pair.refresh_expires_at == start + dt.timedelta(days=90)
    with pytest.raises(Unauthenticated):
        token_refresh(refresh_token=pair.refresh_token, now=start + dt.timedelta(days=90, seconds=1))


# --- forged tokens ---------------------------------------------------------------------------------------
def forge(claims: dict, key: bytes | str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, signing_key() if key is None else key, algorithm=algorithm)


def valid_claims(anna_pk: int, family_id: str) -> dict:
    now = int(timezone.now().timestamp())
    return {
        "iss": "http://testserver",
        "aud": AUDIENCE,
        "sub": str(anna_pk),
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "fam": family_id,
    }


@pytest.mark.filterwarnings("ignore:The HMAC key is 32 bytes long")  # the HS512 forgery
def test_tampered_unsigned_and_misaddressed_tokens_are_refused(client, anna):
    body = tokens_of(client)
    family_id = str(TokenFamily.objects.get().id)
    claims = valid_claims(anna.pk, family_id)
    assert me(client, forge(claims)).status_code == 200  # the forge itself is right

    header, payload, signature = body["access_token"].split(".")
    other = User.objects.create_user("mallory", "m@example.com", PASSWORD)
    tampered_payload = jwt.utils.base64url_encode(json.dumps({**claims, "sub": str(other.pk)}).encode()).decode()
    none_header = jwt.utils.base64url_encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).decode()
    refused = {
        "tampered payload": f"{header}.{tampered_payload}.{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-2]}AA",
        "alg none": f"{none_header}.{jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()}.",
        "other key": forge(claims, key="another-key-of-at-least-thirty-two-bytes!"),
        "HS512": forge(claims, algorithm="HS512"),
        "wrong audience": forge({**claims, "aud": "someone-else"}),
        "wrong issuer": forge({**claims, "iss": "https://evil.example"}),
        "no jti": forge({k: v for k, v in claims.items() if k != "jti"}),
        "no family": forge({k: v for k, v in claims.items() if k != "fam"}),
        "unknown family": forge({**claims, "fam": str(uuid.uuid4())}),
        "family of another user": forge({**claims, "sub": str(other.pk)}),
        "not a number subject": forge({**claims, "sub": "anna"}),
        "expired": forge({**claims, "iat": claims["iat"] - 960, "exp": claims["iat"] - 60}),
        "issued in the future": forge({**claims, "iat": claims["iat"] + 60, "exp": claims["iat"] + 900}),
        "garbage": "not-a-token",
    }
    for name, token in refused.items():
        response = me(client, token)
        assert response.status_code == 401, name
        assert response["WWW-Authenticate"] == 'Bearer realm="api"', name


def test_missing_and_malformed_authorization_headers_get_401(client, anna):
    assert_unauthenticated(client.get("/api/v1/me"))
    assert_unauthenticated(client.get("/api/v1/me", headers={"Authorization": "Basic YW5uYTpwdw=="}))
    assert_unauthenticated(client.get("/api/v1/me", headers={"Authorization": "Bearer"}))
    assert_unauthenticated(client.get("/api/v1/me/bookings"))


# --- rotation and reuse ----------------------------------------------------------------------------------
def test_refreshing_rotates_within_the_family(client, anna):
    first = tokens_of(client)
    second = refresh(client, first["refresh_token"])
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    family = TokenFamily.objects.get()
    assert RefreshToken.objects.filter(family=family).count() == 2
    assert RefreshToken.objects.filter(family=family, used_at__isnull=False).count() == 1
    claims = jwt.decode(second["access_token"], signing_key(), algorithms=["HS256"], audience="gnb-api")
    assert claims["fam"] == str(family.id)
    assert me(client, second["access_token"]).status_code == 200
    # The first access token is still within its 15 minutes and its family is open.
    assert me(client, first["access_token"]).status_code == 200


def test_reusing_a_refresh_token_revokes_the_whole_family(client, anna):
    first = tokens_of(client)
    second = refresh(client, first["refresh_token"]).json()

    # Someone presents the first token again: both the thief and the user are signed out.
    error = assert_unauthenticated(refresh(client, first["refresh_token"]), ["refresh_token"])
    assert error["message"] == "This refresh token is not valid; sign in again."
    family = TokenFamily.objects.get()
    assert family.revoked_reason == "reuse"
    assert family.revoked_at is not None
    # The newer token of the family stops working too, and so do its access tokens.
    assert_unauthenticated(refresh(client, second["refresh_token"]), ["refresh_token"])
    assert_unauthenticated(me(client, second["access_token"]))
    assert_unauthenticated(me(client, first["access_token"]))
    # Another sign-in of the same user is not touched.
    other = tokens_of(client)
    assert refresh(client, other["refresh_token"]).status_code == 200


def test_unknown_and_malformed_refresh_tokens_get_401(client, anna):
    assert_unauthenticated(refresh(client, "gnbr_" + "x" * 43), ["refresh_token"])
    assert_unauthenticated(refresh(client, "eyJhbGciOi"), ["refresh_token"])
    assert_error(
        post(client, "/api/v1/auth/refresh", {"refresh_token": ""}), 422, "validation_error", ["refresh_token"]
    )


# --- logout and password change --------------------------------------------------------------------------
def test_logout_ends_the_family_and_its_access_tokens_at_once(client, anna):
    body = tokens_of(client)
    response = post(client, "/api/v1/auth/logout", {"refresh_token": body["refresh_token"]})
    assert response.status_code == 204
    assert response.content == b""
    assert TokenFamily.objects.get().revoked_reason == "logout"
    assert_unauthenticated(me(client, body["access_token"]))
    assert_unauthenticated(refresh(client, body["refresh_token"]), ["refresh_token"])
    # Logging out again, or with a token that never existed, answers the same (RFC 7009).
    assert post(client, "/api/v1/auth/logout", {"refresh_token": body["refresh_token"]}).status_code == 204
    assert post(client, "/api/v1/auth/logout", {"refresh_token": "gnbr_unknown"}).status_code == 204


def test_changing_the_password_ends_every_sign_in_of_the_user(client, anna):
    one, two = tokens_of(client), tokens_of(client)
    bob = User.objects.create_user("bob", "bob@example.com", PASSWORD, email_verified_at=timezone.now())
    bobs = tokens_of(client, username="bob")

    # However the password is changed: here with a queryset update, which no signal sees.
    anna.set_password("a brand new passphrase 99")
    User.objects.filter(pk=anna.pk).update(password=anna.password)

    for body in (one, two):
        error = assert_unauthenticated(me(client, body["access_token"]))
        assert error["message"] == "The password was changed; sign in again."
        assert_unauthenticated(refresh(client, body["refresh_token"]), ["refresh_token"])
    assert set(TokenFamily.objects.filter(user=anna).values_list("revoked_reason", flat=True)) == {"password_changed"}
    assert me(client, bobs["access_token"]).status_code == 200
    assert bob.token_families.get().revoked_at is None
    # The new password signs in again.
    assert me(client, tokens_of(client, password="a brand new passphrase 99")["access_token"]).status_code == 200


def test_a_deactivated_user_is_signed_out(client, anna):
    body = tokens_of(client)
    User.objects.filter(pk=anna.pk).update(is_active=False)
    assert_unauthenticated(me(client, body["access_token"]))
    assert TokenFamily.objects.get().revoked_reason == "inactive"


# --- the user's own bookings -----------------------------------------------------------------------------
def test_my_bookings_lists_only_the_signed_in_users_own(client, catalog, anna):
    bob = User.objects.create_user("bob", "bob@example.com", PASSWORD)
    mine = [place_transfer(customer_id=anna.pk) for _ in range(2)]
    place_transfer(customer_id=bob.pk)
    place_transfer()  # a guest's
    token = tokens_of(client)["access_token"]

    response = client.get("/api/v1/me/bookings", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert [b["reference"] for b in response.json()] == [b.reference for b in reversed(mine)]
    assert "manage_token" not in response.json()[0]

    page = client.get("/api/v1/me/bookings?limit=1&offset=1", headers={"Authorization": f"Bearer {token}"})
    assert [b["reference"] for b in page.json()] == [mine[0].reference]
    assert_error(
        client.get("/api/v1/me/bookings?limit=0", headers={"Authorization": f"Bearer {token}"}),
        422,
        "validation_error",
        ["limit"],
    )


def test_my_bookings_reads_in_a_fixed_number_of_queries(client, catalog, anna, django_assert_max_num_queries):
    for _ in range(5):
        place_transfer(customer_id=anna.pk)
    token = tokens_of(client)["access_token"]
    # The sign-in, the page of bookings, and one prefetch each for legs, passengers, extras and payments: the same
    # six for one booking or fifty.
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/me/bookings", headers={"Authorization": f"Bearer {token}"})
    assert len(response.json()) == 5


def test_a_booking_placed_with_an_access_token_belongs_to_the_user(client, catalog, anna):
    token = tokens_of(client)["access_token"]
    response = post(client, "/api/v1/bookings", booking_body(), Authorization=f"Bearer {token}")
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(reference=response.json()["reference"])
    assert booking.customer == anna
    assert booking.api_key is None
    assert booking.events.get().actor == anna
    mine = client.get("/api/v1/me/bookings", headers={"Authorization": f"Bearer {token}"}).json()
    assert [b["reference"] for b in mine] == [booking.reference]


# --- housekeeping ----------------------------------------------------------------------------------------
def test_ended_sign_ins_are_purged_daily_with_their_refresh_tokens(anna):
    from gnb.accounts.api_tokens import token_logout, token_purge
    from gnb.ops.schedule import JOBS

    start = timezone.now()
    token_issue(user=anna, now=start - dt.timedelta(days=91))  # lapsed
    long_revoked = token_issue(user=anna, now=start - dt.timedelta(days=40))
    token_logout(refresh_token=long_revoked.refresh_token, now=start - dt.timedelta(days=31))
    recently_revoked = token_issue(user=anna, now=start - dt.timedelta(days=5))
    token_logout(refresh_token=recently_revoked.refresh_token, now=start - dt.timedelta(days=1))
    live = token_issue(user=anna, now=start)
    token_refresh(refresh_token=live.refresh_token, now=start)  # a used token stays with its family

    assert token_purge(now=start) == 2
    assert set(TokenFamily.objects.values_list("id", flat=True)) == {recently_revoked.family_id, live.family_id}
    assert RefreshToken.objects.filter(family_id=live.family_id).count() == 2
    assert token_purge(now=start) == 0
    job = next(job for job in JOBS if job.name == "purge-api-sign-ins")
    assert job.cron == "45 4 * * *"
    token_issue(user=anna, now=start - dt.timedelta(days=91))
    assert TokenFamily.objects.count() == 3
    job.task.call()  # the task itself runs the purge
    assert TokenFamily.objects.count() == 2


def test_staff_see_api_sign_ins_and_end_one_without_any_token_shown(client, anna):
    boss = User.objects.create_superuser("boss", "boss@example.com", PASSWORD)
    first, second = token_issue(user=anna), token_issue(user=anna)
    staff_login(client, boss)
    page = client.get("/admin/accounts/tokenfamily/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("anna") >= 2
    assert first.refresh_token not in html and first.access_token not in html
    assert client.get("/admin/accounts/tokenfamily/add/").status_code == 403

    response = client.post(
        "/admin/accounts/tokenfamily/", {"action": "end", "_selected_action": [str(first.family_id)]}, follow=True
    )
    assert "1 sign-in ended." in response.content.decode()
    assert TokenFamily.objects.get(pk=first.family_id).revoked_reason == "staff"
    with pytest.raises(Unauthenticated):
        token_refresh(refresh_token=first.refresh_token)
    assert token_refresh(refresh_token=second.refresh_token).family_id == second.family_id
