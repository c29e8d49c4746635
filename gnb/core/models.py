from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    # A default rather than auto_now_add, so a service can record the moment it was told ("now=") and history
    # imported or replayed keeps its real time.
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class MoneyField(models.DecimalField):
    """An amount of money: Decimal with two places, up to 99,999,999.99."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


class AuditEntry(models.Model):
    """One security-relevant event: who did what, when, to which object, and from where.

    Append-only: rows are written by :func:`gnb.core.audit.audit_record` and never changed or deleted by the
    application (the back office shows them read-only, to superusers only). Details never hold passwords, tokens or
    card numbers: ``audit_record`` scrubs them before the row is written.
    """

    class Action(models.TextChoices):
        LOGIN = "auth.login", _("Staff login")
        LOGIN_FAILED = "auth.login_failed", _("Failed login")
        LOGOUT = "auth.logout", _("Staff logout")
        GROUPS_CHANGED = "permission.groups_changed", _("User's groups changed")
        USER_PERMISSIONS_CHANGED = "permission.user_permissions_changed", _("User's permissions changed")
        USER_FLAGS_CHANGED = "permission.user_flags_changed", _("Staff, superuser or active flag changed")
        GROUP_PERMISSIONS_CHANGED = "permission.group_permissions_changed", _("Group's permissions changed")
        PRICE_ADDED = "price.added", _("Price added")
        PRICE_CHANGED = "price.changed", _("Price changed")
        PRICE_DELETED = "price.deleted", _("Price deleted")
        EXPORT_CSV = "export.csv", _("CSV export")
        REFUND_ISSUED = "refund.issued", _("Refund issued")
        ROLE_SET = "permission.role_set", _("Role assigned")
        OTP_ENROLLED = "auth.otp_enrolled", _("Two-factor authentication enrolled")
        OTP_FAILED = "auth.otp_failed", _("Two-factor code refused")
        OTP_RECOVERY_USED = "auth.otp_recovery_used", _("Recovery code used")
        OTP_RECOVERY_REGENERATED = "auth.otp_recovery_regenerated", _("Recovery codes regenerated")
        OTP_RESET = "auth.otp_reset", _("Two-factor authentication reset")
        ACCOUNT_DELETED = "account.deleted", _("Customer account deleted")
        PAYMENT_MARKED_PAID = "payment.marked_paid", _("Booking marked paid by hand")
        PAYMENT_CASH_RECORDED = "payment.cash_recorded", _("Cash collected recorded")
        API_KEY_CREATED = "api_key.created", _("API key created")
        API_KEY_REVOKED = "api_key.revoked", _("API key revoked")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True, editable=False)
    action = models.CharField(_("action"), max_length=64, choices=Action.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Kept as text too: the user may be deleted later, and a failed login has no user, only the name tried.
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("target type")
    )
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=256, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label or '-'}"


class SentTaskEmail(models.Model):
    """One row per queued email task that may rightly be sent again on a new request (account links, the manage
    link): the task's id is unique, so a task run twice (a worker killed mid-run, its task claimed again) sends
    once. Emails that a booking gets once have their own record (``SentEmail``).
    """

    # The task result's id: a UUID with the database queue, any short text with other backends.
    task_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=30)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a run started sending it (gnb.core.outbox.send_claimed): one run at a time sends.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} ({self.task_id})"
