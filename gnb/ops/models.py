"""What operations keeps about itself: backup runs and alert state."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class BackupRun(models.Model):
    """One ``backup create`` or ``backup drill``, whatever its outcome; health reads the last success from here."""

    class Kind(models.TextChoices):
        CREATE = "create", "create"
        DRILL = "drill", "drill"

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    name = models.CharField(max_length=100, blank=True, help_text="Backup set name, e.g. gnb-20261125T030000Z")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    database_engine = models.CharField(max_length=20, blank=True)
    raw_bytes = models.BigIntegerField(default=0, help_text="Size before compression and encryption")
    stored_bytes = models.BigIntegerField(default=0, help_text="Size written to each target")
    targets = models.JSONField(default=list, blank=True, help_text="Names of the targets the set was stored in")
    manifest = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("-started_at",)
        indexes = [models.Index(fields=["kind", "status", "-finished_at"], name="ops_backup_last_success")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="running") | models.Q(finished_at__isnull=False),
                name="ops_backup_finished_when_done",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name or self.pk} {self.status}"


class AlertState(models.Model):
    """One incident per key: firing once sends one message, repeats are counted, resolving sends one more."""

    class Status(models.TextChoices):
        FIRING = "firing", "firing"
        RESOLVED = "resolved", "resolved"

    key = models.CharField(max_length=100, unique=True, help_text="Stable incident key, e.g. backup.failed")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FIRING)
    severity = models.CharField(max_length=10, default="error")
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    fire_count = models.PositiveIntegerField(default=1)
    first_fired_at = models.DateTimeField(default=timezone.now)
    last_fired_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the last message went out")
    resolved_at = models.DateTimeField(null=True, blank=True)
    external_ref = models.JSONField(default=dict, blank=True, help_text="Per channel, e.g. the GitHub issue number")

    class Meta:
        ordering = ("-last_fired_at",)

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
