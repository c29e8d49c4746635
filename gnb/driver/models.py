"""The drivers' phone app: the devices a driver signed in on, and every command a phone sent, kept once.

A device is one signed-in browser on a driver's phone. Its session lasts 30 days from the sign-in, unless the
driver signs out or a dispatcher ends it (a lost phone); every request checks the row (``gnb.driver.middleware``).

A command is a press on the phone (a trip's status, cash taken) under the key the page gave it. The phone may send it
again (a lost answer, the offline outbox replaying), so the key is unique per driver and the stored outcome is the
answer to every repeat: the step or the payment happens exactly once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gnb.fleet.models import Driver, Trip


class DriverDevice(models.Model):
    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="devices", verbose_name=_("driver"))
    label = models.CharField(_("device"), max_length=120, help_text=_("From the browser's user agent."))
    # The language the driver chose in the app on this device; empty until they choose one.
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("driver's device")
        verbose_name_plural = _("drivers' devices")
        constraints = [
            models.CheckConstraint(
                name="driver_device_expires_after_sign_in", condition=Q(expires_at__gt=models.F("created_at"))
            ),
        ]
        indexes = [models.Index(fields=["driver", "ended_at"], name="driver_device_live")]

    def __str__(self) -> str:
        return f"{self.driver} — {self.label}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.ended_at is None and self.expires_at > now


class DriverCommand(models.Model):
    class Kind(models.TextChoices):
        STATUS = "status", _("Trip status")
        CASH = "cash", _("Cash collected")

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REFUSED = "refused", _("Refused")

    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="commands", verbose_name=_("driver"))
    # Made by the page (a uuid4 in the form), so a form sent twice carries the same key.
    key = models.CharField(_("key"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="+", verbose_name=_("trip"))
    payload = models.JSONField(_("what was sent"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"))
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("driver's command")
        verbose_name_plural = _("drivers' commands")
        constraints = [
            models.UniqueConstraint(fields=["driver", "key"], name="driver_command_unique_key"),
            models.CheckConstraint(name="driver_command_kind_known", condition=Q(kind__in=["status", "cash"])),
            models.CheckConstraint(
                name="driver_command_outcome_known", condition=Q(outcome__in=["applied", "refused"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.driver_id}:{self.key}"
