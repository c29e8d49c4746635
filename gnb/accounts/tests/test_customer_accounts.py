"""Customer accounts on the website: sign-up with email verification, sign-in and out, password reset and change,
email change, my bookings, saved passengers, data export and deleting the account."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from gnb.accounts.models import SavedPassenger
from gnb.bookings.models import Booking, BookingEvent, Passenger
from gnb.bookings.orders import Contact, FlightInput, PassengerInput, TransferOrder
from gnb.bookings.quotes import TransferQuoteRequest
from gnb.bookings.services import SYSTEM, booking_cancel, booking_place_transfer
from gnb.core.models import AuditEntry
from gnb.core.templatetags.formats import local_datetime
from gnb.testing.bookings import place_berg_tour
from gnb.testing.catalog import future_local
from gnb.testing.website import placed, transfer_form_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

User = get_user_model()
PASSWORD = "sunny-harbour-lantern-42"
LINK = re.compile(r"http://testserver(/en/account/[^\s\"<]+)")


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST through the client and run what was queued after commit (the account emails)."""

    def send(url: str, data: dict | None = None, *, using=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return (using or client).post(url, data or {}, **extra)

    return send


def same_page(first, second) -> bool:
    """Two answers are the same page, but for the per-response CSP nonce."""
    nonce = re.compile(rb'nonce="[^"]*"')
    return nonce.sub(b"", first.content) == nonce.sub(b"", second.content)


def link_in(message) -> str:
    (path,) = set(LINK.findall(message.body))
    return path


def make_customer(email: str = "anna@example.com", *, verified: bool = True, password: str = PASSWORD, **fields):
    user = User.objects.create_user(
        username=email, email=email, password=password, first_name="Anna", last_name="Smith", **fields
    )
    if verified:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def place_booking(email: str = "anna@example.com", *, days: int = 20) -> Booking:
    pickup = future_local(days=days, hour=14, minute=0).replace(tzinfo=None)
    return booking_place_transfer(
        order=TransferOrder(
            quote_request=TransferQuoteRequest(origin="ayt", destination="regnum-carya", pickup_at=pickup, adults=2),
            vehicle_class="sedan",
            contact=Contact("Anna Smith", email, "+44 7911 123456"),
            passengers=[PassengerInput("Anna", "Smith", "adult"), PassengerInput("John", "Smith", "adult")],
            flight=FlightInput("TK2412", pickup - dt.timedelta(minutes=30)),
            notes="Anna's phone is +44 7911 123456",
            language="en",
        )
    )


def sign_in(client, email: str = "anna@example.com", password: str = PASSWORD):
    response = client.post(reverse("website:account_login"), {"email": email, "password": password})
    assert response.status_code == 302, response.content
    return response


# --- sign-up and verification -----------------------------------------------------------------------------
def test_sign_up_then_the_emailed_link_verifies_the_address_and_links_its_bookings(client, catalog, post):
    booking = place_booking("Anna@Example.com")
    other = place_booking("someone@example.com")
    mail.outbox.clear()
    response = post(
        reverse("website:account_signup"), {"name": "Anna Smith", "email": "anna@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.templates[0].name == "website/account/sent.html"
    user = User.objects.get(email="anna@example.com")
    assert (user.username, user.first_name, user.last_name, user.email_verified_at) == (
        "anna@example.com",
        "Anna",
        "Smith",
        None,
    )
    assert user.check_password(PASSWORD)
    assert user.password.startswith("argon2$argon2id$")
    assert Booking.objects.get(pk=booking.pk).customer is None  # not before the address is proved
    (message,) = mail.outbox
    assert (message.to, message.subject) == (["anna@example.com"], "Confirm your email address")
    assert message.alternatives[0][1] == "text/html"
    path = link_in(message)
    assert path.startswith("/en/account/verify/")
    assert path in message.alternatives[0][0]

    page = client.get(path)
    assert page.status_code == 200
    assert b"Confirm my email address" in page.content
    assert User.objects.get(pk=user.pk).email_verified_at is None  # a GET (a mail scanner) changes nothing
    done = client.post(path)
    assert done.status_code == 302 and done["Location"] == reverse("website:account_login")
    assert User.objects.get(pk=user.pk).email_verified_at is not None
    assert Booking.objects.get(pk=booking.pk).customer_id == user.pk
    assert Booking.objects.get(pk=other.pk).customer_id is None

    reused = client.post(path)
    assert reused.status_code == 400
    assert b"This link does not work" in reused.content
    assert client.get(path).status_code == 400


def test_a_new_customer_gets_the_customer_role_without_an_audit_entry(post):
    from gnb.accounts.roles import user_roles

    AuditEntry.objects.all().delete()
    post(reverse("website:account_signup"), {"name": "Anna Smith", "email": "anna@example.com", "password": PASSWORD})
    user = User.objects.get(email="anna@example.com")
    assert user_roles(user) == ["customer"]
    assert (user.is_staff, user.is_superuser) == (False, False)
    # Opening an account changes nobody's rights: the log records no group change for it.
    assert not AuditEntry.objects.filter(action__startswith="permission.").exists()
    # Signing up again with the same address adds nothing (no second account, no second group row).
    post(reverse("website:account_signup"), {"name": "Anna Smith", "email": "anna@example.com", "password": PASSWORD})
    assert list(User.objects.get(email="anna@example.com").groups.values_list("name", flat=True)) == ["customer"]


def test_sign_up_with_an_address_that_has_an_account_answers_the_same_and_tells_its_owner(client, post):
    owner = make_customer("anna@example.com")
    new = post(
        reverse("website:account_signup"), {"name": "Bob Brown", "email": "bob@example.com", "password": PASSWORD}
    )
    taken = post(
        reverse("website:account_signup"), {"name": "Eve Evil", "email": "ANNA@example.com", "password": PASSWORD}
    )
    assert new.status_code == taken.status_code == 200
    assert same_page(new, taken)
    assert User.objects.filter(email__iexact="anna@example.com").count() == 1
    assert User.objects.get(pk=owner.pk).check_password(PASSWORD)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["bob@example.com"], "Confirm your email address"),
        (["anna@example.com"], "You already have an account"),
    ]


def test_sign_up_checks_the_password_rules_and_writes_nothing(client, post):
    response = post(
        reverse("website:account_signup"), {"name": "Anna Smith", "email": "anna@example.com", "password": "short"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["password"][0] == (
        "This password is too short. It must contain at least 12 characters."
    )
    assert not User.objects.exists()
    assert mail.outbox == []


def test_email_addresses_are_unique_ignoring_case():
    make_customer("anna@example.com")
    with pytest.raises(IntegrityError):
        User.objects.create_user(username="other", email="ANNA@EXAMPLE.COM")


def test_many_accounts_may_have_no_email_address():
    User.objects.create_user(username="driver1")
    User.objects.create_user(username="driver2")
    assert User.objects.filter(email="").count() == 2


def test_verification_link_expires_after_three_days(client, post):
    post(reverse("website:account_signup"), {"name": "Anna Smith", "email": "anna@example.com", "password": PASSWORD})
    path = link_in(mail.outbox[0])
    with time_machine.travel(timezone.now() + dt.timedelta(days=3, seconds=5)):
        assert client.post(path).status_code == 400
    assert User.objects.get().email_verified_at is None
    with time_machine.travel(timezone.now() + dt.timedelta(days=2, hours=23)):
        assert client.post(path).status_code == 302
    assert User.objects.get().email_verified_at is not None


def test_a_tampered_or_foreign_link_is_refused(client, post):
    post(reverse("website:account_signup"), {"name": "Anna Smith", "email": "anna@example.com", "password": PASSWORD})
    path = link_in(mail.outbox[0])
    token = path.split("/")[-2]
    assert (
        client.post(path.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))).status_code == 400
    )
    # A verification token is no sign-in token (each purpose signs with its own salt).
    assert client.post(reverse("website:account_sign_in_link", kwargs={"token": token})).status_code == 400
    assert client.get(reverse("website:account")).status_code == 302


def test_resending_the_verification_link_answers_the_same_for_any_address(client, post):
    make_customer("anna@example.com", verified=False)
    make_customer("bob@example.com", verified=True)
    url = reverse("website:account_verify_resend")
    answers = [post(url, {"email": email}) for email in ("ANNA@example.com", "bob@example.com", "nobody@example.com")]
    assert {a.status_code for a in answers} == {200}
    assert same_page(answers[0], answers[1]) and same_page(answers[1], answers[2])
    assert [(m.to, m.subject) for m in mail.outbox] == [(["anna@example.com"], "Confirm your email address")]


# --- signing in and out -----------------------------------------------------------------------------------
def test_sign_in_by_email_and_out(client):
    make_customer("anna@example.com")
    wrong = client.post(reverse("website:account_login"), {"email": "anna@example.com", "password": "nope-nope-nope"})
    assert wrong.status_code == 422
    assert wrong.context["form"].non_field_errors() == ["This email address and password do not match an account."]
    unknown = client.post(reverse("website:account_login"), {"email": "x@example.com", "password": PASSWORD})
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    response = client.post(reverse("website:account_login"), {"email": " Anna@Example.com", "password": PASSWORD})
    assert response["Location"] == reverse("website:account")
    home = client.get(reverse("website:home"))
    assert b'<span class="site-nav__label">My account</span></a>' in home.content
    assert b'href="/en/account/"' in home.content
    assert client.get(reverse("website:account_logout")).status_code == 405
    out = client.post(reverse("website:account_logout"))
    assert out["Location"] == reverse("website:home")
    assert client.get(reverse("website:account"))["Location"] == "/en/account/sign-in/?next=%2Fen%2Faccount%2F"
    signed_out = client.get(reverse("website:home")).content
    assert b'href="/en/account/sign-in/"' in signed_out
    assert b'<span class="site-nav__label">Sign in</span></a>' in signed_out


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/en/account/bookings/", "/en/account/bookings/"),
        ("//evil.example/steal", "/en/account/"),
        ("https://evil.example/", "/en/account/"),
        ("/\\evil.example", "/en/account/"),
        ("javascript:alert(1)", "/en/account/"),
    ],
)
def test_next_leads_only_to_a_path_on_this_site(client, next_url, landing):
    make_customer()
    response = client.post(
        reverse("website:account_login") + "?next=x",
        {"email": "anna@example.com", "password": PASSWORD, "next": next_url},
    )
    assert response["Location"] == landing


