"""Back office for payments: the payments and refunds lists, a booking's payments panel, refunds and money received
by hand, and the reconciliation with the providers.

Nothing here writes a payment or refund row. Rows are read-only; a refund, a payment marked paid and cash
collected go through the payment services (:func:`refund_request`, :func:`payment_mark_paid`,
:func:`payment_record_cash`), which check what is left to refund or still owed under the rows' locks and write the
audit entries. Each needs its own permission: ``payments.add_refund`` to refund, ``payments.mark_paid`` to record
money received in cash or by bank transfer; without it the action is not offered and its page answers 403.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from html import escape

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gnb.bookings.models import Booking
from gnb.bookings.reports import local_time
from gnb.core.admin import ReadOnlyAdmin
from gnb.core.audit import audit_export
from gnb.core.errors import DomainError
from gnb.core.money import ZERO
from gnb.core.paginators import CappedCountPaginator
from gnb.payments import reports, selectors, services
from gnb.payments.admin_forms import MarkPaidForm, ReconciliationForm, RecordCashForm, RefundForm
from gnb.payments.models import Payment, ProviderEvent, Refund

REFUND_PERMISSION = "payments.add_refund"
MARK_PAID_PERMISSION = "payments.mark_paid"
RECONCILE_PERMISSIONS = ("payments.view_payment", "payments.view_providerevent")


def can_refund(request: HttpRequest) -> bool:
    return request.user.has_perm(REFUND_PERMISSION)


def can_mark_paid(request: HttpRequest) -> bool:
    return request.user.has_perm(MARK_PAID_PERMISSION)


def refundable_loaded(payment: Payment) -> Decimal:
    """What is left to refund on ``payment``, from its prefetched refunds (as ``services.refundable_amount``)."""
    if payment.state != Payment.State.CONFIRMED:
        return ZERO
    counted = sum((r.amount for r in payment.refunds.all() if r.state in services.REFUND_COUNTED), ZERO)
    return max(ZERO, payment.amount - counted)


def _booking_link(booking: Booking) -> SafeString:
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:bookings_booking_change", args=[booking.pk]), booking.reference
    )


def _dashboard_link(payment: Payment, text: str) -> SafeString | str:
    url = reports.dashboard_url(payment)
    if not url:
        return text
    return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, text)


# --- a booking's payments, on its change page -------------------------------------------------------------------
def booking_payments_panel(request: HttpRequest, booking: Booking) -> str:
    """The payments and refunds of ``booking`` with their totals and the actions staff may take, as HTML."""
    payments = list(selectors.payments_for_booking(booking).select_related("recorded_by"))
    paid, refunded, balance = selectors.booking_amounts(booking)
    rows = [
        {
            "payment": payment,
            "reference": _dashboard_link(payment, payment.provider_payment_id or payment.provider_reference or "—"),
            "refunds": sorted(payment.refunds.all(), key=lambda r: (r.created_at, r.pk)),
            "refundable": refundable_loaded(payment),
            "refund_url": reverse("admin:payments_payment_refund", args=[payment.pk]),
        }
        for payment in payments
    ]
    recordable = booking.status in services.RECORDABLE and balance > 0 and can_mark_paid(request)
    context = {
        "booking": booking,
        "rows": rows,
        # Sums come back from the database without their places on some backends (SQLite: 40, not 40.00).
        "paid": f"{paid:.2f}",
        "refunded": f"{refunded:.2f}",
        "balance": f"{balance:.2f}",
        "can_refund": can_refund(request),
        "mark_paid_url": reverse("admin:payments_payment_mark_paid", args=[booking.pk]) if recordable else "",
        "record_cash_url": reverse("admin:payments_payment_record_cash", args=[booking.pk]) if recordable else "",
    }
    return render_to_string("admin/payments/booking_payments.html", context, request=request)


# --- payments ---------------------------------------------------------------------------------------------------
class PaymentCurrencyFilter(admin.AllValuesFieldListFilter):
    """The currencies payments were taken in, found through the currency index rather than a ``DISTINCT`` over every
    payment (a million rows) on each page of the list."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        # The filter only iterates its choices: a list serves as well as the queryset it declares.
        self.lookup_choices = selectors.payment_currencies()  # type: ignore[assignment]


