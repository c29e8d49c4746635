"""Cash to the driver, and bank transfers recorded by staff: money that reaches us outside any card network.

Nothing is started online: the traveller chooses cash as the booking's payment method and the booking is confirmed
unpaid; the driver or staff then record what was collected (:func:`gnb.payments.services.payment_record_cash`).
Refunds of such money are handed back in person (or by bank), so the refund is done once staff record it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gnb.payments.models import Payment, Refund
from gnb.payments.providers.base import PaymentProvider, ProviderError, RefundResult, StartResult


class CashProvider(PaymentProvider):
    code = "cash"
    label = _("Cash to the driver")
    online = False

    def enabled(self) -> bool:
        return True

    def currencies(self) -> frozenset[str]:
        from gnb.catalog.models import Currency

        return frozenset(Currency.objects.values_list("code", flat=True)) | {settings.BASE_CURRENCY}

    def start(self, *, payment: Payment, return_url: str, cancel_url: str) -> StartResult:
        raise ProviderError("cash is paid to the driver, not online", permanent=True)

    def refund(self, *, refund: Refund) -> RefundResult:
        # Handed back by staff, who record it as they do it: there is no one else to confirm it.
        return RefundResult(provider_reference="", succeeded=True)


class BankTransferProvider(CashProvider):
    code = "bank"
    label = _("Bank transfer")
