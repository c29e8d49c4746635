"""Throttled staff sign-in: past the limit nothing is checked or used up and every answer is the same; an attacker
elsewhere cannot keep the owner out; and the emailed one-time link lets the owner in, still with the second factor."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gnb.accounts.roles import MANAGER
from gnb.core.models import AuditEntry
from gnb.testing.personas import authenticator_code as code
from gnb.testing.personas import authenticator_enrol as enrol
from gnb.testing.personas import persona

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

User = get_user_model()
PASSWORD = "Correct-Horse-7-Battery!"
ATTACKER = "203.0.113.66"
LINK = re.compile(r"http://testserver(/admin/sign-in-link/[^/\s]+/)")


@pytest.fixture
def selin():
    return persona(MANAGER, "selin", password=PASSWORD, email="selin@gnbtransfer.com")


def login(password: str, otp_token: str = "", *, address: str = ATTACKER, username: str = "selin"):
    data = {"username": username, "password": password, "otp_token": otp_token, "next": "/admin/payments/"}
    return Client().post("/admin/login/?next=/admin/", data, REMOTE_ADDR=address)


@pytest.fixture
def ask_link(django_capture_on_commit_callbacks):
    """Ask for an emailed sign-in link, the email sent as the worker would after the commit."""

    def ask(identifier: str, *, client: Client | None = None, address: str = "192.0.2.10"):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or Client()).post("/admin/sign-in-link/", {"identifier": identifier}, REMOTE_ADDR=address)

    return ask


def page(response) -> str:
    """The page without what differs on every answer anyway (the CSRF token, CSP nonces)."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', text)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', text)


def test_past_the_limit_the_answer_is_the_same_whatever_was_sent_and_nothing_is_checked(selin):
    """The outside test's sequence: guesses from one address, the right password at try 48, a recovery code."""
    device, recovery_codes = enrol(selin)
    answers = [login(f"guess-{number}") for number in range(47)]
    assert [answer.status_code for answer in answers[:5]] == [200] * 5
    assert {answer.status_code for answer in answers[5:]} == {429}
    right_password = login(PASSWORD)  # try 48
    right_password_and_app_code = login(PASSWORD, code(device, steps_ahead=1))
    right_password_and_recovery_code = login(PASSWORD, recovery_codes[0])
    wrong_password = login("guess-48")
    throttled = [right_password, right_password_and_app_code, right_password_and_recovery_code, wrong_password]
    assert {answer.status_code for answer in throttled} == {429}
    assert len({page(answer) for answer in [*answers[5:], *throttled]}) == 1
    body = page(wrong_password)
    assert "Too many attempts. Please try again in 15 minutes." in body
    assert "Please enter the correct username and password" not in body and "guess-48" not in body
    assert "/admin/payments/" not in body  # not even the posted "next" is echoed
    # Nothing was checked or used up: no sign-in, the recovery code still there, no refused code recorded.
    assert StaticToken.objects.filter(device__user=selin).count() == 10
    assert not AuditEntry.objects.filter(action__in=["auth.login", "auth.otp_failed", "auth.otp_recovery_used"])
    assert "_auth_user_id" not in right_password_and_recovery_code.client.session


def test_someone_else_guessing_from_elsewhere_does_not_keep_the_owner_out(selin):
    device, _codes = enrol(selin)
    for number in range(30):  # the attacker's address is used up, for every account
        login(f"guess-{number}", username=f"someone-{number % 3}")
    assert login(PASSWORD, code(device), username="selin").status_code == 429
    owner = login(PASSWORD, code(device, steps_ahead=1), address="192.0.2.10")
    assert owner.status_code == 302 and owner["Location"] == "/admin/payments/"


def test_the_owner_locked_out_everywhere_signs_in_with_the_emailed_link_and_the_app_code(selin, ask_link):
    device, _codes = enrol(selin)
    for number in range(50):  # guesses spread over many addresses use up the account's ceiling
        login(f"guess-{number}", address=f"198.51.100.{number}")
    assert login(PASSWORD, code(device), address="192.0.2.10").status_code == 429

    owner = Client()
    asked = ask_link("Selin@GNBtransfer.com", client=owner)
    assert asked.status_code == 200 and "we have emailed a sign-in link" in asked.content.decode()
    [email] = mail.outbox
    assert email.to == ["selin@gnbtransfer.com"] and email.subject == "Your back-office sign-in link"
    link = LINK.search(email.body).group(1)

    opened = owner.get(link)
    assert opened.status_code == 200 and 'name="otp_token"' in opened.content.decode()
    wrong = owner.post(link, {"otp_token": "000000"}, REMOTE_ADDR="192.0.2.10")
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    assert owner.get("/admin/").status_code == 302  # not signed in without the code
    # django-otp makes the device wait a second after a wrong code; the owner would simply try again after it.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)

    signed_in = owner.post(link, {"otp_token": code(device, steps_ahead=1)}, REMOTE_ADDR="192.0.2.10")
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert owner.get("/admin/").status_code == 200
    # The link works once.
    assert Client().post(link, {"otp_token": code(device, steps_ahead=1)}).status_code == 400


def test_a_link_is_emailed_only_to_an_active_staff_account_and_the_answer_is_always_the_same(selin, ask_link):
    User.objects.create_user(username="anna@example.com", email="anna@example.com", password=PASSWORD)
    User.objects.create_user(username="old", email="old@gnbtransfer.com", password=PASSWORD, is_staff=True,
                             is_active=False)  # fmt: skip
    answers = [ask_link(identifier) for identifier in ("nobody@example.com", "anna@example.com", "old", "selin")]
    assert {answer.status_code for answer in answers} == {200}
    assert len({page(answer) for answer in answers}) == 1
    assert [email.to for email in mail.outbox] == [["selin@gnbtransfer.com"]]


def test_link_requests_are_limited_per_account(selin, settings, ask_link):
    for _attempt in range(settings.GNB_SIGNIN_LINK_LIMIT_PER_ACCOUNT):
        assert ask_link("selin").status_code == 200
    blocked = ask_link("selin", address="192.0.2.99")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert len(mail.outbox) == settings.GNB_SIGNIN_LINK_LIMIT_PER_ACCOUNT


def test_a_staff_member_without_an_authenticator_is_sent_to_set_one_up(selin, ask_link):
    ask_link("selin")
    link = LINK.search(mail.outbox[0].body).group(1)
    owner = Client()
    assert 'name="otp_token"' not in owner.get(link).content.decode()
    answer = owner.post(link, {})
    assert answer.status_code == 302 and answer["Location"] == "/admin/two-factor/setup/"
    assert owner.get("/admin/").status_code == 302  # nothing but the enrolment opens


def test_a_tampered_or_customer_link_is_refused(selin):
    from gnb.accounts import tokens

    anna = User.objects.create_user(username="anna", email="anna@example.com", password=PASSWORD)
    customer_link = tokens.link_token_make(user=anna, purpose=tokens.STAFF_SIGN_IN)
    website_link = tokens.link_token_make(user=selin, purpose=tokens.SIGN_IN)
    for token in (customer_link, website_link, "not-a-token"):
        assert Client().get(f"/admin/sign-in-link/{token}/").status_code == 400
