"""The audit log: who signed in or failed to, who changed permissions, prices or exported bookings, and from where."""

from __future__ import annotations

import json
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_login_failed
from django.test import RequestFactory
from django.urls import reverse

from gnb.bookings.models import Booking
from gnb.catalog.models import Currency, Fare
from gnb.core.audit import audit_details, audit_entries, audit_record
from gnb.core.models import AuditEntry
from gnb.testing.admin import CHANGELIST
from gnb.testing.bookings import place_sedan_transfer
from gnb.testing.personas import staff_login

User = get_user_model()

PASSWORD = "Correct-Horse-7-Battery!"
WRONG_PASSWORD = "Tr0ub4dor&3-not-mine"
FROM = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (audit test)"}
LOGIN_URL = "/admin/login/"


@pytest.fixture
def staff(db):
    return User.objects.create_user(username="selin", password=PASSWORD, is_staff=True)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="root", password=PASSWORD, email="root@example.com")


def entry(action: str, **filters) -> AuditEntry:
    return AuditEntry.objects.get(action=action, **filters)


def where(e: AuditEntry) -> tuple:
    return (e.actor, e.actor_label, e.ip_address, e.user_agent)


class _FormReader(HTMLParser):
    """What a browser sends when a page's main form is submitted unchanged (inputs, checkboxes, selects)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value") or "on")
            else:
                self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data


def form_of(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    reader = _FormReader()
    reader.feed(response.content.decode())
    return reader.data


# --- sign-in ----------------------------------------------------------------------------------------------
def test_a_staff_login_through_the_admin_login_page_records_who_when_and_from_where(client, staff):
    response = client.post(
        f"{LOGIN_URL}?next=/admin/",
        {"username": "selin", "password": PASSWORD},
        HTTP_X_REQUEST_ID="audit-login-0001",
        **FROM,
    )
    assert response.status_code == 302
    login = entry("auth.login")
    assert where(login) == (staff, "selin", "203.0.113.7", "Mozilla/5.0 (audit test)")
    assert (login.request_id, login.details, login.target_type) == ("audit-login-0001", {"path": LOGIN_URL}, None)
    assert response["X-Request-ID"] == "audit-login-0001"
    assert login.created_at.tzinfo is not None

    client.post("/admin/logout/", **FROM)
    logout = entry("auth.logout")
    assert where(logout) == (staff, "selin", "203.0.113.7", "Mozilla/5.0 (audit test)")


def test_a_failed_login_records_the_username_tried_and_never_the_password(client, staff, caplog):
    response = client.post(LOGIN_URL, {"username": "selin", "password": WRONG_PASSWORD}, **FROM)
    assert response.status_code == 200  # the form again, with its error
    client.post(LOGIN_URL, {"username": "nobody", "password": PASSWORD}, **FROM)

    failed = AuditEntry.objects.filter(action="auth.login_failed").order_by("pk")
    assert [where(e) for e in failed] == [
        (None, "selin", "203.0.113.7", "Mozilla/5.0 (audit test)"),
        (None, "nobody", "203.0.113.7", "Mozilla/5.0 (audit test)"),
    ]
    assert [e.details for e in failed] == [{"path": LOGIN_URL}, {"path": LOGIN_URL}]
    assert not AuditEntry.objects.filter(action="auth.login").exists()
    # Neither password is in any column of any row, nor in any log line.
    for row in AuditEntry.objects.values():
        text = json.dumps(row, default=str)
        assert WRONG_PASSWORD not in text and PASSWORD not in text
    assert WRONG_PASSWORD not in caplog.text and PASSWORD not in caplog.text


def test_a_login_failed_outside_a_request_is_recorded_without_an_address(staff):
    assert authenticate(username="selin", password=WRONG_PASSWORD) is None
    # A backend other than the database's may fail a name with a NUL in it; the signal is sent as Django sends it.
    user_login_failed.send(
        sender=__name__, credentials={"username": "sel\x00in", "password": "********************"}, request=None
    )
    first, failed = AuditEntry.objects.filter(action="auth.login_failed").order_by("pk")
    assert (first.actor_label, first.ip_address, first.user_agent, first.request_id) == ("selin", None, "", "")
    # PostgreSQL stores no NUL characters: they are dropped, not allowed to stop the entry being written.
    assert (failed.actor_label, failed.ip_address, failed.user_agent, failed.request_id) == ("selin", None, "", "")


def test_a_customer_login_is_not_a_staff_login(client, db):
    User.objects.create_user(username="anna", password=PASSWORD)
    assert client.login(username="anna", password=PASSWORD)
    assert not AuditEntry.objects.exists()


# --- permission changes -----------------------------------------------------------------------------------
def test_adding_a_user_to_a_group_and_making_them_superuser_in_the_admin_is_recorded(client, superuser, staff):
    dispatchers = Group.objects.create(name="Dispatchers")
    staff_login(client, superuser)
    url = reverse("admin:accounts_user_change", args=[staff.pk])

    data = form_of(client.get(url))
    data["groups"] = [str(dispatchers.pk)]
    assert client.post(url, data, **FROM).status_code == 302
    groups = entry("permission.groups_changed")
    assert where(groups) == (superuser, "root", "203.0.113.7", "Mozilla/5.0 (audit test)")
    assert (groups.target_type.model_class(), groups.target_id, groups.target_repr) == (User, str(staff.pk), "selin")
    assert groups.details == {"groups": {"old": [], "new": ["Dispatchers"]}}

    data = form_of(client.get(url))
    data["is_superuser"] = ["on"]
    assert client.post(url, data, **FROM).status_code == 302
    flags = entry("permission.user_flags_changed", target_id=str(staff.pk), actor=superuser)
    assert where(flags) == (superuser, "root", "203.0.113.7", "Mozilla/5.0 (audit test)")
    assert flags.details == {"is_superuser": {"old": False, "new": True}}
    # The second save left the groups as they were: no second groups entry.
    assert AuditEntry.objects.filter(action="permission.groups_changed").count() == 1
    staff.refresh_from_db()
    assert staff.is_superuser


def test_permission_changes_outside_a_request_are_recorded_as_the_system(staff):
    dispatchers = Group.objects.create(name="Dispatchers")
    change_fare = Permission.objects.get(codename="change_fare")
    view_booking = Permission.objects.get(codename="view_booking")
    earlier = list(AuditEntry.objects.values_list("pk", flat=True))  # the account's creation

    dispatchers.permissions.add(change_fare, view_booking)
    dispatchers.user_set.add(staff)  # from the group's side
    staff.user_permissions.add(view_booking)
    staff.groups.clear()
    staff.is_active = False
    staff.save()

    rows = AuditEntry.objects.exclude(pk__in=earlier)
    assert [
        (e.action, e.actor, e.actor_label, e.ip_address, e.target_repr, e.details) for e in rows.order_by("pk")
    ] == [
        (
            "permission.group_permissions_changed",
            None,
            "system",
            None,
            "Dispatchers",
            {"permissions": {"old": [], "new": ["bookings.view_booking", "catalog.change_fare"]}},
        ),
        ("permission.groups_changed", None, "system", None, "selin", {"groups": {"old": [], "new": ["Dispatchers"]}}),
        (
            "permission.user_permissions_changed",
            None,
            "system",
            None,
            "selin",
            {"permissions": {"old": [], "new": ["bookings.view_booking"]}},
        ),
        ("permission.groups_changed", None, "system", None, "selin", {"groups": {"old": ["Dispatchers"], "new": []}}),
        ("permission.user_flags_changed", None, "system", None, "selin", {"is_active": {"old": True, "new": False}}),
    ]


def test_creating_a_staff_account_is_recorded_and_a_login_costs_no_flag_query(staff, django_assert_num_queries):
    created = entry("permission.user_flags_changed", target_id=str(staff.pk))
    assert created.details == {
        "is_staff": {"old": None, "new": True},
        "is_superuser": {"old": None, "new": False},
        "is_active": {"old": None, "new": True},
    }
    staff.first_name = "Selin"
    with django_assert_num_queries(2):  # the flags as stored, then the update; no entry: no flag changed
        staff.save()
    staff.save(update_fields=["last_login"])  # as every login does
    assert AuditEntry.objects.count() == 1
    # Only the flags a save writes are compared: this one writes is_active alone, not the unsaved is_superuser.
    staff.is_superuser, staff.is_active = True, False
    staff.save(update_fields=["is_active"])
    assert AuditEntry.objects.latest("pk").details == {"is_active": {"old": True, "new": False}}
    assert AuditEntry.objects.count() == 2


# --- prices -----------------------------------------------------------------------------------------------
def test_changing_a_fare_price_in_the_admin_records_old_and_new_price(client, superuser, catalog):
    fare = Fare.objects.get(
        origin_zone=catalog.airport_zone, destination_zone=catalog.belek, vehicle_class=catalog.sedan
    )
    staff_login(client, superuser)
    url = reverse("admin:catalog_fare_change", args=[fare.pk])
    data = form_of(client.get(url))
    data["price"] = ["45.00"]
    assert client.post(url, data, **FROM).status_code == 302

    changed = entry("price.changed")
    assert where(changed) == (superuser, "root", "203.0.113.7", "Mozilla/5.0 (audit test)")
    assert (changed.target_type.model_class(), changed.target_id, changed.target_repr) == (
        Fare,
        str(fare.pk),
        "Antalya Airport → Belek · Sedan: 45.00",
    )
    assert changed.details == {"prices": {"price": {"old": "40.00", "new": "45.00"}}, "changed_fields": ["price"]}

    # Saved again unchanged: no price changed, nothing recorded.
    assert client.post(url, form_of(client.get(url))).status_code == 302
    assert AuditEntry.objects.filter(action__startswith="price.").count() == 1


def test_a_rate_changed_in_the_list_and_a_fare_deleted_are_recorded(client, superuser, catalog):
    staff_login(client, superuser)
    eur, gbp = Currency.objects.get(code="EUR"), catalog.gbp
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-code": eur.pk,
        "form-0-rate": "1.000000",
        "form-0-sort_order": "0",
        "form-0-is_active": "on",
        "form-1-code": gbp.pk,
        "form-1-rate": "0.861200",
        "form-1-sort_order": "0",
        "form-1-is_active": "on",
        "_save": "Save",
    }
    assert client.post(reverse("admin:catalog_currency_changelist"), data).status_code == 302
    rate = entry("price.changed")
    assert (rate.target_repr, rate.actor, rate.details) == (
        str(gbp),
        superuser,
        {"prices": {"rate": {"old": "0.850000", "new": "0.861200"}}, "changed_fields": ["rate"]},
    )

    fare = Fare.objects.get(
        origin_zone=catalog.airport_zone, destination_zone=catalog.lara, vehicle_class=catalog.sedan
    )
    label = str(fare)
    url = reverse("admin:catalog_fare_delete", args=[fare.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    deleted = entry("price.deleted")
    assert (deleted.target_repr, deleted.target_id, deleted.actor) == (label, str(fare.pk), superuser)
    assert deleted.details == {
        "prices": {
            "origin_zone": {"old": catalog.airport_zone.pk, "new": None},
            "destination_zone": {"old": catalog.lara.pk, "new": None},
            "vehicle_class": {"old": catalog.sedan.pk, "new": None},
            "price": {"old": "25.00", "new": None},
        }
    }


# --- exports ----------------------------------------------------------------------------------------------
def test_the_csv_export_records_how_many_rows_and_which_filters(client, superuser, catalog):
    staff_login(client, superuser)
    first, second = place_sedan_transfer(days=3), place_sedan_transfer(days=4)
    place_sedan_transfer(days=5)  # not selected

    data = {"action": "export_csv", "index": 0, "_selected_action": [first.pk, second.pk]}
    response = client.post(f"{CHANGELIST}?status__exact=confirmed", data, **FROM)
    assert b"".join(response.streaming_content).decode().count("\r\n") == 3  # header and two bookings
    selection = entry("export.csv")
    assert where(selection) == (superuser, "root", "203.0.113.7", "Mozilla/5.0 (audit test)")
    assert (selection.target_type.model_class(), selection.target_id, selection.target_repr) == (
        Booking,
        "",
        "bookings",
    )
    assert selection.details == {"rows": 2, "source": "selection", "filters": {"status__exact": "confirmed"}}

    response = client.get(reverse("admin:bookings_booking_export") + "?status__exact=confirmed&q=anna@example.com&o=1")
    assert b"".join(response.streaming_content).decode().count("\r\n") == 4
    whole_list = AuditEntry.objects.filter(action="export.csv").exclude(pk=selection.pk).get()
    # The search typed was an email address: the log keeps that one was made, not whose it was.
    assert whole_list.details == {
        "rows": 3,
        "source": "list",
        "filters": {"o": "1", "q": "[email]", "status__exact": "confirmed"},
    }


# --- who may read the log ---------------------------------------------------------------------------------
def test_only_superusers_see_the_audit_log_and_nobody_can_add_change_or_delete(client, staff, superuser):
    staff.user_permissions.set(Permission.objects.all())  # every permission there is, the audit log's included
    one = audit_record(action="auth.login", actor=superuser)
    changelist = reverse("admin:core_auditentry_changelist")
    change = reverse("admin:core_auditentry_change", args=[one.pk])

    staff_login(client, staff)
    assert client.get(changelist).status_code == 403
    assert client.get(change).status_code == 403
    assert "Audit log" not in client.get("/admin/").content.decode()

    staff_login(client, superuser)
    assert "Audit log" in client.get("/admin/").content.decode()
    listing = client.get(changelist)
    assert listing.status_code == 200
    assert [e.pk for e in listing.context["cl"].result_list] == list(
        AuditEntry.objects.order_by("-created_at", "-pk").values_list("pk", flat=True)
    )
    from_office = RequestFactory().get("/", REMOTE_ADDR="198.51.100.23")
    located = audit_record(action="auth.login", actor=superuser, request=from_office)
    found = client.get(changelist, {"q": "198.51.100", "action__exact": "auth.login"})
    assert [e.pk for e in found.context["cl"].result_list] == [located.pk]
    assert client.get(changelist, {"target_type__id__exact": "1"}).status_code == 200
    page = client.get(change)
    assert page.status_code == 200
    assert (page.context["has_change_permission"], page.context["has_delete_permission"]) == (False, False)
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:core_auditentry_delete", args=[one.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=one.pk).exists()

    request = RequestFactory().get(changelist)
    request.user = superuser
    model_admin = admin.site._registry[AuditEntry]
    assert model_admin.get_actions(request) == {}
    assert (model_admin.has_add_permission(request), model_admin.has_change_permission(request, one)) == (False, False)
    assert model_admin.has_delete_permission(request, one) is False


# --- the service and selectors ----------------------------------------------------------------------------
def test_details_never_keep_secrets_or_card_numbers(db):
    recorded = audit_record(
        action="refund.issued",
        actor=None,
        details={
            "amount": Decimal("10.50"),
            "password": "hunter2-hunter2",
            "api_token": "tok_live_abc123",
            "provider": {"secret": "sk_live_123", "reference": "re_3Nk"},
            "note": "card 4111 1111 1111 1111 refunded\x00",
        },
    )
    recorded.refresh_from_db()
    assert recorded.details == {
        "amount": "10.50",
        "password": "[Filtered]",
        "api_token": "[Filtered]",
        "provider": {"secret": "[Filtered]", "reference": "re_3Nk"},
        "note": "card [card] refunded",
    }
    assert (recorded.actor_label, recorded.ip_address, recorded.request_id) == ("system", None, "")
    assert audit_details({"Authorization": "Bearer abc.def"}) == {"Authorization": "[Filtered]"}


def test_entries_are_selected_by_action_actor_and_target(staff, superuser, catalog):
    fare = Fare.objects.order_by("pk").first()
    login = audit_record(action="auth.login", actor=staff)
    logout = audit_record(action="auth.logout", actor=staff)
    price = audit_record(action="price.changed", actor=superuser, target=fare)
    export = audit_record(action="export.csv", actor=superuser, target=Booking)

    assert list(audit_entries(action="auth.")) == [logout, login]
    assert list(audit_entries(action="auth.login", actor=staff)) == [login]
    assert list(audit_entries(actor=superuser, action="price.")) == [price]
    assert list(audit_entries(target=fare)) == [price]
    assert list(audit_entries(target=Booking)) == [export]
    assert list(audit_entries(action="auth.", since=price.created_at)) == []
