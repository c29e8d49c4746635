"""The people tests act as: a user per role, made through the real role service, and a back-office sign-in past the
second factor."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gnb.accounts.roles import user_role_set
from gnb.accounts.two_factor import two_factor_enroll, two_factor_pending_device


def persona(role: str, username: str | None = None, *, password: str | None = None, email: str | None = None):
    """A user holding ``role`` as :func:`gnb.accounts.roles.user_role_set` gives it (groups, staff and superuser
    flags, the audit entry). Without a password the user cannot sign in with one (tests sign in directly)."""
    username = username or role
    user = get_user_model().objects.create_user(
        username=username, password=password, email=email if email is not None else f"{username}@example.com"
    )
    user_role_set(user=user, role=role, actor=None)
    user.refresh_from_db()
    return user


def staff_login(client: Client, user) -> TOTPDevice:
    """Sign ``user`` in on ``client`` as the admin login does once both factors are right: a confirmed
    authenticator (made if the user has none) and a session that passed it. Returns the authenticator."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def authenticator_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the app shows now (or ``steps_ahead`` 30-second steps later, still inside the accepted drift)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def authenticator_enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Set up an authenticator for ``user`` as the enrolment page does; the device and its recovery codes."""
    device = two_factor_pending_device(user=user)
    return two_factor_enroll(user=user, device_id=device.pk, token=authenticator_code(device))