def test_staff_cannot_sign_in_on_the_website(client):
    User.objects.create_user(username="selin", email="selin@gnbtransfer.com", password=PASSWORD, is_staff=True)
    response = client.post(reverse("website:account_login"), {"email": "selin@gnbtransfer.com", "password": PASSWORD})
    assert response.status_code == 422
    assert "_auth_user_id" not in client.session


def test_email_me_a_sign_in_link_works_once_within_15_minutes(client, post):
    user = make_customer()
    url = reverse("website:account_sign_in_link_request")
    same = [post(url, {"email": email}) for email in ("anna@example.com", "nobody@example.com")]
    assert same_page(same[0], same[1])
    (message,) = mail.outbox
    assert (message.to, message.subject) == (["anna@example.com"], "Your sign-in link")
    path = link_in(message)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=15, seconds=5)):
        assert client.post(path).status_code == 400
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response["Location"] == reverse("website:account")
    assert int(client.session["_auth_user_id"]) == user.pk
    client.post(reverse("website:account_logout"))
    assert client.post(path).status_code == 400  # used


# --- passwords --------------------------------------------------------------------------------------------
def test_password_reset_by_email(client, catalog, post):
    user = make_customer(verified=False)
    booking = place_booking()
    mail.outbox.clear()
    url = reverse("website:account_password_reset")
    known, unknown = post(url, {"email": "anna@example.com"}), post(url, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200 and same_page(known, unknown)
    (message,) = mail.outbox
    assert message.subject == "Choose a new password"
    path = link_in(message)
    assert client.get(path).status_code == 200
    weak = client.post(path, {"new_password": "password"})
    assert weak.status_code == 422
    done = post(path, {"new_password": "a-brand-new-lighthouse-7"})
    assert done["Location"] == reverse("website:account_login")
    user.refresh_from_db()
    assert user.check_password("a-brand-new-lighthouse-7")
    # The link went to the address, so it proves it: verified, and its bookings linked.
    assert user.email_verified_at is not None
    assert Booking.objects.get(pk=booking.pk).customer_id == user.pk
    assert mail.outbox[-1].subject == "Your password was changed"
    assert client.post(path, {"new_password": "another-new-lighthouse-8"}).status_code == 400  # used
    assert (
        client.get(reverse("website:account_password_reset_confirm", kwargs={"uid": "zz", "token": "x"})).status_code
        == 400
    )


def test_password_reset_link_expires_after_an_hour(client, post):
    make_customer()
    start = timezone.now()
    # Django's reset token counts time with naive local datetimes: make and check it under the same clock.
    with time_machine.travel(start, tick=False):
        post(reverse("website:account_password_reset"), {"email": "anna@example.com"})
    path = link_in(mail.outbox[0])
    with time_machine.travel(start + dt.timedelta(minutes=59), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=1, seconds=2), tick=False):
        assert client.get(path).status_code == 400


