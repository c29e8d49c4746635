"""Partner API keys: shown once, stored as a hash, scoped, revocable, and each partner sees only its own bookings."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from gnb.accounts.apikeys import api_key_create, api_key_revoke
from gnb.accounts.models import ApiKey, User
from gnb.bookings.models import Booking
from gnb.core.errors import ValidationFailed
from gnb.testing.api import assert_error, booking_body, post, quote_body, tour_body
from gnb.testing.bookings import place_transfer
from gnb.testing.personas import staff_login

pytestmark = pytest.mark.django_db

ALL = ["catalogue:read", "quotes", "bookings:write", "bookings:read"]


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_a_key_is_returned_once_and_stored_only_as_prefix_and_hash(db):
    created = api_key_create(name="  Sunny   Travel ", scopes=["quotes", "catalogue:read", "quotes"])
    key = created.key
    assert key.startswith(f"gnb_{created.api_key.prefix}_")
    assert len(key) == 4 + 10 + 1 + 43
    stored = ApiKey.objects.get()
    assert stored.name == "Sunny Travel"
    assert stored.scopes == ["catalogue:read", "quotes"]  # known order, no repeats
    secret = key.rsplit("_", 1)[1] if key.count("_") == 2 else key.split("_", 2)[2]
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiKey.objects.values().get())


def test_unknown_scopes_and_empty_names_are_refused(db):
    with pytest.raises(ValidationFailed) as excinfo:
        api_key_create(name="Sunny", scopes=["bookings:delete"])
    assert excinfo.value.errors == [
        ("scopes", "Unknown scope bookings:delete; use catalogue:read, quotes, bookings:write, bookings:read.")
    ]
    with pytest.raises(ValidationFailed) as excinfo:
        api_key_create(name="Sunny", scopes=[])
    assert excinfo.value.errors[0][0] == "scopes"
    with pytest.raises(ValidationFailed) as excinfo:
        api_key_create(name="   ", scopes=["quotes"])
    assert excinfo.value.errors[0][0] == "name"
    assert ApiKey.objects.count() == 0


def test_public_operations_stay_public_and_take_a_key_in_either_header(client, catalog):
    key = api_key_create(name="Sunny", scopes=ALL).key
    assert client.get("/api/v1/tours").status_code == 200
    assert post(client, "/api/v1/quotes", quote_body()).status_code == 200
    assert client.get("/api/v1/tours", headers=bearer(key)).status_code == 200
    assert client.get("/api/v1/tours", headers={"X-API-Key": key}).status_code == 200
    assert post(client, "/api/v1/quotes", quote_body(), **bearer(key)).status_code == 200
    assert post(client, "/api/v1/quotes", quote_body(), **{"X-API-Key": key}).status_code == 200


def test_a_key_without_the_scope_gets_403(client, catalog):
    key = api_key_create(name="Reader", scopes=["catalogue:read"]).key
    error = assert_error(post(client, "/api/v1/quotes", quote_body(), **bearer(key)), 403, "forbidden", [])
    assert error["message"] == "This API key lacks the scope quotes."
    assert_error(post(client, "/api/v1/bookings", booking_body(), **bearer(key)), 403, "forbidden", [])
    assert_error(
        post(client, "/api/v1/tour-bookings", tour_body(catalog.departure.pk), **bearer(key)), 403, "forbidden", []
    )
    assert_error(client.get("/api/v1/partner/bookings", headers=bearer(key)), 403, "forbidden", [])
    quoter = api_key_create(name="Quoter", scopes=["quotes"]).key
    assert_error(client.get("/api/v1/tours", headers={"X-API-Key": quoter}), 403, "forbidden", [])
    assert Booking.objects.count() == 0


def test_unknown_malformed_and_revoked_keys_get_401(client, catalog):
    created = api_key_create(name="Sunny", scopes=ALL)
    real = created.key
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    for key in (forged, "gnb_0000000000_" + "x" * 43, "gnb_short", "gnb_\u00e9", real + "x"):
        headers = {"X-API-Key": key} if key.isascii() else {"X-API-Key": "gnb_zz"}
        response = client.get("/api/v1/tours", headers=headers)
        assert response.status_code == 401, key
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert api_key_revoke(api_key_id=created.api_key.pk) is True
    assert api_key_revoke(api_key_id=created.api_key.pk) is False
    error = assert_error(client.get("/api/v1/tours", headers=bearer(real)), 401, "unauthenticated", [])
    assert error["message"] == "This API key was revoked."
    assert_error(post(client, "/api/v1/bookings", booking_body(), **bearer(real)), 401, "unauthenticated", [])
    assert_error(client.get("/api/v1/partner/bookings", headers=bearer(real)), 401, "unauthenticated", [])
    # Both headers at once are ambiguous.
    other = api_key_create(name="Other", scopes=ALL).key
    assert_error(client.get("/api/v1/tours", headers={**bearer(other), "X-API-Key": other}), 401, "unauthenticated", [])


def test_a_booking_placed_with_a_key_records_it_and_only_that_partner_lists_it(client, catalog):
    sunny = api_key_create(name="Sunny Travel", scopes=ALL)
    blue = api_key_create(name="Blue Coast", scopes=ALL)
    placed = post(client, "/api/v1/bookings", booking_body(), **bearer(sunny.key))
    assert placed.status_code == 201, placed.content
    tour = post(client, "/api/v1/tour-bookings", tour_body(catalog.departure.pk), **{"X-API-Key": sunny.key})
    assert tour.status_code == 201, tour.content
    post(client, "/api/v1/bookings", booking_body(), **bearer(blue.key))
    place_transfer()  # a guest's

    booking = Booking.objects.get(reference=placed.json()["reference"])
    assert booking.api_key == sunny.api_key
    assert booking.customer is None
    assert booking.events.get().actor_label == "api key Sunny Travel"

    listed = client.get("/api/v1/partner/bookings", headers=bearer(sunny.key))
    assert listed.status_code == 200
    assert [b["reference"] for b in listed.json()] == [tour.json()["reference"], placed.json()["reference"]]
    by_header = client.get("/api/v1/partner/bookings", headers={"X-API-Key": blue.key}).json()
    assert len(by_header) == 1
    assert by_header[0]["reference"] not in {placed.json()["reference"], tour.json()["reference"]}
    assert_error(client.get("/api/v1/partner/bookings"), 401, "unauthenticated", [])


def test_partner_bookings_need_a_key_not_a_user_token(client, db):
    from gnb.accounts.api_tokens import token_issue

    user = User.objects.create_user("anna", "anna@example.com", "correct horse battery staple 42")
    access = token_issue(user=user).access_token
    assert_error(client.get("/api/v1/partner/bookings", headers=bearer(access)), 403, "forbidden", [])
    key = api_key_create(name="Sunny", scopes=ALL).key
    assert_error(client.get("/api/v1/me", headers=bearer(key)), 403, "forbidden", [])


NEEDS_A_USER = {
    "error": {
        "code": "forbidden",
        "message": "This needs a signed-in user's access token, not an API key.",
        "fields": [],
    }
}


@pytest.mark.parametrize("header", ["X-API-Key", "Authorization"])
def test_a_partner_key_where_a_user_is_needed_is_a_403_in_either_header(client, db, header):
    key = api_key_create(name="Sunny", scopes=ALL).key
    headers = {"X-API-Key": key} if header == "X-API-Key" else bearer(key)
    for url in ("/api/v1/me", "/api/v1/me/bookings"):
        response = client.get(url, headers=headers)
        assert response.status_code == 403, url
        assert response.json() == NEEDS_A_USER
    # A key that is not valid is still a 401 there.
    revoked = api_key_create(name="Gone", scopes=ALL)
    api_key_revoke(api_key_id=revoked.api_key.pk)
    response = client.get("/api/v1/me", headers={"X-API-Key": revoked.key})
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "unauthenticated", "message": "This API key was revoked.", "fields": []}
    }


def test_a_user_token_on_partner_bookings_is_a_403_sent_as_x_api_key_too(client, db):
    from gnb.accounts.api_tokens import token_issue

    user = User.objects.create_user("anna", "anna@example.com", "correct horse battery staple 42")
    access = token_issue(user=user).access_token
    response = client.get("/api/v1/partner/bookings", headers={"X-API-Key": access})
    assert response.status_code == 403
    assert response.json() == {"error": {"code": "forbidden", "message": "This needs a partner API key.", "fields": []}}


def test_any_valid_credential_may_come_with_a_manage_token(client, catalog):
    from gnb.accounts.api_tokens import token_issue

    booking = place_transfer()
    reader = api_key_create(name="Reader", scopes=["catalogue:read"]).key  # no booking scope is needed
    user = User.objects.create_user("anna", "anna@example.com", "correct horse battery staple 42")
    access = token_issue(user=user).access_token
    for headers in ({"X-API-Key": reader}, bearer(reader), bearer(access), {}):
        response = client.get(
            f"/api/v1/bookings/{booking.reference}", headers={**headers, "X-Manage-Token": booking.manage_token}
        )
        assert (response.status_code, response.json()["reference"]) == (200, booking.reference), headers


def test_an_idempotency_key_belongs_to_the_client_that_used_it(client, catalog):
    sunny = api_key_create(name="Sunny", scopes=ALL).key
    blue = api_key_create(name="Blue", scopes=ALL).key
    body = booking_body()
    first = post(client, "/api/v1/bookings", body, **{"Idempotency-Key": "order-1", **bearer(sunny)})
    assert first.status_code == 201
    again = post(client, "/api/v1/bookings", body, **{"Idempotency-Key": "order-1", **bearer(sunny)})
    assert (again.status_code, again.json()["reference"]) == (200, first.json()["reference"])
    # The same key and body from another partner, or from nobody, never returns Sunny's booking.
    assert_error(
        post(client, "/api/v1/bookings", body, **{"Idempotency-Key": "order-1", **bearer(blue)}),
        409,
        "conflict",
        ["Idempotency-Key"],
    )
    assert_error(
        post(client, "/api/v1/bookings", body, **{"Idempotency-Key": "order-1"}), 409, "conflict", ["Idempotency-Key"]
    )
    assert Booking.objects.count() == 1


def test_partner_bookings_read_in_a_fixed_number_of_queries(client, catalog, django_assert_max_num_queries):
    created = api_key_create(name="Sunny", scopes=ALL)
    for _ in range(4):
        place_transfer(api_key_id=created.api_key.pk)
    client.get("/api/v1/partner/bookings", headers=bearer(created.key))  # last_used_at written once
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/partner/bookings", headers=bearer(created.key))
    assert len(response.json()) == 4


# --- manage.py api_key -----------------------------------------------------------------------------------
def run(*args) -> str:
    out = io.StringIO()
    call_command("api_key", *args, stdout=out)
    return out.getvalue()


def test_the_command_creates_lists_and_revokes_keys(db):
    output = run("create", "--name", "Sunny Travel", "--scope", "quotes", "--scope", "bookings:write")
    lines = output.splitlines()
    assert lines[0] == "Created Sunny Travel with scopes quotes, bookings:write."
    key = lines[2]
    api_key = ApiKey.objects.get()
    assert key.startswith(f"gnb_{api_key.prefix}_")
    listed = run("list")
    assert listed.startswith(f"gnb_{api_key.prefix}_…\tSunny Travel\tquotes,bookings:write\tactive\tlast used never")
    assert key not in listed
    assert run("revoke", key) == f"Revoked gnb_{api_key.prefix}_… (Sunny Travel).\n"
    assert run("revoke", api_key.prefix) == f"gnb_{api_key.prefix}_… (Sunny Travel) was revoked already.\n"
    assert "\trevoked " in run("list")
    with pytest.raises(CommandError, match="No API key with prefix 'nothing'"):
        run("revoke", "nothing")
    with pytest.raises(CommandError, match="scopes: Unknown scope everything"):
        run("create", "--name", "X", "--scope", "everything")


# --- the admin -------------------------------------------------------------------------------------------
def test_the_admin_creates_a_key_shows_it_once_and_revokes_it(client, db):
    admin = User.objects.create_superuser("boss", "boss@example.com", "correct horse battery staple 42")
    staff_login(client, admin)
    response = client.post(
        "/admin/accounts/apikey/add/", {"name": "Sunny Travel", "scopes": ["quotes", "bookings:read"]}
    )
    assert response.status_code == 200, response.content
    api_key = ApiKey.objects.get()
    assert api_key.created_by == admin
    assert api_key.scopes == ["quotes", "bookings:read"]
    html = response.content.decode()
    start = html.index(f"gnb_{api_key.prefix}_")
    key = html[start : start + 58]
    assert "no-store" in response["Cache-Control"]
    assert client.get("/api/v1/partner/bookings", headers=bearer(key)).status_code == 200
    # Never shown again: not on the list, not on the key's page.
    assert key not in client.get("/admin/accounts/apikey/").content.decode()
    assert key not in client.get(f"/admin/accounts/apikey/{api_key.pk}/change/").content.decode()

    revoked = client.post(
        "/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True
    )
    assert "1 key revoked." in revoked.content.decode()
    assert client.get("/api/v1/partner/bookings", headers=bearer(key)).status_code == 401
    # Keys are never deleted: bookings keep naming them.
    assert client.get(f"/admin/accounts/apikey/{api_key.pk}/delete/").status_code == 403


def test_creating_and_revoking_a_key_are_audited_with_who_and_the_prefix_never_the_secret(client, db):
    from gnb.core.models import AuditEntry

    admin = User.objects.create_superuser("boss", "boss@example.com", "correct horse battery staple 42")
    staff_login(client, admin)
    AuditEntry.objects.all().delete()
    response = client.post(
        "/admin/accounts/apikey/add/", {"name": "Sunny Travel", "scopes": ["quotes"]}, REMOTE_ADDR="203.0.113.9"
    )
    api_key = ApiKey.objects.get()
    html = response.content.decode()
    key = html[html.index(f"gnb_{api_key.prefix}_") :][:58]
    created = AuditEntry.objects.get(action="api_key.created")
    assert (created.actor, created.target_id, created.ip_address) == (admin, str(api_key.pk), "203.0.113.9")
    assert created.details == {"prefix": api_key.prefix, "partner": "Sunny Travel", "scopes": ["quotes"]}
    client.post("/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]})
    revoked = AuditEntry.objects.get(action="api_key.revoked")
    assert (revoked.actor, revoked.target_id, revoked.details["prefix"]) == (admin, str(api_key.pk), api_key.prefix)
    # Revoking again changes nothing and records nothing; the command line revokes as the system.
    assert api_key_revoke(api_key_id=api_key.pk) is False
    other = api_key_create(name="Blue Coast", scopes=["quotes"])
    assert api_key_revoke(api_key_id=other.api_key.pk) is True
    by_command = AuditEntry.objects.filter(action="api_key.revoked").exclude(pk=revoked.pk).get()
    assert (by_command.actor, by_command.actor_label) == (None, "system")
    secret = key.removeprefix(f"gnb_{api_key.prefix}_")  # the secret itself may hold "_"
    for entry in AuditEntry.objects.all():
        assert secret not in str(entry.details) and secret not in entry.target_repr
    assert other.key.removeprefix(f"gnb_{other.api_key.prefix}_") not in str(list(AuditEntry.objects.values()))


def test_keys_and_tokens_written_into_a_log_line_are_scrubbed(db):
    from gnb.accounts.api_tokens import token_issue
    from gnb.ops.monitoring import FILTERED, scrub_text

    key = api_key_create(name="Sunny", scopes=ALL).key
    prefix = key[: len("gnb_") + 11]
    user = User.objects.create_user("anna", "anna@example.com", "correct horse battery staple 42")
    pair = token_issue(user=user)
    line = f"partner sent {key}; app sent {pair.refresh_token} and {pair.access_token} in a body"
    assert scrub_text(line) == f"partner sent {prefix}{FILTERED}; app sent {FILTERED} and {FILTERED} in a body"


def test_a_partners_quote_stays_within_five_queries(client, catalog, django_assert_max_num_queries):
    from gnb.bookings.quotes import currency_rates
    from gnb.testing.catalog import future_local

    currency_rates()
    key = api_key_create(name="Sunny", scopes=ALL).key
    body = quote_body(
        return_pickup_at=future_local(days=27).isoformat(),
        extras=[{"code": "child_seat", "quantity": 1}],
        coupon="WELCOME10",
        currency="GBP",
    )
    assert post(client, "/api/v1/quotes", body, **{"X-API-Key": key}).status_code == 200
    with django_assert_max_num_queries(5):
        response = post(client, "/api/v1/quotes", body, **{"X-API-Key": key})
    assert response.status_code == 200


def test_revoking_a_key_takes_effect_at_once_even_while_it_is_cached(client, catalog):
    created = api_key_create(name="Sunny", scopes=ALL)
    assert client.get("/api/v1/tours", headers=bearer(created.key)).status_code == 200  # now cached
    call_command("api_key", "revoke", created.api_key.prefix, stdout=io.StringIO())
    assert client.get("/api/v1/tours", headers=bearer(created.key)).status_code == 401
