import uuid

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


class TokenFamily(models.Model):
    """One sign-in through the API (``POST /api/v1/auth/token``) and every refresh token rotated from it.

    Revoking the family ends the sign-in: its refresh tokens stop working, and so do its access tokens, which name
    their family (claim ``fam``) and are checked against this row on every request. ``password_fingerprint`` is a
    keyed hash of the user's password hash when the family began: once the password changes it no longer matches
    and the family is refused (gnb/accounts/api_tokens.py says why this and not a signal).
    """

    class RevokedReason(models.TextChoices):
        LOGOUT = "logout", _("Signed out")
        REUSE = "reuse", _("Refresh token used twice")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        INACTIVE = "inactive", _("Account deactivated")
        STAFF = "staff", _("Ended by staff")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="token_families")
    password_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    # However often it is refreshed, a sign-in ends here: the user enters their password again.
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, choices=RevokedReason.choices, blank=True)

    class Meta:
        verbose_name = _("API sign-in")
        verbose_name_plural = _("API sign-ins")
        constraints = [
            models.CheckConstraint(
                name="token_family_revoked_with_reason",
                condition=Q(revoked_at__isnull=True, revoked_reason="")
                | Q(revoked_at__isnull=False) & ~Q(revoked_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class RefreshToken(models.Model):
    """A refresh token, kept only as the SHA-256 of the random string the client holds. Used once: refreshing
    marks it used and issues the next one of the same family; presenting a used one revokes the family."""

    family = models.ForeignKey(TokenFamily, on_delete=models.CASCADE, related_name="refresh_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("refresh token")
        verbose_name_plural = _("refresh tokens")

    def __str__(self) -> str:
        return f"{self.family_id} #{self.pk}"


class ApiScope(models.TextChoices):
    CATALOGUE_READ = "catalogue:read", _("Read the catalogue")
    QUOTES = "quotes", _("Price transfers and tours")
    BOOKINGS_WRITE = "bookings:write", _("Place bookings")
    BOOKINGS_READ = "bookings:read", _("List the bookings placed with the key")


class ApiKey(models.Model):
    """A partner's key to the API. The client holds ``gnb_<prefix>_<secret>``; only the prefix (to find the row)
    and the SHA-256 of the secret are stored, so the key is shown once, when it is made, and never again."""

    name = models.CharField(_("name"), max_length=100, help_text=_("Who uses the key, e.g. the partner's name."))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} (gnb_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
