from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Staff, drivers and customers. Custom from the first migration so fields can be added without pain.

    Customers sign in on the website with their email address (``gnb.accounts.backends.EmailBackend``), so a
    non-empty address belongs to one account only, ignoring case. Staff keep their username for the back office.
    """

    email = models.EmailField(_("email address"), blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True)
    # When the owner of ``email`` proved it by following a link sent there; None until then, and again after the
    # address changes. Bookings are linked to the account only through a verified address.
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)

    class Meta:
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="user_email_unique_ci"),
        ]

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None and bool(self.email)


class SavedPassenger(models.Model):
    """A traveller a customer books for often, kept to fill in passenger names on the booking form."""

    class Category(models.TextChoices):
        # The same values as a booking's passengers (gnb.bookings.models.Passenger.Category).
        ADULT = "adult", _("Adult")
        CHILD = "child", _("Child")
        INFANT = "infant", _("Infant")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_passengers")
    first_name = models.CharField(_("first name"), max_length=60)
    last_name = models.CharField(_("last name"), max_length=60)
    category = models.CharField(_("category"), max_length=6, choices=Category.choices)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["user", "created_at", "pk"]
        verbose_name = _("saved passenger")
        verbose_name_plural = _("saved passengers")
        constraints = [
            models.CheckConstraint(name="saved_passenger_named", condition=~Q(first_name="") & ~Q(last_name="")),
            models.CheckConstraint(
                name="saved_passenger_category_known", condition=Q(category__in=["adult", "child", "infant"])
            ),
            models.CheckConstraint(
                name="saved_passenger_birth_year_plausible",
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"