class RefundInline(admin.TabularInline):
    model = Refund
    fields = ("created_local", "amount", "currency", "state", "provider_reference", "reason", "requested_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by")

    @admin.display(description=gettext_lazy("created (Istanbul)"))
    def created_local(self, refund: Refund) -> str:
        return local_time(refund.created_at)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "created_local",
        "booking_link",
        "provider",
        "amount_with_currency",
        "state",
        "needs_attention",
        "reference_link",
        "refunded_total",
    )
    list_filter = (
        "provider",
        "state",
        "needs_attention",
        ("created_at", admin.DateFieldListFilter),
        ("currency", PaymentCurrencyFilter),
    )
    search_fields = ("booking__reference", "provider_reference", "provider_payment_id")
    list_select_related = ("booking",)
    ordering = ("-created_at", "-pk")
    list_per_page = 50
    show_full_result_count = False
    # Counting stops at 10,000 rows (200 pages of 50): no COUNT(*) over the whole table a page (gnb.core.paginators).
    paginator = CappedCountPaginator
    actions = ("refund_payment",)
    inlines = (RefundInline,)
    fields = (
        "booking_link",
        "provider",
        "amount",
        "currency",
        "state",
        "needs_attention",
        "reference_link",
        "provider_reference",
        "provider_payment_id",
        "failure_reason",
        "recorded_by",
        "note",
        "created_at",
        "confirmed_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        succeeded = (
            Refund.objects.filter(payment=OuterRef("pk"), state=Refund.State.SUCCEEDED)
            .values("payment")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        money: DecimalField = DecimalField(max_digits=12, decimal_places=2)
        return (
            super()
            .get_queryset(request)
            .select_related("booking", "recorded_by")
            .annotate(refunded=Coalesce(Subquery(succeeded, output_field=money), Value(ZERO), output_field=money))
        )

    def has_refund_permission(self, request) -> bool:
        return can_refund(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_perms(RECONCILE_PERMISSIONS):
            extra_context["reconciliation_url"] = reverse("admin:payments_payment_reconciliation")
        return super().changelist_view(request, extra_context=extra_context)

    # --- columns ----------------------------------------------------------------------------------------------
    @admin.display(description=gettext_lazy("created (Istanbul)"), ordering="created_at")
    def created_local(self, payment: Payment) -> str:
        return local_time(payment.created_at)

    @admin.display(description=gettext_lazy("booking"), ordering="booking__reference")
    def booking_link(self, payment: Payment) -> SafeString:
        return _booking_link(payment.booking)

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_with_currency(self, payment: Payment) -> str:
        return f"{payment.amount:.2f} {payment.currency}"

    @admin.display(description=gettext_lazy("at the provider"))
    def reference_link(self, payment: Payment) -> SafeString | str:
        return _dashboard_link(payment, payment.provider_payment_id or payment.provider_reference or "—")

    @admin.display(description=gettext_lazy("refunded"), ordering="refunded")
    def refunded_total(self, payment: Payment) -> str:
        return f"{payment.refunded:.2f}"  # type: ignore[attr-defined]

    # --- change page --------------------------------------------------------------------------------------------
    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and can_refund(request) and services.refundable_amount(obj) > 0:
            context["refund_url"] = reverse("admin:payments_payment_refund", args=[obj.pk])
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # --- actions ------------------------------------------------------------------------------------------------
    @admin.action(description=gettext_lazy("Refund…"), permissions=["refund"])
    def refund_payment(self, request, queryset):
        """Open the refund form of the one payment chosen (each refund has its own amount and reason)."""
        chosen = list(queryset.values_list("pk", flat=True)[:2])
        if len(chosen) != 1:
            messages.error(request, _("Choose exactly one payment to refund."))
            return None
        return redirect(reverse("admin:payments_payment_refund", args=[chosen[0]]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("reconciliation/", view(self.reconciliation_view), name="payments_payment_reconciliation"),
            path(
                "reconciliation/export/",
                view(self.reconciliation_export_view),
                name="payments_payment_reconciliation_export",
            ),
            path("booking/<int:booking_id>/mark-paid/", view(self.mark_paid_view), name="payments_payment_mark_paid"),
            path(
                "booking/<int:booking_id>/record-cash/",
                view(self.record_cash_view),
                name="payments_payment_record_cash",
            ),
            # Before the admin's own URLs, whose "<path:object_id>/" would take "<id>/refund/" for an id.
            path("<path:object_id>/refund/", view(self.refund_view), name="payments_payment_refund"),
            *super().get_urls(),
        ]

    def _page(self, request, template: str, title: str, **context) -> TemplateResponse:
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "title": title, "opts": self.opts, **context},
        )

    def refund_view(self, request, object_id: str):
        """Refund part or all of one confirmed payment, with a reason, through ``refund_request``."""
        if not can_refund(request):
            raise PermissionDenied
        payment = (
            Payment.objects.select_related("booking").prefetch_related("refunds").filter(pk=unquote(object_id)).first()
            if unquote(object_id).isdigit()
            else None
        )
        if payment is None:
            raise Http404(_("Payment not found."))
        booking_url = reverse("admin:bookings_booking_change", args=[payment.booking_id])
        refundable = refundable_loaded(payment)
        if refundable <= 0:
            messages.error(request, _("Nothing is left to refund on this payment."))
            return redirect(booking_url)
        form = RefundForm(request.POST if request.method == "POST" else None, refundable=refundable)
        refund: Refund | None = None
        if form.is_bound and form.is_valid():
            key = form.cleaned_data["idempotency_key"]
            try:
                refund = services.refund_request(
                    payment_id=payment.pk,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    idempotency_key=key,
                )
            except DomainError as error:
                form.show_service_error(error)
            except IntegrityError:
                # The same form sent twice at the same moment (a double click): the other request wrote the refund
                # under this key after this one looked for it. That refund is the answer to both.
                found = Refund.objects.filter(idempotency_key=key, payment=payment).first()
                if found is None:
                    raise
                refund = found
            if form.is_valid() and refund is not None:
                messages.success(
                    request,
                    _(
                        "A refund of %(amount)s %(currency)s on booking %(reference)s was requested; its state "
                        "follows the provider's answer."
                    )
                    % {"amount": refund.amount, "currency": refund.currency, "reference": payment.booking.reference},
                )
                return redirect(booking_url)
        return self._page(
            request,
            "admin/payments/payment/refund.html",
            _("Refund a payment of booking %(reference)s") % {"reference": payment.booking.reference},
            payment=payment,
            refundable=refundable,
            form=form,
            booking_url=booking_url,
        )

    def _booking_for_manual_payment(self, request, booking_id: int) -> Booking:
        if not can_mark_paid(request):
            raise PermissionDenied
        booking = Booking.objects.filter(pk=booking_id).first()
        if booking is None:
            raise Http404(_("Booking not found."))
        return booking

    def mark_paid_view(self, request, booking_id: int):
        """Record money received in cash or by bank transfer, with a reason, through ``payment_mark_paid``."""
        booking = self._booking_for_manual_payment(request, booking_id)
        _paid, _refunded, balance = selectors.booking_amounts(booking)
        data = request.POST if request.method == "POST" else None
        form = MarkPaidForm(data, initial={"amount": balance, "provider": "bank"})
        if form.is_bound and form.is_valid():
            try:
                payment = services.payment_mark_paid(
                    booking_id=booking.pk,
                    amount=form.cleaned_data["amount"],
                    provider=form.cleaned_data["provider"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.show_service_error(error)
            else:
                messages.success(
                    request,
                    _("Booking %(reference)s: %(amount)s %(currency)s recorded as paid (%(provider)s).")
                    % {
                        "reference": booking.reference,
                        "amount": payment.amount,
                        "currency": payment.currency,
                        "provider": payment.get_provider_display(),
                    },
                )
                return redirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
        return self._page(
            request,
            "admin/payments/payment/manual.html",
            _("Mark booking %(reference)s paid") % {"reference": booking.reference},
            booking=booking,
            balance=balance,
            form=form,
            submit=_("Mark paid"),
        )

    def record_cash_view(self, request, booking_id: int):
        """Record cash the driver or the office collected, through ``payment_record_cash``."""
        booking = self._booking_for_manual_payment(request, booking_id)
        _paid, _refunded, balance = selectors.booking_amounts(booking)
        data = request.POST if request.method == "POST" else None
        form = RecordCashForm(data, initial={"amount": balance})
        if form.is_bound and form.is_valid():
            try:
                payment = services.payment_record_cash(
                    booking_id=booking.pk,
                    amount=form.cleaned_data["amount"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except DomainError as error:
                form.show_service_error(error)
            else:
                messages.success(
                    request,
                    _("Booking %(reference)s: %(amount)s %(currency)s cash collected.")
                    % {"reference": booking.reference, "amount": payment.amount, "currency": payment.currency},
                )
                return redirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
        return self._page(
            request,
            "admin/payments/payment/manual.html",
            _("Record cash collected for booking %(reference)s") % {"reference": booking.reference},
            booking=booking,
            balance=balance,
            form=form,
            submit=_("Record cash collected"),
        )

    # --- reconciliation -----------------------------------------------------------------------------------------
    def _reconciliation_form(self, request) -> ReconciliationForm:
        if not request.user.has_perms(RECONCILE_PERMISSIONS):
            raise PermissionDenied
        return ReconciliationForm(request.GET if request.GET else None)

    def reconciliation_view(self, request):
        form = self._reconciliation_form(request)
        report = None
        if form.is_bound and form.is_valid():
            report = reports.reconciliation(**form.cleaned_data)
        return self._page(
            request,
            "admin/payments/payment/reconciliation.html",
            _("Reconciliation with the payment providers"),
            form=form,
            report=report,
            buckets=[(code, label, rows, reconciliation_table_rows(rows)) for code, label, rows in report.buckets]
            if report is not None
            else [],
            export_url=(reverse("admin:payments_payment_reconciliation_export") + "?" + request.GET.urlencode())
            if report is not None
            else "",
            media=self.media + form.media,
        )

    def reconciliation_export_view(self, request):
        form = self._reconciliation_form(request)
        if not form.is_valid():
            messages.error(request, _("Choose a provider and the days to export."))
            return redirect(reverse("admin:payments_payment_reconciliation"))
        report = reports.reconciliation(**form.cleaned_data)
        rows = list(reports.reconciliation_rows(report))
        audit_export(request=request, model=Payment, rows=len(rows), source="reconciliation")
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
        data = form.cleaned_data
        name = f"reconciliation-{data['provider']}-{data['first_day']:%Y%m%d}-{data['last_day']:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def reconciliation_table_rows(rows: list[reports.ReconciliationRow]) -> SafeString:
    """A bucket's ``<tr>`` rows: kind, booking, our amount, our reference, the provider's message, its amount, when
    it was received (Istanbul time).

    A day of card payments is ~1,000 rows; through the template language each cost ~0.3 ms. Here a row is one
    f-string, every text escaped with ``html.escape`` (what Django's ``escape`` calls), amounts as ``unlocalize``
    writes them, the two words translated once.
    """
    kinds = {reports.REFUND: escape(_("refund")), reports.PAYMENT: escape(_("payment"))}

    def row(line: reports.ReconciliationRow) -> str:
        ours, fact = line.ours, line.fact
        our_amount = f"{unlocalize(ours.amount)} {escape(ours.currency)}" if ours is not None else ""
        message = received = their_amount = ""
        if fact is not None:
            message = f"{escape(fact.event.kind)} {escape(fact.event.event_id)}"
            their_amount = f"{unlocalize(fact.amount)} {escape(fact.currency)}"
            received = local_time(fact.event.received_at, "%Y-%m-%d %H:%M:%S")
        return (
            f"<tr><td>{kinds.get(line.kind, kinds[reports.PAYMENT])}</td><td>{escape(line.booking_reference)}</td>"
            f'<td class="gnb-number">{our_amount}</td><td>{escape(line.our_reference)}</td><td>{message}</td>'
            f'<td class="gnb-number">{their_amount}</td><td>{received}</td></tr>\n'
        )

    return mark_safe("".join(row(line) for line in rows))  # noqa: S308 (every value above is escaped)


def unlocalize(value: object) -> str:
    """As the template filter ``unlocalize``: a number written the same in every language (40.00, never 40,00)."""
    return escape(str(localize(value, use_l10n=False)))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: list[tuple[str, ...]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # The byte-order mark makes spreadsheet programs read the file as UTF-8.
    yield "\ufeff" + writer.writerow(reports.CSV_HEADER)
    for row in rows:
        yield writer.writerow(row)


# --- refunds ----------------------------------------------------------------------------------------------------
@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = (
        "created_local",
        "booking_link",
        "provider",
        "amount_with_currency",
        "state",
        "provider_reference",
        "reason",
        "requested_by",
    )
    list_filter = ("provider", "state", ("created_at", admin.DateFieldListFilter), "currency")
    search_fields = ("payment__booking__reference", "provider_reference", "payment__provider_reference")
    list_select_related = ("payment__booking", "requested_by")
    ordering = ("-created_at", "-pk")
    list_per_page = 50
    show_full_result_count = False
    # Counting stops at 10,000 rows (200 pages of 50): no COUNT(*) over the whole table a page (gnb.core.paginators).
    paginator = CappedCountPaginator
    fields = (
        "payment",
        "booking_link",
        "provider",
        "amount",
        "currency",
        "state",
        "reason",
        "provider_reference",
        "failure_reason",
        "requested_by",
        "created_at",
        "confirmed_at",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("created (Istanbul)"), ordering="created_at")
    def created_local(self, refund: Refund) -> str:
        return local_time(refund.created_at)

    @admin.display(description=gettext_lazy("booking"), ordering="payment__booking__reference")
    def booking_link(self, refund: Refund) -> SafeString:
        return _booking_link(refund.payment.booking)

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_with_currency(self, refund: Refund) -> str:
        return f"{refund.amount:.2f} {refund.currency}"


# --- provider messages ------------------------------------------------------------------------------------------
@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ("received_local", "provider", "kind", "event_id", "processed_at", "outcome")
    # "processed at: empty" lists the events stored but not applied by the worker yet.
    list_filter = (
        "provider",
        "kind",
        ("processed_at", admin.EmptyFieldListFilter),
        ("received_at", admin.DateFieldListFilter),
    )
    search_fields = ("event_id", "outcome")
    ordering = ("-received_at", "-pk")
    list_per_page = 50
    show_full_result_count = False
    # Counting stops at 10,000 rows (200 pages of 50): no COUNT(*) over the whole table a page (gnb.core.paginators).
    paginator = CappedCountPaginator

    @admin.display(description=gettext_lazy("received (Istanbul)"), ordering="received_at")
    def received_local(self, event: ProviderEvent) -> str:
        return local_time(event.received_at, "%Y-%m-%d %H:%M:%S")


__all__ = ["booking_payments_panel", "can_mark_paid", "can_refund", "refundable_loaded"]
