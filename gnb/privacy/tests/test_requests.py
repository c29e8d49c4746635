"""Data subject requests handled by staff for a traveller without an account, found by email: export as JSON,
erasure with the account-deletion rule, both audited, and refused to roles without the permission."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from gnb.accounts.customers import ANONYMOUS_EMAIL, ANONYMOUS_NAME
from gnb.accounts.roles import ADMIN, DISPATCHER, MANAGER
from gnb.bookings.models import Booking
from gnb.core.models import AuditEntry
from gnb.privacy.models import DataSubjectRequest
from gnb.privacy.selectors import email_digest
from gnb.testing.bookings import place_past_sedan_transfer, place_sedan_transfer
from gnb.testing.personas import persona, staff_login

pytestmark = pytest.mark.django_db

URL = "/admin/privacy/datasubjectrequest/traveller/"


def office(role: str) -> tuple[Client, object]:
    client = Client()
    user = persona(role, f"{role}-1")
    staff_login(client, user)
    return client, user


@pytest.fixture
def anna(catalog):
    """Anna's past trip, booked without an account; Eva's booking stays out of it."""
    booking = place_past_sedan_transfer()
    place_sedan_transfer(days=5, lead="Eva Berg", email="eva@example.com")
    return booking


def test_staff_find_a_travellers_bookings_by_email(anna):
    client, _user = office(ADMIN)
    page = client.get(URL, {"email": "ANNA@example.com"})
    assert page.status_code == 200
    assert [booking.reference for booking in page.context["bookings"]] == [anna.reference]
    assert "Eva Berg" not in page.content.decode()
    assert reverse("admin:privacy_datasubjectrequest_traveller") == URL
    assert client.get(URL, {"email": "not an address"}).status_code == 422
    assert URL in client.get(reverse("admin:privacy_datasubjectrequest_changelist")).content.decode()


def test_the_export_is_the_travellers_data_as_json_and_audited(anna):
    client, user = office(ADMIN)
    response = client.post(URL, {"email": "anna@example.com", "action": "export"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="gnb-traveller-')
    data = json.loads(response.content)
    assert data["email"] == "anna@example.com"
    [booking] = data["bookings"]
    assert (booking["reference"], booking["lead_name"], booking["lead_email"], booking["total"]) == (
        anna.reference,
        "Anna Smith",
        "anna@example.com",
        "40.00",
    )
    assert [p["first_name"] for p in booking["passengers"]] == ["Anna", "John"]
    handled = DataSubjectRequest.objects.get()
    assert (handled.kind, handled.bookings, handled.handled_by, handled.email_digest) == (
        "export",
        1,
        user,
        email_digest("anna@example.com"),
    )
    entry = AuditEntry.objects.get(action="privacy.exported")
    assert (entry.actor, entry.target_id, entry.details) == (user, str(handled.pk), {"bookings": 1})
    assert "anna" not in json.dumps(entry.details) + entry.target_repr


def test_the_erasure_anonymises_with_the_account_rule_and_is_audited(anna):
    client, user = office(ADMIN)
    unconfirmed = client.post(URL, {"email": "anna@example.com", "action": "erase"})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm the erasure." in unconfirmed.content.decode()
    assert Booking.objects.get(pk=anna.pk).lead_name == "Anna Smith" and not DataSubjectRequest.objects.exists()

    response = client.post(URL, {"email": "anna@example.com", "action": "erase", "confirm": "1"})
    assert response.status_code == 302 and response.url == f"{URL}?email=anna%40example.com"
    erased = Booking.objects.get(pk=anna.pk)
    assert (erased.lead_name, erased.lead_email, erased.lead_phone) == (ANONYMOUS_NAME, ANONYMOUS_EMAIL, "")
    assert (erased.total, erased.starts_at) == (anna.total, anna.starts_at)
    assert sorted(erased.passengers.values_list("first_name", flat=True)) == ["Anonymised", "Anonymised"]
    assert Booking.objects.get(lead_name="Eva Berg").lead_email == "eva@example.com"
    handled = DataSubjectRequest.objects.get()
    assert (handled.kind, handled.bookings, handled.handled_by) == ("erasure", 1, user)
    entry = AuditEntry.objects.get(action="privacy.erased")
    assert (entry.actor, entry.details) == (user, {"bookings": 1})
    # Found again by the address: nothing is left under it.
    assert list(client.get(URL, {"email": "anna@example.com"}).context["bookings"]) == []


def test_erasure_waits_for_an_upcoming_trip(catalog):
    upcoming = place_sedan_transfer(days=5)
    client, _user = office(ADMIN)
    response = client.post(URL, {"email": "anna@example.com", "action": "erase", "confirm": "1"})
    assert response.status_code == 409
    assert "upcoming booking" in response.content.decode()
    assert Booking.objects.get(pk=upcoming.pk).lead_name == "Anna Smith"
    assert not DataSubjectRequest.objects.exists() and not AuditEntry.objects.filter(action="privacy.erased").exists()


@pytest.mark.parametrize("role", [MANAGER, DISPATCHER])
def test_roles_without_the_permission_are_refused(anna, role):
    client, _user = office(role)
    assert client.get(URL, {"email": "anna@example.com"}).status_code == 403
    assert client.post(URL, {"email": "anna@example.com", "action": "export"}).status_code == 403
    assert client.post(URL, {"email": "anna@example.com", "action": "erase", "confirm": "1"}).status_code == 403
    assert Booking.objects.get(pk=anna.pk).lead_name == "Anna Smith"
    assert not DataSubjectRequest.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="privacy.").exists()


def test_signed_out_visitors_are_sent_to_the_login(anna):
    response = Client().get(URL, {"email": "anna@example.com"})
    assert response.status_code == 302 and "/admin/login/" in response.url
