"""How travellers reach the operator by phone and WhatsApp, from the settings (``GNB_OPERATOR_PHONE``,
``GNB_OPERATOR_WHATSAPP``). Every page, email and voucher shows these; an empty setting is left out everywhere,
never shown as an empty link. In core, so that every app's emails (bookings, accounts) can show them."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


def _digits(number: str) -> str:
    return "".join(char for char in number if char.isdigit())


@dataclass(frozen=True)
class OperatorContact:
    phone: str  # as configured, for reading: "+90 242 123 45 67"
    whatsapp: str

    @property
    def phone_url(self) -> str:
        """``tel:+902421234567``: tap to call; empty without a phone."""
        return f"tel:+{_digits(self.phone)}" if self.phone else ""

    @property
    def whatsapp_url(self) -> str:
        """``https://wa.me/905321234567``: WhatsApp's click-to-chat link (digits only, no plus); empty without one."""
        return f"https://wa.me/{_digits(self.whatsapp)}" if self.whatsapp else ""

    def __bool__(self) -> bool:
        return bool(self.phone or self.whatsapp)


def operator_contact() -> OperatorContact:
    return OperatorContact(
        phone=str(settings.GNB_OPERATOR_PHONE or "").strip(), whatsapp=str(settings.GNB_OPERATOR_WHATSAPP or "")
    )
