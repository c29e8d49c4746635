"""The back office's rows written with each column resolved once (gnb.core.admin_rows) are byte for byte the rows
Django's ``items_for_result`` writes, on every list of the site that has rows, filtered and not."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.urls import reverse

from gnb.bookings import services
from gnb.bookings.quotes import ExtraRequest
from gnb.core import admin_rows
from gnb.core.admin import PlainActionCheckbox
from gnb.core.admin_rows import row_writer
from gnb.fleet.services import Actor, RideRef, fleet_assign
from gnb.notifications.services import booking_email_send
from gnb.payments.services.offline import payment_record_cash
from gnb.testing.bookings import place_berg_tour, place_sedan_transfer
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle


@pytest.fixture
def a_busy_back_office(catalog, admin_user):
    make_drive_times(catalog)
    transfer = place_sedan_transfer(days=3, extras=(ExtraRequest("child_seat", 1),), lead="Zoë O'Brien")
    booking_email_send(booking_id=transfer.pk, kind="confirmation")
    place_berg_tour(catalog, adults=1, children=0)
    services.booking_place_idempotent(
        key="key-1", scope="website", fingerprint="f" * 64, place=lambda: place_sedan_transfer(days=30)
    )
    cash = place_sedan_transfer(days=4, payment_method="cash")
    payment_record_cash(booking_id=cash.pk, amount=cash.total, actor=admin_user)
    driver = make_driver("Ayşe", "Kaya", languages=["en"])
    vehicle = make_vehicle(catalog.sedan, plate="07 ABC 123")
    fleet_assign(
        ride=RideRef(leg_id=transfer.legs.get().pk), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=Actor("test")
    )


def _rows_compared(admin_client, url: str) -> int:
    response = admin_client.get(url)
    assert response.status_code == 200, url
    cl = response.context.get("cl") if response.context else None
    if cl is None or not cl.result_list:
        return 0
    write = row_writer(cl)
    for result in cl.result_list:
        assert write(result) == list(items_for_result(cl, result, None)), (url, result.pk)
    return len(cl.result_list)


@pytest.mark.django_db
def test_every_list_with_rows_is_written_as_django_writes_it(admin_client, a_busy_back_office):
    compared = {}
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        compared[url] = _rows_compared(admin_client, url)
    with_rows = [url for url, count in compared.items() if count]
    # The lists this matters for, and enough others that every kind of column (fields, choices, foreign keys,
    # methods, booleans, dates) is met.
    assert "/admin/bookings/booking/" in with_rows
    assert "/admin/payments/payment/" in with_rows
    assert len(with_rows) >= 15, with_rows


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?status__exact=confirmed", "?q=Brien", "?o=2.-1", "?_popup=1&_to_field=id"])
def test_the_bookings_list_filtered_sorted_or_in_a_popup_is_written_as_django_writes_it(
    admin_client, a_busy_back_office, query
):
    assert _rows_compared(admin_client, "/admin/bookings/booking/" + query) >= 1


@pytest.mark.django_db
def test_the_plain_row_checkbox_is_the_one_djangos_widget_renders(catalog):
    booking = place_sedan_transfer(days=3, lead="Zoë O'Brien")
    bookings_admin = admin.site._registry[type(booking)]
    assert isinstance(bookings_admin, PlainActionCheckbox)
    assert bookings_admin.action_checkbox(booking) == admin.ModelAdmin.action_checkbox(bookings_admin, booking)


@pytest.mark.django_db
def test_a_search_holding_the_letters_that_stand_for_the_key_keeps_them_in_each_rows_link(
    admin_client, a_busy_back_office, monkeypatch
):
    monkeypatch.setattr(admin_rows, "PK_MARK", "Brien")  # the search below then holds the stand-in itself
    assert _rows_compared(admin_client, "/admin/bookings/booking/?q=Brien") >= 1


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/bookings/booking/", "/admin/catalog/tourdeparture/"])
def test_the_lists_that_write_plain_rows_show_djangos_rows_on_their_page(
    admin_client, a_busy_back_office, url, monkeypatch
):
    written = []
    plain_writer = admin_rows.row_writer
    monkeypatch.setattr(admin_rows, "row_writer", lambda cl: written.append(cl) or plain_writer(cl))
    response = admin_client.get(url)
    cl = response.context["cl"]
    assert written == [cl]  # the page's rows came from the plain writer, once
    page = response.content.decode()
    assert cl.result_list
    for result in cl.result_list:
        assert "".join(items_for_result(cl, result, None)) in page, (url, result.pk)
