"""Payments: one row per payment attempt and per refund, each with its own state, and every verified provider message.

A booking is paid when its confirmed payments minus its succeeded refunds cover its total (DESIGN.md §6.5); the
booking's ``payment_state`` is derived from these rows by the services, never set by hand.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gnb.core.models import MoneyField


class Provider(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK = "bank", _("Bank transfer")
    STRIPE = "stripe", _("Stripe")
    PAYTR = "paytr", _("PayTR")


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class Payment(models.Model):
    """One attempt to take money for a booking: a card checkout, cash handed to the driver, a bank transfer."""

    class State(models.TextChoices):
        CREATED = "created", _("Created")
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    Provider = Provider

    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, related_name="payments", verbose_name=_("booking")
    )
    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    amount = MoneyField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.CREATED, db_index=True)
    # Our handle at the provider (Stripe Checkout Session id, PayTR merchant_oid): how a webhook finds the payment.
    provider_reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    provider_payment_id = models.CharField(_("provider payment id"), max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=255, unique=True, default=new_idempotency_key)
    failure_reason = models.CharField(_("failure reason"), max_length=500, blank=True)
    # Money that cannot be kept or given back without a person: e.g. paid after the hold expired, refund failed.
    needs_attention = models.BooleanField(_("needs attention"), default=False, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        # Recording money received outside the card providers (cash, bank transfer) is its own right.
        permissions = [("mark_paid", _("Can mark a booking paid in cash or by bank transfer"))]
        constraints = [
            models.CheckConstraint(name="payment_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="payment_state_known",
                condition=Q(state__in=["created", "pending", "confirmed", "failed", "cancelled"]),
            ),
            models.CheckConstraint(
                name="payment_provider_known", condition=Q(provider__in=["cash", "bank", "stripe", "paytr"])
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="payment_provider_reference_unique",
            ),
            models.CheckConstraint(
                name="payment_confirmed_has_time",
                condition=~Q(state="confirmed") | Q(confirmed_at__isnull=False),
            ),
        ]
        indexes = [
            # Reconciliation: a provider's confirmed payments of some days (an index range, not the whole table).
            models.Index(
                fields=["provider", "confirmed_at"], condition=Q(state="confirmed"), name="payment_confirmed_by_day"
            ),
            # The payments list's currency filter: each currency found by one probe of this index
            # (gnb.payments.selectors.payment_currencies), not by reading every payment.
            models.Index(fields=["currency"], name="payment_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency} ({self.state})"


class Refund(models.Model):
    """Money given back on one payment. Several partial refunds may exist; together they never exceed it."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment"))
    # The payment's provider, copied so "unique per provider" is a database constraint.
    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    amount = MoneyField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED, db_index=True)
    reason = models.CharField(_("reason"), max_length=500)
    provider_reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    idempotency_key = models.CharField(max_length=255, unique=True, default=new_idempotency_key)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(name="refund_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="refund_state_known", condition=Q(state__in=["requested", "pending", "succeeded", "failed"])
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="refund_provider_reference_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["provider", "confirmed_at"], condition=Q(state="succeeded"), name="refund_succeeded_by_day"
            ),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} {self.currency} ({self.state})"


class ProviderEvent(models.Model):
    """A verified webhook or callback, stored (sanitised) with what it did.

    Only an event that was acted on blocks its duplicates (DESIGN.md §6.6): (provider, event_id) is unique among the
    events that are not ``refused``, so every delivery of an event acts at most once, while one that could not be
    applied to a payment or refund of ours (none matches, a wrong amount or currency) is kept with its outcome and
    does not stop a later, genuine delivery under the same id (PayTR's id is ``merchant_oid:status``).
    """

    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    event_id = models.CharField(_("event id"), max_length=255)
    kind = models.CharField(_("kind"), max_length=100)
    payload = models.JSONField(_("payload"), default=dict)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    refused = models.BooleanField(_("refused"), default=False)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], condition=Q(refused=False), name="provider_event_unique_unless_refused"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.event_id}"
