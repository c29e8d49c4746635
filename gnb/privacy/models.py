"""What the privacy rules keep: each visitor's cookie consent decision, and each data subject request staff handled.

Neither holds a network address or a name: a consent decision is found again by the random id its cookie carries,
and a request by a keyed digest of the address it was about (the address itself may be erased by it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentDecision(models.Model):
    """One answer a visitor gave to the cookie question: the categories accepted, under which version of the text."""

    subject = models.CharField(_("visitor id"), max_length=32, db_index=True, editable=False)
    version = models.PositiveIntegerField(_("consent text version"), editable=False)
    categories = models.JSONField(_("categories accepted"), default=list, editable=False)
    language = models.CharField(_("language"), max_length=8, editable=False)
    decided_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True, editable=False)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("consent decision")
        verbose_name_plural = _("consent decisions")

    def __str__(self) -> str:
        return f"{self.subject} v{self.version}: {', '.join(self.categories) or '-'}"


class DataSubjectRequest(models.Model):
    """A traveller's request (export or erasure) handled by staff for the bookings made with one email address."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        ERASURE = "erasure", _("Erasure")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, editable=False)
    # HMAC of the normalised address: a repeated request can be matched without keeping the address it erased.
    email_digest = models.CharField(_("email digest"), max_length=64, db_index=True, editable=False)
    bookings = models.PositiveIntegerField(_("bookings"), editable=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True, editable=False)

    class Meta:
        ordering = ["-handled_at", "-pk"]
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")
        permissions = [("handle_datasubjectrequest", _("Can export and erase a traveller's data"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["export", "erasure"]), name="dsr_kind_known")
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.bookings})"
