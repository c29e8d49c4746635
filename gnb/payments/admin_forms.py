"""Back-office forms for payments: a refund, money received by hand, the reconciliation's days.

The forms only collect the input; the payment services check it (what is left to refund, what is still due) and
write it. Their errors, each naming its field, are put back next to the input they are about.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django import forms
from django.contrib.admin import widgets
from django.utils.translation import gettext_lazy as _

from gnb.core.errors import DomainError
from gnb.core.forms import DomainErrorsFormMixin
from gnb.payments.models import Provider
from gnb.payments.reports import RECONCILABLE

# The longest period one reconciliation reads: a quarter, so one page never loads years of rows.
MAX_RECONCILIATION_DAYS = 92


def _amount_field(help_text) -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Amount"),
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        help_text=help_text,
        error_messages={"required": _("Enter an amount.")},
    )


class ServiceErrorsMixin(DomainErrorsFormMixin, forms.Form):
    def show_service_error(self, error: DomainError) -> None:
        """Put a refused write's errors next to their fields (the others above the form)."""
        self.add_domain_errors(error)


class RefundForm(ServiceErrorsMixin):
    amount = _amount_field(_("At most what is left to refund on this payment."))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": _("Give a reason for the refund.")},
        help_text=_("Kept with the refund and in the audit log."),
    )
    # Made when the form is first shown: sending the same form twice (a double click) asks for one refund.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, refundable, **kwargs) -> None:
        kwargs.setdefault("initial", {"amount": refundable, "idempotency_key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)


class MarkPaidForm(ServiceErrorsMixin):
    provider = forms.ChoiceField(
        label=_("Received as"),
        choices=[(Provider.CASH.value, Provider.CASH.label), (Provider.BANK.value, Provider.BANK.label)],
    )
    amount = _amount_field(_("At most what the booking still owes."))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": _("Give a reason.")},
        help_text=_("E.g. the bank transfer's reference. Kept with the payment and in the audit log."),
    )


class RecordCashForm(ServiceErrorsMixin):
    amount = _amount_field(_("The cash the driver or the office collected; at most what the booking still owes."))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReconciliationForm(forms.Form):
    provider = forms.ChoiceField(label=_("Provider"), choices=[(code.value, code.label) for code in RECONCILABLE])
    first_day = forms.DateField(label=_("From"), widget=widgets.AdminDateWidget)
    last_day = forms.DateField(label=_("To"), widget=widgets.AdminDateWidget)

    def clean(self):
        data = super().clean() or {}
        first, last = data.get("first_day"), data.get("last_day")
        if isinstance(first, dt.date) and isinstance(last, dt.date):
            if last < first:
                self.add_error("last_day", _("The last day is before the first."))
            elif (last - first).days >= MAX_RECONCILIATION_DAYS:
                self.add_error("last_day", _("At most %(days)s days at a time.") % {"days": MAX_RECONCILIATION_DAYS})
        return data