def test_changing_the_password_needs_the_current_one_and_signs_out_other_devices(client, django_user_model):
    from django.test import Client

    user = make_customer()
    other_device = Client()
    sign_in(other_device)
    sign_in(client)
    url = reverse("website:account_password_change")
    wrong = client.post(url, {"current_password": "not-my-password-at-all", "new_password": "a-brand-new-lighthouse-7"})
    assert wrong.status_code == 422
    assert wrong.context["form"].errors["current_password"] == ["This is not your current password."]
    response = client.post(url, {"current_password": PASSWORD, "new_password": "a-brand-new-lighthouse-7"})
    assert response["Location"] == reverse("website:account")
    user.refresh_from_db()
    assert user.check_password("a-brand-new-lighthouse-7")
    assert client.get(reverse("website:account")).status_code == 200  # this session stays
    assert other_device.get(reverse("website:account")).status_code == 302  # the other one ended


def test_changing_the_email_address_confirms_the_new_one_and_tells_the_old_one(client, catalog, post):
    user = make_customer()
    booking = place_booking("anna.new@example.com")
    mail.outbox.clear()
    sign_in(client)
    url = reverse("website:account_email_change")
    wrong = post(url, {"email": "anna.new@example.com", "current_password": "wrong-password-here"})
    assert wrong.status_code == 422 and mail.outbox == []
    response = post(url, {"email": "anna.new@example.com", "current_password": PASSWORD})
    assert response.status_code == 200
    (confirm,) = mail.outbox
    assert (confirm.to, confirm.subject) == (["anna.new@example.com"], "Confirm your new email address")
    assert User.objects.get(pk=user.pk).email == "anna@example.com"  # not before the link is followed
    path = link_in(confirm)
    done = post(path)
    assert done["Location"] == reverse("website:account")
    user.refresh_from_db()
    assert (user.email, user.username) == ("anna.new@example.com", "anna.new@example.com")
    assert user.email_verified_at is not None
    assert Booking.objects.get(pk=booking.pk).customer_id == user.pk
    assert [(m.to, m.subject) for m in mail.outbox[1:]] == [(["anna@example.com"], "Your email address was changed")]
    assert client.post(path).status_code == 400  # used
    sign_in(client, "anna.new@example.com")


