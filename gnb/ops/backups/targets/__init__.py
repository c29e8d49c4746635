"""The backup targets, by name. Adding one: a module with a ``Target`` subclass and one line in ``REGISTRY``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.conf import settings

from gnb.ops.backups.errors import BackupError
from gnb.ops.backups.targets.base import StoredSet, Target
from gnb.ops.backups.targets.local import LocalTarget
from gnb.ops.backups.targets.s3 import S3Target

REGISTRY: dict[str, Callable[[], Target]] = {
    "local": LocalTarget.from_settings,
    "s3": S3Target.from_settings,
}

__all__ = ["REGISTRY", "LocalTarget", "S3Target", "StoredSet", "Target", "configured_targets"]


def configured_targets(names: Sequence[str] | None = None) -> list[Target]:
    """The targets in ``BACKUP_TARGETS`` order, or just ``names`` (which must be among them)."""
    configured = list(settings.BACKUP_TARGETS)
    chosen = list(names) if names else configured
    for name in chosen:
        if name not in REGISTRY:
            raise BackupError(f"unknown backup target {name!r}; known: {', '.join(sorted(REGISTRY))}")
        if name not in configured:
            raise BackupError(f"backup target {name!r} is not configured; BACKUP_TARGETS is {','.join(configured)}")
    return [REGISTRY[name]() for name in chosen]
