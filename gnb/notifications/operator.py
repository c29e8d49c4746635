"""Who the traveller deals with: the company's name and how to reach its operators, from the settings."""

from __future__ import annotations

from django.conf import settings

from gnb.core.contact import operator_contact


def company_name() -> str:
    """``GNB_COMPANY_NAME``, printed on vouchers and emails."""
    return str(settings.GNB_COMPANY_NAME or "GNB Transfer")


def operator_email() -> str:
    """``GNB_OPERATOR_EMAIL``: where the contact form goes, travellers' replies too."""
    return str(settings.GNB_OPERATOR_EMAIL)


def operator_phone() -> str:
    """``GNB_OPERATOR_PHONE``, or an empty string when none is configured (it is then left out everywhere)."""
    return str(settings.GNB_OPERATOR_PHONE or "")


def operator_contact_text() -> str:
    """``desk@example.com`` or ``desk@example.com, +90 242 123 45 67, WhatsApp +90 532 123 45 67``: how to reach
    us, in one line (vouchers, calendar entries); what is not configured is left out."""
    whatsapp = operator_contact().whatsapp
    return ", ".join(part for part in (operator_email(), operator_phone(), whatsapp and f"WhatsApp {whatsapp}") if part)


def company_address() -> str:
    """``GNB_COMPANY_ADDRESS``, or an empty string when none is configured."""
    return str(settings.GNB_COMPANY_ADDRESS or "")