def test_changing_to_an_address_of_another_account_sends_nothing(client, post):
    make_customer()
    make_customer("bob@example.com")
    sign_in(client)
    response = post(reverse("website:account_email_change"), {"email": "BOB@example.com", "current_password": PASSWORD})
    assert response.status_code == 200
    assert mail.outbox == []


# --- my bookings ------------------------------------------------------------------------------------------
def test_my_bookings_lists_upcoming_and_past_and_opens_only_my_own(client, catalog):
    anna = make_customer()
    make_customer("bob@example.com")
    soon, later = place_booking(days=5), place_booking(days=30)
    with time_machine.travel(timezone.now() - dt.timedelta(days=60)):
        past = place_booking(days=10)
    bobs = place_booking("bob@example.com")
    Booking.objects.filter(pk__in=[soon.pk, later.pk, past.pk]).update(customer=anna)
    Booking.objects.filter(pk=bobs.pk).update(customer=User.objects.get(email="bob@example.com"))
    sign_in(client)
    page = client.get(reverse("website:account_bookings"))
    assert page.status_code == 200
    assert [b.reference for b in page.context["bookings"].upcoming] == [soon.reference, later.reference]
    assert [b.reference for b in page.context["bookings"].past] == [past.reference]
    assert b'aria-label="Pages of past bookings"' not in page.content  # one page: no page links
    assert bobs.reference.encode() not in page.content
    mine = client.get(reverse("website:account_booking", kwargs={"reference": soon.reference.lower()}))
    assert mine["Location"] == reverse(
        "website:manage", kwargs={"reference": soon.reference, "token": soon.manage_token}
    )
    assert client.get(reverse("website:account_booking", kwargs={"reference": bobs.reference})).status_code == 404
    assert client.get(reverse("website:account_booking", kwargs={"reference": "GNB-AAAA-AAAA"})).status_code == 404


