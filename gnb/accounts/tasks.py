"""Account emails, sent by the worker in the account's language, each with the link it is about.

The link is made here, at sending time, so no token waits in the task queue. Each request queues its own task
(through :func:`gnb.core.outbox.email_enqueue`; ``AccountsConfig.ready`` registers the sender), and a task run twice
sends once: the task's id is its sent-record's unique key (:func:`gnb.core.outbox.email_send_once`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_tasks import TaskContext, task

from gnb.accounts import tokens
from gnb.accounts.api_tokens import token_purge
from gnb.core import taskpriority
from gnb.core.outbox import ACCOUNT_KINDS, EmailKind, email_send_once

KINDS = tuple(kind.value for kind in EmailKind if kind in ACCOUNT_KINDS)


def account_email_arguments(kind: EmailKind, keys: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of ``send_account_email`` for ``email_enqueue(kind=..., user_id=..., address=...)``."""
    if "user_id" not in keys or set(keys) - {"user_id", "address"}:
        raise ValueError(f"a {kind.value!r} email takes user_id and address, got {sorted(keys)}")
    return {"user_id": keys["user_id"], "kind": kind.value, "address": keys.get("address", "")}


def _url(name: str, **kwargs: str) -> str:
    return settings.SITE_URL + reverse(f"website:{name}", kwargs=kwargs or None)


def _message(user, kind: str, address: str) -> dict:
    """Subject, paragraphs, the link and its button label, and the recipient of one kind of account email."""
    if kind == "verify":
        token = tokens.link_token_make(user=user, purpose=tokens.VERIFY_EMAIL)
        return {
            "subject": _("Confirm your email address"),
            "paragraphs": [
                _("Welcome to GNB Transfer. Please confirm your email address to finish opening your account.")
            ],
            "url": _url("account_verify", token=token),
            "button": _("Confirm my email address"),
            "note": _("The link works for 3 days."),
            "to": user.email,
        }
    if kind == "signup_exists":
        return {
            "subject": _("You already have an account"),
            "paragraphs": [
                _(
                    "Someone, probably you, tried to open a GNB Transfer account with this email address, "
                    "which already has one."
                ),
                _("Sign in with your password, or choose a new one if you have forgotten it."),
            ],
            "url": _url("account_password_reset"),
            "button": _("Choose a new password"),
            "note": "",
            "to": user.email,
        }
    if kind == "password_reset":
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        return {
            "subject": _("Choose a new password"),
            "paragraphs": [_("We received a request to choose a new password for your GNB Transfer account.")],
            "url": _url("account_password_reset_confirm", uid=uid, token=default_token_generator.make_token(user)),
            "button": _("Choose a new password"),
            "note": _("The link works for one hour, once."),
            "to": user.email,
        }
    if kind == "password_changed":
        return {
            "subject": _("Your password was changed"),
            "paragraphs": [
                _("The password of your GNB Transfer account was just changed, and every other device was signed out."),
                _("If this was not you, choose a new password now and write to us."),
            ],
            "url": _url("account_password_reset"),
            "button": _("Choose a new password"),
            "note": "",
            "to": user.email,
        }
    if kind == "sign_in_link":
        token = tokens.link_token_make(user=user, purpose=tokens.SIGN_IN)
        return {
            "subject": _("Your sign-in link"),
            "paragraphs": [_("Use this link to sign in to your GNB Transfer account without your password.")],
            "url": _url("account_sign_in_link", token=token),
            "button": _("Sign in"),
            "note": _("The link works for 15 minutes, once."),
            "to": user.email,
        }
    if kind == "staff_sign_in_link":
        token = tokens.link_token_make(user=user, purpose=tokens.STAFF_SIGN_IN)
        return {
            "subject": _("Your back-office sign-in link"),
            "paragraphs": [
                _(
                    "Use this link to sign in to the GNB Transfer back office without your password. It still asks "
                    "for the code from your authenticator app."
                )
            ],
            "url": settings.SITE_URL + reverse("admin:staff_sign_in_link", kwargs={"token": token}),
            "button": _("Sign in"),
            "note": _("The link works for 15 minutes, once."),
            "to": user.email,
        }
    if kind == "driver_sign_in_link":
        token = tokens.link_token_make(user=user, purpose=tokens.DRIVER_SIGN_IN)
        return {
            "subject": _("Your sign-in link for the drivers' app"),
            "paragraphs": [_("Open this link on your phone to sign in to the GNB Transfer drivers' app for 30 days.")],
            "url": settings.SITE_URL + reverse("driver:sign_in_link", kwargs={"token": token}),
            "button": _("Sign in"),
            "note": _("The link works for 15 minutes, once."),
            "to": user.email,
        }
    if kind == "email_change":
        token = tokens.link_token_make(user=user, purpose=tokens.CHANGE_EMAIL, value=address)
        return {
            "subject": _("Confirm your new email address"),
            "paragraphs": [_("Please confirm that this is the new email address of your GNB Transfer account.")],
            "url": _url("account_email_confirm", token=token),
            "button": _("Confirm my email address"),
            "note": _("The link works for one day."),
            "to": address,
        }
    if kind == "email_changed":
        return {
            "subject": _("Your email address was changed"),
            "paragraphs": [
                _("The email address of your GNB Transfer account was changed to another address."),
                _("If this was not you, write to us at once."),
            ],
            "url": "",
            "button": "",
            "note": "",
            "to": address,
        }
    raise ValueError(f"unknown account email {kind!r}")


def account_email_send(*, user_id: int, kind: str, address: str = "") -> bool:
    """Send one account email (``kind`` in :data:`KINDS`); ``address`` is the other address of an email change.
    Returns False when there is no one to send it to."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None:  # deleted or deactivated since: nothing to say
        return False
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = _message(user, kind, address)
        if not context["to"]:
            return False
        context |= {"language": language, "operator_email": settings.GNB_OPERATOR_EMAIL}
        text = render_to_string("accounts/email/account.txt", context)
        html = render_to_string("accounts/email/account.html", context)
    message = EmailMultiAlternatives(context["subject"], text, to=[context["to"]], headers={"X-GNB-Email": kind})
    message.attach_alternative(html, "text/html")
    message.send()
    return True


@task(takes_context=True, priority=taskpriority.PROMPT)
def send_account_email(context: TaskContext, *, user_id: int, kind: str, address: str = "") -> None:
    """Send one account email, once per queued task (see :func:`account_email_send`)."""
    email_send_once(
        task_id=context.task_result.id,
        kind=kind,
        send=lambda: account_email_send(user_id=user_id, kind=kind, address=address),
    )


@task(priority=taskpriority.BULK)
def purge_api_sign_ins() -> None:
    """Delete ended API sign-ins and their refresh tokens (daily; safe to run twice)."""
    token_purge()
