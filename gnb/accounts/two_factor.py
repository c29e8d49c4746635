"""Staff two-factor authentication: a TOTP authenticator app, and ten single-use recovery codes.

Every staff account needs a confirmed authenticator to use the back office (:class:`gnb.accounts.admin_site.
GnbAdminSite`). The devices are django-otp's: a ``TOTPDevice`` (RFC 6238, 30-second steps, one step of drift either
way; a code once accepted is never accepted again, and each wrong code doubles the wait before the next try) and a
``StaticDevice`` holding the recovery codes (each deleted as it is used).

Enrolment: :func:`two_factor_pending_device` makes an unconfirmed authenticator whose secret is shown as a QR code
and as text; :func:`two_factor_enroll` confirms it with a code from the app and returns the recovery codes, shown
once. :func:`two_factor_verify` checks a code at login. Enrolment, recovery-code use and every refused code are
written to the audit log.
"""

from __future__ import annotations

import base64
import logging
import re
from typing import TYPE_CHECKING, Any

import segno
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gnb.accounts.selectors import username_for_identifier
from gnb.core.audit import AuditAction, audit_record
from gnb.core.errors import DomainError
from gnb.core.outbox import EmailKind, email_enqueue

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"
# What a person may type: spaces and dashes (as the codes are grouped on screen) are ignored.
_SEPARATORS = re.compile(r"[\s-]+")
_TOTP_CODE = re.compile(r"\d{6}")


class TwoFactorError(DomainError):
    code = "two_factor_invalid"
    status = 400


def two_factor_device(user: AbstractBaseUser) -> TOTPDevice | None:
    """The user's confirmed authenticator, or None before enrolment."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def two_factor_enrolled(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_pending_device(*, user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed authenticator being set up, made on first call; the same one until it is confirmed, so a
    reload of the enrolment page does not change the secret already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps ask for it when typed by hand: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The ``otpauth://`` URL as an inline SVG QR code (no style attributes: the CSP allows none)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")


def _clean(token: str) -> str:
    return _SEPARATORS.sub("", token or "").lower()


def _record_failure(user: AbstractBaseUser, request: HttpRequest | None, stage: str) -> None:
    audit_record(action=AuditAction.OTP_FAILED, actor=None, request=request, actor_label=user.get_username(),
                 target=user, details={"stage": stage})  # fmt: skip


def _new_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """Replace every recovery code of ``user`` by ten new ones (the old ones stop working) and return them."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def two_factor_enroll(
    *, user: AbstractBaseUser, device_id: int, token: str, request: HttpRequest | None = None
) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator ``device_id`` of ``user`` with a code from the app.

    On success any other authenticator of the user is removed, ten new recovery codes replace the old ones, and the
    device and the codes (to show once) are returned. A wrong code raises :class:`TwoFactorError` and is recorded.
    """
    code = _clean(token)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
        if device is None:
            raise TwoFactorError(_("This setup has expired. Please start again."), field="otp_token")
        # django-otp counts a wrong code on the device (the wait before the next try grows); that count is kept.
        accepted = bool(_TOTP_CODE.fullmatch(code)) and device.verify_token(code)
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            codes = _new_recovery_codes(user)
            audit_record(action=AuditAction.OTP_ENROLLED, actor=user, request=request, target=user,
                         details={"recovery_codes": RECOVERY_CODE_COUNT})  # fmt: skip
            return device, codes
    _record_failure(user, request, "enrolment")
    raise TwoFactorError(_("That code is not right. Enter the 6-digit code your app shows now."), field="otp_token")


@transaction.atomic
def two_factor_verify(*, user: AbstractBaseUser, token: str, request: HttpRequest | None = None) -> Device | None:
    """The device that accepts ``token`` (a 6-digit app code or a recovery code), or None (recorded as a failure).

    A recovery code is deleted as it is used, and its use is recorded with the number left.
    """
    code = _clean(token)
    if code:
        if _TOTP_CODE.fullmatch(code):
            devices: list[Device] = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
        else:
            devices = list(StaticDevice.objects.select_for_update().filter(user=user, confirmed=True))
        for device in devices:
            if device.verify_token(code):
                if isinstance(device, StaticDevice):
                    audit_record(action=AuditAction.OTP_RECOVERY_USED, actor=user, request=request, target=user,
                                 details={"left": device.token_set.count()})  # fmt: skip
                return device
    _record_failure(user, request, "login")
    return None


@transaction.atomic
def two_factor_recovery_codes_regenerate(*, user: AbstractBaseUser, request: HttpRequest | None = None) -> list[str]:
    """Ten new recovery codes for an enrolled user; every earlier code stops working."""
    if not two_factor_enrolled(user):
        raise TwoFactorError(_("Set up an authenticator app first."))
    codes = _new_recovery_codes(user)
    audit_record(action=AuditAction.OTP_RECOVERY_REGENERATED, actor=user, request=request, target=user,
                 details={"recovery_codes": RECOVERY_CODE_COUNT})  # fmt: skip
    return codes


@transaction.atomic
def two_factor_reset(
    *, user: AbstractBaseUser, actor: AbstractBaseUser | AnonymousUser | None, request: HttpRequest | None = None
) -> int:
    """Remove every authenticator and recovery code of ``user`` (a lost phone); they enrol again at next login.
    Returns the number of devices removed."""
    removed: dict[str, Any] = {
        "authenticators": TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0),
        "recovery_devices": StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0),
    }
    audit_record(action=AuditAction.OTP_RESET, actor=actor, request=request, target=user, details=removed)
    return int(removed["authenticators"]) + int(removed["recovery_devices"])


# --- the emailed sign-in link -----------------------------------------------------------------------------
def staff_by_identifier(*, identifier: str):
    """The active staff account whose username or email address is ``identifier``; None when there is none."""
    identifier = identifier.strip()
    if not identifier:
        return None
    username = username_for_identifier(identifier=identifier)
    return get_user_model()._default_manager.filter(is_active=True, is_staff=True, username=username).first()


def staff_sign_in_link_request(*, identifier: str) -> None:
    """Email a one-time back-office sign-in link (15 minutes) to the staff account ``identifier`` names, if any.

    The link replaces the password, never the second factor. It is how the owner of an account gets in while
    someone else is spending the account's password budget; nothing is said about whether the account exists.
    """
    user = staff_by_identifier(identifier=identifier)
    if user is None or not user.email:
        return
    email_enqueue(kind=EmailKind.STAFF_SIGN_IN_LINK, user_id=user.pk)
    logger.info("staff sign-in link requested", extra={"user_id": user.pk})