def test_my_bookings_shows_each_bookings_route_or_tour_status_and_start_in_a_fixed_number_of_queries(
    client, catalog, django_assert_max_num_queries
):
    anna = make_customer()
    transfer = place_booking(days=5)
    tour = place_berg_tour(catalog)
    Booking.objects.filter(pk__in=[transfer.pk, tour.pk]).update(customer=anna)
    sign_in(client)
    html = re.sub(r">\n\s*<", "><", client.get(reverse("website:account_bookings")).content.decode())
    for booking, what in (
        (transfer, '<bdi>Antalya Airport</bdi> <span class="arrow">→</span> <bdi>Regnum Carya</bdi>'),
        (tour, "<bdi>Perge &amp; Aspendos</bdi>"),
    ):
        card = html[html.index(f'<bdi dir="ltr">{booking.reference}</bdi>') :]
        card = card[: card.index("</li>")]
        assert f'<span class="badge badge--{booking.status}">' in card
        assert f"<p>{what}<br>" in card
        assert card.endswith(f"{local_datetime(booking.starts_at, 'weekday')}</p>")
    for n in range(5):
        Booking.objects.filter(pk=place_booking(days=6 + n).pk).update(customer=anna)
    # Session, account, the upcoming bookings, a page of past ones, their rides, the catalogue version: whatever
    # the number of bookings.
    with django_assert_max_num_queries(6):
        assert client.get(reverse("website:account_bookings")).status_code == 200


def test_my_past_bookings_come_a_page_at_a_time_latest_first(client, catalog):
    anna = make_customer()
    ahead = place_booking(days=5)
    past = [place_booking(days=6) for _n in range(45)]
    for days_ago, booking in enumerate(past, start=1):  # past[0] is the latest
        Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - dt.timedelta(days=days_ago))
    Booking.objects.filter(pk__in=[ahead.pk, *(b.pk for b in past)]).update(customer=anna)
    sign_in(client)
    url = reverse("website:account_bookings")

    def shown(query: str = "") -> tuple[list[str], list[str], list[tuple[str, str]]]:
        page = client.get(url + query)
        assert page.status_code == 200
        mine = page.context["bookings"]
        links = re.findall(r'<a class="button" rel="(prev|next)" href="([^"]+)">', page.content.decode())
        return [b.reference for b in mine.upcoming], [b.reference for b in mine.past], links

    references = [booking.reference for booking in past]
    assert shown() == ([ahead.reference], references[:20], [("next", url + "?page=2")])
    assert shown("?page=2") == ([], references[20:40], [("prev", url), ("next", url + "?page=3")])
    assert shown("?page=3") == ([], references[40:], [("prev", url + "?page=2")])
    page = client.get(url + "?page=2")
    assert b"<h2>Upcoming</h2>" not in page.content and b"<h2>Past</h2>" in page.content
    assert b"Older bookings" in page.content and b"Newer bookings" in page.content
    for wrong in ("?page=4", "?page=0", "?page=-1", "?page=abc", "?page=%D9%A3", "?page=99999999", "?page="):
        assert client.get(url + wrong).status_code == 404, wrong


