"""Errors of the backup services. Each one says what is wrong in words an operator can act on."""

from __future__ import annotations


class BackupError(Exception):
    """A backup operation could not be done; ``str(error)`` is the operator-facing explanation."""


class DecryptionError(BackupError):
    """A sealed file failed authentication: wrong key, flipped bytes, reordered, dropped or missing chunks."""

    def __init__(self, detail: str = "") -> None:
        message = "cannot decrypt: wrong key or tampered file"
        super().__init__(f"{message} ({detail})" if detail else message)
        self.detail = detail


class TargetError(BackupError):
    """A storage target failed. ``permanent`` errors need an operator (bad bucket, credentials, permissions);
    the others (network, throttling, a full disk that may be cleaned up) may pass on retry."""

    def __init__(self, target: str, message: str, *, permanent: bool) -> None:
        kind = "permanent" if permanent else "temporary"
        super().__init__(f"target {target}: {message} ({kind} error)")
        self.target = target
        self.permanent = permanent
