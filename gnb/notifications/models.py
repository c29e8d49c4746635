from django.db import models


class SentEmail(models.Model):
    """One row per email a booking should get once; the unique key makes a re-run task send nothing twice."""

    booking = models.ForeignKey("bookings.Booking", on_delete=models.CASCADE, related_name="sent_emails")
    kind = models.CharField(max_length=30)
    recipient = models.EmailField()
    language = models.CharField(max_length=8)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["booking", "kind"], name="sent_email_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}"