def test_a_booking_placed_while_signed_in_is_linked_only_through_a_verified_address(client, catalog):
    anna = make_customer("anna@example.com")  # the address the booking form uses
    sign_in(client)
    booking = placed(client, catalog)
    assert booking.customer_id == anna.pk

    Booking.objects.all().delete()
    client.post(reverse("website:account_logout"))
    User.objects.filter(pk=anna.pk).update(email_verified_at=None)
    sign_in(client)
    booking = placed(client, catalog)
    assert booking.customer_id is None


# --- saved passengers -------------------------------------------------------------------------------------
def test_a_saved_passenger_is_named_in_letters_as_for_a_booking(client):
    # Saved passengers fill in booking forms: a name the booking would refuse is refused when saved.
    anna = make_customer()
    tom = SavedPassenger.objects.create(user=anna, first_name="Tom", last_name="Smith", category="child")
    sign_in(client)
    bad = client.post(
        reverse("website:account_passengers"), {"first_name": "🚗 🌴", "last_name": "#1", "category": "adult"}
    )
    assert bad.status_code == 422
    errors = bad.context["form"].errors
    assert errors["first_name"][0].startswith("First name: write it in letters")
    assert errors["last_name"][0].startswith("Last name: write it in letters")
    edit = reverse("website:account_passenger_edit", kwargs={"passenger_id": tom.pk})
    assert client.post(edit, {"first_name": "★", "last_name": "Smith", "category": "child"}).status_code == 422
    assert list(SavedPassenger.objects.values_list("first_name", flat=True)) == ["Tom"]
    client.post(edit, {"first_name": "Σοφία", "last_name": "Öztürk", "category": "child"})
    tom.refresh_from_db()
    assert (tom.first_name, tom.last_name) == ("Σοφία", "Öztürk")


def test_saved_passengers_add_edit_delete_and_another_accounts_are_404(client):
    anna = make_customer()
    bob = make_customer("bob@example.com")
    bobs = SavedPassenger.objects.create(user=bob, first_name="Bob", last_name="Brown", category="adult")
    sign_in(client)
    url = reverse("website:account_passengers")
    added = client.post(url, {"first_name": " Tom ", "last_name": "Smith", "category": "child", "birth_year": "2019"})
    assert added["Location"] == url
    tom = SavedPassenger.objects.get(user=anna)
    assert (tom.first_name, tom.last_name, tom.category, tom.birth_year) == ("Tom", "Smith", "child", 2019)
    bad = client.post(url, {"first_name": "", "last_name": "Smith", "category": "robot", "birth_year": "1800"})
    assert bad.status_code == 422
    assert set(bad.context["form"].errors) == {"first_name", "category", "birth_year"}
    edit = reverse("website:account_passenger_edit", kwargs={"passenger_id": tom.pk})
    assert client.get(edit).status_code == 200
    client.post(edit, {"first_name": "Thomas", "last_name": "Smith", "category": "child", "birth_year": ""})
    tom.refresh_from_db()
    assert (tom.first_name, tom.birth_year) == ("Thomas", None)
    assert b"Thomas Smith" in client.get(url).content
    foreign_edit = reverse("website:account_passenger_edit", kwargs={"passenger_id": bobs.pk})
    foreign_delete = reverse("website:account_passenger_delete", kwargs={"passenger_id": bobs.pk})
    assert client.get(foreign_edit).status_code == 404
    assert client.post(foreign_edit, {"first_name": "X", "last_name": "Y", "category": "adult"}).status_code == 404
    assert client.post(foreign_delete).status_code == 404
    assert SavedPassenger.objects.get(pk=bobs.pk).first_name == "Bob"
    client.post(reverse("website:account_passenger_delete", kwargs={"passenger_id": tom.pk}))
    assert not SavedPassenger.objects.filter(user=anna).exists()


