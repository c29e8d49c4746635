from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SentEmail(models.Model):
    """One row per email a booking should get once; the unique keys make a re-run task send nothing twice.

    Confirmation and cancellation happen once in a booking's life, so they are unique per booking and kind. A
    booking's details can change many times, so each "details changed" email belongs to the history event of that
    change (``event``) and is unique per event. Payment emails belong to one Payment or Refund (``object_id``) and
    are unique per kind and object.
    """

    booking = models.ForeignKey("bookings.Booking", on_delete=models.CASCADE, related_name="sent_emails")
    kind = models.CharField(max_length=30)
    event = models.ForeignKey(
        "bookings.BookingEvent", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The Payment or Refund a payment email is about (kinds payment_received, payment_failed, refund_issued): each
    # gets its email once, however many attempts a booking has.
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    recipient = models.EmailField()
    language = models.CharField(max_length=8)
    # When a run of the sending task started sending it (gnb.core.outbox.send_claimed): one run at a time sends.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sent email")
        verbose_name_plural = _("sent emails")
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind"],
                condition=Q(event__isnull=True, object_id__isnull=True),
                name="sent_email_once_per_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "object_id"], condition=Q(object_id__isnull=False), name="sent_email_once_per_object"
            ),
            models.UniqueConstraint(
                fields=["event", "kind"], condition=Q(event__isnull=False), name="sent_email_once_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}"


class ContactMessage(models.Model):
    """A message sent with the website's contact form, kept so that none is lost when the mail server is down.

    The sending task reads it by primary key and marks it sent; staff see every message in the back office.
    """

    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    message = models.TextField(_("message"), max_length=5000)
    language = models.CharField(_("language"), max_length=8)
    booking_reference = models.CharField(_("booking reference"), max_length=13, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    # When a run of the forwarding task started sending it (gnb.core.outbox.send_claimed).
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