def test_account_pages_need_a_signed_in_customer(client):
    for name in ("website:account", "website:account_bookings", "website:account_passengers", "website:account_export"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/en/account/sign-in/?next=")


# --- export -----------------------------------------------------------------------------------------------
def test_download_my_data_as_json(client, catalog):
    anna = make_customer()
    SavedPassenger.objects.create(user=anna, first_name="Tom", last_name="Smith", category="child", birth_year=2019)
    booking = place_booking()
    Booking.objects.filter(pk=booking.pk).update(customer=anna)
    place_booking("bob@example.com")
    sign_in(client)
    response = client.get(reverse("website:account_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="gnb-account-')
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    data = json.loads(response.content)
    assert set(data) == {"exported_at", "account", "saved_passengers", "bookings"}
    assert data["account"]["email"] == "anna@example.com"
    assert (data["account"]["first_name"], data["account"]["last_name"]) == ("Anna", "Smith")
    assert data["saved_passengers"] == [
        {"first_name": "Tom", "last_name": "Smith", "category": "child", "birth_year": 2019}
    ]
    (exported,) = data["bookings"]
    assert exported["reference"] == booking.reference
    assert (exported["lead_name"], exported["lead_email"], exported["lead_phone"]) == (
        "Anna Smith",
        "anna@example.com",
        "+447911123456",
    )
    assert exported["total"] == "40.00" and exported["currency"] == "EUR"
    assert exported["passengers"] == [
        {"first_name": "Anna", "last_name": "Smith", "category": "adult"},
        {"first_name": "John", "last_name": "Smith", "category": "adult"},
    ]
    assert exported["extras"] == []
    assert [leg["flight_number"] for leg in exported["legs"]] == ["TK2412"]
    assert [(e["kind"], e["to_status"]) for e in exported["events"]] == [("created", "confirmed")]


# --- deleting the account ---------------------------------------------------------------------------------
def test_deleting_is_refused_while_an_upcoming_booking_needs_the_names(client, catalog):
    anna = make_customer()
    booking = place_booking()
    Booking.objects.filter(pk=booking.pk).update(customer=anna)
    sign_in(client)
    response = client.post(reverse("website:account_delete"), {"current_password": PASSWORD})
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "You have an upcoming booking. Cancel it, or wait until the trip is over, before you delete your account: "
        "the driver needs the passengers' names."
    ]
    assert User.objects.get(pk=anna.pk).is_active


def test_deleting_needs_the_password_then_anonymises_exactly_the_personal_data(client, catalog):
    anna = make_customer()
    SavedPassenger.objects.create(user=anna, first_name="Tom", last_name="Smith", category="child")
    booking = place_booking()
    booking_cancel(booking_id=booking.pk, actor=SYSTEM, reason="Plans changed")
    Booking.objects.filter(pk=booking.pk).update(customer=anna)
    BookingEvent.objects.create(
        booking=booking, kind="changed", actor_label="traveller", details={"changes": {"lead_phone": ["+1", "+2"]}}
    )
    others = place_booking("bob@example.com")
    before = Booking.objects.get(pk=booking.pk)
    sign_in(client)
    wrong = client.post(reverse("website:account_delete"), {"current_password": "not-my-password"})
    assert wrong.status_code == 422 and User.objects.get(pk=anna.pk).is_active

    response = client.post(reverse("website:account_delete"), {"current_password": PASSWORD})
    assert response["Location"] == reverse("website:home")
    assert "_auth_user_id" not in client.session
    anna.refresh_from_db()
    assert (anna.username, anna.email, anna.first_name, anna.last_name, anna.is_active) == (
        f"deleted-{anna.pk}",
        "",
        "",
        "",
        False,
    )
    assert anna.email_verified_at is None and not anna.has_usable_password()
    assert not SavedPassenger.objects.filter(user_id=anna.pk).exists()
    kept = Booking.objects.get(pk=booking.pk)
    assert (kept.lead_name, kept.lead_email, kept.lead_phone, kept.notes) == (
        "Deleted customer",
        "deleted@anonymised.invalid",
        "",
        "",
    )
    # What the accounts need is kept as it was.
    assert (kept.reference, kept.total, kept.currency, kept.status, kept.cancellation_fee, kept.starts_at) == (
        before.reference,
        before.total,
        before.currency,
        before.status,
        before.cancellation_fee,
        before.starts_at,
    )
    assert [(p.first_name, p.last_name, p.category) for p in Passenger.objects.filter(booking=kept)] == [
        ("Anonymised", "1", "adult"),
        ("Anonymised", "2", "adult"),
    ]
    assert BookingEvent.objects.get(booking=kept, kind="changed").details == {
        "changes": {"lead_phone": ["anonymised", "anonymised"]}
    }
    untouched = Booking.objects.get(pk=others.pk)
    assert (untouched.lead_name, untouched.lead_email) == ("Anna Smith", "bob@example.com")
    entry = AuditEntry.objects.get(action="account.deleted")
    assert (entry.actor_label, entry.target_id, entry.target_repr, entry.details, entry.ip_address) == (
        f"customer {anna.pk}",
        str(anna.pk),
        f"deleted-{anna.pk}",
        {"bookings_anonymised": 1},
        None,
    )
    assert entry.get_action_display() == "Customer account deleted"
    # No entry written by the deletion names the customer (the deactivation is recorded as a flag change too).
    written = AuditEntry.objects.filter(created_at__gte=entry.created_at - dt.timedelta(seconds=5))
    for row in written.values("action", "actor_label", "target_repr", "details"):
        assert "anna" not in json.dumps(row).lower(), row
    assert (
        client.post(reverse("website:account_login"), {"email": "anna@example.com", "password": PASSWORD}).status_code
        == 422
    )


# --- language ---------------------------------------------------------------------------------------------
def test_account_emails_are_in_the_accounts_language(client, post):
    post("/tr/account/sign-up/", {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "password": PASSWORD})
    user = User.objects.get()
    assert user.preferred_language == "tr"
    (message,) = mail.outbox
    assert message.subject == "E-posta adresinizi onaylayın"
    assert "http://testserver/tr/account/verify/" in message.body


def test_the_booking_form_starts_with_my_details_and_saved_passengers(client, catalog):
    anna = make_customer()
    SavedPassenger.objects.create(user=anna, first_name="Tom", last_name="Smith", category="child")
    SavedPassenger.objects.create(user=anna, first_name="Anna", last_name="Smith", category="adult")
    SavedPassenger.objects.create(user=anna, first_name="John", last_name="Smith", category="adult")
    SavedPassenger.objects.create(user=anna, first_name="Mia", last_name="Smith", category="infant")
    guest = client.get(transfer_form_url())  # two adults and a child
    assert guest.context["form"].initial.get("passenger_0_first_name") is None
    sign_in(client)
    form = client.get(transfer_form_url()).context["form"]
    # Anna herself is passenger 1, the lead contact (her saved self is not put in twice).
    assert {key: value for key, value in form.initial.items() if key != "flight_arrival"} == {
        "email": "anna@example.com",
        "passenger_0_first_name": "Anna",
        "passenger_0_last_name": "Smith",
        "passenger_1_first_name": "John",
        "passenger_1_last_name": "Smith",
        "passenger_2_first_name": "Tom",
        "passenger_2_last_name": "Smith",
    }
    page = client.get(transfer_form_url()).content.decode()
    assert 'value="Tom"' in page and 'value="Mia"' not in page


def test_the_migration_names_accounts_that_share_an_address_before_adding_the_constraint():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("gnb.accounts.migrations.0002_customer_accounts")
    make_customer("anna@example.com")
    migration.refuse_duplicate_emails(apps, None)  # one account per address: nothing to say
    with pytest.MonkeyPatch.context() as patch:
        rows = [(1, "anna", "anna@example.com"), (2, "anna2", "Anna@Example.com"), (3, "bob", "bob@example.com")]

        class Users:
            class objects:
                @staticmethod
                def exclude(**kwargs):
                    return type("Rows", (), {"values_list": staticmethod(lambda *fields: rows)})()

        patch.setattr(apps, "get_model", lambda app, model: Users)
        with pytest.raises(RuntimeError, match=r"anna@example.com: anna \(id 1\), anna2 \(id 2\)$"):
            migration.refuse_duplicate_emails(apps, None)
